/* test_smtp_case.c — command verbs and EHLO keywords are matched without
 * regard to ASCII case (RFC 5321 2.4), now without strncasecmp (issue 13):
 * lower- and mixed-case verbs of every length class are recognised,
 * near-misses (a NUL inside the verb, a verb one letter longer or shorter, a
 * 15- or 17-letter word) are unknown commands, and lower-case EHLO keywords
 * still set the offered flags. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "decode/smtp_internal.h"
#include "decode/smtp_parser.h"

static int64_t now = 1795143600000000;

static void feed(struct smtp_session *s, enum side side, const char *t, size_t n)
{
	smtp_feed(s, side, now += 1000, (const uint8_t *)t, n);
}

#define C(s, lit) feed(s, SIDE_CLIENT, lit, sizeof(lit) - 1)
#define S(s, lit) feed(s, SIDE_SERVER, lit, sizeof(lit) - 1)

int main(void)
{
	struct smtp_config cfg;
	smtp_config_default(&cfg);
	struct smtp_session *s = smtp_session_new(1, &cfg, NULL);
	S(s, "220 mx.example.net ESMTP\r\n");
	C(s, "eHlO gw.example.com\r\n");
	S(s, "250-mx.example.net\r\n250-pipelining\r\n250-StartTls\r\n250 chunking\r\n");
	CHECK_EQ_STR(s->helo, "gw.example.com");
	CHECK(s->pipelining_offered);
	CHECK(s->starttls_offered);
	CHECK(s->chunking_offered);
	CHECK_EQ_STR(s->ehlo_keywords, "pipelining StartTls chunking");
	CHECK_EQ_INT(s->state, ST_READY);

	/* near-misses: unknown commands, each answered (so the queue stays
	 * in step) */
	C(s, "MA\0L FROM:<x@example.com>\r\n");
	S(s, "500 what\r\n");
	C(s, "MAILS FROM:<x@example.com>\r\n");
	S(s, "500 what\r\n");
	C(s, "MAI FROM:<x@example.com>\r\n");
	S(s, "500 what\r\n");
	C(s, "XSESSIONPARAMSX\r\n");   /* 15 letters */
	S(s, "500 what\r\n");
	C(s, "XSESSIONPARAMSXYZ\r\n"); /* 17 letters */
	S(s, "500 what\r\n");
	CHECK_EQ_INT(s->anomalies[ANOM_UNKNOWN_COMMAND], 5);
	CHECK(s->txn_head == NULL);

	C(s, "mail from:<a@example.com>\r\n");
	S(s, "250 ok\r\n");
	C(s, "RcPt To:<b@example.net>\r\n");
	S(s, "250 ok\r\n");
	C(s, "data\r\n");
	S(s, "354 go\r\n");
	C(s, "Subject: hi\r\n\r\nbody\r\n.\r\n");
	S(s, "250 queued\r\n");
	C(s, "qUiT\r\n");
	S(s, "221 bye\r\n");
	CHECK(s->txn_head != NULL);
	CHECK_EQ_STR(s->txn_head->mail_from, "a@example.com");
	CHECK_EQ_INT(s->txn_head->rcpts.count, 1);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK(s->quit_acked);
	CHECK_EQ_INT(s->anomalies[ANOM_UNKNOWN_COMMAND], 5);
	smtp_end(s, now);
	smtp_session_free(s);
	CHECK_DONE();
}
