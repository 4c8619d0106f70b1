/* test_msg_store.c — the message table's memory (rules/msg_arena.c,
 * rules/message_store.c): strings cut at their bound and stored at their
 * real length, blocks reused after release and after eviction, the arena's
 * budget, accounting back to zero once everything is freed, a typical
 * message's size, a retry's same reply text kept once, and long
 * Message-IDs / senders still matched (compared as stored, cut). */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "rules/message_store.h"
#include "rules/msg_arena.h"
#include "check.h"

#include "msg_fixture.h"

static void test_arena_strings(void)
{
	size_t before = mem_acct.used;
	struct msg_arena a;
	ma_init(&a, 0);
	CHECK_EQ_INT(ma_block_size(1), 16);
	CHECK_EQ_INT(ma_block_size(16), 16);
	CHECK_EQ_INT(ma_block_size(17), 32);
	const char *s = ma_strdup(&a, "abcdefghijkl", 8, false, false);
	CHECK_EQ_STR(s, "abcdefg"); /* cut at max - 1 */
	CHECK_EQ_INT(a.in_use, 16);
	const char *r = ma_strdup(&a, "451 4.7.1 later\nsecond line", 64, true, false);
	CHECK_EQ_STR(r, "451 4.7.1 later"); /* first line only */
	CHECK_EQ_INT(a.in_use, 32);
	CHECK(ma_strdup(&a, "", 64, false, false) == ma_empty);
	CHECK(ma_strdup(&a, NULL, 64, false, false) == ma_empty);
	CHECK(ma_strdup(&a, "\nx", 64, true, false) == ma_empty);
	CHECK_EQ_INT(a.in_use, 32);
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	const char *b = ma_strdup(&a, big, 128, false, false);
	CHECK_EQ_INT(strlen(b), 127);
	CHECK_EQ_INT(a.in_use, 32 + 128);
	/* a released block is the next one of its class */
	ma_str_release(&a, s);
	CHECK_EQ_INT(a.in_use, 16 + 128);
	const char *s2 = ma_strdup(&a, "0123456789", 64, false, false);
	CHECK(s2 == s);
	ma_str_release(&a, s2);
	ma_str_release(&a, r);
	ma_str_release(&a, b);
	ma_str_release(&a, ma_empty); /* ignored */
	CHECK_EQ_INT(a.in_use, 0);
	CHECK_EQ_INT(a.charged, 2 * MA_CHUNK); /* a chunk for class 16, one for class 128 */
	ma_free_all(&a);
	CHECK_EQ_INT(a.charged, 0);
	CHECK_EQ_INT(mem_acct.used, before);
}

static void test_arena_budget(void)
{
	size_t before = mem_acct.used;
	struct msg_arena a;
	ma_init(&a, MA_CHUNK);
	size_t per_chunk = (MA_CHUNK - MA_GRAIN) / MA_BLOCK_MAX;
	void *blocks[64];
	size_t n = 0;
	while (n < 64 && (blocks[n] = ma_alloc(&a, MA_BLOCK_MAX, false)))
		n++;
	CHECK_EQ_INT(n, per_chunk); /* one chunk, then the budget says no */
	CHECK_EQ_INT(a.charged, MA_CHUNK);
	void *forced = ma_alloc(&a, MA_BLOCK_MAX, true);
	CHECK(forced != NULL);
	CHECK_EQ_INT(a.charged, 2 * MA_CHUNK);
	ma_release(&a, forced, MA_BLOCK_MAX);
	/* within the budget again once a block is free */
	CHECK(ma_alloc(&a, MA_BLOCK_MAX - 5, false) == forced);
	ma_release(&a, forced, MA_BLOCK_MAX);
	for (size_t i = 0; i < n; i++)
		ma_release(&a, blocks[i], MA_BLOCK_MAX);
	CHECK_EQ_INT(a.in_use, 0);
	ma_free_all(&a);
	CHECK_EQ_INT(mem_acct.used, before);
}

/* One relayed message: in from a client, out to the next hop, accepted. */
static void relay_one(struct msg_tracker *mt, int k, int64_t t, const char *reply)
{
	char id[48];
	snprintf(id, sizeof id, "<%d.1caed440@gencap.example>", k);
	struct smtp_session *in = mk(CLIENT, GW, t);
	txn(in, t, "sender81@example.net", "rcpt@news.example", id, 746, 250);
	run(mt, in, false);
	struct smtp_session *o = mk(GW, "198.51.100.7", t + SEC(1));
	struct smtp_txn *x = txn(o, t + SEC(1), "sender81@example.net", "rcpt@news.example", id, 800, 250);
	snprintf(x->reply.text, sizeof x->reply.text, "%s", reply);
	run(mt, o, true);
}

static void test_typical_size(void)
{
	struct mt_config c = { .max_messages = 100 };
	struct msg_tracker *mt = mt_new(&c);
	relay_one(mt, 1, T0, "2.0.0 Ok: queued as 000000517F54");
	const struct mt_message **v;
	CHECK_EQ_INT(mt_messages(mt, &v), 1);
	CHECK_EQ_INT(v[0]->state, MS_DELIVERED);
	CHECK_EQ_STR(v[0]->attempts[0].text, "2.0.0 Ok: queued as 000000517F54");
	size_t bytes = mt_bytes_in_use(mt);
	printf("# one relayed message: %zu bytes (record %zu)\n", bytes, sizeof(struct mt_message));
	CHECK(bytes <= 512);
	CHECK(mt_message_cost() >= bytes); /* the sizing covers a typical message */
	mt_free(mt);
}

/* Evicted messages give their parts back: a table that keeps turning over
 * stops taking chunks, and its parts in use match what is live. */
static void test_reuse_after_eviction(void)
{
	size_t before = mem_acct.used;
	struct mt_config c = { .max_messages = 4 };
	struct msg_tracker *mt = mt_new(&c);
	for (int k = 0; k < 4; k++)
		relay_one(mt, k, T0 + SEC(10 * k), "2.0.0 Ok: queued as 000000517F54");
	size_t live4 = mt_bytes_in_use(mt), charged4 = mt_bytes_charged(mt);
	for (int k = 4; k < 200; k++)
		relay_one(mt, k, T0 + SEC(10 * k), "2.0.0 Ok: queued as 000000517F54");
	struct mt_stats st;
	mt_get_stats(mt, &st);
	CHECK_EQ_INT(st.live, 4);
	CHECK_EQ_INT(st.evicted, 196);
	CHECK_EQ_INT(mt_bytes_in_use(mt), live4);
	CHECK_EQ_INT(mt_bytes_charged(mt), charged4);
	mt_free(mt);
	CHECK_EQ_INT(mem_acct.used, before);
}

/* Worst-case parts: the arena's budget evicts before the pool bound. */
static void test_arena_bound(void)
{
	size_t before = mem_acct.used;
	struct mt_config c = { .max_messages = 1000 };
	struct msg_tracker *mt = mt_new(&c);
	char id[200], from[200], rcpts[400], reply[100];
	memset(from, 'f', sizeof from);
	strcpy(from + 150, "@sender.example");
	memset(reply, 'r', sizeof reply - 1);
	reply[sizeof reply - 1] = '\0';
	for (int k = 0; k < 900; k++) {
		snprintf(id, sizeof id, "<%d.%0150d@x>", k, 0);
		snprintf(rcpts, sizeof rcpts,
			 "a@%060d.one.example,b@%060d.two.example,c@%060d.three.example,d@%060d.four.example",
			 k, k, k, k);
		struct smtp_session *in = mk(CLIENT, GW, T0 + SEC(k));
		txn(in, T0 + SEC(k), from, rcpts, id, 5000, 250);
		run(mt, in, false);
		for (int retry = 0; retry < 7; retry++) {
			struct smtp_session *o = mk(GW, "198.51.100.7", T0 + SEC(k) + retry);
			struct smtp_txn *x = txn(o, T0 + SEC(k) + retry, from, rcpts, id, 5100, 451);
			reply[0] = (char)('a' + retry); /* a new text each time: none shared */
			snprintf(x->reply.text, sizeof x->reply.text, "%s", reply);
			run(mt, o, true);
		}
	}
	struct mt_stats st;
	mt_get_stats(mt, &st);
	const struct mt_message **v;
	size_t n = mt_messages(mt, &v);
	printf("# worst-case messages: %zu live, %llu evicted, arena %zu of %zu bytes\n", n,
	       (unsigned long long)st.evicted, mt->arena.charged, mt->arena.budget);
	CHECK(st.evicted > 0);
	CHECK(n < 900);
	CHECK(mt->arena.charged <= mt->arena.budget);
	/* the survivors are whole: bounds kept, the newest attempt last */
	CHECK_EQ_INT(strlen(v[n - 1]->message_id), MT_ID_MAX - 1);
	CHECK_EQ_INT(strlen(v[n - 1]->mail_from), MT_ADDR_MAX - 1);
	CHECK_EQ_INT(strlen(v[n - 1]->legs[3].domain), MT_DOMAIN_MAX - 1);
	CHECK_EQ_INT(v[n - 1]->nattempts, MT_ATTEMPTS_MAX);
	CHECK_EQ_INT(v[n - 1]->attempts_dropped, 1);
	CHECK_EQ_INT(v[n - 1]->attempts[MT_ATTEMPTS_MAX - 1].text[0], 'g');
	CHECK_EQ_INT(strlen(v[n - 1]->attempts[0].text), MT_REPLY_MAX - 1);
	CHECK_EQ_INT(v[n - 1]->legs[0].attempts, 7);
	/* a long Message-ID still finds its message (compared as stored) */
	CHECK_EQ_INT(st.messages, 900);
	CHECK_EQ_INT(st.matched_by_id, 900 * 7);
	mt_free(mt);
	CHECK_EQ_INT(mem_acct.used, before);
}

/* Retries with the same reply keep its text once; different texts and the
 * overwritten last slot release theirs (ASan would see a double release). */
static void test_retry_text_shared(void)
{
	struct mt_config c = { .max_messages = 10 };
	struct msg_tracker *mt = mt_new(&c);
	struct smtp_session *in = mk(CLIENT, GW, T0);
	txn(in, T0, "erin@example.org", "bob@example.net", "<r@x>", 1000, 250);
	run(mt, in, false);
	static const char *texts[] = { "4.7.1 try later", "4.7.1 try later", "4.7.1 try later",
				       "4.4.2 timeout", "4.4.2 timeout", "4.7.1 try later",
				       "4.7.1 try later", "4.4.2 timeout", "4.4.2 timeout" };
	size_t after_first = 0;
	for (int k = 0; k < 9; k++) {
		struct smtp_session *o = mk(GW, "198.51.100.7", T0 + SEC(60 * (k + 1)));
		struct smtp_txn *x = txn(o, T0 + SEC(60 * (k + 1)), "erin@example.org", "bob@example.net",
					 "<r@x>", 1100, 451);
		snprintf(x->reply.text, sizeof x->reply.text, "%s", texts[k]);
		run(mt, o, true);
		if (k == 0)
			after_first = mt->arena.in_use;
		if (k == 2) /* two more attempts of the same text: only the array grew (1 -> 4) */
			CHECK_EQ_INT(mt->arena.in_use - after_first, 3 * sizeof(struct mt_attempt));
	}
	const struct mt_message **v;
	CHECK_EQ_INT(mt_messages(mt, &v), 1);
	const struct mt_message *m = v[0];
	CHECK_EQ_INT(m->nattempts, MT_ATTEMPTS_MAX);
	CHECK_EQ_INT(m->attempts_dropped, 3);
	CHECK(m->attempts[1].text == m->attempts[0].text);
	CHECK(m->attempts[3].text != m->attempts[2].text);
	CHECK_EQ_STR(m->attempts[3].text, "4.4.2 timeout");
	CHECK_EQ_STR(m->attempts[4].text, "4.4.2 timeout");
	CHECK_EQ_STR(m->attempts[5].text, "4.4.2 timeout"); /* the latest */
	CHECK_EQ_INT(m->attempts[5].ts, T0 + SEC(540) + 900000);
	mt_free(mt);
}

int main(void)
{
	smtp_config_default(&scfg);
	test_arena_strings();
	test_arena_budget();
	test_typical_size();
	test_reuse_after_eviction();
	test_arena_bound();
	test_retry_text_shared();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
