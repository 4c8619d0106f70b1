/* test_units.c — the one way durations and sizes are written (rules/units.h),
 * at every step boundary, and the template filters that put rule fields
 * through them ({since_354:duration}, {body_bytes:size}, {...:bytes}). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "decode/addr.h"
#include "decode/smtp_internal.h" /* txn_open */
#include "decode/smtp_parser.h"
#include "decode/smtp_session.h"
#include "rules/rule_lang.h"
#include "rules/units.h"
#include "ui/output/text_format.h"

#define MS(x) ((int64_t)(x) * 1000)
#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600) /* 2026-11-20 03:00:00 UTC */

static struct smtp_config scfg;

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

static const char *dur(int64_t us)
{
	static char b[UNITS_STRLEN];
	format_duration(b, sizeof b, us);
	return b;
}

static const char *dur_s(double s)
{
	static char b[UNITS_STRLEN];
	format_duration_s(b, sizeof b, s);
	return b;
}

static const char *size(uint64_t n)
{
	static char b[UNITS_STRLEN];
	format_size(b, sizeof b, n);
	return b;
}

static void test_durations(void)
{
	CHECK_EQ_STR(dur(-1), "-"); /* unknown */
	CHECK_EQ_STR(dur(0), "0 s");
	CHECK_EQ_STR(dur(1), "1 us");
	CHECK_EQ_STR(dur(999), "999 us");
	CHECK_EQ_STR(dur(1000), "1 ms");
	CHECK_EQ_STR(dur(8400), "8 ms");
	CHECK_EQ_STR(dur(MS(999)), "999 ms");
	CHECK_EQ_STR(dur(999499), "999 ms");
	CHECK_EQ_STR(dur(999500), "1.0 s"); /* rounds up into the next step, never "1000 ms" */
	CHECK_EQ_STR(dur(MS(1000)), "1.0 s");
	CHECK_EQ_STR(dur(MS(4200)), "4.2 s");
	CHECK_EQ_STR(dur(9949999), "9.9 s");
	CHECK_EQ_STR(dur(MS(9950)), "10 s");
	CHECK_EQ_STR(dur(SEC(10)), "10 s");
	CHECK_EQ_STR(dur(MS(25400)), "25 s");
	CHECK_EQ_STR(dur(MS(59400)), "59 s");
	CHECK_EQ_STR(dur(MS(59900)), "60 s");
	CHECK_EQ_STR(dur(SEC(60)), "60 s");
	CHECK_EQ_STR(dur(MS(119499)), "119 s");
	CHECK_EQ_STR(dur(MS(119500)), "2m00s"); /* never "120 s" */
	CHECK_EQ_STR(dur(SEC(120)), "2m00s");
	CHECK_EQ_STR(dur(SEC(300)), "5m00s");
	CHECK_EQ_STR(dur(SEC(312)), "5m12s");
	CHECK_EQ_STR(dur(MS(3599499)), "59m59s");
	CHECK_EQ_STR(dur(MS(3599500)), "1h00m");
	CHECK_EQ_STR(dur(SEC(3600)), "1h00m");
	CHECK_EQ_STR(dur(SEC(2 * 3600 + 5 * 60)), "2h05m");
	CHECK_EQ_STR(dur(SEC(4 * 3600 + 20)), "4h00m");
	CHECK_EQ_STR(dur(SEC(86400 - 31)), "23h59m");
	CHECK_EQ_STR(dur(SEC(86400 - 30)), "1d00h"); /* never "24h00m" */
	CHECK_EQ_STR(dur(SEC(86400)), "1d00h");
	CHECK_EQ_STR(dur(SEC(47 * 3600 + 29 * 60)), "1d23h");
	CHECK_EQ_STR(dur(SEC(2 * 86400 - 180)), "2d00h");
	CHECK_EQ_STR(dur(SEC(400 * 86400)), "400d00h");
	CHECK_EQ_STR(dur(INT64_MAX), "106751991d04h"); /* no overflow in the rounding */
	CHECK_EQ_STR(dur(INT64_MIN), "-");

	CHECK_EQ_STR(dur_s(-0.001), "-");
	CHECK_EQ_STR(dur_s(NAN), "-");
	CHECK_EQ_STR(dur_s(0), "0 s");
	CHECK_EQ_STR(dur_s(0.0009994), "999 us");
	CHECK_EQ_STR(dur_s(0.00835), "8 ms");
	CHECK_EQ_STR(dur_s(0.999), "999 ms");
	CHECK_EQ_STR(dur_s(1.0), "1.0 s");
	CHECK_EQ_STR(dur_s(59.9), "60 s");
	CHECK_EQ_STR(dur_s(299.98), "5m00s");
	CHECK_EQ_STR(dur_s(172809.97), "2d00h");
	CHECK_EQ_STR(dur_s(1e30), "106751991d04h"); /* clamped, not undefined */
	CHECK_EQ_STR(dur_s(INFINITY), "106751991d04h");

	char tiny[4];
	format_duration(tiny, sizeof tiny, SEC(300)); /* cut, still terminated */
	CHECK_EQ_STR(tiny, "5m0");
}

static void test_sizes(void)
{
	CHECK_EQ_STR(size(0), "0 B");
	CHECK_EQ_STR(size(1), "1 B");
	CHECK_EQ_STR(size(1023), "1023 B");
	CHECK_EQ_STR(size(1024), "1.0 KB");
	CHECK_EQ_STR(size(1448), "1.4 KB");
	CHECK_EQ_STR(size(10496), "10.2 KB"); /* 10.25: ties to even, as %.1f wrote it */
	CHECK_EQ_STR(size(18802), "18.4 KB");
	CHECK_EQ_STR(size(1048575), "1.0 MB"); /* never "1024.0 KB" */
	CHECK_EQ_STR(size(1048576), "1.0 MB");
	CHECK_EQ_STR(size(1258291), "1.2 MB");
	CHECK_EQ_STR(size(1073741823), "1.0 GB");
	CHECK_EQ_STR(size(3ULL << 30), "3.0 GB");
	CHECK_EQ_STR(size(1ULL << 40), "1.0 TB");
	CHECK_EQ_STR(size(UINT64_MAX), "16.0 EB");
	char b[UNITS_STRLEN];
	format_size_exact(b, sizeof b, 1448);
	CHECK_EQ_STR(b, "1448 B");
	format_size_exact(b, sizeof b, UINT64_MAX);
	CHECK_EQ_STR(b, "18446744073709551615 B");
}

/* --- template filters --------------------------------------------------------------- */

static char got_msg[1024];
static int got_n;

static void on_alert(void *ctx, const struct alert *a)
{
	(void)ctx;
	got_n++;
	snprintf(got_msg, sizeof got_msg, "%s", a->message);
}

/* A session reset by the server in the body: 18802 bytes sent, the 354 at
 * start + 1 s, the end 8.4 ms later; the server timed the client out after
 * 300 s of silence. */
static struct smtp_session *reset_in_body(void)
{
	struct smtp_session *s = smtp_session_new(1, &scfg, NULL);
	s->client = ip("192.0.2.10");
	s->server = ip("198.51.100.20");
	s->client_port = 40000;
	s->server_port = 25;
	s->start_ts = T0;
	s->end_ts = T0 + SEC(1) + 8400;
	s->syn_seen = s->synack_seen = true;
	s->state = ST_BODY;
	s->end_reason = END_RST;
	s->end_by = s->rst_by = SIDE_SERVER;
	s->server_timeout = true;
	s->client_silent_us = SEC(300);
	struct smtp_txn *t = txn_open(s, T0 + MS(100));
	t->outcome = OUT_ABORTED;
	t->data_started = true;
	t->data_ts = T0 + MS(900);
	t->body_ts = T0 + SEC(1);
	t->data_bytes = 18802;
	return s;
}

/* The message a session_end rule with this template renders for s, or the
 * load error. */
static const char *render(const struct smtp_session *s, const char *tmpl)
{
	static char err[512];
	char text[1024];
	snprintf(text, sizeof text, "rule t on session_end message \"%s\"\n", tmpl);
	struct rule_set *rs = rules_load_string("t.rules", text, err, sizeof err);
	if (!rs)
		return err;
	struct rule_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SESSION_END;
	ev.ts_us = s->end_ts;
	ev.session = s;
	ev.outbound = true;
	got_n = 0;
	got_msg[0] = '\0';
	rules_eval(rs, &ev, on_alert, NULL);
	rules_free(rs);
	return got_n == 1 ? got_msg : "(no alert)";
}

static void test_filters(void)
{
	struct smtp_session *s = reset_in_body();
	/* the figures of the rst-mid-data message, and the raw numbers beside them */
	CHECK_EQ_STR(render(s, "{body_bytes:size} sent, {since_354:duration} after 354"),
		     "18.4 KB sent, 8 ms after 354");
	CHECK_EQ_STR(render(s, "{body_bytes} {since_354}"), "18802 0.01");
	CHECK_EQ_STR(render(s, "{body_bytes:bytes}"), "18802 B");
	CHECK_EQ_STR(render(s, "{duration:duration} {client_silent:duration}"), "1.0 s 5m00s");
	/* a null field: the fallback text, with or without a filter */
	s->txn_head->body_ts = 0;
	CHECK_EQ_STR(render(s, "[{since_354:duration}] [{since_354:duration|not reached}]"),
		     "[-] [not reached]");
	s->server_timeout = false;
	s->client_silent_us = 0;
	CHECK_EQ_STR(render(s, "{client_silent:duration|none}"), "none");
	/* a filter on something that is not a number of its kind is a load error */
	CHECK_EQ_STR(render(s, "{body_bytes:duration}"),
		     "t.rules:1:44: {body_bytes:duration} needs a duration, and body_bytes is a size");
	CHECK_EQ_STR(render(s, "{since_354:size}"),
		     "t.rules:1:43: {since_354:size} needs a size, and since_354 is a duration");
	CHECK_EQ_STR(render(s, "{client_packets:bytes}"),
		     "t.rules:1:48: {client_packets:bytes} needs a size, and client_packets is a plain number");
	CHECK_EQ_STR(render(s, "{server:size}"),
		     "t.rules:1:40: {server:size} needs a size, and server is not a number");
	CHECK_EQ_STR(render(s, "{since_354:age}"),
		     "t.rules:1:43: unknown filter 'age' (duration, size, bytes)");
	CHECK_EQ_STR(render(s, "{since_354:}"),
		     "t.rules:1:43: a filter is a word (duration, size, bytes) followed by '}' or '|'");
	CHECK_EQ_STR(render(s, "{since_354:duration"), "t.rules:1:43: a filter is a word "
							   "(duration, size, bytes) followed by '}' or '|'");
	CHECK_EQ_STR(render(s, "{since_354:Duration}"), "t.rules:1:43: a filter is a word "
							    "(duration, size, bytes) followed by '}' or '|'");
	CHECK_EQ_STR(render(s, "{rule:duration}"),
		     "t.rules:1:38: {rule:duration} needs a duration, and rule is not a number");
	smtp_session_free(s);
}

/* The aggregation's figures: {window} as every duration, {interval:duration}. */
static void test_aggregate_figures(void)
{
	char err[512];
	struct rule_set *rs = rules_load_string(
		"t.rules",
		"rule t on session_end count 2 within 90m by host\n"
		"  message \"{count} within {window}, every {interval:duration} ({interval})\"\n",
		err, sizeof err);
	CHECK(rs != NULL);
	if (!rs) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	struct smtp_session *s = reset_in_body();
	struct rule_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SESSION_END;
	ev.session = s;
	ev.outbound = true;
	got_n = 0;
	ev.ts_us = T0;
	rules_eval(rs, &ev, on_alert, NULL);
	ev.ts_us = T0 + MS(150400);
	rules_eval(rs, &ev, on_alert, NULL);
	CHECK_EQ_INT(got_n, 1);
	CHECK_EQ_STR(got_msg, "2 within 1h30m, every 2m30s (150.4)");
	rules_free(rs);
	smtp_session_free(s);
	/* {count} is a count: no filter takes it */
	rs = rules_load_string("t.rules",
			       "rule t on session_end count 2 within 1m message \"{count:duration}\"\n",
			       err, sizeof err);
	CHECK(rs == NULL);
	CHECK_EQ_STR(err, "t.rules:1:57: {count:duration} needs a duration, and count is a plain number");
	rules_free(rs);
}

/* The report's wrapping never leaves a figure at the end of a line and its
 * unit at the start of the next. */
static const char *wrapped(const char *lead, const char *text)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	if (!f)
		return "(fmemopen failed)";
	txt_wrapped(f, lead, 4, text);
	fclose(f);
	return buf;
}

/* "A" * n, then text. */
static const char *after_word(size_t n, const char *text)
{
	static char buf[256];
	memset(buf, 'A', n);
	snprintf(buf + n, sizeof buf - n, " %s", text);
	return buf;
}

static void test_wrapping(void)
{
	char word[128], want[256];
	memset(word, 'A', sizeof word);
	/* "18.4" would end at column 98 and "KB" at 101: both go down */
	word[93] = '\0';
	snprintf(want, sizeof want, "%s\n    18.4 KB sent\n", word);
	CHECK_EQ_STR(wrapped("", after_word(93, "18.4 KB sent")), want);
	/* with the punctuation after the unit */
	word[93] = 'A';
	word[95] = '\0';
	snprintf(want, sizeof want, "%s\n    8 ms, next\n", word);
	CHECK_EQ_STR(wrapped("", after_word(95, "8 ms, next")), want);
	word[95] = 'A';
	word[94] = '\0';
	snprintf(want, sizeof want, "%s\n    6.2 s)\n", word);
	CHECK_EQ_STR(wrapped("", after_word(94, "6.2 s)")), want);
	/* not units: a count's noun, a word after a reply code */
	word[94] = 'A';
	word[95] = '\0';
	snprintf(want, sizeof want, "%s 3\n    SYNs\n", word);
	CHECK_EQ_STR(wrapped("", after_word(95, "3 SYNs")), want);
	word[95] = 'A';
	word[93] = '\0';
	snprintf(want, sizeof want, "%s 354\n    sent\n", word);
	CHECK_EQ_STR(wrapped("", after_word(93, "354 sent")), want);
	/* after the lead, and nothing to move */
	CHECK_EQ_STR(wrapped("  last error  ", "in 1.8/min, 5m00s after 354"),
		     "  last error  in 1.8/min, 5m00s after 354\n");
}

int main(void)
{
	smtp_config_default(&scfg);
	scfg.tr_head = scfg.tr_tail = 0;
	test_durations();
	test_sizes();
	test_filters();
	test_aggregate_figures();
	test_wrapping();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
