/* test_host_status.c — host status rules (rules/host_status.c and the
 * verdicts of rules/session_verdict.c): 5xx makes `rejected` and leaves
 * nothing pending, refused and timed-out connects fail, a per-recipient 452
 * (too many recipients) is no failure, overdue retries, the cause an alert
 * found in front of the last error, and the failure words in wire order.
 * Sessions are built by hand. */
#include "config.h"

#include <stdlib.h>

#include "rules/host_model.h"
#include "decode/mem.h"
#include "rules/session_verdict.h"
#include "decode/smtp_internal.h"
#include "check.h"

#include "session_fixture.h"

/* A greeted session to `srv` that ends one second after t by QUIT. */
static struct smtp_session *mk(const char *srv, int64_t t)
{
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip(GW);
	s->server = ip(srv);
	s->client_port = (uint16_t)(40000 + next_id);
	s->server_port = 25;
	s->start_ts = t;
	s->end_ts = t + SEC(1);
	s->syn_seen = s->synack_seen = true;
	s->has_banner = true;
	set_reply(&s->banner, t + 10000, 220, "mx.example.org ESMTP");
	s->helo = arena_strndup(&s->arena, "gw.example.com", 14);
	s->state = ST_QUIT;
	s->end_reason = END_QUIT;
	s->end_by = SIDE_CLIENT;
	s->quit_acked = true;
	s->rst_by = s->fin_by = SIDE_NONE;
	return s;
}

/* A connect that never got a SYN-ACK: `syns` SYNs, then RST from the server
 * (refused) or nothing until `how`. */
static struct smtp_session *mk_connect(const char *srv, int64_t t, uint64_t syns, bool refused,
				       enum end_reason how)
{
	struct smtp_session *s = mk(srv, t);
	s->synack_seen = false;
	s->has_banner = false;
	s->state = ST_CONNECT;
	s->quit_acked = false;
	s->tcp[SIDE_CLIENT].packets = syns;
	s->end_reason = refused ? END_RST : how;
	s->end_by = refused ? SIDE_SERVER : SIDE_NONE;
	s->rst_by = refused ? SIDE_SERVER : SIDE_NONE;
	return s;
}

/* A transaction at t with each recipient "addr" or "addr=code" (2xx accepted). */
static struct smtp_txn *txn(struct smtp_session *s, int64_t t, const char *rcpts, const char *msgid)
{
	struct smtp_txn *x = txn_open(s, t);
	x->mail_from = arena_strndup(&s->arena, "alice@example.com", 17);
	while (rcpts && *rcpts) {
		size_t n = strcspn(rcpts, ","), a = strcspn(rcpts, "=,");
		struct smtp_rcpt *r = txn_add_rcpt(s, x, rcpts, a);
		r->code = a < n ? (uint16_t)atoi(rcpts + a + 1) : 250;
		r->status = r->code < 300 ? RCPT_ACCEPTED : RCPT_REJECTED;
		x->rcpts.rejected += r->status == RCPT_REJECTED;
		rcpts += n + (rcpts[n] == ',');
	}
	if (msgid)
		x->message_id = arena_strndup(&s->arena, msgid, strlen(msgid));
	return x;
}

static void body(struct smtp_txn *x, uint64_t bytes, bool eod)
{
	x->data_ts = x->start_ts + 100000;
	x->body_ts = x->start_ts + 200000;
	x->data_started = true;
	x->data_bytes = bytes;
	x->data_complete = eod;
}

static void finish(struct smtp_session *s, struct smtp_txn *x, enum smtp_outcome o, unsigned code,
		   const char *text)
{
	struct smtp_reply r;
	set_reply(&r, x->start_ts + 900000, code, text);
	txn_finish(s, x, o, &r, r.ts_us);
}

/* One message to srv, its content sent, answered `code text`. */
static struct smtp_session *msg_to(const char *srv, int64_t t, const char *msgid,
				   enum smtp_outcome o, unsigned code, const char *text)
{
	struct smtp_session *s = mk(srv, t);
	struct smtp_txn *x = txn(s, t + 50000, "b@example.net", msgid);
	body(x, 2000, true);
	finish(s, x, o, code, text);
	return s;
}

static void feed(struct host_model *hm, struct smtp_session *s)
{
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	smtp_session_free(s);
}

static const struct host_entry *host(struct host_model *hm, const char *a)
{
	struct ip_addr x = ip(a);
	return hm_find(hm, &x, ROLE_SERVER);
}

/* --- 5xx: rejected, nothing pending -------------------------------------------------- */

static void test_rejected(void)
{
	struct host_model *hm = hm_new(NULL);
	const char *h = "198.51.100.70";
	feed(hm, msg_to(h, T0, "<a@x>", OUT_REJECTED, 554, "5.7.1 Message rejected as spam"));
	const struct host_entry *e = host(hm, h);
	CHECK(e != NULL);
	if (!e) {
		hm_free(hm);
		return;
	}
	CHECK_EQ_STR(host_status_name(e->status), "rejected");
	CHECK_EQ_INT(e->pending, 0);
	CHECK_EQ_INT(e->rejected, 1);
	CHECK_EQ_INT(e->failing_since, 0);
	CHECK_EQ_INT(e->next_retry_estimate, 0);
	CHECK_EQ_STR(e->last_error, "554 5.7.1 Message rejected as spam");
	/* a second 5xx, refused at RCPT: still nothing to retry */
	struct smtp_session *s = mk(h, T0 + SEC(30));
	struct smtp_txn *x = txn(s, T0 + SEC(30), "nobody@example.net=550", NULL);
	finish(s, x, OUT_REJECTED, 550, "5.1.1 User unknown");
	feed(hm, s);
	e = host(hm, h);
	CHECK(e->status == HS_REJECTED && e->pending == 0 && e->failed_attempts == 2);

	/* a 4xx brings a message to retry: retry, pending 1; its 5xx on the
	 * retry ends it: rejected again, pending 0, one retry counted */
	feed(hm, msg_to(h, T0 + SEC(60), "<c@x>", OUT_DEFERRED, 451, "4.3.0 Try later"));
	e = host(hm, h);
	CHECK(e->status == HS_RETRY && e->pending == 1);
	feed(hm, msg_to(h, T0 + SEC(120), "<c@x>", OUT_REJECTED, 554, "5.6.0 Content rejected"));
	e = host(hm, h);
	CHECK(e->status == HS_REJECTED && e->pending == 0 && e->retries == 1);
	/* the client tries the refused message once more and is deferred: pending
	 * again, and with the 4xx at +60 s two temporary failures in the window */
	feed(hm, msg_to(h, T0 + SEC(180), "<c@x>", OUT_DEFERRED, 451, "4.3.0 Try later"));
	e = host(hm, h);
	CHECK(e->status == HS_FAILING && e->pending == 1 && e->failing_since == T0 + SEC(60));
	hm_free(hm);

	/* a 5xx while another message waits: the host is still a retry host */
	hm = hm_new(NULL);
	const char *g = "198.51.100.71";
	feed(hm, msg_to(g, T0, "<d@x>", OUT_DEFERRED, 451, "4.3.0 Try later"));
	feed(hm, msg_to(g, T0 + SEC(10), "<e@x>", OUT_REJECTED, 550, "5.7.1 No"));
	e = host(hm, g);
	CHECK(e && e->status == HS_RETRY && e->pending == 1 && e->failing_since == T0);
	/* a 4xx and then a 5xx in one session (the session is judged by its
	 * last transaction): the deferred message still waits, so retry */
	struct smtp_session *two = mk("198.51.100.72", T0);
	struct smtp_txn *x4 = txn(two, T0, "b@example.net", "<f@x>");
	body(x4, 2000, true);
	finish(two, x4, OUT_DEFERRED, 452, "4.2.2 Mailbox full");
	struct smtp_txn *x5 = txn(two, T0 + 500000, "c@example.net", "<g@x>");
	body(x5, 2000, true);
	finish(two, x5, OUT_REJECTED, 554, "5.7.1 No");
	feed(hm, two);
	e = host(hm, "198.51.100.72");
	CHECK(e && e->status == HS_RETRY && e->pending == 1);
	CHECK_EQ_STR(e ? e->last_error : NULL, "554 5.7.1 No");
	/* a 5xx neither extends the streak nor ends it: one more 4xx makes failing */
	feed(hm, msg_to(g, T0 + SEC(20), "<d@x>", OUT_DEFERRED, 451, "4.3.0 Try later"));
	e = host(hm, g);
	CHECK(e && e->status == HS_FAILING && e->retry_interval_us == SEC(20));
	hm_free(hm);
}

/* Worst first: failing, retry, rejected, active, ready. */
static void test_order(void)
{
	struct host_model *hm = hm_new(NULL);
	feed(hm, msg_to("198.51.100.1", T0, "<r@x>", OUT_REJECTED, 550, "5.7.1 No"));
	feed(hm, msg_to("198.51.100.2", T0, "<d@x>", OUT_DEFERRED, 451, "4.3.0 Later"));
	feed(hm, msg_to("198.51.100.3", T0, "<ok@x>", OUT_ACCEPTED, 250, "2.0.0 Ok"));
	feed(hm, msg_to("198.51.100.3", T0 + SEC(1), "<ok2@x>", OUT_ACCEPTED, 250, "2.0.0 Ok"));
	const struct host_entry **v;
	size_t n = hm_hosts(hm, &v);
	CHECK_EQ_INT(n, 3);
	if (n == 3) {
		CHECK_EQ_STR(host_status_name(v[0]->status), "retry");
		CHECK_EQ_STR(host_status_name(v[1]->status), "rejected");
		CHECK_EQ_STR(host_status_name(v[2]->status), "ready");
	}
	hm_free(hm);
}

/* --- connects ---------------------------------------------------------------------- */

static void test_connect(void)
{
	struct host_model *hm = hm_new(NULL);
	const char *h = "198.51.100.72";
	/* one SYN when the capture ends: too early to say */
	struct smtp_session *s = mk_connect(h, T0, 1, false, END_CAPTURE_END);
	CHECK_EQ_INT(session_verdict(s), V_NEUTRAL);
	feed(hm, s);
	const struct host_entry *e = host(hm, h);
	CHECK(e && e->status == HS_READY && e->failed_attempts == 0 && !e->last_error[0]);
	/* three SYNs, then the capture ended: the client gave up or will */
	s = mk_connect(h, T0 + SEC(10), 3, false, END_CAPTURE_END);
	CHECK_EQ_INT(session_verdict(s), V_FAILURE);
	feed(hm, s);
	e = host(hm, h);
	CHECK(e && e->status == HS_RETRY && e->pending == 0);
	CHECK_EQ_STR(e ? e->last_error : NULL, "connect timeout: 3 SYNs unanswered");
	/* one SYN, then the idle timeout */
	feed(hm, mk_connect(h, T0 + SEC(40), 1, false, END_TIMEOUT));
	e = host(hm, h);
	CHECK(e && e->status == HS_FAILING && e->failing_since == T0 + SEC(10));
	CHECK_EQ_STR(e ? e->last_error : NULL, "connect timeout: 1 SYN unanswered");
	hm_free(hm);

	hm = hm_new(NULL);
	feed(hm, mk_connect("2001:db8:1::9", T0, 1, true, END_RST));
	e = host(hm, "2001:db8:1::9");
	CHECK(e && e->status == HS_RETRY);
	CHECK_EQ_STR(e ? e->last_error : NULL, "connection refused by [2001:db8:1::9]:25");
	feed(hm, mk_connect("198.51.100.73", T0, 1, true, END_RST));
	e = host(hm, "198.51.100.73");
	CHECK_EQ_STR(e ? e->last_error : NULL, "connection refused by 198.51.100.73:25");
	/* mid-stream pickups have no SYN: no verdict */
	s = mk_connect("198.51.100.74", T0, 4, false, END_CAPTURE_END);
	s->partial_start = true;
	s->syn_seen = false;
	CHECK_EQ_INT(session_verdict(s), V_NEUTRAL);
	smtp_session_free(s);
	hm_free(hm);
}

/* --- 452 too many recipients --------------------------------------------------------- */

/* Two of three recipients taken, the third refused with `code text`, the
 * message sent; then the third alone, refused again; QUIT. */
static struct smtp_session *limited(const char *srv, int64_t t, const char *msgid, char third,
				   const char *text)
{
	char all[64], alone[32];
	snprintf(all, sizeof all, "k@example.net,l@example.net,%c@example.net=452", third);
	snprintf(alone, sizeof alone, "%c@example.net=452", third);
	struct smtp_session *s = mk(srv, t);
	struct smtp_txn *x = txn(s, t, all, msgid);
	body(x, 2000, true);
	finish(s, x, OUT_ACCEPTED, 250, "2.0.0 Ok");
	x = txn(s, t + 500000, alone, NULL);
	x->size_param = 2048;
	finish(s, x, OUT_DEFERRED, 452, text);
	return s;
}

static void test_recipient_limit(void)
{
	struct host_model *hm = hm_new(NULL);
	const char *h = "198.51.100.74";
	struct smtp_session *s = limited(h, T0, "<m1@x>", 'm', "4.5.3 Too many recipients");
	CHECK(txn_recipient_limited(s->txn_tail, true));  /* after the first transaction */
	CHECK(!txn_recipient_limited(s->txn_tail, false)); /* nobody accepted before it */
	CHECK(!txn_recipient_limited(s->txn_head, false)); /* accepted: not deferred */
	CHECK_EQ_INT(session_verdict(s), V_SUCCESS);
	feed(hm, s);
	feed(hm, limited(h, T0 + SEC(60), "<m2@x>", 'n', "Too many recipients, try again later"));
	const struct host_entry *e = host(hm, h);
	CHECK(e && e->status == HS_READY && e->failed_attempts == 0 && e->failing_since == 0);
	CHECK(e && e->pending == 2 && e->deferred == 2 && e->accepted == 2);
	/* the deferred recipient alone, delivered later with the Message-ID: the
	 * attempt that waited (its envelope) is the one that is no longer pending */
	s = mk(h, T0 + SEC(120));
	struct smtp_txn *x = txn(s, T0 + SEC(120), "m@example.net", "<m1@x>");
	x->size_param = 2048;
	body(x, 2000, true);
	finish(s, x, OUT_ACCEPTED, 250, "2.0.0 Ok");
	feed(hm, s);
	e = host(hm, h);
	CHECK(e && e->pending == 1 && e->retries == 1);
	hm_free(hm);

	/* 452 for storage, not the recipient count: a failure like any 4xx */
	hm = hm_new(NULL);
	feed(hm, limited(h, T0, "<m1@x>", 'm', "4.3.1 Insufficient system storage"));
	feed(hm, limited(h, T0 + SEC(60), "<m2@x>", 'n', "4.3.1 Insufficient system storage"));
	e = host(hm, h);
	CHECK(e && e->status == HS_FAILING);
	hm_free(hm);

	/* nobody accepted in the session: the host takes no mail, a deferral */
	s = mk(h, T0);
	x = txn(s, T0, "m@example.net=452", NULL);
	finish(s, x, OUT_DEFERRED, 452, "4.5.3 Too many recipients");
	CHECK(!txn_recipient_limited(x, false));
	CHECK_EQ_INT(session_verdict(s), V_FAILURE);
	smtp_session_free(s);
}

/* --- overdue --------------------------------------------------------------------------- */

static void test_overdue(void)
{
	struct host_model *hm = hm_new(NULL);
	const char *h = "198.51.100.75";
	feed(hm, msg_to(h, T0, "<o@x>", OUT_DEFERRED, 451, "4.3.0 Later"));
	const struct host_entry *e = host(hm, h);
	CHECK(e && e->next_retry_estimate == 0 && !hm_retry_overdue(e, T0 + SEC(9999)));
	feed(hm, msg_to(h, T0 + SEC(300), "<o@x>", OUT_DEFERRED, 451, "4.3.0 Later"));
	e = host(hm, h);
	CHECK(e && e->next_retry_estimate == T0 + SEC(600));
	CHECK(e && !hm_retry_overdue(e, T0 + SEC(599)));
	CHECK(e && !hm_retry_overdue(e, T0 + SEC(600)));
	CHECK(e && !hm_retry_overdue(e, T0 + SEC(601) - 1)); /* a second of grace */
	CHECK(e && hm_retry_overdue(e, T0 + SEC(601)));
	CHECK(!hm_overdue(0, T0) && !hm_overdue(T0, 0)); /* no estimate, no clock */
	hm_free(hm);
}

/* --- causes and words ------------------------------------------------------------------- */

/* Cut off mid-body by a client RST: what the PMTU black hole sample does. */
static struct smtp_session *cut_mid_body(const char *srv, int64_t t, const char *reply_text)
{
	struct smtp_session *s = mk(srv, t);
	struct smtp_txn *x = txn(s, t, "rita@example.net", "<p@x>");
	body(x, 3174, false);
	s->end_ts = x->body_ts + SEC(25);
	s->state = ST_BODY;
	s->end_reason = END_RST;
	s->end_by = s->rst_by = SIDE_CLIENT;
	s->quit_acked = false;
	smtp_end(s, s->end_ts);
	if (reply_text) { /* turn it into a 4xx with this text */
		x->outcome = OUT_DEFERRED;
		x->has_reply = true;
		set_reply(&x->reply, s->end_ts, 451, reply_text);
	}
	return s;
}

static void test_cause(void)
{
	struct host_model *hm = hm_new(NULL);
	const char *h = "203.0.113.60";
	struct smtp_session *s = cut_mid_body(h, T0, NULL);
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	const struct host_entry *e = host(hm, h);
	const char *words = "connection reset by client during the message body "
			    "(3.1 KB sent, 25 s after 354)";
	CHECK_EQ_STR(e ? e->last_error : NULL, words);
	hm_note_alert(hm, s, "rst-mid-data"); /* a symptom, not a cause */
	CHECK_EQ_STR(e ? e->last_error : NULL, words);
	hm_note_alert(hm, s, "pmtu-blackhole");
	char want[HOST_ERROR_MAX];
	snprintf(want, sizeof want, "path MTU black hole: %s", words);
	CHECK_EQ_STR(e ? e->last_error : NULL, want);
	hm_note_alert(hm, s, "middlebox-interference"); /* one cause is enough */
	CHECK_EQ_STR(e ? e->last_error : NULL, want);
	/* the recipient domain's error came from the same session */
	const struct host_entry **d;
	size_t nd = hm_domains(hm, &d);
	CHECK(nd == 1 && strcmp(d[0]->last_error, want) == 0);
	smtp_session_free(s);

	/* a later session's error is not touched by an old session's alert */
	struct smtp_session *old = cut_mid_body(h, T0 + SEC(60), NULL);
	hm_session_start(hm, old);
	hm_session_end(hm, old);
	feed(hm, cut_mid_body(h, T0 + SEC(120), NULL));
	hm_note_alert(hm, old, "pmtu-blackhole");
	e = host(hm, h);
	CHECK_EQ_STR(e ? e->last_error : NULL, words);
	smtp_session_free(old);

	/* a long error in 2-byte characters: the cause goes in front, the rest is
	 * cut on a character boundary */
	char text[SMTP_REPLY_TEXT_MAX] = "4.3.0 ";
	for (size_t i = strlen(text); i + 2 < sizeof text - 1; i += 2)
		memcpy(text + i, "\xc3\xa9", 3);
	s = cut_mid_body(h, T0 + SEC(180), text);
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	hm_note_alert(hm, s, "pmtu-blackhole");
	e = host(hm, h);
	size_t n = e ? strlen(e->last_error) : 0;
	CHECK(n > 150 && n < HOST_ERROR_MAX);
	CHECK(e && strncmp(e->last_error, "path MTU black hole: 451 4.3.0 \xc3\xa9", 33) == 0);
	CHECK(e && (unsigned char)e->last_error[n - 1] == 0xa9); /* ends on a whole é */
	smtp_session_free(s);
	hm_free(hm);
}

static void expect_words(struct smtp_session *s, const char *want)
{
	char out[HOST_ERROR_MAX];
	hm_describe_failure(s, out, sizeof out);
	CHECK_EQ_STR(out, want);
	smtp_session_free(s);
}

/* The words follow the order of the wire. */
static void test_wire_order(void)
{
	struct smtp_session *s = mk("198.51.100.78", T0);
	s->state = ST_EHLO;
	s->quit_acked = false;
	s->has_last_reply = true;
	set_reply(&s->last_reply, T0 + 100000, 501, "5.5.4 Invalid EHLO/HELO domain");
	s->end_ts = T0 + 200000;
	s->end_reason = END_RST;
	s->end_by = s->rst_by = SIDE_SERVER;
	expect_words(s, "EHLO answered 501 5.5.4 Invalid EHLO/HELO domain, "
			"then connection reset by server");

	s = mk("198.51.100.78", T0);
	s->state = ST_EHLO;
	s->quit_acked = false;
	s->has_last_reply = true;
	set_reply(&s->last_reply, T0 + 300000, 501, "5.5.4 Invalid EHLO/HELO domain");
	s->end_ts = T0 + 200000;
	s->end_reason = END_FIN;
	s->end_by = s->fin_by = SIDE_SERVER;
	expect_words(s, "connection closed by server after the banner, then EHLO answered "
			"501 5.5.4 Invalid EHLO/HELO domain");

	/* the banner is the last reply: nothing came after it */
	s = mk("198.51.100.78", T0);
	s->state = ST_EHLO;
	s->quit_acked = false;
	s->has_last_reply = true;
	s->last_reply = s->banner;
	s->end_reason = END_RST;
	s->end_by = s->rst_by = SIDE_SERVER;
	expect_words(s, "connection reset by server after the banner, before the EHLO reply");
}

int main(void)
{
	smtp_config_default(&scfg);
	size_t before = mem_acct.used;
	test_rejected();
	test_order();
	test_connect();
	test_recipient_limit();
	test_overdue();
	test_cause();
	test_wire_order();
	CHECK_EQ_INT(mem_acct.used, before);
	CHECK_DONE();
}
