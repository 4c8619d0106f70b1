/* test_smtp_pool.c — parsers reused across sessions (decode/smtp_pool.c,
 * issue 13): a second session parses as a fresh one would, gets the first
 * one's buffers back, and the memory accounting (mem.h) charges and releases
 * exactly what an unpooled session does, at every step. */
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

/* Lines split across feeds on both sides (so both line buffers are used),
 * two messages, the second cut in its header by the end of the capture, so
 * the header scanner is live when the session ends. */
static void dialogue(struct smtp_session *s, const char *from)
{
	char mail[128];
	S(s, "220 mx.example.net ESMTP\r\n");
	C(s, "EHLO gw.exa");  /* split lines: both line buffers are used */
	C(s, "mple.com\r\n");
	S(s, "250-mx.exa");
	S(s, "mple.net\r\n250 PIPELINING\r\n");
	snprintf(mail, sizeof mail, "MAIL FROM:<%s>\r\n", from);
	C(s, mail);
	S(s, "250 Ok\r\n");
	C(s, "RCPT TO:<bob@example.net>\r\n");
	S(s, "250 Ok\r\n");
	C(s, "DATA\r\n");
	S(s, "354 go\r\n");
	C(s, "Message-ID: <m1@gw.example.com>\r\nSubject: one\r\n\r\nbody\r\n.\r\n");
	S(s, "250 queued\r\n");
	C(s, "MAIL FROM:<x@example.com>\r\nRCPT TO:<y@example.net>\r\nDATA\r\n");
	S(s, "250 Ok\r\n250 Ok\r\n354 go\r\n");
	C(s, "Subject: cut in the hea");
}

/* Runs one session; returns its memory charge while open (after the
 * dialogue) and checks everything is released when it is freed. */
static size_t run(const struct smtp_config *cfg, const char *from, struct smtp_session **kept)
{
	size_t before = mem_acct.used;
	struct smtp_session *s = smtp_session_new(1, cfg, NULL);
	dialogue(s, from);
	size_t open = mem_acct.used - before;
	smtp_end(s, now);
	CHECK_EQ_STR(s->txn_head->mail_from, from);
	CHECK_EQ_STR(s->txn_head->message_id, "<m1@gw.example.com>");
	CHECK_EQ_STR(s->txn_head->subject, "one");
	CHECK_EQ_STR(s->helo, "gw.example.com");
	CHECK(s->txn_head->next != NULL);
	smtp_session_shrink(s);  /* the parser goes back to the pool here */
	if (kept)
		*kept = s;
	else
		smtp_session_free(s);
	return open;
}

int main(void)
{
	struct smtp_config plain, pooled;
	smtp_config_default(&plain);
	smtp_config_default(&pooled);
	pooled.pool = smtp_pool_new(2);

	size_t base = mem_acct.used;
	size_t open_plain = run(&plain, "a@example.com", NULL);
	CHECK_EQ_INT(mem_acct.used, base);

	/* first pooled session: the pool is empty, it allocates */
	size_t open1 = run(&pooled, "b@example.com", NULL);
	CHECK_EQ_INT(smtp_pool_reused(pooled.pool), 0);
	CHECK_EQ_INT(mem_acct.used, base);
	CHECK_EQ_INT(open1, open_plain);

	/* the second gets the first one's parser and spare buffers */
	struct smtp_session *s = smtp_session_new(2, &pooled, NULL);
	struct smtp_parser *p = s->parser;
	CHECK_EQ_INT(smtp_pool_reused(pooled.pool), 1);
	/* spares: present, not charged */
	CHECK(p->lines[SIDE_CLIENT].buf != NULL && !p->lines[SIDE_CLIENT].charged);
	CHECK(p->lines[SIDE_SERVER].buf != NULL && !p->lines[SIDE_SERVER].charged);
	CHECK(p->queue != NULL && p->q_cap == 0);
	CHECK(p->hs_spare != NULL && p->hs == NULL);
	CHECK_EQ_INT(mem_acct.used - base, sizeof *s + sizeof *p);
	char *spare = p->lines[SIDE_CLIENT].buf;
	struct pending_cmd *ring = p->queue;
	dialogue(s, "c@example.com");
	CHECK(p->lines[SIDE_CLIENT].buf == spare && p->lines[SIDE_CLIENT].charged);
	CHECK(p->queue == ring);
	CHECK_EQ_INT(mem_acct.used - base, open_plain);
	smtp_end(s, now);
	CHECK_EQ_STR(s->txn_head->mail_from, "c@example.com");
	CHECK_EQ_STR(s->txn_head->message_id, "<m1@gw.example.com>");
	smtp_session_free(s);
	CHECK_EQ_INT(mem_acct.used, base);

	/* a full pool frees instead of keeping: three parsers, room for two */
	struct smtp_session *a = smtp_session_new(3, &pooled, NULL);
	struct smtp_session *b = smtp_session_new(4, &pooled, NULL);
	struct smtp_session *c = smtp_session_new(5, &pooled, NULL);
	dialogue(a, "d@example.com");
	smtp_session_free(a);
	smtp_session_free(b);
	smtp_session_free(c);
	CHECK_EQ_INT(mem_acct.used, base);
	CHECK_EQ_INT(smtp_pool_reused(pooled.pool), 2);

	smtp_pool_free(pooled.pool);
	CHECK_DONE();
}
