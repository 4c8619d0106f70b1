/* test_triplets.c — the bounded tables behind the cross-session detections:
 * attempts by envelope triplet (rules/envelope_attempts.c: deferral at RCPT
 * or after DATA, case-folded addresses, forgotten on delivery, eviction
 * counted, memory charged and returned) and full-size segments per path
 * (rules/path_memory.c). */
#include "config.h"

#include <stdlib.h>

#include "rules/envelope_attempts.h"
#include "decode/mem.h"
#include "rules/path_memory.h"
#include "decode/smtp_internal.h"
#include "check.h"

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600)

static struct smtp_config scfg;

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

static struct smtp_session *mk(const char *cli, const char *srv)
{
	struct smtp_session *s = smtp_session_new(1, &scfg, NULL);
	s->client = ip(cli);
	s->server = ip(srv);
	return s;
}

/* A transaction from `from` to one recipient whose RCPT got rcpt_code; the
 * transaction's deciding reply code/enhanced/text (0: none). */
static struct smtp_txn *txn(struct smtp_session *s, int64_t t, const char *from, const char *to,
			    unsigned rcpt_code, enum smtp_outcome out, unsigned code, const char *enh,
			    const char *text)
{
	struct smtp_txn *x = txn_open(s, t);
	x->mail_from = arena_strndup(&s->arena, from, strlen(from));
	struct smtp_rcpt *r = txn_add_rcpt(s, x, to, strlen(to));
	r->code = (uint16_t)rcpt_code;
	r->status = rcpt_code / 100 == 2 ? RCPT_ACCEPTED : RCPT_REJECTED;
	x->outcome = out;
	x->end_ts = t;
	if (code) {
		x->has_reply = true;
		x->reply.code = (uint16_t)code;
		snprintf(x->reply.enhanced, sizeof x->reply.enhanced, "%s", enh);
		snprintf(x->reply.text, sizeof x->reply.text, "%s", text);
	}
	return x;
}

static void test_greylisting_cycle(void)
{
	size_t base = mem_acct.used;
	struct env_attempts *ea = ea_new();
	struct smtp_session *s = mk("192.0.2.10", "198.51.100.45");
	struct msg_history h;

	CHECK(!ea_used(ea));
	/* deferred at RCPT */
	struct smtp_txn *a = txn(s, T0, "alice@example.com", "carl@example.net", 450, OUT_DEFERRED,
				 450, "4.7.1", "Greylisted");
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s, a, &h);
	CHECK(!h.triplet_known); /* not accepted: nothing to look up */
	ea_note(ea, s, a);
	CHECK(ea_used(ea));
	CHECK_EQ_INT(ea_tracked(ea), 1);
	CHECK(mem_acct.used > base + EA_SLOTS * 100); /* the table is charged */

	/* a second deferred attempt: the same triplet, case folded */
	struct smtp_txn *b = txn(s, T0 + SEC(60), "Alice@Example.com", "CARL@example.net", 451,
				 OUT_DEFERRED, 451, "4.7.1", "still greylisted");
	ea_note(ea, s, b);
	CHECK_EQ_INT(ea_tracked(ea), 1);

	/* another client address is another triplet */
	struct smtp_session *s2 = mk("192.0.2.11", "198.51.100.45");
	struct smtp_txn *c = txn(s2, T0 + SEC(400), "alice@example.com", "carl@example.net", 250,
				 OUT_ACCEPTED, 250, "2.0.0", "queued");
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s2, c, &h);
	CHECK(!h.triplet_known);

	/* the same pair accepted by another server: not that host's greylisting */
	struct smtp_session *s3 = mk("192.0.2.10", "198.51.100.46");
	struct smtp_txn *c3 = txn(s3, T0 + SEC(410), "alice@example.com", "carl@example.net", 250,
				  OUT_ACCEPTED, 250, "2.0.0", "queued");
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s3, c3, &h);
	CHECK(!h.triplet_known);
	ea_note(ea, s3, c3);
	CHECK_EQ_INT(ea_tracked(ea), 1); /* nor does it clear the deferral at .45 */
	smtp_session_free(s3);

	/* accepted from the first client: the first deferral, two attempts before */
	struct smtp_txn *d = txn(s, T0 + SEC(420), "alice@example.com", "carl@example.net", 250,
				 OUT_ACCEPTED, 250, "2.0.0", "queued");
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s, d, &h);
	CHECK(h.triplet_known);
	CHECK_EQ_INT(h.triplet_attempts, 2);
	CHECK_EQ_INT(h.triplet_deferral_code, 450);
	CHECK_EQ_STR(h.triplet_deferral_enhanced, "4.7.1");
	CHECK_EQ_STR(h.triplet_deferral_text, "Greylisted");
	CHECK_EQ_INT(h.triplet_deferral_ts, T0);
	/* delivered: forgotten, the next message is not "greylisted" again */
	ea_note(ea, s, d);
	CHECK_EQ_INT(ea_tracked(ea), 0);
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s, d, &h);
	CHECK(!h.triplet_known);

	/* deferred after DATA (RCPT 250, message 451): the triplet is deferred too */
	struct smtp_txn *e = txn(s, T0 + SEC(500), "bob@example.com", "dina@example.net", 250,
				 OUT_DEFERRED, 451, "4.7.1", "try later");
	ea_note(ea, s, e);
	CHECK_EQ_INT(ea_tracked(ea), 1);
	/* a 5xx rejection is no deferral */
	struct smtp_txn *f = txn(s, T0 + SEC(510), "bob@example.com", "eve@example.net", 550,
				 OUT_REJECTED, 550, "5.1.1", "unknown");
	ea_note(ea, s, f);
	CHECK_EQ_INT(ea_tracked(ea), 1);

	smtp_session_free(s);
	smtp_session_free(s2);
	ea_free(ea);
	CHECK_EQ_INT(mem_acct.used, base);
}

static void test_eviction(void)
{
	size_t base = mem_acct.used;
	struct env_attempts *ea = ea_new();
	struct smtp_session *s = mk("192.0.2.10", "198.51.100.45");
	char to[64];
	const int n = 3 * EA_SLOTS;
	for (int i = 0; i < n; i++) { /* one session each: a session caps its transactions */
		struct smtp_session *one = mk("192.0.2.10", "198.51.100.45");
		snprintf(to, sizeof to, "user%d@example.net", i);
		struct smtp_txn *t = txn(one, T0 + i, "a@example.com", to, 450, OUT_DEFERRED, 450,
					 "4.7.1", "Greylisted");
		ea_note(ea, one, t);
		smtp_session_free(one);
	}
	size_t peak = mem_acct.used;
	CHECK(ea_tracked(ea) <= EA_SLOTS);
	CHECK(ea_tracked(ea) > EA_SLOTS / 2); /* the buckets fill up, not one */
	CHECK_EQ_INT(ea_tracked(ea) + ea_evicted(ea), (uint64_t)n);
	/* the newest triplet is still there, the oldest gone */
	struct msg_history h;
	snprintf(to, sizeof to, "user%d@example.net", n - 1);
	struct smtp_txn *ok = txn(s, T0 + n, "a@example.com", to, 250, OUT_ACCEPTED, 250, "", "");
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s, ok, &h);
	CHECK(h.triplet_known);
	ok = txn(s, T0 + n, "a@example.com", "user0@example.net", 250, OUT_ACCEPTED, 250, "", "");
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s, ok, &h);
	CHECK(!h.triplet_known);
	smtp_session_free(s);
	ea_free(ea);
	CHECK(peak > base);
	CHECK_EQ_INT(mem_acct.used, base);
}

/* --memcap without room for the table: nothing allocated, the loss counted. */
static void test_memcap(void)
{
	size_t base = mem_acct.used, cap = mem_acct.cap;
	struct env_attempts *ea = ea_new();
	struct path_memory *pm = pm_new();
	struct smtp_session *s = mk("192.0.2.10", "198.51.100.45");
	mem_acct.cap = mem_acct.used + 4096;
	struct smtp_txn *t = txn(s, T0, "a@example.com", "b@example.net", 450, OUT_DEFERRED, 450,
				 "4.7.1", "Greylisted");
	size_t before = mem_acct.used;
	ea_note(ea, s, t);
	CHECK(ea_used(ea));
	CHECK_EQ_INT(ea_tracked(ea), 0);
	CHECK_EQ_INT(ea_evicted(ea), 1);
	s->tcp[SIDE_CLIENT].fullsize_acked = 3;
	CHECK_EQ_INT(pm_session_end(pm, s), 3); /* the session's own, not remembered */
	CHECK_EQ_INT(pm_evicted(pm), 1);
	CHECK_EQ_INT(mem_acct.used, before);
	mem_acct.cap = cap;
	smtp_session_free(s);
	ea_free(ea);
	pm_free(pm);
	CHECK_EQ_INT(mem_acct.used, base);
}

static void test_paths(void)
{
	size_t base = mem_acct.used;
	struct path_memory *pm = pm_new();
	struct smtp_session *a = mk("192.0.2.10", "203.0.113.65");
	struct smtp_session *b = mk("192.0.2.10", "203.0.113.65");
	struct smtp_session *c = mk("192.0.2.10", "203.0.113.66");
	struct smtp_session *d = mk("203.0.113.65", "192.0.2.10"); /* the other direction */
	CHECK_EQ_INT(pm_session_end(pm, b), 0); /* nothing known yet */
	a->tcp[SIDE_CLIENT].fullsize_acked = 5;
	CHECK_EQ_INT(pm_session_end(pm, a), 5);
	CHECK_EQ_INT(pm_session_end(pm, b), 5); /* the path carried full-size segments before */
	CHECK_EQ_INT(pm_session_end(pm, c), 0); /* another server */
	CHECK_EQ_INT(pm_session_end(pm, d), 0); /* another direction */
	CHECK_EQ_INT(pm_evicted(pm), 0);
	CHECK_EQ_INT(pm_session_end(NULL, a), 5); /* without memory: the session's own */
	smtp_session_free(a);
	smtp_session_free(b);
	smtp_session_free(c);
	smtp_session_free(d);
	pm_free(pm);
	CHECK_EQ_INT(mem_acct.used, base);
}

int main(void)
{
	smtp_config_default(&scfg);
	test_greylisting_cycle();
	test_eviction();
	test_paths();
	test_memcap();
	CHECK_DONE();
}
