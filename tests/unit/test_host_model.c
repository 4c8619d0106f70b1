/* test_host_model.c — the per-remote-host model (rules/host_model.c): gateway
 * inference, role split, retry loops, greylisting, envelope identity, the
 * failure words and the worst-first order, on sessions built by hand. */
#include "config.h"

#include <stdlib.h>

#include "host_model.h"
#include "mem.h"
#include "smtp_internal.h"
#include "check.h"

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600) /* 2026-11-20 03:00:00 UTC */
#define GW "192.0.2.10"

static struct smtp_config scfg;
static uint64_t next_id;

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

static void set_reply(struct smtp_reply *r, int64_t ts, unsigned code, const char *text)
{
	memset(r, 0, sizeof *r);
	r->ts_us = ts;
	r->code = (uint16_t)code;
	r->lines = 1;
	size_t el = strcspn(text, " ");
	if (el >= 5 && el < sizeof r->enhanced && text[1] == '.' && text[0] == '0' + (int)(code / 100))
		memcpy(r->enhanced, text, el);
	snprintf(r->text, sizeof r->text, "%s", text);
}

/* A greeted session from `cli` to `srv` that ends `dur` seconds after t by QUIT. */
static struct smtp_session *mk(const char *cli, const char *srv, int64_t t, double dur)
{
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip(cli);
	s->server = ip(srv);
	s->client_port = (uint16_t)(40000 + next_id);
	s->server_port = 25;
	s->start_ts = t;
	s->end_ts = t + (int64_t)(dur * 1e6);
	s->syn_seen = s->synack_seen = true;
	s->has_banner = true;
	set_reply(&s->banner, t + 10000, 220, "mx.example.org ESMTP Postfix");
	s->helo = arena_strndup(&s->arena, "gw.example.com", 14);
	s->state = ST_QUIT;
	s->end_reason = END_QUIT;
	s->end_by = SIDE_SERVER;
	s->quit_acked = true;
	return s;
}

static void end_by(struct smtp_session *s, enum end_reason r, enum side by, enum smtp_state st)
{
	s->end_reason = r;
	s->end_by = by;
	s->state = st;
	s->quit_acked = false;
	if (r == END_RST)
		s->rst_by = by;
}

static struct smtp_txn *txn(struct smtp_session *s, int64_t t, const char *from, const char *rcpts,
			    const char *msgid)
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
	if (msgid)
		x->message_id = arena_strndup(&s->arena, msgid, strlen(msgid));
	return x;
}

/* DATA at t+0.1 s, 354 at t+0.2 s, `bytes` of content; complete if eod. */
static void body(struct smtp_txn *x, uint64_t bytes, bool eod)
{
	x->data_ts = x->start_ts + 100000;
	x->body_ts = x->start_ts + 200000;
	x->data_started = true;
	x->data_bytes = bytes;
	x->data_complete = eod;
	if (eod)
		x->eod_ts = x->body_ts + 500000;
}

static void finish(struct smtp_session *s, struct smtp_txn *x, enum smtp_outcome o, unsigned code,
		   const char *text)
{
	struct smtp_reply r;
	set_reply(&r, x->start_ts + 900000, code, text);
	txn_finish(s, x, o, code ? &r : NULL, r.ts_us);
}

static void feed(struct host_model *hm, struct smtp_session *s)
{
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	smtp_session_free(s);
}

static const struct host_entry *find(struct host_model *hm, const char *a, enum host_role role)
{
	const struct host_entry **v;
	size_t n = hm_hosts(hm, &v);
	struct ip_addr x = ip(a);
	for (size_t i = 0; i < n; i++)
		if (addr_eq(&v[i]->addr, &x) && v[i]->role == role)
			return v[i];
	return NULL;
}

static struct smtp_session *healthy(int64_t t)
{
	struct smtp_session *s = mk(GW, "198.51.100.7", t, 1.0);
	set_reply(&s->banner, t, 220, "mx1.example.net ESMTP");
	struct smtp_txn *x = txn(s, t + 50000, "bob@example.com", "dan@example.net", "<h@gw>");
	body(x, 5000, true);
	finish(s, x, OUT_ACCEPTED, 250, "2.0.0 Ok: queued as 3B1F00D2E4");
	return s;
}

/* One attempt of the outage: reset by the server 3.2 s after 354, 18 KB in. */
static struct smtp_session *outage_attempt(int64_t t)
{
	struct smtp_session *s = mk(GW, "198.51.100.20", t, 3.5);
	struct smtp_txn *x = txn(s, t + 100000, "alice@example.com", "carol@example.org",
				 "<20261120025500.7f3e2@gw.example.com>");
	x->size_param = 40960;
	body(x, 18432, false);
	s->end_ts = x->body_ts + 3200000;
	end_by(s, END_RST, SIDE_SERVER, ST_BODY);
	smtp_end(s, s->end_ts);
	return s;
}

static void test_retry_loop(void)
{
	struct host_model_config cfg = { 0 };
	struct host_model *hm = hm_new(&cfg);
	for (int k = 0; k < 6; k++) {
		struct smtp_session *s = outage_attempt(T0 + SEC(60 * k));
		hm_session_start(hm, s);
		if (k == 5) {
			const struct host_entry *e = find(hm, "198.51.100.20", ROLE_SERVER);
			CHECK(e && e->status == HS_ACTIVE && e->open_sessions == 1);
			CHECK(e && e->next_retry_estimate == 0);
		}
		hm_session_end(hm, s);
		smtp_session_free(s);
		if (k == 0 || k == 2)
			feed(hm, healthy(T0 + SEC(20 + 65 * k)));
	}
	const struct host_entry *e = find(hm, "198.51.100.20", ROLE_SERVER);
	CHECK(e != NULL);
	if (!e) {
		hm_free(hm);
		return;
	}
	CHECK_EQ_INT(e->sessions, 6);
	CHECK_EQ_INT(e->messages, 6);
	CHECK_EQ_INT(e->aborted, 6);
	CHECK_EQ_INT(e->resets, 6);
	CHECK_EQ_INT(e->retries, 5);
	CHECK_EQ_INT(e->pending, 1);
	CHECK_EQ_INT(e->failed_attempts, 6);
	CHECK_EQ_INT(e->status, HS_FAILING);
	CHECK_EQ_INT(e->open_sessions, 0);
	CHECK_EQ_INT(e->failing_since, T0);
	CHECK_EQ_INT(e->retry_interval_us, SEC(60));
	CHECK_EQ_INT(e->last_attempt, T0 + SEC(300));
	CHECK_EQ_INT(e->next_retry_estimate, T0 + SEC(360));
	CHECK_EQ_STR(e->name, "mx.example.org");
	CHECK_EQ_STR(e->last_error, "connection reset by server during the message body "
				    "(18.0 KB sent, 3.2 s after 354)");
	CHECK(e->last_error_ts > T0 + SEC(300));

	/* gateway inferred; its own entries are not remote hosts */
	struct ip_addr gw;
	uint64_t in = 0, of = 0;
	CHECK(hm_gateway_inferred(hm));
	CHECK(hm_inferred_gateway(hm, &gw, &in, &of));
	CHECK(addr_eq(&gw, &(struct ip_addr){ ip(GW).b[0] ? {0} : {0} }) || addr_eq(&gw, &(struct ip_addr)ip(GW)));
	CHECK_EQ_INT(in, 8);
	CHECK_EQ_INT(of, 8);
	CHECK(find(hm, GW, ROLE_CLIENT) == NULL);

	const struct host_entry **v;
	size_t n = hm_hosts(hm, &v);
	CHECK_EQ_INT(n, 2);
	CHECK(n == 2 && v[0] == e);
	const struct host_entry *ok = find(hm, "198.51.100.7", ROLE_SERVER);
	CHECK(ok && ok->status == HS_READY && ok->accepted == 2 && ok->retries == 0 &&
	      ok->pending == 0 && ok->last_error[0] == '\0' && ok->next_retry_estimate == 0);
	CHECK(ok && strcmp(ok->name, "mx1.example.net") == 0);
	hm_free(hm);
}
