/* test_session_pool.c — session records reused across sessions
 * (decode/smtp_pool.c, smtp_session_recycle; issue 13): a recycled record
 * comes back zeroed with its first transaction, transcript and first arena
 * chunk as spares; the next session uses them (the same memory) and parses
 * as a fresh one would; the accounting (mem.h) is the same as without the
 * pool at every step; an empty pool and a full pool are counted. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "decode/smtp_parser.h"
#include "decode/smtp_pool.h"

static int64_t now = 1795143600000000;

static void C(struct smtp_session *s, const char *t)
{
	smtp_feed(s, SIDE_CLIENT, now += 1000, (const uint8_t *)t, strlen(t));
}

static void S(struct smtp_session *s, const char *t)
{
	smtp_feed(s, SIDE_SERVER, now += 1000, (const uint8_t *)t, strlen(t));
}

/* Two transactions (so one record is freed, one kept), a transcript, strings. */
static void dialogue(struct smtp_session *s, const char *from)
{
	char mail[128];
	S(s, "220 mx.example.net ESMTP\r\n");
	C(s, "EHLO gw.example.com\r\n");
	S(s, "250 mx.example.net\r\n");
	snprintf(mail, sizeof mail, "MAIL FROM:<%s>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n", from);
	C(s, mail);
	S(s, "250 Ok\r\n250 Ok\r\n354 go\r\n");
	C(s, "Message-ID: <m1@gw.example.com>\r\n\r\nbody\r\n.\r\n");
	S(s, "250 queued\r\n");
	C(s, "MAIL FROM:<x@example.com>\r\n");
	S(s, "451 try later\r\n");
}

/* A session through the dialogue; returns its charge while open. */
static size_t run(const struct smtp_config *cfg, const char *from, struct smtp_pool *recycle_to)
{
	size_t before = mem_acct.used;
	struct smtp_session *s = smtp_session_new(1, cfg, NULL);
	dialogue(s, from);
	size_t open = mem_acct.used - before;
	smtp_end(s, now);
	CHECK_EQ_STR(s->txn_head->mail_from, from);
	CHECK_EQ_STR(s->txn_head->message_id, "<m1@gw.example.com>");
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(s->txn_count, 2);
	CHECK_EQ_STR(s->helo, "gw.example.com");
	CHECK(s->transcript != NULL && tr_kept(s->transcript) > 0);
	smtp_session_recycle(s, recycle_to);
	CHECK_EQ_INT(mem_acct.used, before);
	return open;
}

int main(void)
{
	struct smtp_config plain, pooled;
	smtp_config_default(&plain);
	smtp_config_default(&pooled);
	pooled.pool = smtp_pool_new(2);
	struct smtp_pool_stats st;

	size_t base = mem_acct.used;
	size_t open_plain = run(&plain, "a@example.com", NULL); /* no pool: freed */
	CHECK_EQ_INT(mem_acct.used, base);

	/* first pooled session: the pool is empty (counted), it allocates */
	size_t open1 = run(&pooled, "b@example.com", pooled.pool);
	smtp_pool_stats(pooled.pool, &st);
	CHECK_EQ_INT(st.sessions_missed, 1);
	CHECK_EQ_INT(st.sessions_reused, 0);
	CHECK_EQ_INT(st.sessions_held, 1);
	CHECK_EQ_INT(open1, open_plain);

	/* the next record is the same memory, zeroed but for the spares,
	 * which are not charged */
	struct smtp_session *s = smtp_session_new(2, &pooled, NULL);
	smtp_pool_stats(pooled.pool, &st);
	CHECK_EQ_INT(st.sessions_reused, 1);
	CHECK_EQ_INT(st.sessions_held, 0);
	CHECK(s->txn_spare != NULL && s->tr_spare != NULL && s->arena.spare != NULL);
	CHECK(s->txn_head == NULL && s->transcript == NULL && s->arena.chunks == NULL);
	CHECK(s->helo == NULL && s->txn_count == 0 && !s->has_banner);
	CHECK_EQ_INT(s->id, 2);
	CHECK_EQ_INT(mem_acct.used - base, sizeof *s + sizeof *s->parser);
	struct smtp_txn *txn = s->txn_spare;
	struct transcript *tr = s->tr_spare;
	struct arena_chunk *chunk = s->arena.spare;
	dialogue(s, "c@example.com");
	/* the spares were used, and charged as new ones would have been */
	CHECK(s->txn_head == txn && s->transcript == tr && s->arena.chunks == chunk);
	CHECK(s->txn_spare == NULL && s->tr_spare == NULL && s->arena.spare == NULL);
	CHECK_EQ_INT(mem_acct.used - base, open_plain);
	smtp_end(s, now);
	CHECK_EQ_STR(s->txn_head->mail_from, "c@example.com");
	CHECK_EQ_INT(s->txn_head->index, 0);
	CHECK_EQ_INT(s->txn_head->next->outcome, OUT_DEFERRED);
	CHECK_EQ_INT(s->txn_head->next->next == NULL, 1);
	smtp_session_recycle(s, pooled.pool);
	CHECK_EQ_INT(mem_acct.used, base);

	/* a record the sink kept: the decoder drops its unused spares when
	 * it hands it on (they would be memory nobody accounts for), and its
	 * owner frees it whole later (ASan/LSan see a leak otherwise) */
	struct smtp_session *kept = smtp_session_new(3, &pooled, NULL);
	CHECK(kept->txn_spare != NULL && kept->arena.spare != NULL && kept->tr_spare != NULL);
	smtp_session_shrink(kept);
	smtp_session_drop_spares(kept);
	CHECK(kept->txn_spare == NULL && kept->arena.spare == NULL && kept->tr_spare == NULL);
	smtp_session_free(kept);
	CHECK_EQ_INT(mem_acct.used, base);
	struct smtp_session *kept2 = smtp_session_new(3, &pooled, NULL); /* pool empty now */
	smtp_session_shrink(kept2);
	smtp_session_free(kept2); /* with whatever spares it has: none here */
	CHECK_EQ_INT(mem_acct.used, base);

	/* three records at once, room for two: one is freed (counted) */
	struct smtp_session *a = smtp_session_new(4, &pooled, NULL);
	struct smtp_session *b = smtp_session_new(5, &pooled, NULL);
	struct smtp_session *c = smtp_session_new(6, &pooled, NULL);
	dialogue(a, "d@example.com");
	smtp_end(a, now);
	smtp_session_recycle(a, pooled.pool);
	smtp_session_recycle(b, pooled.pool);
	smtp_session_recycle(c, pooled.pool);
	smtp_pool_stats(pooled.pool, &st);
	CHECK_EQ_INT(st.sessions_held, 2);
	CHECK_EQ_INT(st.sessions_dropped, 1);
	CHECK_EQ_INT(st.sessions_missed, 5); /* a, b, c, kept2, the first pooled run */
	CHECK_EQ_INT(mem_acct.used, base);

	smtp_pool_free(pooled.pool); /* frees the held records and their spares */
	CHECK_DONE();
}
