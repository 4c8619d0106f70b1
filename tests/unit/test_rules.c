/* test_rules.c — the rule language (rules/rule_*.c): load errors with exact
 * positions, every operator, regexes, ranges, nulls, aggregation windows and
 * the group cap, templates, disabled and replaced rules, the field getters
 * and the default rule set, on sessions built by hand. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "decode/mem.h"
#include "rules/rule_fields.h"
#include "rules/rule_lang.h"
#include "decode/smtp_internal.h"
#include "check.h"

#ifndef SRCDIR
#define SRCDIR "." /* automake: -DSRCDIR='"$(abs_top_srcdir)"' for VPATH builds */
#endif

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600) /* 2026-11-20 03:00:00 UTC */

static struct smtp_config scfg;

/* --- helpers ------------------------------------------------------------------------ */

static char tmpdir[] = "/tmp/test_rules.XXXXXX";
static int nfiles;

/* Writes text to a new file in tmpdir; returns its path (static storage). */
static const char *write_file(const char *name, const char *text)
{
	static char paths[32][256];
	char *p = paths[nfiles++ % 32];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	return p;
}

/* Loads one file and returns the error (with the tmpdir prefix removed), or
 * "" when it loaded. */
static const char *load_err(const char *text)
{
	static char err[512];
	const char *path = write_file("t.rules", text);
	struct rule_set *rs = rules_load(&path, 1, NULL, 0, err, sizeof err);
	if (rs) {
		rules_free(rs);
		return "";
	}
	size_t dl = strlen(tmpdir);
	for (char *p; (p = strstr(err, tmpdir)) != NULL;)
		memmove(p, p + dl + 1, strlen(p + dl + 1) + 1);
	return err;
}

static struct rule_set *load_text(const char *text)
{
	char err[512];
	struct rule_set *rs = rules_load_string("test", text, err, sizeof err);
	if (!rs)
		fprintf(stderr, "load failed: %s\n", err);
	return rs;
}

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

static void set_reply(struct smtp_reply *r, int64_t ts, unsigned code, const char *enh,
		      const char *text)
{
	memset(r, 0, sizeof *r);
	r->ts_us = ts;
	r->code = (uint16_t)code;
	r->lines = 1;
	snprintf(r->enhanced, sizeof r->enhanced, "%s", enh);
	snprintf(r->text, sizeof r->text, "%s", text);
}

/* An outbound session 192.0.2.10 -> srv, greeted, ended by QUIT. */
static struct smtp_session *mk(uint64_t id, const char *srv, int64_t t)
{
	struct smtp_session *s = smtp_session_new(id, &scfg, NULL);
	s->client = ip("192.0.2.10");
	s->server = ip(srv);
	s->client_port = 40000;
	s->server_port = 25;
	s->start_ts = t;
	s->end_ts = t + SEC(2);
	s->syn_seen = s->synack_seen = true;
	s->has_banner = true;
	set_reply(&s->banner, t + 10000, 220, "", "mx.example.org ESMTP Postfix");
	s->helo = arena_strndup(&s->arena, "gw.example.com", 14);
	s->state = ST_QUIT;
	s->end_reason = END_QUIT;
	s->end_by = SIDE_CLIENT;
	s->tcp[SIDE_CLIENT].packets = 12;
	s->tcp[SIDE_SERVER].packets = 10;
	return s;
}

static struct smtp_txn *add_txn(struct smtp_session *s, int64_t t, const char *from,
				const char *rcpts)
{
	struct smtp_txn *x = txn_open(s, t);
	x->mail_from = arena_strndup(&s->arena, from, strlen(from));
	while (rcpts && *rcpts) {
		size_t n = strcspn(rcpts, ",");
		struct smtp_rcpt *r = txn_add_rcpt(s, x, rcpts, n);
		r->status = RCPT_ACCEPTED;
		r->code = 250;
		rcpts += n + (rcpts[n] == ',');
	}
	return x;
}

static struct rule_event sess_ev(const struct smtp_session *s)
{
	struct rule_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SESSION_END;
	ev.ts_us = s->end_ts;
	ev.session = s;
	ev.outbound = true;
	return ev;
}

static struct rule_event reply_ev(const struct smtp_session *s, const struct smtp_reply *r,
				  const char *verb, int64_t latency)
{
	struct rule_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_REPLY;
	ev.ts_us = r->ts_us;
	ev.session = s;
	ev.reply = r;
	ev.verb = verb;
	ev.latency_us = latency;
	ev.outbound = true;
	return ev;
}

/* Alerts collected by the callback. */
struct got {
	int n;
	char rule[8][64];
	char msg[8][512];
	char host[8][64];
	uint64_t count[8];
	int64_t first[8];
	char sev[8][16];
	uint64_t id[8];
	bool update[8];
};

static void on_alert(void *ctx, const struct alert *a)
{
	struct got *g = ctx;
	int i = g->n++ % 8;
	snprintf(g->rule[i], sizeof g->rule[i], "%s", a->rule);
	snprintf(g->msg[i], sizeof g->msg[i], "%s", a->message);
	snprintf(g->host[i], sizeof g->host[i], "%s", a->host ? a->host : "(null)");
	snprintf(g->sev[i], sizeof g->sev[i], "%s", severity_name(a->severity));
	g->count[i] = a->count;
	g->first[i] = a->first_ts_us;
	g->id[i] = a->id;
	g->update[i] = a->update;
}

/* How many alerts `cond` (on session_end) raises for s: 0 or 1. */
static int fires(const struct smtp_session *s, const char *cond)
{
	char text[1024];
	snprintf(text, sizeof text, "rule t\n on session_end\n when %s\n message \"x\"\n", cond);
	struct rule_set *rs = load_text(text);
	if (!rs)
		return -1;
	struct got g = { 0 };
	struct rule_event ev = sess_ev(s);
	rules_eval(rs, &ev, on_alert, &g);
	rules_free(rs);
	return g.n;
}

/* The message a rule with template `tmpl` (on event type of ev) renders. */
static const char *render(const struct rule_event *ev, const char *tmpl)
{
	static char out[512];
	char text[1024];
	snprintf(text, sizeof text, "rule t on %s message %s\n", rule_event_name(ev->type), tmpl);
	struct rule_set *rs = load_text(text);
	if (!rs)
		return "(load failed)";
	struct got g = { 0 };
	rules_eval(rs, ev, on_alert, &g);
	rules_free(rs);
	snprintf(out, sizeof out, "%s", g.n ? g.msg[0] : "(no alert)");
	return out;
}

/* --- load errors --------------------------------------------------------------------- */

static void test_errors(void)
{
	CHECK_EQ_STR(load_err("rule a\n  on session_end\n  when end_reson == \"rst\"\n  message \"x\"\n"),
		     "t.rules:3:8: unknown field 'end_reson' (did you mean 'end_reason'?)");
	CHECK_EQ_STR(load_err("rule a\n  on session_end\n  when bogus_thing == 1\n  message \"x\"\n"),
		     "t.rules:3:8: unknown field 'bogus_thing'");
	CHECK_EQ_STR(load_err("rule a\n  on session_end\n  when latency > 3\n  message \"x\"\n"),
		     "t.rules:3:8: field 'latency' is not available on session_end events (it is on reply)");
	CHECK_EQ_STR(load_err("rule a on reply when code == \"421\" message \"x\"\n"),
		     "t.rules:1:27: cannot compare number field 'code' with string \"421\"");
	CHECK(strncmp(load_err("rule a on reply when text ~ \"(unclosed\" message \"x\"\n"),
		      "t.rules:1:29: bad regex: ", 25) == 0);
	CHECK_EQ_STR(load_err("rule a on reply when code ~ \"4\" message \"x\"\n"),
		     "t.rules:1:27: '~' matches strings; number field 'code' is not one");
	CHECK_EQ_STR(load_err("rule a on reply when tls < true message \"x\"\n"),
		     "t.rules:1:26: '<' needs numbers or strings; bool field 'tls' is a bool");
	CHECK_EQ_STR(load_err("rule a on reply when code message \"x\"\n"),
		     "t.rules:1:22: number field 'code' is not a condition: compare it (==, <, in, ~, is null ...)");
	CHECK_EQ_STR(load_err("rule a on reply when code = 421 message \"x\"\n"),
		     "t.rules:1:27: use '==' to compare");
	CHECK_EQ_STR(load_err("rule a on reply when enhanced == 4.7.1 message \"x\"\n"),
		     "t.rules:1:34: malformed number '4.7.1' (write status codes as strings: \"4.7.1\")");
	CHECK_EQ_STR(load_err("rule a on reply when latency > 10x message \"x\"\n"),
		     "t.rules:1:34: unknown unit 'x' (durations: ms, s, m, h, d; sizes: B, KB, MB, GB)");
	CHECK_EQ_STR(load_err("rule a on session_end when body_bytes > 10m message \"x\"\n"),
		     "t.rules:1:41: '10m' is a duration but 'body_bytes' is a size");
	CHECK_EQ_STR(load_err("rule a on reply when code in 499..400 message \"x\"\n"),
		     "t.rules:1:35: empty range 499..400");
	CHECK_EQ_STR(load_err("rule a on reply when code in (421, \"x\") message \"x\"\n"),
		     "t.rules:1:36: cannot compare number field 'code' with string \"x\"");
	CHECK_EQ_STR(load_err("rule a on reply when (code == 1 message \"x\"\n"),
		     "t.rules:1:33: expected ')', found 'message'");
	CHECK_EQ_STR(load_err("rule a on reply when code == 1 421 message \"x\"\n"),
		     "t.rules:1:32: unexpected a number after the condition (missing 'and' or 'or'?)");
	CHECK_EQ_STR(load_err("rule a on reply message \"x\n"), "t.rules:1:25: unterminated string");
	CHECK_EQ_STR(load_err("rule a\n  on nonsense\n  message \"x\"\n"),
		     "t.rules:2:6: unknown event 'nonsense' (events: session_end, txn_end, reply, tcp, host_status)");
	CHECK_EQ_STR(load_err("rule a\n  when code == 1\n  on reply\n  message \"x\"\n"),
		     "t.rules:2:3: rule 'a' must start with 'on EVENT' (the event decides the fields)");
	CHECK_EQ_STR(load_err("# only a comment\nrule a\n  on reply\n"),
		     "t.rules:2:6: rule 'a' has no 'message'");
	CHECK_EQ_STR(load_err("rule a\n"), "t.rules:1:6: rule 'a' has no 'on EVENT' clause");
	CHECK_EQ_STR(load_err("rule a on reply severity high message \"x\"\n"),
		     "t.rules:1:26: unknown severity 'high' (info, warning, critical)");
	CHECK_EQ_STR(load_err("rule a on reply message \"x\" message \"y\"\n"),
		     "t.rules:1:29: second 'message' in rule 'a'");
	CHECK_EQ_STR(load_err("rule a on reply sevrity info message \"x\"\n"),
		     "t.rules:1:17: expected a clause (on, when, count, collect, severity, message) "
		     "or the next 'rule', found 'sevrity'");
	CHECK_EQ_STR(load_err("on reply\n"), "t.rules:1:1: expected 'rule NAME', found 'on'");
	CHECK_EQ_STR(load_err("rule Bad_Name on reply message \"x\"\n"),
		     "t.rules:1:6: bad rule name 'Bad_Name': use lowercase letters, digits and '-' (at most 63)");
	CHECK_EQ_STR(load_err("rule a on reply message \"code {cod}\"\n"),
		     "t.rules:1:32: unknown field 'cod' (did you mean 'code'?)");
	CHECK_EQ_STR(load_err("rule a on reply message \"in {window}\"\n"),
		     "t.rules:1:30: {window} needs a 'count ... within' clause");
	CHECK_EQ_STR(load_err("rule a on reply count 2 within 1m message \"{collected}\"\n"),
		     "t.rules:1:45: {collected} needs a 'collect' clause");
	CHECK_EQ_STR(load_err("rule a on reply message \"open {code\"\n"),
		     "t.rules:1:31: unclosed '{' in the message");
	CHECK_EQ_STR(load_err("rule a on reply message \"a } b\"\n"),
		     "t.rules:1:28: '}' without '{' in the message (write }} for a brace)");
	CHECK_EQ_STR(load_err("rule a on reply count 0 within 1m message \"x\"\n"),
		     "t.rules:1:23: 'count' needs a whole number from 1 to 1000, found a number");
	CHECK_EQ_STR(load_err("rule a on reply count 3 within 5KB message \"x\"\n"),
		     "t.rules:1:32: 'within' needs a duration such as 90s, 10m or 1h (at most 30d), found a number");
	CHECK_EQ_STR(load_err("rule a on reply count 3 in 5m message \"x\"\n"),
		     "t.rules:1:25: expected 'within', found 'in'");
	CHECK_EQ_STR(load_err("rule a on reply collect text message \"x\"\n"),
		     "t.rules:1:25: 'collect' needs a 'count ... within' clause");
	CHECK_EQ_STR(load_err("rule a on reply count 2 within 1m by host, nope message \"x\"\n"),
		     "t.rules:1:44: unknown field 'nope'");
	CHECK_EQ_STR(load_err("rule a on reply message \"x\"\nrule a on tcp message \"y\"\n"),
		     "t.rules:2:6: duplicate rule 'a' (first at t.rules:1); write 'replace rule a' to redefine it");
	CHECK_EQ_STR(load_err("replace rule a on reply message \"x\"\n"),
		     "t.rules:1:14: 'replace rule a': no earlier rule of that name");
	CHECK_EQ_STR(load_err("rule a on reply when @ message \"x\"\n"),
		     "t.rules:1:22: unexpected character '@'");
	CHECK_EQ_STR(load_err("rule a on reply when not not not and message \"x\"\n"),
		     "t.rules:1:34: expected a field or a value, found 'and'");
	CHECK_EQ_STR(load_err("rule a on reply when code is nul message \"x\"\n"),
		     "t.rules:1:30: expected 'null' after 'is', found 'nul'");

	/* The file name in messages is the path given; a bad second file loads nothing. */
	char err[512];
	const char *good = write_file("good.rules", "rule a on reply message \"x\"\n");
	const char *bad = write_file("bad.rules", "\n\nrule b on reply when code >< 4 message \"x\"\n");
	const char *both[] = { good, bad };
	CHECK(rules_load(both, 2, NULL, 0, err, sizeof err) == NULL);
	CHECK(strstr(err, "/bad.rules:3:28: expected a field or a value, found") != NULL);
	const char *missing = "/nonexistent/x.rules";
	CHECK(rules_load(&missing, 1, NULL, 0, err, sizeof err) == NULL);
	CHECK_EQ_STR(err, "/nonexistent/x.rules: cannot read: No such file or directory");
	const char *dis[] = { "no-such-rule" };
	CHECK(rules_load(&good, 1, dis, 1, err, sizeof err) == NULL);
	CHECK_EQ_STR(err, "disabled rule 'no-such-rule': no rule of that name");
	/* A deeply nested condition is refused, not a stack overflow. */
	char deep[512] = "rule a on reply when ";
	for (int i = 0; i < 40; i++)
		strcat(deep, "(");
	strcat(deep, "code == 1");
	for (int i = 0; i < 40; i++)
		strcat(deep, ")");
	strcat(deep, " message \"x\"\n");
	CHECK(strstr(load_err(deep), "condition nested too deeply") != NULL);
	/* No error buffer: still fails cleanly. */
	CHECK(rules_load(&bad, 1, NULL, 0, NULL, 0) == NULL);
}

/* --- operators ----------------------------------------------------------------------- */

static void test_operators(void)
{
	struct smtp_session *s = mk(7, "198.51.100.7", T0);
	s->end_reason = END_RST;
	s->end_by = SIDE_SERVER;
	s->rst_by = SIDE_SERVER;
	s->state = ST_BODY;
	s->has_last_reply = true;
	set_reply(&s->last_reply, T0 + SEC(1), 354, "", "End data with <CR><LF>.<CR><LF>");
	struct smtp_txn *t = add_txn(s, T0 + 100000, "a@example.com", "b@example.net");
	t->data_ts = T0 + 200000;
	t->body_ts = T0 + SEC(1);
	t->data_bytes = 18432;

	CHECK_EQ_INT(fires(s, "end_reason == \"rst\""), 1);
	CHECK_EQ_INT(fires(s, "end_reason != \"rst\""), 0);
	CHECK_EQ_INT(fires(s, "last_code == 354"), 1);
	CHECK_EQ_INT(fires(s, "last_code < 354"), 0);
	CHECK_EQ_INT(fires(s, "last_code <= 354"), 1);
	CHECK_EQ_INT(fires(s, "last_code > 353"), 1);
	CHECK_EQ_INT(fires(s, "last_code >= 355"), 0);
	CHECK_EQ_INT(fires(s, "end_state > \"bdat\" and end_state < \"dot\""), 1); /* "body" */
	CHECK_EQ_INT(fires(s, "end_state in (\"data\", \"body\")"), 1);
	CHECK_EQ_INT(fires(s, "end_state not in (\"data\", \"body\")"), 0);
	CHECK_EQ_INT(fires(s, "last_code in 300..399"), 1);
	CHECK_EQ_INT(fires(s, "last_code in 400..499"), 0);
	CHECK_EQ_INT(fires(s, "last_code in (250, 300..360, 421)"), 1);
	CHECK_EQ_INT(fires(s, "last_code not in 300..399"), 0);
	CHECK_EQ_INT(fires(s, "body_bytes > 16KB and body_bytes < 1MB"), 1);
	CHECK_EQ_INT(fires(s, "since_354 == 1s"), 1);
	CHECK_EQ_INT(fires(s, "since_354 > 500ms and since_354 < 0.02m"), 1);
	CHECK_EQ_INT(fires(s, "duration == 2"), 1);
	CHECK_EQ_INT(fires(s, "last_text ~ \"^End data\""), 1);
	CHECK_EQ_INT(fires(s, "last_text ~ \"^end data\""), 0);
	CHECK_EQ_INT(fires(s, "last_text ~* \"^end DATA\""), 1);
	CHECK_EQ_INT(fires(s, "last_text !~ \"^end data\""), 1);
	CHECK_EQ_INT(fires(s, "last_text !~* \"^end data\""), 0);
	CHECK_EQ_INT(fires(s, "last_text ~ \"<CR><LF>\\.<CR>\""), 1);
	/* ~* folds the subject and the pattern, not what follows a backslash */
	CHECK_EQ_INT(fires(s, "last_text ~* \"^END DATA WITH <cr>\""), 1);
	CHECK_EQ_INT(fires(s, "last_text ~* \"^[A-Z]+ \\S+ WITH\""), 1);
	CHECK_EQ_INT(fires(s, "last_text ~* \"^end\\Sdata\""), 0);
	CHECK_EQ_INT(fires(s, "last_text !~* \"[[:digit:]]\""), 1);
	/* a subject longer than the fold buffer still matches */
	char longhelo[3000];
	memset(longhelo, 'a', sizeof longhelo - 1);
	longhelo[sizeof longhelo - 1] = '\0';
	longhelo[2990] = 'X';
	s->helo = arena_strndup(&s->arena, longhelo, strlen(longhelo));
	CHECK_EQ_INT(fires(s, "helo ~* \"AX\""), 1);
	CHECK_EQ_INT(fires(s, "helo ~* \"xx\""), 0);
	CHECK_EQ_INT(fires(s, "helo ~ \"aX\""), 1);
	CHECK_EQ_INT(fires(s, "since_eod is null"), 1);
	CHECK_EQ_INT(fires(s, "since_eod is not null"), 0);
	CHECK_EQ_INT(fires(s, "since_354 is not null"), 1);
	/* a comparison with a null is false, both ways */
	CHECK_EQ_INT(fires(s, "since_eod > 0"), 0);
	CHECK_EQ_INT(fires(s, "since_eod <= 0"), 0);
	CHECK_EQ_INT(fires(s, "not (since_eod > 0)"), 1);
	CHECK_EQ_INT(fires(s, "tls"), 0);
	CHECK_EQ_INT(fires(s, "not tls"), 1);
	CHECK_EQ_INT(fires(s, "tls == false"), 1);
	CHECK_EQ_INT(fires(s, "syn_answered != tls"), 1);
	CHECK_EQ_INT(fires(s, "true"), 1);
	CHECK_EQ_INT(fires(s, "false or tls"), 0);
	CHECK_EQ_INT(fires(s, "tls or end_by == \"server\""), 1);
	CHECK_EQ_INT(fires(s, "tls or end_by == \"server\" and last_code == 1"), 0);
	CHECK_EQ_INT(fires(s, "(tls or end_by == \"server\") and last_code == 354"), 1);
	CHECK_EQ_INT(fires(s, "not tls and not partial_start"), 1);
	CHECK_EQ_INT(fires(s, "client_packets > server_packets"), 1); /* field vs field */
	CHECK_EQ_INT(fires(s, "host == server and host != client"), 1);
	CHECK_EQ_INT(fires(s, "host == \"198.51.100.7\" and direction == \"outbound\""), 1);
	CHECK_EQ_INT(fires(s, "server_port in (25, 465, 587)"), 1);
	CHECK_EQ_INT(fires(s, "end_how == \"rst by server in body\""), 1);
	CHECK_EQ_INT(fires(s, "-1 < 0"), 1);
	smtp_session_free(s);
}

/* --- fields ----------------------------------------------------------------------------- */

static void test_session_fields(void)
{
	struct smtp_session *s = mk(9, "2001:db8::25", T0);
	struct rule_event ev = sess_ev(s);
	CHECK_EQ_STR(render(&ev, "\"{host} {client} {server}:{server_port} {direction} {helo} {session}\""),
		     "2001:db8::25 192.0.2.10 2001:db8::25:25 outbound gw.example.com 9");
	ev.outbound = false;
	CHECK_EQ_STR(render(&ev, "\"{host} {direction}\""), "192.0.2.10 inbound");
	ev.outbound = true;
	CHECK_EQ_STR(render(&ev, "\"{banner_code} {banner_text} {tls} {auth} {starttls_reply} {end_how}\""),
		     "220 mx.example.org ESMTP Postfix false false - quit");
	CHECK_EQ_STR(render(&ev, "\"{end_reason} {end_by} {end_state} {rst_ttl_delta|n/a} {since_354|none}\""),
		     "quit client quit n/a none");

	/* outcome counts over the transactions; body_bytes of the last one */
	struct smtp_txn *a = add_txn(s, T0 + 1000, "x@a", "y@b");
	a->outcome = OUT_ACCEPTED;
	a->data_bytes = 100;
	struct smtp_txn *b = add_txn(s, T0 + 2000, "x@a", "y@b");
	b->outcome = OUT_DEFERRED;
	b->data_bytes = 200;
	b->body_ts = T0 + SEC(1);
	b->eod_ts = s->end_ts - 500000;
	CHECK_EQ_STR(render(&ev, "\"{messages} {accepted} {deferred} {rejected} {aborted} {body_bytes} "
				 "{since_354} {since_eod}\""),
		     "2 1 1 0 0 200 1 0.5");

	/* RST fingerprint: TTL and IP ID against the sender's own packets */
	s->end_reason = END_RST;
	s->end_by = SIDE_SERVER;
	s->rst_by = SIDE_SERVER;
	s->state = ST_BODY;
	s->rst_sender_seen = true;
	s->rst_ttl = 64;
	s->rst_sender_ttl = 52;
	s->rst_ip_id = 5;
	s->rst_sender_ip_id = 65530;
	CHECK_EQ_STR(render(&ev, "\"{rst_ttl_delta} {rst_ip_id_delta} {end_how}\""), "12 11 rst by server in body");
	/* no SMTP dialogue (the client never spoke: a half-open scan): no judgement */
	s->tcp[SIDE_CLIENT].payload_bytes = 0;
	CHECK_EQ_STR(render(&ev, "\"{middlebox_signs|none}\""), "none");
	s->tcp[SIDE_CLIENT].payload_bytes = 300;
	CHECK_EQ_STR(render(&ev, "\"{middlebox_signs}\""), "RST TTL 64 unlike the server's 52");
	s->rst_ip_id = 30000;
	s->rst_sender_ip_id = 100;
	CHECK_EQ_STR(render(&ev, "\"{middlebox_signs}\""),
		     "RST TTL 64 unlike the server's 52; RST IP ID 30000, 29900 after the server's previous packet");
	s->rst_ttl = 52;
	CHECK_EQ_STR(render(&ev, "\"{middlebox_signs|none}\""), "none");
	s->rst_sender_seen = false;
	CHECK_EQ_STR(render(&ev, "\"{rst_ttl_delta} {rst_ip_id_delta}\""), "- -");
	set_reply(&s->banner, T0, 220, "", "*********************2*0**0****");
	snprintf(s->ehlo_keywords, sizeof s->ehlo_keywords, "PIPELINING SIZE XXXXXXXA 8BITMIME");
	CHECK_EQ_STR(render(&ev, "\"{middlebox_signs}\""),
		     "banner masked with asterisks; EHLO keywords replaced by X's");
	s->end_reason = END_TIMEOUT;
	s->state = ST_DOT;
	CHECK_EQ_STR(render(&ev, "\"{end_how}\""), "timeout in dot");

	/* TCP counters per side */
	s->tcp[SIDE_CLIENT].retransmits = 7;
	s->tcp[SIDE_SERVER].retransmits = 1;
	s->tcp[SIDE_CLIENT].fullsize_retx_unacked = 5;
	s->tcp[SIDE_CLIENT].max_retx_run = 6;
	s->tcp[SIDE_SERVER].zero_windows = 2;
	CHECK_EQ_STR(render(&ev, "\"{retransmits} {client.retransmits} {server.retransmits} "
				 "{client.fullsize_retransmits_unacked} {client.max_retransmit_run} "
				 "{server.zero_windows} {client_packets}\""),
		     "8 7 1 5 6 2 12");
	smtp_session_free(s);
}

static void test_txn_fields(void)
{
	struct smtp_session *s = mk(3, "198.51.100.7", T0);
	struct smtp_txn *t = add_txn(s, T0 + 1000, "bounce@example.com", "zed@example.net,amy@example.net,bob@example.org");
	t->outcome = OUT_DEFERRED;
	t->has_reply = true;
	set_reply(&t->reply, T0 + SEC(1), 451, "4.7.1", "4.7.1 Greylisted, try again");
	t->data_bytes = 5000;
	t->data_complete = true;
	t->rcpts.head->status = RCPT_REJECTED;
	t->rcpts.rejected = 1;
	struct msg_history mh = { .known = true, .attempts = 2, .failures = 2,
				  .first_attempt_ts = T0 - SEC(600), .last_attempt_ts = T0 - SEC(300),
				  .first_deferral_code = 450, .first_deferral_ts = T0 - SEC(600) };
	snprintf(mh.first_deferral_enhanced, sizeof mh.first_deferral_enhanced, "4.7.1");
	struct rule_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_TXN_END;
	ev.ts_us = T0 + SEC(1);
	ev.session = s;
	ev.txn = t;
	ev.msg = &mh;
	ev.outbound = true;
	CHECK_EQ_STR(render(&ev, "\"{outcome} {code} {enhanced} {mail_from} {rcpt_count} {rcpt_rejected} "
				 "{rcpt_domain} {data_bytes} {data_complete}\""),
		     "deferred 451 4.7.1 bounce@example.com 3 1 example.net 5000 true");
	CHECK_EQ_STR(render(&ev, "\"{message}\""),
		     "envelope:bounce@example.com amy@example.net,bob@example.org,zed@example.net");
	CHECK_EQ_STR(render(&ev, "\"{message_id|no id}\""), "no id");
	CHECK_EQ_STR(render(&ev, "\"{attempt} {prior_failures} {failures} {first_deferral_code} "
				 "{first_deferral_enhanced} {deferred_for} {since_first_attempt}\""),
		     "3 2 3 450 4.7.1 601 601");
	CHECK_EQ_STR(render(&ev, "\"{end_how}\""), "deferred 451 4.7.1");
	/* first attempt: the deferral is this one */
	struct msg_history fresh = { 0 };
	ev.msg = &fresh;
	CHECK_EQ_STR(render(&ev, "\"{attempt} {since_first_attempt} {first_deferral_code} {deferred_for}\""),
		     "1 0 451 0");
	/* an attempt the connection cut */
	t->outcome = OUT_ABORTED;
	t->has_reply = false;
	t->data_complete = false;
	t->body_ts = T0 + 5000;
	s->end_reason = END_RST;
	s->end_by = SIDE_SERVER;
	s->state = ST_BODY;
	CHECK_EQ_STR(render(&ev, "\"{end_how} {code|-} {first_deferral_code|never}\""),
		     "rst by server in body - never");
	t->message_id = arena_strndup(&s->arena, "<abc@example.com>", 17);
	CHECK_EQ_STR(render(&ev, "\"{message}\""), "<abc@example.com>");
	ev.msg = NULL;
	CHECK_EQ_STR(render(&ev, "\"{attempt}\""), "-");
	smtp_session_free(s);
}

static void test_other_events(void)
{
	struct smtp_session *s = mk(4, "198.51.100.9", T0);
	struct smtp_reply r;
	set_reply(&r, T0 + SEC(25), 421, "4.3.2", "4.3.2 Service not available\nclosing");
	struct rule_event ev = reply_ev(s, &r, "BANNER", SEC(25) + 250000);
	CHECK_EQ_STR(render(&ev, "\"{code} {class} {enhanced} {verb} {latency} {time}\""),
		     "421 4 4.3.2 BANNER 25.25 03:00:25");
	CHECK_EQ_STR(render(&ev, "\"[{text}]\""), "[4.3.2 Service not available closing]");
	r.text[3] = '\x01';
	CHECK_EQ_STR(render(&ev, "\"[{text}]\\n\""), "[4.3?2 Service not available closing]\n");

	memset(&ev, 0, sizeof ev);
	ev.type = EV_TCP;
	ev.ts_us = T0;
	ev.session = s;
	ev.tcp_what = TCP_RETRANSMIT_RUN;
	ev.tcp_side = SIDE_CLIENT;
	ev.tcp_value = 6;
	CHECK_EQ_STR(render(&ev, "\"{what} {side} {value} {host}\""), "retransmit_run client 6 192.0.2.10");

	struct host_entry h;
	memset(&h, 0, sizeof h);
	h.addr = ip("203.0.113.5");
	h.pending = 4;
	h.retries = 9;
	h.failing_since = T0 - SEC(90);
	snprintf(h.last_error, sizeof h.last_error, "connection reset by server");
	memset(&ev, 0, sizeof ev);
	ev.type = EV_HOST_STATUS;
	ev.ts_us = T0;
	ev.host = &h;
	ev.old_status = HS_RETRY;
	ev.new_status = HS_FAILING;
	CHECK_EQ_STR(render(&ev, "\"{host} {old_status}->{status} {pending} {retries} {failing_for} {last_error} {host_name|?}\""),
		     "203.0.113.5 retry->failing 4 9 90 connection reset by server ?");
	/* host_status alerts carry the host, no session */
	struct rule_set *rs = load_text("rule h on host_status when status == \"failing\" message \"m\"");
	struct got g = { 0 };
	rules_eval(rs, &ev, on_alert, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_STR(g.host[0], "203.0.113.5");
	rules_free(rs);
	smtp_session_free(s);
}

/* --- templates --------------------------------------------------------------------------- */

static void test_templates(void)
{
	struct smtp_session *s = mk(5, "198.51.100.7", T0);
	struct rule_event ev = sess_ev(s);
	CHECK_EQ_STR(render(&ev, "\"{{literal}} {rule}/{severity} {count} at {first_time}\""),
		     "{literal} t/warning 1 at 03:00:02");
	CHECK_EQ_STR(render(&ev, "\"quote \\\" tab\\t\" \" and more\""), "quote \" tab\t and more");
	CHECK_EQ_STR(render(&ev, "\"\""), "");
	/* a long value is cut at the alert buffer, not overflowed */
	char big[2200];
	strcpy(big, "\"");
	for (int i = 0; i < 60; i++)
		strcat(big, "{banner_text} ");
	strcat(big, "\"");
	const char *out = render(&ev, big);
	CHECK(strlen(out) > 400);
	smtp_session_free(s);
}

/* --- aggregation -------------------------------------------------------------------------- */

static int feed_reply(struct rule_set *rs, struct smtp_session *s, int64_t ts, unsigned code,
		      struct got *g)
{
	struct smtp_reply r;
	set_reply(&r, ts, code, "4.2.0", "try later");
	struct rule_event ev = reply_ev(s, &r, "RCPT", 1000);
	int before = g->n;
	rules_eval(rs, &ev, on_alert, g);
	return g->n - before;
}

static void test_aggregation(void)
{
	struct rule_set *rs = load_text(
		"rule many-4xx\n"
		"  on reply\n"
		"  when class == 4\n"
		"  count 3 within 60s by host\n"
		"  collect code\n"
		"  severity critical\n"
		"  message \"{count} x 4xx from {host} in {window} since {first_time}, every {interval}s: {collected}\"\n");
	CHECK(rs != NULL);
	if (!rs)
		return;
	struct smtp_session *a = mk(1, "198.51.100.1", T0);
	struct smtp_session *b = mk(2, "198.51.100.2", T0);
	struct got g = { 0 };
	CHECK_EQ_INT(feed_reply(rs, a, T0, 450, &g), 0);
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(10), 451, &g), 0);
	CHECK_EQ_INT(feed_reply(rs, b, T0 + SEC(15), 451, &g), 0); /* other group */
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(20), 250, &g), 0); /* condition false */
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(30), 451, &g), 1); /* third within 60 s */
	CHECK_EQ_STR(g.msg[0], "3 x 4xx from 198.51.100.1 in 60 s since 03:00:00, every 15s: 450, 451");
	CHECK_EQ_STR(g.sev[0], "critical");
	CHECK_EQ_INT(g.count[0], 3);
	CHECK_EQ_INT(g.first[0], T0);
	CHECK(!g.update[0]);
	CHECK(g.id[0] > 0);
	/* while the window holds events (even past 60 s from the first) the same
	 * alert grows: updates with its id and the episode's count so far */
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(40), 451, &g), 1);
	CHECK(g.update[1]);
	CHECK_EQ_INT(g.id[1], g.id[0]);
	CHECK_EQ_INT(g.count[1], 4);
	CHECK_EQ_INT(g.first[1], T0);
	CHECK_EQ_STR(g.msg[1], "4 x 4xx from 198.51.100.1 in 60 s since 03:00:00, every 13.33s: 450, 451");
	CHECK_EQ_INT(feed_reply(rs, b, T0 + SEC(45), 451, &g), 0); /* b's group: 2 in its window */
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(80), 451, &g), 1);
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(130), 452, &g), 1);
	CHECK(g.update[3] && g.id[3] == g.id[0]);
	CHECK_EQ_INT(g.count[3], 6);
	CHECK_EQ_STR(g.msg[3], "6 x 4xx from 198.51.100.1 in 60 s since 03:00:00, every 26s: 450, 451, 452");
	/* the window empties (no event for 60 s), then it counts afresh: a new alert */
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(190), 421, &g), 0);
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(191), 421, &g), 0);
	CHECK_EQ_INT(feed_reply(rs, a, T0 + SEC(192), 421, &g), 1);
	CHECK_EQ_STR(g.msg[4], "3 x 4xx from 198.51.100.1 in 60 s since 03:03:10, every 1s: 421");
	CHECK(!g.update[4]);
	CHECK(g.id[4] > g.id[0]);
	CHECK_EQ_INT(g.count[4], 3);
	/* events spread wider than the window never reach the count */
	for (int i = 0; i < 10; i++)
		CHECK_EQ_INT(feed_reply(rs, b, T0 + SEC(1000 + 31 * i), 451, &g), 0);
	CHECK_EQ_INT(rules_groups_evicted(rs), 0);
	rules_free(rs);
	smtp_session_free(a);
	smtp_session_free(b);
}

static void test_group_cap(void)
{
	/* count 2 by session: every session its own group; 5000 groups within
	 * the hour overflow the 4096 cap, the oldest are evicted and counted. */
	struct rule_set *rs = load_text("rule per-session on reply when code >= 400 "
					"count 2 within 1h by session message \"{session}\"");
	struct smtp_session *s = mk(1, "198.51.100.1", T0);
	struct got g = { 0 };
	for (int i = 0; i < 5000; i++) {
		s->id = (uint64_t)i + 1;
		feed_reply(rs, s, T0 + i, 450, &g);
	}
	CHECK_EQ_INT(g.n, 0);
	CHECK_EQ_INT(rules_groups_evicted(rs), 5000 - 4096);
	/* session 4999 is still known: its second event fires */
	s->id = 5000;
	CHECK_EQ_INT(feed_reply(rs, s, T0 + SEC(2), 450, &g), 1);
	/* session 1 was evicted: it starts over */
	s->id = 1;
	CHECK_EQ_INT(feed_reply(rs, s, T0 + SEC(3), 450, &g), 0);
	CHECK_EQ_INT(feed_reply(rs, s, T0 + SEC(4), 450, &g), 1);
	/* groups whose window emptied are reused without counting an eviction */
	uint64_t ev_before = rules_groups_evicted(rs);
	for (int i = 0; i < 100; i++) {
		s->id = 100000 + (uint64_t)i;
		feed_reply(rs, s, T0 + SEC(7200) + i, 450, &g);
	}
	CHECK_EQ_INT(rules_groups_evicted(rs), ev_before);
	rules_free(rs);
	smtp_session_free(s);
}

/* --- rule sets: disabled, replace, listing, index -------------------------------------- */

static void test_sets(void)
{
	char err[512];
	const char *base = write_file("base.rules",
		"# two rules\n"
		"rule first on session_end when end_reason == \"quit\" severity info message \"one\"\n"
		"rule second on session_end message \"two\"\n"
		"rule third on reply when code == 421 message \"three\"\n");
	const char *local = write_file("local.rules",
		"replace rule first\n"
		"    on session_end\n"
		"    when end_reason == \"quit\"\n"
		"    severity critical\n"
		"    message \"one, replaced\"\n");
	const char *files[] = { base, local };
	const char *dis[] = { "second" };
	struct rule_set *rs = rules_load(files, 2, dis, 1, err, sizeof err);
	CHECK(rs != NULL);
	if (!rs) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ_INT(rules_count(rs), 2);
	struct smtp_session *s = mk(1, "198.51.100.1", T0);
	struct rule_event ev = sess_ev(s);
	struct got g = { 0 };
	rules_eval(rs, &ev, on_alert, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_STR(g.rule[0], "first");
	CHECK_EQ_STR(g.msg[0], "one, replaced");
	CHECK_EQ_STR(g.sev[0], "critical");
	CHECK_EQ_STR(g.host[0], "198.51.100.1");

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	rules_list(rs, f);
	fclose(f);
	CHECK_EQ_STR(buf,
		"first                    on session_end critical when end_reason == \"quit\"\n"
		"second                   on session_end disabled always\n"
		"third                    on reply       warning  when code == 421\n");
	free(buf);
	rules_free(rs);

	/* without the local file, the original */
	rs = rules_load(&base, 1, NULL, 0, err, sizeof err);
	memset(&g, 0, sizeof g);
	rules_eval(rs, &ev, on_alert, &g);
	CHECK_EQ_INT(g.n, 2);
	CHECK_EQ_STR(g.msg[0], "one");
	CHECK_EQ_STR(g.msg[1], "two");
	rules_free(rs);

	/* listing shows aggregation and parenthesised and-in-or */
	rs = load_text("rule x on reply when (verb == \"EOD\" and latency >= 1m) or not (code in 200..299) "
		       "count 3 within 90s by host, code collect text message \"m\"");
	buf = NULL;
	f = open_memstream(&buf, &len);
	rules_list(rs, f);
	fclose(f);
	CHECK_EQ_STR(buf, "x                        on reply       warning  when (verb == \"EOD\" and latency >= 60s) "
			  "or not (code in 200..299) count 3 within 90s by host, code collect text\n");
	free(buf);
	rules_free(rs);
	smtp_session_free(s);
}

/* --- the default rule set ------------------------------------------------------------- */

static void test_default_rules(void)
{
	char err[512];
	const char *path = getenv("DEFAULT_RULES");
	if (!path)
		path = SRCDIR "/rules/default.rules";
	struct rule_set *rs = rules_load(&path, 1, NULL, 0, err, sizeof err);
	CHECK(rs != NULL);
	if (!rs) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ_INT(rules_count(rs), 18);

	/* a clean session raises nothing */
	struct smtp_session *s = mk(1, "198.51.100.7", T0);
	struct smtp_txn *t = add_txn(s, T0 + 1000, "a@example.com", "b@example.net");
	t->outcome = OUT_ACCEPTED;
	t->data_bytes = 1000;
	t->data_complete = true;
	struct rule_event ev = sess_ev(s);
	struct got g = { 0 };
	rules_eval(rs, &ev, on_alert, &g);
	CHECK_EQ_INT(g.n, 0);

	/* reset in the body */
	s->end_reason = END_RST;
	s->end_by = s->rst_by = SIDE_SERVER;
	s->state = ST_BODY;
	t->outcome = OUT_ABORTED;
	t->data_complete = false;
	t->body_ts = s->end_ts - SEC(1);
	t->data_bytes = 18432;
	rules_eval(rs, &ev, on_alert, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_STR(g.rule[0], "rst-mid-data");
	CHECK_EQ_STR(g.msg[0], "connection reset by server in body: 18.0 KB of the body sent, 1.0 s after 354");

	/* retry loop: three failed attempts of one message */
	struct msg_history mh = { 0 };
	memset(&ev, 0, sizeof ev);
	ev.type = EV_TXN_END;
	ev.session = s;
	ev.txn = t;
	ev.msg = &mh;
	ev.outbound = true;
	t->data_ts = t->body_ts;
	t->message_id = arena_strndup(&s->arena, "<loop@example.com>", 18);
	g.n = 0;
	for (int i = 0; i < 3; i++) {
		ev.ts_us = T0 + SEC(30 * i);
		mh.known = i > 0;
		mh.attempts = mh.failures = (uint32_t)i;
		mh.first_attempt_ts = T0;
		rules_eval(rs, &ev, on_alert, &g);
	}
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_STR(g.rule[0], "retry-loop");
	CHECK_EQ_STR(g.msg[0], "<loop@example.com> to 198.51.100.7: 3 failed attempts since 03:00:00 UTC, "
			       "one every 30 s (3 attempts in all); ended: rst by server in body");

	/* slow banner */
	struct smtp_reply r;
	set_reply(&r, T0 + SEC(30), 220, "", "slow.example.net ESMTP");
	ev = reply_ev(s, &r, "BANNER", SEC(30));
	g.n = 0;
	rules_eval(rs, &ev, on_alert, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK_EQ_STR(g.rule[0], "slow-server");
	rules_free(rs);
	smtp_session_free(s);
}

/* --- doc/rules.md lists every field ---------------------------------------------------- */

static void test_doc_lists_fields(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/doc/rules.md", SRCDIR);
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	static char doc[1 << 17];
	size_t n = fread(doc, 1, sizeof doc - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (size_t i = 0; i < rf_count(); i++) {
		char want[80];
		snprintf(want, sizeof want, "| `%s` |", rf_at(i)->name);
		if (!strstr(doc, want)) {
			fprintf(stderr, "doc/rules.md does not list field %s\n", rf_at(i)->name);
			CHECK(false);
		}
	}
}

/* --- no allocation while evaluating ----------------------------------------------------- */

static void test_memory_accounting(void)
{
	/* Aggregation tables charge what they hold and give it back. */
	size_t before = mem_acct.used;
	struct rule_set *rs = load_text("rule a on reply count 2 within 1m by host message \"x\"");
	struct smtp_session *s = mk(1, "198.51.100.1", T0);
	size_t with_session = mem_acct.used;
	struct got g = { 0 };
	feed_reply(rs, s, T0, 450, &g);
	CHECK(mem_acct.used > with_session);
	rules_free(rs);
	smtp_session_free(s);
	CHECK_EQ_INT(mem_acct.used, before);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	smtp_config_default(&scfg);
	scfg.tr_head = scfg.tr_tail = 0;
	test_errors();
	test_operators();
	test_session_fields();
	test_txn_fields();
	test_other_events();
	test_templates();
	test_aggregation();
	test_group_cap();
	test_sets();
	test_default_rules();
	test_memory_accounting();
	test_doc_lists_fields();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	CHECK_DONE();
}
