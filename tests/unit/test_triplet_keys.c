/* test_triplet_keys.c — the triplet table's key cache (rules/envelope_attempts.c):
 * the keys ea_lookup computed are taken again by ea_note only for the same
 * transaction; a transaction noted after another's lookup, or without one,
 * is keyed by its own recipients; more recipients than the cache holds. */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "rules/envelope_attempts.h"
#include "check.h"

#define T0 ((int64_t)1795143600 * 1000000)

static struct smtp_config scfg;

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

/* From alice to the comma-separated recipients, each answered rcpt_code. */
static struct smtp_txn *txn(struct smtp_session *s, int64_t t, const char *rcpts,
			    unsigned rcpt_code, enum smtp_outcome out)
{
	struct smtp_txn *x = txn_open(s, t);
	x->mail_from = arena_strndup(&s->arena, "alice@example.com", 17);
	while (*rcpts) {
		size_t n = strcspn(rcpts, ",");
		struct smtp_rcpt *r = txn_add_rcpt(s, x, rcpts, n);
		r->code = (uint16_t)rcpt_code;
		r->status = rcpt_code / 100 == 2 ? RCPT_ACCEPTED : RCPT_REJECTED;
		rcpts += n + (rcpts[n] == ',');
	}
	x->outcome = out;
	x->end_ts = t;
	return x;
}

static bool known(struct env_attempts *ea, struct smtp_session *s, struct smtp_txn *t)
{
	struct msg_history h;
	memset(&h, 0, sizeof h);
	ea_lookup(ea, s, t, &h);
	return h.triplet_known;
}

int main(void)
{
	smtp_config_default(&scfg);
	struct env_attempts *ea = ea_new();
	struct smtp_session *s = smtp_session_new(1, &scfg, NULL);
	s->client = ip("192.0.2.10");
	s->server = ip("198.51.100.45");

	/* twelve recipients deferred: more than the cache holds */
	const char *many = "r0@x.net,r1@x.net,r2@x.net,r3@x.net,r4@x.net,r5@x.net,r6@x.net,"
			   "r7@x.net,r8@x.net,r9@x.net,r10@x.net,R11@X.NET";
	ea_note(ea, s, txn(s, T0, many, 450, OUT_DEFERRED));
	CHECK_EQ_INT(ea_tracked(ea), 12);

	/* a lookup of one transaction, then the note of another: the note
	 * must not take the first one's keys (r0's would forget r0) */
	struct smtp_txn *other = txn(s, T0 + 1, "r0@x.net", 250, OUT_ACCEPTED);
	struct smtp_txn *late = txn(s, T0 + 2, "r1@x.net", 250, OUT_ACCEPTED);
	CHECK(known(ea, s, other));
	ea_note(ea, s, late);
	CHECK_EQ_INT(ea_tracked(ea), 11); /* r1 delivered and forgotten, r0 still there */
	CHECK(known(ea, s, other));
	ea_note(ea, s, other); /* its own lookup just before: cached keys */
	CHECK_EQ_INT(ea_tracked(ea), 10);
	CHECK(!known(ea, s, other));

	/* all twelve delivered at once, looked up first as the pipeline does:
	 * eight keys from the cache, the rest computed (case folded) */
	struct smtp_txn *all = txn(s, T0 + 3, many, 250, OUT_ACCEPTED);
	CHECK(known(ea, s, all));
	ea_note(ea, s, all);
	CHECK_EQ_INT(ea_tracked(ea), 0);
	struct smtp_txn *r11 = txn(s, T0 + 4, "r11@x.net", 250, OUT_ACCEPTED);
	CHECK(!known(ea, s, r11));

	/* a note without a lookup (deferred: ea_lookup looks at accepted ones only) */
	ea_note(ea, s, txn(s, T0 + 5, "late@x.net", 451, OUT_DEFERRED));
	CHECK_EQ_INT(ea_tracked(ea), 1);
	CHECK(known(ea, s, txn(s, T0 + 6, "LATE@x.net", 250, OUT_ACCEPTED)));

	smtp_session_free(s);
	ea_free(ea);
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
