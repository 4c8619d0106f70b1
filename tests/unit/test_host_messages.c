/* test_host_messages.c — the host model's message memory (rules/host_messages.c):
 * lookups through the envelope and Message-ID chains and eviction from the
 * heap against the plain scan they replaced (a reference kept here), on
 * random attempts built to collide, either way through the gateway; the
 * full table, eviction counted in the
 * pending figure, and the identity shared by recipient order. */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "rules/fnv.h"
#include "rules/host_messages.h"
#include "check.h"

/* --- the reference: every key scanned, as before the index ------------------------- */

struct ref {
	struct msg_key k[MSG_MEMORY];
	uint32_t n;
	int64_t key_interval;
};

static bool same_message(const struct msg_key *a, const struct msg_key *b)
{
	if (a->way != b->way && a->way != WAY_ANY && b->way != WAY_ANY)
		return false;
	if (a->mid && b->mid)
		return a->mid == b->mid;
	return a->env == b->env &&
	       (a->size_class == b->size_class || !a->size_class || !b->size_class);
}

static struct msg_key *ref_find(struct ref *r, const struct msg_key *id)
{
	struct msg_key *by_id = NULL;
	for (uint32_t i = 0; i < r->n; i++) {
		struct msg_key *k = &r->k[i];
		if (!same_message(k, id))
			continue;
		if (k->env == id->env)
			return k;
		if (!by_id)
			by_id = k;
	}
	return by_id;
}

static bool settled(const struct msg_key *k)
{
	return k->accepted || k->refused;
}

static void ref_note(struct ref *r, struct host_entry *e, const struct smtp_txn *t,
		     const struct msg_key *ident, enum msg_way way)
{
	struct msg_key way_id = *ident;
	way_id.way = (uint8_t)way;
	const struct msg_key *id = &way_id;
	struct msg_key *k = ref_find(r, id);
	if (k) {
		e->retries++;
		if (t->start_ts > k->last_ts) {
			r->key_interval = t->start_ts - k->last_ts;
			k->last_ts = t->start_ts;
		}
		k->attempts++;
		if (!k->mid)
			k->mid = id->mid;
		if (!k->size_class)
			k->size_class = id->size_class;
	} else {
		if (r->n == MSG_MEMORY) {
			uint32_t old = 0;
			for (uint32_t i = 1; i < r->n; i++)
				if (r->k[i].last_ts < r->k[old].last_ts)
					old = i;
			if (!settled(&r->k[old]) && e->pending)
				e->pending--;
			k = &r->k[old];
		} else {
			k = &r->k[r->n++];
		}
		*k = *id;
		k->attempts = 1;
		k->first_ts = k->last_ts = t->start_ts;
		e->pending++;
	}
	if (t->outcome != OUT_ACCEPTED)
		k->failures++;
	bool was = settled(k);
	if (!k->accepted)
		k->refused = t->outcome == OUT_REJECTED;
	if (t->outcome == OUT_ACCEPTED)
		k->accepted = true;
	if (!was && settled(k) && e->pending)
		e->pending--;
	else if (was && !settled(k))
		e->pending++;
}

/* --- helpers ------------------------------------------------------------------------ */

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* An identity from small pools, so that envelopes, Message-IDs and size
 * classes collide often (and every chain bucket is shared). */
static struct msg_key random_id(uint32_t envs, uint32_t mids)
{
	struct msg_key id;
	memset(&id, 0, sizeof id);
	id.env = 0x1000 + rnd(envs) * 0x100000000ULL; /* same low bits: one bucket */
	id.mid = rnd(3) ? 0 : (0x2001 + 2 * rnd(mids)); /* odd, as msgs_ident makes them */
	id.size_class = rnd(3) == 0 ? 0 : 1024u << rnd(2);
	return id;
}

static bool key_eq(const struct msg_key *a, const struct msg_key *b)
{
	return a->mid == b->mid && a->env == b->env && a->size_class == b->size_class &&
	       a->way == b->way &&
	       a->attempts == b->attempts && a->failures == b->failures &&
	       a->accepted == b->accepted && a->refused == b->refused &&
	       a->first_ts == b->first_ts && a->last_ts == b->last_ts;
}

/* n random attempts (timestamps that go back and tie) against the
 * reference: the same counts, the same key in every slot, the same key
 * found for a probe. */
static void differential(uint32_t n, uint32_t envs, uint32_t mids, int64_t spread)
{
	struct msg_memory mm;
	memset(&mm, 0, sizeof mm);
	struct ref *r = xcalloc(1, sizeof *r);
	struct host_entry e, re;
	memset(&e, 0, sizeof e);
	memset(&re, 0, sizeof re);
	int mismatches = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct msg_key id = random_id(envs, mids);
		struct smtp_txn t;
		memset(&t, 0, sizeof t);
		t.start_ts = 1000000 + (int64_t)i * 10 - rnd((uint32_t)spread) * 10;
		t.outcome = (enum smtp_outcome)(OUT_ACCEPTED + rnd(4));
		enum msg_way way = (enum msg_way)rnd(3); /* any, in, out */
		msgs_note(&mm, &e, &t, &id, way);
		ref_note(r, &re, &t, &id, way);
		if (e.retries != re.retries || e.pending != re.pending || mm.nmsgs != r->n ||
		    mm.key_interval != r->key_interval)
			mismatches++;
		for (uint32_t k = 0; k < r->n && !(i % 97); k++)
			if (!key_eq(&mm.msgs[k], &r->k[k]))
				mismatches++;
		struct msg_key probe = random_id(envs, mids);
		probe.way = (uint8_t)rnd(3);
		const struct msg_key *a = msgs_find(&mm, &probe);
		const struct msg_key *b = ref_find(r, &probe);
		if ((a == NULL) != (b == NULL) || (a && a - mm.msgs != b - r->k))
			mismatches++;
	}
	CHECK_EQ_INT(mismatches, 0);
	CHECK(e.retries > 0);
	msgs_free(&mm);
	free(r);
}

/* --- tests --------------------------------------------------------------------------- */

static void test_against_reference(void)
{
	differential(3000, 40, 30, 50);   /* fewer than 256 keys: growth and chains */
	differential(6000, 900, 700, 400); /* past 256: eviction from the heap */
	differential(6000, 5, 400, 3);     /* long chains of one envelope, many ties */
}

static void test_full_table(void)
{
	struct msg_memory mm;
	memset(&mm, 0, sizeof mm);
	struct host_entry e;
	memset(&e, 0, sizeof e);
	struct smtp_txn t;
	memset(&t, 0, sizeof t);
	t.outcome = OUT_DEFERRED; /* every message stays pending */
	for (uint32_t i = 0; i < MSG_MEMORY; i++) {
		struct msg_key id;
		memset(&id, 0, sizeof id);
		id.env = 7; /* one envelope ... */
		id.mid = 2 * i + 1; /* ... many messages: one long chain */
		t.start_ts = 5000 + (i == 40 ? -4000 : (int64_t)i); /* slot 40 the oldest */
		msgs_note(&mm, &e, &t, &id, WAY_ANY);
	}
	CHECK_EQ_INT(mm.nmsgs, MSG_MEMORY);
	CHECK_EQ_INT(mm.cap, MSG_MEMORY);
	CHECK_EQ_INT(e.pending, MSG_MEMORY);
	CHECK_EQ_INT(e.retries, 0);
	struct msg_key probe;
	memset(&probe, 0, sizeof probe);
	probe.env = 7;
	probe.mid = 2 * 40 + 1;
	CHECK(msgs_find(&mm, &probe) == &mm.msgs[40]);
	/* one more: the oldest (slot 40) goes, and its pending message with it */
	struct msg_key id = probe;
	id.mid = 99999;
	t.start_ts = 9000;
	msgs_note(&mm, &e, &t, &id, WAY_ANY);
	CHECK_EQ_INT(mm.nmsgs, MSG_MEMORY);
	CHECK_EQ_INT(e.pending, MSG_MEMORY); /* -1 evicted, +1 new */
	CHECK(msgs_find(&mm, &id) == &mm.msgs[40]);
	CHECK(msgs_find(&mm, &probe) == NULL);
	/* the next oldest is slot 0 (5000): a retry of it moves it to the back */
	memset(&probe, 0, sizeof probe);
	probe.env = 7;
	probe.mid = 1;
	t.start_ts = 9500;
	t.outcome = OUT_ACCEPTED;
	msgs_note(&mm, &e, &t, &probe, WAY_ANY);
	CHECK_EQ_INT(e.retries, 1);
	CHECK_EQ_INT(e.pending, MSG_MEMORY - 1);
	id.mid = 123457;
	t.outcome = OUT_DEFERRED;
	msgs_note(&mm, &e, &t, &id, WAY_ANY); /* evicts slot 1 (5001), not slot 0 */
	CHECK(msgs_find(&mm, &id) == &mm.msgs[1]);
	CHECK(msgs_find(&mm, &probe) == &mm.msgs[0]);
	msgs_free(&mm);
	CHECK_EQ_INT(mm.cap, 0);
}

/* The envelope goes first: a deferral at RCPT (no Message-ID) is found by
 * its envelope even when another key has the Message-ID. */
static void test_envelope_first(void)
{
	struct msg_memory mm;
	memset(&mm, 0, sizeof mm);
	struct host_entry e;
	memset(&e, 0, sizeof e);
	struct smtp_txn t;
	memset(&t, 0, sizeof t);
	t.outcome = OUT_ACCEPTED;
	struct msg_key a, b, q;
	memset(&a, 0, sizeof a);
	a.env = 100;
	a.mid = 5;
	b = a;
	b.env = 200;
	b.mid = 0;
	msgs_note(&mm, &e, &t, &a, WAY_ANY);
	t.outcome = OUT_DEFERRED;
	msgs_note(&mm, &e, &t, &b, WAY_ANY);
	q = a;
	q.env = 200; /* Message-ID of a, envelope of b */
	CHECK(msgs_find(&mm, &q) == &mm.msgs[1]);
	q.env = 300; /* only the Message-ID matches */
	CHECK(msgs_find(&mm, &q) == &mm.msgs[0]);
	/* b learns its Message-ID from the retry: found by it afterwards */
	q.env = 200;
	q.mid = 9;
	msgs_note(&mm, &e, &t, &q, WAY_ANY);
	CHECK_EQ_INT(mm.msgs[1].mid, 9);
	q.env = 999;
	CHECK(msgs_find(&mm, &q) == &mm.msgs[1]);
	msgs_free(&mm);
}

static struct smtp_rcpt *rcpt(const char *addr)
{
	struct smtp_rcpt *r = xcalloc(1, sizeof *r + strlen(addr) + 1);
	memcpy(r->addr, addr, strlen(addr) + 1);
	return r;
}

static void test_ident(void)
{
	struct smtp_txn t;
	memset(&t, 0, sizeof t);
	char from[] = "a@example.org", mid[] = "<1@example.org>";
	t.mail_from = from;
	struct smtp_rcpt *x = rcpt("x@example.com"), *y = rcpt("y@example.net");
	x->next = y;
	t.rcpts.head = x;
	struct msg_key k1, k2;
	msgs_ident(&t, &k1);
	y->next = x; /* the other order */
	x->next = NULL;
	t.rcpts.head = y;
	msgs_ident(&t, &k2);
	CHECK(k1.env == k2.env);
	CHECK_EQ_INT(k1.mid, 0);
	t.message_id = mid;
	t.data_complete = true;
	t.data_bytes = 1500;
	msgs_ident(&t, &k2);
	CHECK(k2.mid & 1);
	CHECK_EQ_INT(k2.size_class, 2048);
	y->next = NULL; /* one recipient less: another envelope */
	msgs_ident(&t, &k2);
	CHECK(k1.env != k2.env);
	free(x);
	free(y);
}

/* A relayed message seen in, then out through the gateway: two keys, no
 * retry; the same way again is one; WAY_ANY finds the first. */
static void test_ways(void)
{
	struct msg_memory mm;
	memset(&mm, 0, sizeof mm);
	struct host_entry e;
	memset(&e, 0, sizeof e);
	struct smtp_txn t;
	memset(&t, 0, sizeof t);
	t.outcome = OUT_DEFERRED;
	struct msg_key id;
	memset(&id, 0, sizeof id);
	id.env = 42;
	id.mid = 7;
	msgs_note(&mm, &e, &t, &id, WAY_IN);
	t.start_ts = 10;
	msgs_note(&mm, &e, &t, &id, WAY_OUT);
	CHECK_EQ_INT(e.retries, 0);
	CHECK_EQ_INT(mm.nmsgs, 2);
	CHECK_EQ_INT(e.pending, 2);
	t.start_ts = 20;
	msgs_note(&mm, &e, &t, &id, WAY_OUT);
	CHECK_EQ_INT(e.retries, 1);
	CHECK_EQ_INT(mm.msgs[1].attempts, 2);
	CHECK(msgs_find(&mm, &id) == &mm.msgs[0]); /* id.way is WAY_ANY */
	msgs_free(&mm);
}

/* The word-at-a-time hash folds exactly the ASCII letters, in every byte
 * of a word and in a tail, and tells lengths apart. */
static void test_wordhash(void)
{
	int wrong = 0;
	static const size_t lens[] = { 1, 5, 8, 11, 16, 23 }; /* short, whole words, tails */
	for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
		size_t len = lens[l];
		for (int c = 0; c < 256; c++) {
			for (size_t pos = 0; pos < len; pos++) {
				uint8_t a[23], b[23];
				memset(a, 'x', sizeof a);
				memset(b, 'x', sizeof b);
				a[pos] = (uint8_t)c;
				b[pos] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
				wrong += wordhash(1, a, len, 1) != wordhash(1, b, len, 1);
				/* unfolded: upper and lower case differ; and a byte
				 * changed anywhere changes the hash */
				wrong += (a[pos] != b[pos]) != (wordhash(1, a, len, 0) != wordhash(1, b, len, 0));
				b[pos] = (uint8_t)(a[pos] ^ 0x01);
				wrong += wordhash(1, a, len, 0) == wordhash(1, b, len, 0);
			}
		}
	}
	CHECK_EQ_INT(wrong, 0);
	CHECK(wordhash(1, "ab", 2, 0) != wordhash(1, "ab\0", 3, 0));
	CHECK(wordhash(wordhash(1, "ab", 2, 0), "c", 1, 0) != wordhash(wordhash(1, "a", 1, 0), "bc", 2, 0));
	CHECK(wordhash(1, "Example.ORG", 11, 1) == wordhash(1, "example.org", 11, 1));
}

int main(void)
{
	test_wordhash();
	test_against_reference();
	test_full_table();
	test_envelope_first();
	test_ways();
	test_ident();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
