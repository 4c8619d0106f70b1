/* test_metrics.c — ui/metrics*.c on a host model fed by hand: the per-host
 * _total counters, and host="other" staying monotonic (a counter) while
 * hosts move in and out of the listed ones (metrics.c, carry_other), with
 * the values doc/metrics.md promises; histogram bounds are inclusive. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "rules/host_model.h"
#include "decode/mem.h"
#include "ui/output/metrics.h"
#include "decode/smtp_internal.h"
#include "check.h"

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600)
#define GW "192.0.2.10"
#define A "198.51.100.1"
#define B "198.51.100.2"

static struct smtp_config scfg;
static uint64_t next_id;
static int64_t now = T0;

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

/* One outbound session to srv carrying one message, accepted (250) or
 * deferred (451); a new message each time. */
static void deliver(struct host_model *hm, const char *srv, bool accepted)
{
	now += SEC(60);
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip(GW);
	s->server = ip(srv);
	s->client_port = (uint16_t)(40000 + next_id);
	s->server_port = 25;
	s->start_ts = now;
	s->end_ts = now + SEC(1);
	s->syn_seen = s->synack_seen = true;
	s->has_banner = true;
	s->banner.code = 220;
	s->banner.ts_us = now;
	s->helo = arena_strndup(&s->arena, "gw.example.com", 14);
	struct smtp_txn *x = txn_open(s, now + 100000);
	x->mail_from = arena_strndup(&s->arena, "a@example.com", 13);
	struct smtp_rcpt *r = txn_add_rcpt(s, x, "b@example.net", 13);
	r->status = RCPT_ACCEPTED;
	r->code = 250;
	char id[32];
	int n = snprintf(id, sizeof id, "<%llu@gw>", (unsigned long long)next_id);
	x->message_id = arena_strndup(&s->arena, id, (size_t)n);
	x->data_started = true;
	x->data_bytes = 1000;
	x->data_complete = true;
	struct smtp_reply rep;
	memset(&rep, 0, sizeof rep);
	rep.ts_us = now + 500000;
	rep.code = accepted ? 250 : 451;
	txn_finish(s, x, accepted ? OUT_ACCEPTED : OUT_DEFERRED, &rep, rep.ts_us);
	s->state = ST_QUIT;
	s->end_reason = END_QUIT;
	s->end_by = SIDE_CLIENT;
	s->quit_acked = true;
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	smtp_session_free(s);
}

static char text[1 << 16];

static void expose(struct metrics *m, struct host_model *hm, const char *path)
{
	struct dec_stats none;
	memset(&none, 0, sizeof none);
	struct metrics_view v = { .dec = &none, .hm = hm };
	char err[256];
	CHECK(metrics_write(m, &v, err, sizeof err) == 0);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	text[n] = '\0';
	if (f)
		fclose(f);
}

/* The value of the series whose line starts with `series` + ' ', or -1. */
static long long value(const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

#define SESSIONS(h) "smtpscope_host_sessions_total{host=\"" h "\",role=\"server\"}"
#define OTHER "smtpscope_host_sessions_total{host=\"other\",role=\"server\"}"

static void test_other_is_a_counter(const char *path)
{
	struct ip_prefix gwp;
	CHECK(prefix_parse(GW "/32", &gwp));
	struct host_model_config cfg = { .gateway = &gwp, .ngateway = 1, .window_us = SEC(3600),
					  .max_hosts = 1000 };
	struct host_model *hm = hm_new(&cfg);
	struct metrics *m = metrics_new(path, 15, 1); /* one host listed */

	/* A: 2 deferred (retry, 2 pending); B: 3 accepted (ready): A listed */
	deliver(hm, A, false);
	deliver(hm, A, false);
	for (int i = 0; i < 3; i++)
		deliver(hm, B, true);
	expose(m, hm, path);
	CHECK_EQ_INT(value(SESSIONS(A)), 2);
	CHECK_EQ_INT(value(SESSIONS(B)), -1);
	CHECK_EQ_INT(value(OTHER), 3); /* first exposition: exactly the others */
	CHECK_EQ_INT(value("smtpscope_host_pending{host=\"" A "\",role=\"server\"}"), 2);
	CHECK_EQ_INT(value("smtpscope_host_deferred_total{host=\"" A "\",role=\"server\"}"), 2);
	CHECK_EQ_INT(value("smtpscope_host_accepted_total{host=\"other\",role=\"server\"}"), 3);

	/* B: 3 deferred (pending 3 > A's 2): B listed; A gets one accepted and
	 * leaves the list.  other = 3 + A's growth since it was last listed
	 * (1) = 4; B's 3 new sessions are counted in its own series only */
	for (int i = 0; i < 3; i++)
		deliver(hm, B, false);
	deliver(hm, A, true);
	expose(m, hm, path);
	CHECK_EQ_INT(value(SESSIONS(B)), 6);
	CHECK_EQ_INT(value(SESSIONS(A)), -1);
	CHECK_EQ_INT(value(OTHER), 4);

	/* A: 4 deferred (pending 6): A listed again, B leaves without having
	 * grown since it was listed: other stays 4 (a plain sum of who is not
	 * listed would jump to B's 6 here, and fall again when B comes back) */
	for (int i = 0; i < 4; i++)
		deliver(hm, A, false);
	expose(m, hm, path);
	CHECK_EQ_INT(value(SESSIONS(A)), 7);
	CHECK_EQ_INT(value(OTHER), 4);

	/* B grows while not listed: other follows it */
	deliver(hm, B, true);
	expose(m, hm, path);
	CHECK_EQ_INT(value(OTHER), 5);

	/* nothing new: nothing moves */
	expose(m, hm, path);
	CHECK_EQ_INT(value(OTHER), 5);
	CHECK_EQ_INT(value(SESSIONS(A)), 7);
	/* the gauges are plain sums of who is not listed */
	CHECK_EQ_INT(value("smtpscope_host_pending{host=\"other\",role=\"server\"}"), 3);

	/* new hosts that fit in the list never reach other */
	struct metrics *m2 = metrics_new(path, 15, 20);
	expose(m2, hm, path);
	long long before = value(OTHER);
	deliver(hm, "198.51.100.3", true);
	deliver(hm, "198.51.100.4", false);
	expose(m2, hm, path);
	CHECK_EQ_INT(before, 0);
	CHECK_EQ_INT(value(OTHER), 0);
	CHECK_EQ_INT(value(SESSIONS("198.51.100.3")), 1);
	metrics_free(m2);
	CHECK_EQ_INT(value("smtpscope_hosts{status=\"retry\"}"), 2);

	metrics_free(m);
	hm_free(hm);
}

static void test_histogram_bounds(const char *path)
{
	struct metrics *m = metrics_new(path, 15, 0);
	metrics_relay_delay(m, 60);    /* on a bound: in that bucket (le is <=) */
	metrics_relay_delay(m, 60.5);
	metrics_relay_delay(m, 1e9);   /* beyond the last bound: +Inf only */
	metrics_relay_delay(m, -1);    /* meaningless: not counted */
	expose(m, NULL, path);
	CHECK_EQ_INT(value("smtpscope_relay_delay_seconds_bucket{le=\"30\"}"), 0);
	CHECK_EQ_INT(value("smtpscope_relay_delay_seconds_bucket{le=\"60\"}"), 1);
	CHECK_EQ_INT(value("smtpscope_relay_delay_seconds_bucket{le=\"300\"}"), 2);
	CHECK_EQ_INT(value("smtpscope_relay_delay_seconds_bucket{le=\"86400\"}"), 2);
	CHECK_EQ_INT(value("smtpscope_relay_delay_seconds_bucket{le=\"+Inf\"}"), 3);
	CHECK_EQ_INT(value("smtpscope_relay_delay_seconds_count"), 3);
	/* top 0: no host listed, everything in other */
	CHECK_EQ_INT(value(OTHER), 0);
	metrics_free(m);
}

int main(void)
{
	char path[] = "/tmp/smtpscope-test-metrics-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	smtp_config_default(&scfg);
	test_other_is_a_counter(path);
	test_histogram_bounds(path);
	if (getenv("KEEP")) printf("%s\n", path); else unlink(path);
	CHECK_DONE();
}
