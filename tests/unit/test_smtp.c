/* test_smtp.c — the SMTP state machine on inline dialogues: envelope, replies
 * matched to pipelined commands, DATA with stuffing across every possible
 * segment boundary, BDAT, STARTTLS, AUTH masking, gaps and hostile input. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/smtp_parser.h"

static struct smtp_config cfg;
static int64_t now = 1795143600000000;
static size_t step = 0; /* 0: whole chunks; n: feed n bytes at a time */

static void C(struct smtp_session *s, const char *text)
{
	size_t n = strlen(text);
	now += 1000;
	if (!step) {
		smtp_feed(s, SIDE_CLIENT, now, (const uint8_t *)text, n);
		return;
	}
	for (size_t i = 0; i < n; i += step) {
		/* each piece in its own heap buffer so ASan sees overreads */
		size_t k = n - i < step ? n - i : step;
		uint8_t *piece = malloc(k);
		memcpy(piece, text + i, k);
		smtp_feed(s, SIDE_CLIENT, now, piece, k);
		free(piece);
	}
}

static void S(struct smtp_session *s, const char *text)
{
	now += 1000;
	smtp_feed(s, SIDE_SERVER, now, (const uint8_t *)text, strlen(text));
}

static struct smtp_session *new_session(void)
{
	return smtp_session_new(1, &cfg, NULL);
}

static const char *rcpt_at(const struct smtp_txn *t, int i, int *status)
{
	const struct smtp_rcpt *r = t->rcpts.head;
	while (r && i--)
		r = r->next;
	if (status)
		*status = r ? r->status : -1;
	return r ? r->addr : NULL;
}

static const char BODY[] =
	"From: Alice <alice@example.com>\r\n"
	"Subject: =?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?IG5vaXI=?= report\r\n"
	"Message-ID:\r\n <m1@gw.example.com>\r\n"
	"\r\n"
	"line one\r\n"
	"..leading dot\r\n"
	".\r\n";
/* content bytes: everything before the final "\r\n.\r\n", minus one stuffed dot */
#define BODY_CONTENT (sizeof BODY - 1 - 5 - 1)

static void clean_dialogue(struct smtp_session *s)
{
	S(s, "220 mx.example.net ESMTP\r\n");
	C(s, "EHLO gw.example.com\r\n");
	S(s, "250-mx.example.net\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
	C(s, "MAIL FROM:<alice@example.com> SIZE=4000\r\n");
	S(s, "250 2.1.0 Ok\r\n");
	C(s, "RCPT TO:<bob@example.net>\r\n");
	S(s, "250 2.1.5 Ok\r\n");
	C(s, "RCPT TO:<nobody@example.net>\r\n");
	S(s, "550 5.1.1 <nobody@example.net>: Recipient address rejected\r\n");
	C(s, "DATA\r\n");
	S(s, "354 End data with <CR><LF>.<CR><LF>\r\n");
	C(s, BODY);
	S(s, "250 2.0.0 Ok: queued as ABC123\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 2.0.0 Bye\r\n");
}

static void check_clean(struct smtp_session *s)
{
	CHECK(s->has_banner);
	CHECK_EQ_INT(s->banner.code, 220);
	CHECK_EQ_STR(s->helo, "gw.example.com");
	CHECK(s->pipelining_offered);
	CHECK(s->starttls_offered);
	CHECK_EQ_INT(s->txn_count, 1);
	const struct smtp_txn *t = s->txn_head;
	CHECK_EQ_STR(t->mail_from, "alice@example.com");
	CHECK_EQ_INT(t->size_param, 4000);
	int st;
	CHECK_EQ_STR(rcpt_at(t, 0, &st), "bob@example.net");
	CHECK_EQ_INT(st, RCPT_ACCEPTED);
	CHECK_EQ_STR(rcpt_at(t, 1, &st), "nobody@example.net");
	CHECK_EQ_INT(st, RCPT_REJECTED);
	CHECK_EQ_STR(t->message_id, "<m1@gw.example.com>");
	CHECK_EQ_STR(t->subject, "Caf\xc3\xa9 noir report");
	CHECK_EQ_INT(t->data_bytes, BODY_CONTENT);
	CHECK(t->data_complete);
	CHECK_EQ_INT(t->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(t->reply.code, 250);
	CHECK_EQ_STR(t->reply.enhanced, "2.0.0");
	CHECK_EQ_STR(t->reply.text, "2.0.0 Ok: queued as ABC123");
	CHECK_EQ_INT(s->state, ST_QUIT);
	CHECK(s->quit_acked);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
}

static void test_clean(void)
{
	for (step = 0; step <= 7; step++) {
		struct smtp_session *s = new_session();
		clean_dialogue(s);
		smtp_end(s, now);
		check_clean(s);
		smtp_session_free(s);
	}
	step = 0;
}

static void test_transcript(void)
{
	struct smtp_session *s = new_session();
	S(s, "220 mx ESMTP\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250-mx\r\n250 AUTH LOGIN PLAIN\r\n");
	C(s, "AUTH LOGIN\r\n");
	S(s, "334 VXNlcm5hbWU6\r\n");
	C(s, "c2VjcmV0dXNlcg==\r\n");
	S(s, "334 UGFzc3dvcmQ6\r\n");
	C(s, "aHVudGVyMg==\r\n");
	S(s, "235 2.7.0 Authentication successful\r\n");
	C(s, "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n");
	S(s, "503 5.5.1 Already authenticated\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 Bye\r\n");
	smtp_end(s, now);
	CHECK(s->auth);
	CHECK_EQ_STR(s->auth_mech, "PLAIN");
	const struct transcript *tr = s->transcript;
	CHECK_EQ_INT(tr_kept(tr), 13);
	CHECK_EQ_STR(tr_get(tr, 2)->text, "mx\nAUTH LOGIN PLAIN");
	CHECK_EQ_STR(tr_get(tr, 3)->text, "AUTH LOGIN");
	CHECK_EQ_STR(tr_get(tr, 5)->text, "***");
	CHECK_EQ_STR(tr_get(tr, 7)->text, "***");
	CHECK_EQ_STR(tr_get(tr, 9)->text, "AUTH PLAIN ***");
	/* no credential anywhere */
	for (uint32_t i = 0; i < tr_kept(tr); i++) {
		CHECK(!strstr(tr_get(tr, i)->text, "c2VjcmV0"));
		CHECK(!strstr(tr_get(tr, i)->text, "aHVudGVy"));
		CHECK(!strstr(tr_get(tr, i)->text, "AGFsaWNl"));
	}
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
	smtp_session_free(s);
}

static void test_pipelining(void)
{
	struct smtp_session *s = new_session();
	S(s, "220 mx ESMTP\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250-mx\r\n250 PIPELINING\r\n");
	C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@y>\r\nRCPT TO:<d@y>\r\nDATA\r\n");
	S(s, "250 ok\r\n250 ok\r\n550 5.1.1 no such user\r\n250 ok\r\n354 go\r\n");
	C(s, "Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
	S(s, "250 2.0.0 queued\r\n221 bye\r\n");
	smtp_end(s, now);
	const struct smtp_txn *t = s->txn_head;
	int st;
	rcpt_at(t, 0, &st);
	CHECK_EQ_INT(st, RCPT_ACCEPTED);
	rcpt_at(t, 1, &st);
	CHECK_EQ_INT(st, RCPT_REJECTED);
	rcpt_at(t, 2, &st);
	CHECK_EQ_INT(st, RCPT_ACCEPTED);
	CHECK_EQ_INT(t->data_bytes, strlen("Subject: hi\r\n\r\nbody"));
	CHECK_EQ_INT(t->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(t->reply.code, 250);
	CHECK(s->quit_acked);
	CHECK_EQ_INT(s->state, ST_QUIT);
	smtp_session_free(s);
}

static void test_bdat(void)
{
	struct smtp_session *s = new_session();
	S(s, "220 mx\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250-mx\r\n250 CHUNKING\r\n");
	C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 5\r\nhel");
	C(s, "loBDAT 3 LAST\r\nabcQUIT\r\n");
	S(s, "250 ok\r\n250 ok\r\n250 5 octets\r\n250 2.0.0 accepted\r\n221 bye\r\n");
	smtp_end(s, now);
	CHECK(s->chunking_offered);
	const struct smtp_txn *t = s->txn_head;
	CHECK_EQ_INT(t->data_bytes, 8);
	CHECK_EQ_INT(t->bdat_chunks, 2);
	CHECK(t->data_complete);
	CHECK_EQ_INT(t->outcome, OUT_ACCEPTED);
	CHECK_EQ_STR(t->reply.text, "2.0.0 accepted");
	CHECK(s->quit_acked);
	smtp_session_free(s);

	/* hostile sizes: treated as malformed, stream stays in command mode */
	s = new_session();
	S(s, "220 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT -5\r\nBDAT 99999999999999999999999 LAST\r\nQUIT\r\n");
	S(s, "250 ok\r\n250 ok\r\n501 bad\r\n501 bad\r\n221 bye\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->anomalies[ANOM_BAD_BDAT], 2);
	CHECK(s->quit_acked);
	smtp_session_free(s);
}

static void test_starttls(void)
{
	struct smtp_session *s = new_session();
	S(s, "220 mx\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250-mx\r\n250 STARTTLS\r\n");
	C(s, "STARTTLS\r\n");
	S(s, "220 2.0.0 Ready to start TLS\r\n");
	const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 'Q', 'U', 'I', 'T', '\n' };
	smtp_feed(s, SIDE_CLIENT, now, hello, sizeof hello);
	S(s, "\x16\x03\x03garbage\r\n");
	smtp_end(s, now);
	CHECK(s->tls);
	CHECK_EQ_INT(s->state, ST_TLS);
	CHECK_EQ_INT(s->anomalies[ANOM_UNKNOWN_COMMAND], 0);
	CHECK_EQ_INT(s->anomalies[ANOM_BAD_REPLY], 0);
	smtp_session_free(s);
}

static void test_failures(void)
{
	/* RST in the middle of the body */
	struct smtp_session *s = new_session();
	S(s, "220 mx\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\n");
	S(s, "250 ok\r\n");
	C(s, "RCPT TO:<b@y>\r\n");
	S(s, "250 ok\r\n");
	C(s, "DATA\r\n");
	S(s, "354 go\r\n");
	C(s, "Subject: x\r\n\r\n0123456789\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->state, ST_BODY);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ABORTED);
	CHECK(!s->txn_head->has_reply);
	CHECK(!s->txn_head->data_complete);
	CHECK_EQ_INT(s->txn_head->data_bytes, strlen("Subject: x\r\n\r\n0123456789\r\n"));
	CHECK_EQ_INT(s->last_reply.code, 354);
	smtp_session_free(s);

	/* greylisting at RCPT, then QUIT: deferred */
	s = new_session();
	S(s, "220 mx\r\n");
	C(s, "HELO gw\r\n");
	S(s, "250 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\n");
	S(s, "250 ok\r\n");
	C(s, "RCPT TO:<b@y>\r\n");
	S(s, "451 4.7.1 Greylisted, try later\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 bye\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_DEFERRED);
	CHECK_EQ_STR(s->txn_head->reply.enhanced, "4.7.1");
	smtp_session_free(s);

	/* MAIL refused; DATA refused then QUIT still parsed as a command */
	s = new_session();
	S(s, "220 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\n");
	S(s, "553 5.7.1 Sender rejected\r\n");
	C(s, "MAIL FROM:<b@x>\r\n");
	S(s, "250 ok\r\n");
	C(s, "RCPT TO:<c@y>\r\n");
	S(s, "250 ok\r\n");
	C(s, "DATA\r\n");
	S(s, "554 5.5.1 No valid recipients\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 bye\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->txn_count, 2);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_REJECTED);
	CHECK_EQ_INT(s->txn_head->reply.code, 553);
	CHECK_EQ_INT(s->txn_tail->outcome, OUT_REJECTED);
	CHECK_EQ_INT(s->txn_tail->reply.code, 554);
	CHECK(s->quit_acked);
	CHECK_EQ_INT(s->state, ST_QUIT);
	smtp_session_free(s);
}

static void test_gap_in_body(void)
{
	struct smtp_session *s = new_session();
	S(s, "220 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	S(s, "250 ok\r\n250 ok\r\n354 go\r\n");
	C(s, "Subject: x\r\n\r\nfirst part of a li");
	smtp_gap(s, SIDE_CLIENT, now, 1448); /* the rest, and the final dot, never captured */
	S(s, "250 2.0.0 queued\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 bye\r\n");
	smtp_end(s, now);
	const struct smtp_txn *t = s->txn_head;
	CHECK_EQ_INT(t->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(t->gap_bytes, 1448);
	CHECK_EQ_INT(s->anomalies[ANOM_EOD_INFERRED], 1);
	CHECK(s->quit_acked);
	smtp_session_free(s);
}

static void test_hostile(void)
{
	struct smtp_session *s = new_session();
	S(s, "220 mx\r\n");
	/* 10 MB command line, then a normal one */
	size_t big = 10 * 1024 * 1024;
	char *line = malloc(big + 1);
	memset(line, 'X', big);
	line[big] = '\0';
	C(s, "RCPT TO:<");
	for (size_t i = 0; i < big; i += 1400) {
		size_t k = big - i < 1400 ? big - i : 1400;
		smtp_feed(s, SIDE_CLIENT, now, (const uint8_t *)line + i, k);
	}
	C(s, ">\r\nNOOP\r\n");
	S(s, "500 too long\r\n250 ok\r\n");
	CHECK_EQ_INT(s->anomalies[ANOM_LINE_TOO_LONG], 1);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
	/* endless multi-line reply: text capped, still one reply */
	C(s, "EHLO gw\r\n");
	for (int i = 0; i < 100000; i++)
		S(s, "250-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\r\n");
	S(s, "250 done\r\n");
	CHECK(s->last_reply.cut);
	CHECK(strlen(s->last_reply.text) < SMTP_REPLY_TEXT_MAX);
	/* a million recipients: capped, counted */
	C(s, "MAIL FROM:<a@x>\r\n");
	S(s, "250 ok\r\n");
	for (int i = 0; i < 1000000; i++)
		smtp_feed(s, SIDE_CLIENT, now, (const uint8_t *)"RCPT TO:<r@y>\r\n", 15);
	CHECK_EQ_INT(s->txn_tail->rcpts.count, cfg.rcpt_max);
	CHECK_EQ_INT(s->txn_tail->rcpts.dropped, 1000000 - cfg.rcpt_max);
	CHECK(s->anomalies[ANOM_PIPELINE_OVERFLOW] > 0);
	/* binary garbage and bad replies are counted, not fatal */
	const uint8_t junk[] = { 0, 1, 2, 0xff, '\n', 0x80, '\r', '\n' };
	smtp_feed(s, SIDE_CLIENT, now, junk, sizeof junk);
	smtp_feed(s, SIDE_SERVER, now, junk, sizeof junk);
	CHECK(s->anomalies[ANOM_BAD_REPLY] >= 2);
	smtp_end(s, now);
	free(line);
	smtp_session_free(s);
}

static void test_multiline_mismatch_and_bare_lf(void)
{
	struct smtp_session *s = new_session();
	S(s, "220-mx first\n220 mx second\n");
	C(s, "EHLO gw\n");
	S(s, "250-mx\r\n251 odd\r\n");
	smtp_end(s, now);
	CHECK_EQ_STR(s->banner.text, "mx first\nmx second");
	CHECK_EQ_INT(s->anomalies[ANOM_BARE_LF], 3);
	CHECK_EQ_INT(s->anomalies[ANOM_REPLY_CODE_CHANGE], 1);
	CHECK_EQ_INT(s->state, ST_READY);
	smtp_session_free(s);
}

static void test_mid_stream_body(void)
{
	struct smtp_session *s = new_session();
	s->partial_start = true;
	C(s, "some body text in the middle\r\nmore\r\n.\r\n");
	S(s, "250 2.0.0 queued\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 bye\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->txn_count, 1);
	CHECK(s->txn_head->data_partial);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK(!s->has_banner);
	CHECK(s->quit_acked);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
	smtp_session_free(s);
}

static void test_peer_findings(void)
{
	/* DATA refused, then the envelope continues; a nested MAIL refused with
	 * 503 leaves the open transaction current (zeek mail-transactions-invalid) */
	struct smtp_session *s = new_session();
	S(s, "220 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\n");
	S(s, "250 OK\r\n");
	C(s, "DATA\r\n");
	S(s, "503 valid RCPT command must precede DATA\r\n");
	C(s, "MAIL FROM:<a@x>\r\n");
	S(s, "503 sender already given\r\n");
	C(s, "RCPT TO:<b@y>\r\n");
	S(s, "250 Accepted\r\n");
	C(s, "DATA\r\n");
	S(s, "354 go\r\n");
	C(s, "hello\r\n.\r\n");
	S(s, "250 OK id=1\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 bye\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->txn_count, 1);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(s->txn_head->data_bytes, 5);
	CHECK_EQ_INT(s->anomalies[ANOM_NESTED_MAIL], 1);
	smtp_session_free(s);

	/* DATA refused and nothing else: the refusal decides */
	s = new_session();
	S(s, "220 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	S(s, "250 ok\r\n550 no\r\n554 5.5.1 Error: no valid recipients\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 bye\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_REJECTED);
	CHECK_EQ_INT(s->txn_head->reply.code, 554);
	smtp_session_free(s);

	/* a decrypted capture: plain text after 220 to STARTTLS */
	s = new_session();
	S(s, "220 mx\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250-mx\r\n250 STARTTLS\r\n");
	C(s, "STARTTLS\r\n");
	S(s, "220 ready\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	S(s, "250 ok\r\n250 ok\r\n354 go\r\n");
	C(s, "x\r\n.\r\nQUIT\r\n");
	S(s, "250 queued\r\n221 bye\r\n");
	smtp_end(s, now);
	CHECK(s->tls);
	CHECK_EQ_INT(s->txn_count, 1);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(s->state, ST_QUIT);
	smtp_session_free(s);

	/* a SOCKS5 preamble glued to the banner and to EHLO; CONNECT lines */
	s = new_session();
	const uint8_t cpre[] = { 5, 1, 0, 5, 1, 0, 3, 2, 'h', 'x', 0, 25 };
	const uint8_t spre[] = { 5, 0, 5, 0, 0, 1, '\n', 0, 0, 1, 0xd1, 0xcd };
	smtp_feed(s, SIDE_CLIENT, now, cpre, sizeof cpre);
	smtp_feed(s, SIDE_SERVER, now, spre, sizeof spre);
	S(s, "220 mx ESMTP\r\n");
	C(s, "EHLO User\r\n");
	S(s, "250 mx\r\n");
	smtp_end(s, now);
	CHECK(s->has_banner);
	CHECK_EQ_INT(s->banner.code, 220);
	CHECK_EQ_STR(s->helo, "User");
	CHECK_EQ_INT(s->state, ST_READY);
	smtp_session_free(s);

	s = new_session();
	C(s, "CONNECT mx.example.net:25 HTTP/1.0\r\nHost: mx\r\n\r\n");
	S(s, "HTTP/1.0 200 Connection established\r\n\r\n220 mx\r\n");
	C(s, "EHLO gw\r\n");
	S(s, "250 mx\r\n");
	C(s, "MAIL FROM:<a@x>\r\n");
	S(s, "250 ok\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->state, ST_MAIL);
	CHECK(s->txn_head && s->txn_head->mail_accepted);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
	smtp_session_free(s);

	/* a gap that ends at a line boundary: the next reply is kept */
	s = new_session();
	S(s, "220 mx\r\n");
	C(s, "AUTH LOGIN\r\n");
	smtp_gap(s, SIDE_SERVER, now, 137);
	S(s, "334 VXNlcm5hbWU6\r\n");
	C(s, "dXNlcg==\r\n");
	S(s, "235 ok\r\n");
	smtp_end(s, now);
	CHECK(s->auth);
	CHECK_EQ_INT(tr_get(s->transcript, tr_kept(s->transcript) - 3)->code, 334);
	smtp_session_free(s);
}

static void test_subjects(void)
{
	static const struct { const char *hdr, *want; } cases[] = {
		/* 8-bit Windows-1252 (a curly apostrophe), not UTF-8 */
		{ "Subject: What\x92s next\r\n", "What\xe2\x80\x99s next" },
		/* RFC 2047 6.2: whitespace between adjacent encoded-words goes */
		{ "Subject: =?UTF-8?Q?a=20b?=\r\n  =?UTF-8?Q?c?= d\r\n", "a bc d" },
		/* GB2312 in base64 */
		{ "Subject: test =?gb2312?B?suLK1A==?=\r\n", "test \xe6\xb5\x8b\xe8\xaf\x95" },
		/* raw UTF-8 stays as is */
		{ "Subject: caf\xc3\xa9\r\n", "caf\xc3\xa9" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct smtp_session *s = new_session();
		S(s, "220 mx\r\n");
		C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
		S(s, "250 ok\r\n250 ok\r\n354 go\r\n");
		C(s, cases[i].hdr);
		C(s, "\r\nbody\r\n.\r\n");
		S(s, "250 ok\r\n");
		smtp_end(s, now);
		CHECK_EQ_STR(s->txn_head->subject, cases[i].want);
		smtp_session_free(s);
	}
}

int main(void)
{
	smtp_config_default(&cfg);
	test_clean();
	test_transcript();
	test_pipelining();
	test_bdat();
	test_starttls();
	test_failures();
	test_gap_in_body();
	test_hostile();
	test_multiline_mismatch_and_bare_lf();
	test_mid_stream_body();
	test_peer_findings();
	test_subjects();
	CHECK_DONE();
}
