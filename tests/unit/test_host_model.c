/* test_host_model.c — the per-remote-host model (rules/host_model.c): the
 * gateway's entries left out, role split, retry loops, greylisting, envelope identity, the
 * failure words and the worst-first order, on sessions built by hand. */
#include "config.h"

#include <stdlib.h>

#include "rules/gateway.h"
#include "rules/host_model.h"
#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "check.h"

#include "session_fixture.h"

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
	char id[40];
	snprintf(id, sizeof id, "<%lld.h@gw.example.com>", (long long)(t / 1000000));
	struct smtp_txn *x = txn(s, t + 50000, "bob@example.com", "dan@example.net", id);
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
	struct gw_member gw[4];
	CHECK(!gw_given(hm_gateway(hm)));
	CHECK_EQ_INT(gw_members(hm_gateway(hm), gw, 4), 1);
	struct ip_addr want = ip(GW);
	CHECK(addr_eq(&gw[0].addr, &want));
	CHECK(hm_is_gateway(hm, &want));
	CHECK_EQ_INT(gw_sessions_with_gateway(hm_gateway(hm)), 8);
	CHECK_EQ_INT(gw_sessions(hm_gateway(hm)), 8);
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

/* Refused at RCPT (no content, no Message-ID), accepted five minutes later. */
static void test_greylisting(void)
{
	struct host_model *hm = hm_new(NULL);
	struct smtp_session *s = mk(GW, "198.51.100.41", T0, 1.0);
	struct smtp_txn *x = txn(s, T0 + 50000, "alice@example.com", "dan@example.net", NULL);
	x->rcpts.head->status = RCPT_REJECTED;
	x->rcpts.head->code = 451;
	finish(s, x, OUT_DEFERRED, 451, "4.7.1 Greylisted, please try again later");
	feed(hm, s);

	const struct host_entry *e = find(hm, "198.51.100.41", ROLE_SERVER);
	CHECK(e && e->status == HS_RETRY && e->pending == 1 && e->deferred == 1);
	CHECK(e && e->failing_since == T0);
	CHECK(e && e->retry_interval_us == 0 && e->next_retry_estimate == 0);
	CHECK_EQ_STR(e ? e->last_error : NULL, "451 4.7.1 Greylisted, please try again later");
	CHECK(e && e->last_error_ts == T0 + 50000 + 900000);

	s = mk(GW, "198.51.100.41", T0 + SEC(300), 1.0);
	x = txn(s, T0 + SEC(300) + 50000, "alice@example.com", "dan@example.net",
		"<20261120025930.g1@gw.example.com>");
	body(x, 3000, true);
	finish(s, x, OUT_ACCEPTED, 250, "2.0.0 Ok: queued as 1F2E3D4C5B");
	feed(hm, s);

	e = find(hm, "198.51.100.41", ROLE_SERVER);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ_INT(e->status, HS_READY);
		CHECK_EQ_INT(e->retries, 1);
		CHECK_EQ_INT(e->pending, 0);
		CHECK_EQ_INT(e->accepted, 1);
		CHECK_EQ_INT(e->deferred, 1);
		CHECK_EQ_INT(e->failing_since, 0);
		CHECK_EQ_INT(e->retry_interval_us, SEC(300));
		CHECK_EQ_INT(e->next_retry_estimate, 0);
		/* the error stays visible after recovery */
		CHECK_EQ_STR(e->last_error, "451 4.7.1 Greylisted, please try again later");
	}
	hm_free(hm);
}

static struct smtp_session *env_attempt(int64_t t, const char *rcpts, uint64_t size, uint64_t bytes)
{
	struct smtp_session *s = mk(GW, "198.51.100.60", t, 1.0);
	struct smtp_txn *x = txn(s, t, "alice@example.com", rcpts, NULL);
	x->size_param = size;
	body(x, bytes, true);
	finish(s, x, OUT_DEFERRED, 452, "4.2.2 Mailbox full");
	return s;
}

/* No Message-ID: MAIL FROM + sorted RCPT TO + size class. */
static void test_envelope_identity(void)
{
	struct host_model *hm = hm_new(NULL);
	feed(hm, env_attempt(T0, "b@example.net,c@example.net", 0, 3000));
	feed(hm, env_attempt(T0 + SEC(60), "c@example.net,b@example.net", 0, 3500)); /* same: 4096 */
	const struct host_entry *e = find(hm, "198.51.100.60", ROLE_SERVER);
	CHECK(e && e->retries == 1 && e->pending == 1);
	feed(hm, env_attempt(T0 + SEC(120), "b@example.net,c@example.net", 0, 5000)); /* 8192 */
	e = find(hm, "198.51.100.60", ROLE_SERVER);
	CHECK(e && e->retries == 1 && e->pending == 2);
	feed(hm, env_attempt(T0 + SEC(180), "b@example.net", 0, 3000)); /* other recipients */
	e = find(hm, "198.51.100.60", ROLE_SERVER);
	CHECK(e && e->retries == 1 && e->pending == 3);
	feed(hm, env_attempt(T0 + SEC(240), "d@example.net", 40960, 100)); /* SIZE= wins */
	feed(hm, env_attempt(T0 + SEC(300), "d@example.net", 40960, 90000));
	e = find(hm, "198.51.100.60", ROLE_SERVER);
	CHECK(e && e->retries == 2 && e->pending == 4);
	CHECK(e && e->status == HS_FAILING && e->deferred == 6);
	CHECK_EQ_STR(e ? e->last_error : NULL, "452 4.2.2 Mailbox full");
	hm_free(hm);
}

static void expect_words(struct smtp_session *s, const char *want)
{
	char out[HOST_ERROR_MAX];
	hm_describe_failure(s, out, sizeof out);
	CHECK_EQ_STR(out, want);
	smtp_session_free(s);
}

static void test_describe(void)
{
	struct smtp_session *s = outage_attempt(T0);
	expect_words(s, "connection reset by server during the message body "
			"(18.0 KB sent, 3.2 s after 354)");

	s = mk(GW, "198.51.100.20", T0, 1.0);
	struct smtp_txn *x = txn(s, T0, "a@example.com", "b@example.net", NULL);
	x->data_ts = T0 + 100000;
	end_by(s, END_RST, SIDE_CLIENT, ST_DATA);
	smtp_end(s, T0 + SEC(1));
	expect_words(s, "connection reset by client after DATA, before 354");

	s = mk(GW, "203.0.113.30", T0, 400);
	x = txn(s, T0, "a@example.com", "greg@example.net", NULL);
	body(x, 12288, false);
	end_by(s, END_TIMEOUT, SIDE_NONE, ST_BODY);
	smtp_end(s, T0 + SEC(10));
	expect_words(s, "no packet for 15m00s in the message body (silent drop, 12.0 KB sent)");

	s = mk(GW, "198.51.100.40", T0, 0.1);
	set_reply(&s->banner, T0, 421, "4.3.2 Service not available");
	end_by(s, END_FIN, SIDE_SERVER, ST_EHLO);
	expect_words(s, "connection closed by server after 421 4.3.2 Service not available");

	s = mk(GW, "198.51.100.44", T0, 0.1);
	s->has_banner = false;
	s->synack_seen = false;
	end_by(s, END_RST, SIDE_SERVER, ST_CONNECT);
	expect_words(s, "connection refused by 198.51.100.44:25");

	s = mk(GW, "198.51.100.45", T0, 0.1);
	s->has_banner = false;
	s->synack_seen = false;
	s->tcp[SIDE_CLIENT].packets = 3;
	end_by(s, END_TIMEOUT, SIDE_NONE, ST_CONNECT);
	expect_words(s, "connect timeout: 3 SYNs unanswered");

	s = mk(GW, "198.51.100.46", T0, 0.1);
	s->has_banner = false;
	end_by(s, END_RST, SIDE_SERVER, ST_CONNECT);
	expect_words(s, "connection reset by server before the banner");

	s = mk(GW, "198.51.100.47", T0, 0.1);
	end_by(s, END_RST, SIDE_SERVER, ST_EHLO);
	expect_words(s, "connection reset by server after the banner, before the EHLO reply");

	s = mk(GW, "198.51.100.20", T0, 1.0);
	x = txn(s, T0, "a@example.com", "b@example.net", NULL);
	body(x, 1000, true);
	end_by(s, END_RST, SIDE_SERVER, ST_DOT);
	smtp_end(s, T0 + SEC(1));
	expect_words(s, "final reply never seen after the end of data (message may be delivered twice)");

	s = mk(GW, "198.51.100.43", T0, 1.0);
	x = txn(s, T0, "alice@example.com", NULL, NULL);
	finish(s, x, OUT_DEFERRED, 450, "4.7.1 Client host rejected: cannot find your hostname");
	expect_words(s, "450 4.7.1 Client host rejected: cannot find your hostname");

	s = mk(GW, "198.51.100.50", T0, 1.0); /* no enhanced code, multi-line text */
	x = txn(s, T0, "alice@example.com", "x@example.net", NULL);
	body(x, 100, true);
	finish(s, x, OUT_REJECTED, 554, "Transaction failed\nsecond line");
	expect_words(s, "554 Transaction failed");

	s = mk(GW, "198.51.100.7", T0, 1.0); /* all well */
	x = txn(s, T0, "a@example.com", "b@example.net", "<m@x>");
	body(x, 100, true);
	finish(s, x, OUT_ACCEPTED, 250, "2.0.0 Ok");
	expect_words(s, "");

	s = mk(GW, "198.51.100.8", T0, 1.0); /* STARTTLS, then reset: neutral */
	s->tls = true;
	end_by(s, END_RST, SIDE_SERVER, ST_TLS);
	expect_words(s, "");

	s = mk(GW, "198.51.100.9", T0, 1.0); /* the capture ended mid-body: neutral */
	x = txn(s, T0, "a@example.com", "b@example.net", NULL);
	body(x, 5000, false);
	end_by(s, END_CAPTURE_END, SIDE_NONE, ST_BODY);
	smtp_end(s, T0 + SEC(1));
	expect_words(s, "");

	s = mk(GW, "198.51.100.10", T0, 1.0); /* callout: MAIL, RCPT, QUIT */
	x = txn(s, T0, "", "b@example.net", NULL);
	smtp_end(s, T0 + SEC(1));
	CHECK_EQ_INT(x->outcome, OUT_ABORTED);
	expect_words(s, "");

	s = mk(GW, "198.51.100.11", T0, 2.0); /* 4.5 MB by BDAT, reset */
	x = txn(s, T0, "a@example.com", "b@example.net", NULL);
	x->data_ts = T0 + 100000;
	x->bdat_chunks = 3;
	x->data_started = true;
	x->data_bytes = 4718592;
	s->end_ts = T0 + 2100000;
	end_by(s, END_RST, SIDE_SERVER, ST_BDAT);
	smtp_end(s, s->end_ts);
	expect_words(s, "connection reset by server during a BDAT chunk "
			"(4.5 MB sent, 2.0 s after the first BDAT)");

	s = mk(GW, "198.51.100.12", T0, 1.0); /* a long UTF-8 refusal is cut between characters */
	x = txn(s, T0, "a@example.com", "b@example.net", NULL);
	char accents[2 * 120 + 1];
	for (int i = 0; i < 120; i++)
		memcpy(accents + 2 * i, "\xc3\xa9", 2);
	accents[240] = '\0';
	finish(s, x, OUT_REJECTED, 550, accents);
	char words[HOST_ERROR_MAX];
	hm_describe_failure(s, words, sizeof words);
	CHECK_EQ_INT(strlen(words), 198); /* "550 " + 97 characters of 2 bytes */
	smtp_session_free(s);

	char tiny[8];
	s = outage_attempt(T0);
	hm_describe_failure(s, tiny, sizeof tiny);
	CHECK_EQ_STR(tiny, "connect");
	smtp_session_free(s);
}

static struct smtp_session *deferred_to(const char *srv, int64_t t, const char *msgid)
{
	struct smtp_session *s = mk(GW, srv, t, 1.0);
	struct smtp_txn *x = txn(s, t, "a@example.com", "b@example.net", msgid);
	body(x, 100, true);
	finish(s, x, OUT_DEFERRED, 451, "4.3.0 Try later");
	return s;
}

static struct smtp_session *accepted_to(const char *srv, int64_t t)
{
	struct smtp_session *s = mk(GW, srv, t, 1.0);
	struct smtp_txn *x = txn(s, t, "a@example.com", "b@example.net", "<ok@x>");
	body(x, 100, true);
	finish(s, x, OUT_ACCEPTED, 250, "2.0.0 Ok");
	return s;
}

static void test_order(void)
{
	struct ip_prefix gwp;
	CHECK(prefix_parse("192.0.2.0/24", &gwp));
	struct host_model_config cfg = { .gateway = &gwp, .ngateway = 1 };
	struct host_model *hm = hm_new(&cfg);
	feed(hm, accepted_to("198.51.100.6", T0));
	feed(hm, accepted_to("198.51.100.5", T0));
	feed(hm, deferred_to("198.51.100.2", T0, "<c1@x>"));               /* retry, pending 1, 1 fail */
	feed(hm, deferred_to("198.51.100.9", T0 - SEC(7200), "<c2@x>"));   /* retry, pending 1, 2 fails */
	feed(hm, deferred_to("198.51.100.9", T0, "<c2@x>"));
	feed(hm, deferred_to("198.51.100.3", T0 - SEC(7200), "<b1@x>"));   /* retry, pending 2 */
	feed(hm, deferred_to("198.51.100.3", T0, "<b2@x>"));
	feed(hm, deferred_to("198.51.100.1", T0, "<a1@x>"));               /* failing */
	feed(hm, deferred_to("198.51.100.1", T0 + SEC(60), "<a1@x>"));
	struct smtp_session *open = accepted_to("198.51.100.4", T0);    /* active */
	hm_session_start(hm, open);

	const char *want[] = { "198.51.100.1", "198.51.100.3", "198.51.100.9", "198.51.100.2",
			       "198.51.100.4", "198.51.100.5", "198.51.100.6" };
	enum host_status wst[] = { HS_FAILING, HS_RETRY, HS_RETRY, HS_RETRY, HS_ACTIVE, HS_READY,
				   HS_READY };
	const struct host_entry **v;
	size_t n = hm_hosts(hm, &v);
	CHECK_EQ_INT(n, 7);
	for (size_t i = 0; i < n && i < 7; i++) {
		char a[ADDR_STRLEN];
		addr_format(&v[i]->addr, a);
		CHECK_EQ_STR(a, want[i]);
		CHECK_EQ_INT(v[i]->status, wst[i]);
		CHECK_EQ_INT(v[i]->role, ROLE_SERVER);
	}
	CHECK(gw_given(hm_gateway(hm)));
	struct ip_addr g = ip("192.0.2.99");
	CHECK(hm_is_gateway(hm, &g));

	hm_session_end(hm, open);
	smtp_session_free(open);
	const struct host_entry *e = find(hm, "198.51.100.4", ROLE_SERVER);
	CHECK(e && e->status == HS_READY && e->open_sessions == 0);
	e = find(hm, "198.51.100.9", ROLE_SERVER);
	CHECK(e && e->retry_interval_us == SEC(7200) && e->next_retry_estimate == T0 + SEC(7200));
	CHECK_EQ_STR(host_status_name(HS_FAILING), "failing");
	CHECK_EQ_STR(host_status_name(HS_ACTIVE), "active");
	CHECK_EQ_STR(host_status_name(HS_RETRY), "retry");
	CHECK_EQ_STR(host_status_name(HS_READY), "ready");
	CHECK_EQ_STR(host_role_name(ROLE_CLIENT), "client");
	CHECK_EQ_STR(host_role_name(ROLE_SERVER), "server");
	hm_free(hm);
}

/* Inbound and outbound with the same remote address: two entries. */
static void test_roles(void)
{
	struct ip_prefix gwp;
	CHECK(prefix_parse("192.0.2.0/24", &gwp));
	struct host_model_config cfg = { .gateway = &gwp, .ngateway = 1 };
	struct host_model *hm = hm_new(&cfg);
	struct smtp_session *s = accepted_to("203.0.113.5", T0);
	set_reply(&s->banner, T0, 220, "[203.0.113.5] ESMTP ready"); /* no name in it */
	feed(hm, s);
	s = mk("203.0.113.5", GW, T0 + SEC(5), 1.0);
	s->helo = arena_strndup(&s->arena, "mail.sender.example", 19);
	feed(hm, s);
	s = mk("203.0.113.5", "192.0.2.11", T0 + SEC(9), 1.0);
	char longname[200];
	memset(longname, 'a', sizeof longname);
	memcpy(longname + 190, ".example", 9);
	s->helo = arena_strndup(&s->arena, longname, strlen(longname));
	end_by(s, END_RST, SIDE_CLIENT, ST_READY);
	feed(hm, s);

	const struct host_entry *srv = find(hm, "203.0.113.5", ROLE_SERVER);
	const struct host_entry *cli = find(hm, "203.0.113.5", ROLE_CLIENT);
	CHECK(srv && cli && srv != cli);
	CHECK(srv && srv->sessions == 1 && srv->messages == 1 && srv->name[0] == '\0');
	CHECK(cli && cli->sessions == 2 && cli->messages == 0 && cli->resets == 1);
	CHECK(cli && cli->status == HS_READY && cli->failed_attempts == 0);
	CHECK(cli && strlen(cli->name) == HOST_NAME_MAX_LEN - 1 && cli->name[0] == 'a');
	CHECK(find(hm, GW, ROLE_SERVER) == NULL && find(hm, "192.0.2.11", ROLE_SERVER) == NULL);
	const struct host_entry **v;
	CHECK_EQ_INT(hm_hosts(hm, &v), 2);
	hm_free(hm);
}

/* More remote hosts than max_hosts: counted as dropped, never more entries
 * (the gateway inference itself: tests/unit/test_gateway.c). */
static void test_max_hosts(void)
{
	const struct host_entry **v;
	struct host_model *hm;
	struct host_model_config cfg = { .max_hosts = 2 };
	hm = hm_new(&cfg);
	feed(hm, mk(GW, "198.51.100.1", T0, 1));
	feed(hm, mk(GW, "198.51.100.2", T0, 1));
	feed(hm, mk(GW, "198.51.100.3", T0, 1));
	CHECK(hm_hosts_dropped(hm) > 0);
	CHECK(hm_hosts(hm, &v) <= 2);
	hm_free(hm);
}

/* "failing" needs two attempts in the window and no success among them. */
static void test_window(void)
{
	struct host_model *hm = hm_new(NULL);
	const char *h = "198.51.100.70";
	feed(hm, deferred_to(h, T0, "<w@x>"));
	feed(hm, deferred_to(h, T0 + SEC(7200), "<w@x>"));
	const struct host_entry *e = find(hm, h, ROLE_SERVER);
	CHECK(e && e->status == HS_RETRY && e->failing_since == T0);
	feed(hm, deferred_to(h, T0 + SEC(7260), "<w@x>"));
	e = find(hm, h, ROLE_SERVER);
	CHECK(e && e->status == HS_FAILING && e->failing_since == T0);
	CHECK(e && e->retry_interval_us == SEC(60) && e->next_retry_estimate == T0 + SEC(7320));
	hm_free(hm);

	hm = hm_new(NULL);
	feed(hm, accepted_to(h, T0));
	feed(hm, deferred_to(h, T0 + SEC(60), "<v@x>"));
	feed(hm, deferred_to(h, T0 + SEC(120), "<v@x>"));
	e = find(hm, h, ROLE_SERVER);
	CHECK(e && e->status == HS_RETRY && e->failing_since == T0 + SEC(60));
	feed(hm, deferred_to(h, T0 + SEC(3700), "<v@x>"));
	e = find(hm, h, ROLE_SERVER);
	CHECK(e && e->status == HS_FAILING);
	/* a neutral session (TLS) changes nothing */
	struct smtp_session *s = mk(GW, h, T0 + SEC(3800), 1);
	s->tls = true;
	feed(hm, s);
	e = find(hm, h, ROLE_SERVER);
	CHECK(e && e->status == HS_FAILING && e->sessions == 5 && e->last_attempt == T0 + SEC(3800));
	feed(hm, accepted_to(h, T0 + SEC(3900)));
	e = find(hm, h, ROLE_SERVER);
	CHECK(e && e->status == HS_READY && e->failing_since == 0 && e->pending == 1);
	hm_free(hm);
}

/* The message memory is bounded; evicted unaccepted keys leave pending. */
static void test_memory_bound(void)
{
	struct host_model *hm = hm_new(NULL);
	char id[32];
	for (int i = 0; i < 300; i++) {
		snprintf(id, sizeof id, "<m%d@x>", i);
		feed(hm, deferred_to("198.51.100.80", T0 + SEC(i), id));
	}
	const struct host_entry *e = find(hm, "198.51.100.80", ROLE_SERVER);
	CHECK(e && e->pending == 256 && e->retries == 0);
	feed(hm, deferred_to("198.51.100.80", T0 + SEC(400), "<m299@x>"));
	feed(hm, deferred_to("198.51.100.80", T0 + SEC(401), "<m0@x>")); /* forgotten */
	e = find(hm, "198.51.100.80", ROLE_SERVER);
	CHECK(e && e->retries == 1 && e->pending == 256);
	hm_free(hm);
}

/* The sparkline counts: per minute of capture time, the last 12 minutes,
 * failed minutes in letters, heights relative to the busiest minute. */
static void test_spark(void)
{
	struct host_spark sp;
	memset(&sp, 0, sizeof sp);
	const int64_t M = 60LL * 1000000, t0 = 1795143600LL * 1000000; /* a minute boundary */
	char c[HOST_SPARK_MINUTES + 1];
	spark_codes(&sp, t0, c);
	CHECK_EQ_STR(c, "............");
	for (int i = 0; i < 4; i++)
		spark_note(&sp, t0 + 5 * 1000000, false); /* 4 good in the first minute */
	spark_note(&sp, t0 + 2 * M + 1, false);       /* 1 good two minutes later */
	spark_note(&sp, t0 + 2 * M + 2, true);        /* and 1 failed with it */
	spark_codes(&sp, t0 + 2 * M + 30 * 1000000, c);
	CHECK_EQ_STR(c, ".........8.D"); /* 4 of 4 -> 8; 2 of 4 with a failure -> D */
	/* 13 minutes later the first minute has left the window; its slot is reused */
	spark_note(&sp, t0 + 12 * M, false);
	spark_codes(&sp, t0 + 12 * M, c);
	CHECK_EQ_STR(c, ".H.........4"); /* now the busiest minute has 2 */
	/* a late session older than what its slot now counts is not counted */
	spark_note(&sp, t0 + 5 * 1000000, true);
	spark_codes(&sp, t0 + 12 * M, c);
	CHECK_EQ_STR(c, ".H.........4"); /* now the busiest minute has 2 */
}

int main(void)
{
	test_spark();
	smtp_config_default(&scfg);
	size_t before = mem_acct.used;
	test_retry_loop();
	test_greylisting();
	test_envelope_identity();
	test_describe();
	test_order();
	test_roles();
	test_max_hosts();
	test_window();
	test_memory_bound();
	CHECK_EQ_INT(mem_acct.used, before);
	CHECK_DONE();
}
