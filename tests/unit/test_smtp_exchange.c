/* test_smtp_exchange.c — Exchange-to-Exchange dialogues through the SMTP state
 * machine, one case per verb (X-ANONYMOUSTLS, X-EXPS, XEXCH50, X-LINK2STATE,
 * the plain X-verbs), and BDAT messages with their header in every chunk
 * layout, each fed whole and in pieces of 1..7 bytes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/smtp_parser.h"

static struct smtp_config cfg;
static int64_t now = 1795143600000000;
static size_t step = 0; /* 0: whole writes; n: feed n bytes at a time */

static void Cn(struct smtp_session *s, const void *text, size_t n)
{
	now += 1000;
	size_t piece = step ? step : n;
	for (size_t i = 0; i < n; i += piece) {
		/* each piece in its own heap buffer so ASan sees overreads */
		size_t k = n - i < piece ? n - i : piece;
		uint8_t *b = malloc(k);
		memcpy(b, (const uint8_t *)text + i, k);
		smtp_feed(s, SIDE_CLIENT, now, b, k);
		free(b);
	}
}

static void C(struct smtp_session *s, const char *text)
{
	Cn(s, text, strlen(text));
}

static void S(struct smtp_session *s, const char *text)
{
	now += 1000;
	smtp_feed(s, SIDE_SERVER, now, (const uint8_t *)text, strlen(text));
}

#define EXCHANGE_EHLO \
	"250-mail.contoso.com Hello [10.1.1.20]\r\n250-SIZE 37748736\r\n250-PIPELINING\r\n" \
	"250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-X-ANONYMOUSTLS\r\n" \
	"250-AUTH NTLM\r\n250-X-EXPS GSSAPI NTLM\r\n250-8BITMIME\r\n250-BINARYMIME\r\n" \
	"250-CHUNKING\r\n250-XEXCH50\r\n250-XRDST\r\n250-XSHADOWREQUEST\r\n250 X-LINK2STATE\r\n"

static struct smtp_session *greeted(void)
{
	struct smtp_session *s = smtp_session_new(1, &cfg, NULL);
	S(s, "220 mail.contoso.com Microsoft ESMTP MAIL Service ready at Fri, 20 Nov 2026 03:00:00 +0000\r\n");
	C(s, "EHLO ex2.contoso.com\r\n");
	S(s, EXCHANGE_EHLO);
	return s;
}

static int anomalies(const struct smtp_session *s)
{
	return (int)(s->anomalies[ANOM_UNKNOWN_COMMAND] + s->anomalies[ANOM_UNSOLICITED_REPLY] +
		     s->anomalies[ANOM_BINARY_COMMAND] + s->anomalies[ANOM_BAD_REPLY] +
		     s->anomalies[ANOM_BARE_LF] + s->anomalies[ANOM_LINE_TOO_LONG]);
}

static bool transcript_has(const struct smtp_session *s, const char *text)
{
	for (uint32_t i = 0; s->transcript && i < tr_kept(s->transcript); i++)
		if (strstr(tr_get(s->transcript, i)->text, text))
			return true;
	return false;
}

/* X-ANONYMOUSTLS answered 220: TLS on both sides, nothing after it parsed. */
static void test_anonymoustls(void)
{
	for (step = 0; step <= 7; step++) {
		struct smtp_session *s = greeted();
		C(s, "X-ANONYMOUSTLS\r\n");
		S(s, "220 2.0.0 SMTP server ready\r\n");
		const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 'M', 'A', 'I', 'L', '\n' };
		Cn(s, hello, sizeof hello);
		S(s, "\x16\x03\x03\x00\x04QUIT\r\n");
		smtp_end(s, now);
		CHECK(s->tls);
		CHECK_EQ_INT(s->state, ST_TLS);
		CHECK_EQ_INT(s->txn_count, 0);
		CHECK_EQ_INT(s->starttls_reply, 0); /* STARTTLS itself was not used */
		CHECK_EQ_INT(anomalies(s), 0);
		CHECK(transcript_has(s, "X-ANONYMOUSTLS"));
		smtp_session_free(s);
	}
	step = 0;

	/* refused: the dialogue goes on in plain text */
	static const char *const refusals[] = { "454 4.7.0 Temporary TLS failure\r\n",
						"500 5.3.3 Unrecognized command\r\n" };
	for (int i = 0; i < 2; i++) {
		struct smtp_session *s = greeted();
		C(s, "X-ANONYMOUSTLS\r\n");
		S(s, refusals[i]);
		C(s, "MAIL FROM:<a@contoso.com>\r\n");
		S(s, "250 2.1.0 Sender OK\r\n");
		C(s, "RCPT TO:<b@fabrikam.com>\r\n");
		S(s, "250 2.1.5 Recipient OK\r\n");
		C(s, "DATA\r\n");
		S(s, "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
		C(s, "Message-ID: <p1@contoso.com>\r\n\r\nhi\r\n.\r\n");
		S(s, "250 2.6.0 <p1@contoso.com> Queued mail for delivery\r\n");
		smtp_end(s, now);
		CHECK(!s->tls);
		CHECK_EQ_INT(s->txn_count, 1);
		CHECK_EQ_STR(s->txn_head->message_id, "<p1@contoso.com>");
		CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
		CHECK_EQ_INT(anomalies(s), 0);
		smtp_session_free(s);
	}
}

/* X-EXPS is AUTH by another name: 334 continuations, blobs masked, 235. */
static void test_xexps(void)
{
	struct smtp_session *s = greeted();
	C(s, "X-EXPS GSSAPI\r\n");
	S(s, "334 <authentication response>\r\n");
	C(s, "YIIGgwYJKoZIhvcSAQICAQBuggZyMIIGbqADAgEFoQMCAQ6iBwMFACAAAACjggRX\r\n");
	S(s, "334 oYGcMIGZoAMKAQChCwYJKoZIgvcSAQICooGEBIGBYH8GCSqGSIb3EgECAgIAb3Aw\r\n");
	C(s, "\r\n");
	S(s, "235 2.7.0 Authentication successful\r\n");
	C(s, "MAIL FROM:<a@contoso.com>\r\n");
	S(s, "250 2.1.0 Sender OK\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 2.0.0 Service closing transmission channel\r\n");
	smtp_end(s, now);
	CHECK(s->auth);
	CHECK_EQ_STR(s->auth_mech, "GSSAPI");
	CHECK(s->quit_acked);
	CHECK(s->txn_head && s->txn_head->mail_accepted);
	CHECK_EQ_INT(anomalies(s), 0);
	CHECK(transcript_has(s, "X-EXPS GSSAPI"));
	CHECK(!transcript_has(s, "YIIGgwYJ"));
	CHECK_EQ_STR(tr_get(s->transcript, 5)->text, "***");
	smtp_session_free(s);

	/* an initial response on the command line is masked; 535 is no auth */
	s = greeted();
	C(s, "X-EXPS NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==\r\n");
	S(s, "334 TlRMTVNTUAACAAAADAAMADgAAAAFgomiQ0hBTExFTkdF\r\n");
	C(s, "TlRMTVNTUAADAAAAGAAYAEAAAAAYABgAWAAAAA==\r\n");
	S(s, "535 5.7.3 Authentication unsuccessful\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 2.0.0 Bye\r\n");
	smtp_end(s, now);
	CHECK(!s->auth);
	CHECK_EQ_STR(s->auth_mech, "NTLM");
	CHECK(s->quit_acked);
	CHECK(transcript_has(s, "X-EXPS NTLM ***"));
	/* the client's NTLM messages (the server's challenge is no secret) */
	CHECK(!transcript_has(s, "TlRMTVNTUAAB"));
	CHECK(!transcript_has(s, "TlRMTVNTUAAD"));
	CHECK_EQ_INT(anomalies(s), 0);
	smtp_session_free(s);
}

/* A blob that looks like commands, an end of data and a header, with NULs. */
static const uint8_t BLOB[] = "\x02\x00\x00\x00MAIL FROM:<evil@x>\r\n.\r\nRCPT TO:<z@y>\r\n"
			      "\x00\x01Message-ID: <blob@x>\r\n\r\nQUIT\r\n\xff\xfe";
#define BLOB_LEN (sizeof BLOB - 1)

static const char BDAT_MSG[] = "From: a@contoso.com\r\nSubject: Exchange hop\r\n"
			       "Message-ID: <hop1@contoso.com>\r\n\r\nbody line\r\n";
#define BDAT_MSG_LEN (sizeof BDAT_MSG - 1)

static void send_bdat_message(struct smtp_session *s)
{
	char cmd[64];
	snprintf(cmd, sizeof cmd, "BDAT %zu LAST\r\n", BDAT_MSG_LEN);
	C(s, cmd);
	C(s, BDAT_MSG);
	S(s, "250 2.6.0 <hop1@contoso.com> Queued mail for delivery\r\n");
}

static void test_xexch50(void)
{
	for (step = 0; step <= 7; step++) {
		struct smtp_session *s = greeted();
		C(s, "MAIL FROM:<a@contoso.com> SIZE=120 BODY=BINARYMIME\r\n");
		S(s, "250 2.1.0 Sender OK\r\n");
		C(s, "RCPT TO:<b@fabrikam.com>\r\n");
		S(s, "250 2.1.5 Recipient OK\r\n");
		char cmd[64];
		snprintf(cmd, sizeof cmd, "XEXCH50 %zu 2\r\n", BLOB_LEN);
		C(s, cmd);
		S(s, "354 Send binary data\r\n");
		Cn(s, BLOB, BLOB_LEN);
		S(s, "250 2.0.0 XEXCH50 OK\r\n");
		send_bdat_message(s);
		C(s, "QUIT\r\n");
		S(s, "221 2.0.0 Service closing transmission channel\r\n");
		smtp_end(s, now);
		CHECK_EQ_INT(s->txn_count, 1);
		const struct smtp_txn *t = s->txn_head;
		CHECK_EQ_STR(t->mail_from, "a@contoso.com");
		CHECK_EQ_INT(t->rcpts.count, 1);
		CHECK_EQ_STR(t->message_id, "<hop1@contoso.com>");
		CHECK_EQ_STR(t->subject, "Exchange hop");
		CHECK_EQ_INT(t->data_bytes, BDAT_MSG_LEN);
		CHECK_EQ_INT(t->outcome, OUT_ACCEPTED);
		CHECK_EQ_INT(t->reply.code, 250);
		CHECK(s->quit_acked);
		CHECK_EQ_INT(s->state, ST_QUIT);
		CHECK_EQ_INT(anomalies(s), 0);
		CHECK(!transcript_has(s, "evil"));
		smtp_session_free(s);
	}
	step = 0;

	/* refused (500, 504): no blob, the next line is a command again */
	static const char *const refusals[] = { "500 5.3.3 Unrecognized command\r\n",
						"504 5.7.4 Need to authenticate first\r\n",
						"503 5.5.2 Need mail command\r\n",
						/* no 354: no blob either */
						"250 2.0.0 OK\r\n" };
	for (int i = 0; i < 4; i++) {
		struct smtp_session *s = greeted();
		C(s, "MAIL FROM:<a@contoso.com>\r\n");
		S(s, "250 2.1.0 Sender OK\r\n");
		C(s, "RCPT TO:<b@fabrikam.com>\r\n");
		S(s, "250 2.1.5 Recipient OK\r\n");
		C(s, "XEXCH50 1048 2\r\n");
		S(s, refusals[i]);
		send_bdat_message(s);
		C(s, "QUIT\r\n");
		S(s, "221 2.0.0 Bye\r\n");
		smtp_end(s, now);
		CHECK_EQ_INT(s->txn_count, 1);
		CHECK_EQ_STR(s->txn_head->message_id, "<hop1@contoso.com>");
		CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
		CHECK_EQ_INT(s->txn_head->data_bytes, BDAT_MSG_LEN);
		CHECK(s->quit_acked);
		CHECK_EQ_INT(anomalies(s), 0);
		smtp_session_free(s);
	}

	/* part of the blob missing from the capture: still not parsed */
	struct smtp_session *s = greeted();
	C(s, "MAIL FROM:<a@contoso.com>\r\nRCPT TO:<b@fabrikam.com>\r\n");
	S(s, "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n");
	C(s, "XEXCH50 100 2\r\n");
	S(s, "354 Send binary data\r\n");
	Cn(s, BLOB, 30);
	smtp_gap(s, SIDE_CLIENT, now, 50);
	Cn(s, BLOB + 30, 20);
	S(s, "250 2.0.0 XEXCH50 OK\r\n");
	send_bdat_message(s);
	smtp_end(s, now);
	CHECK_EQ_STR(s->txn_head->message_id, "<hop1@contoso.com>");
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(s->anomalies[ANOM_UNKNOWN_COMMAND], 0);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
	smtp_session_free(s);
}

static void link_state_then_mail(struct smtp_session *s)
{
	C(s, "MAIL FROM:<a@contoso.com>\r\n");
	S(s, "250 2.1.0 Sender OK\r\n");
	C(s, "RCPT TO:<b@fabrikam.com>\r\n");
	S(s, "550 5.1.1 User unknown\r\n");
	C(s, "QUIT\r\n");
	S(s, "221 2.0.0 Bye\r\n");
	smtp_end(s, now);
	/* the replies after the exchange went to the right commands */
	const struct smtp_txn *t = s->txn_head;
	CHECK(t && t->mail_accepted);
	CHECK(t && t->rcpts.rejected == 1);
	CHECK(t && t->outcome == OUT_REJECTED);
	CHECK(s->quit_acked);
	CHECK_EQ_INT(anomalies(s), 0);
}

static void test_link2state(void)
{
	/* every chunk answered */
	struct smtp_session *s = greeted();
	C(s, "X-LINK2STATE FIRST CHUNK={00000200} MULTI (2) ({00000000051} 0A1B2C3D4E5F)\r\n");
	S(s, "250 2.0.0 OK\r\n");
	C(s, "X-LINK2STATE LAST CHUNK=6A7B8C9D0E1F2A3B4C5D6E7F\r\n");
	S(s, "250 2.0.0 OK\r\n");
	link_state_then_mail(s);
	CHECK(transcript_has(s, "X-LINK2STATE LAST CHUNK=6A7B"));
	smtp_session_free(s);

	/* only the last chunk answered */
	s = greeted();
	C(s, "X-LINK2STATE FIRST CHUNK=0A1B2C3D\r\nX-LINK2STATE CHUNK=4E5F6A7B\r\n"
	     "X-LINK2STATE LAST CHUNK=8C9D0E1F\r\n");
	S(s, "250 2.0.0 X-LINK2STATE OK\r\n");
	link_state_then_mail(s);
	smtp_session_free(s);

	/* the link-state data continued on lines of their own */
	s = greeted();
	C(s, "X-LINK2STATE FIRST CHUNK={0000006d} MULTI (5)\r\n({00000000051} 0A1B2C)\r\n"
	     "({00000000052} 3D4E5F)\r\n");
	S(s, "250 2.0.0 OK\r\n");
	link_state_then_mail(s);
	CHECK(transcript_has(s, "({00000000052} 3D4E5F)"));
	smtp_session_free(s);
}

/* Ordinary Exchange verbs: known, shown, answered, no change of state. */
static void test_extension_verbs(void)
{
	struct smtp_session *s = greeted();
	C(s, "XSESSIONPARAMS MBXGUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 TYPE=SHADOW\r\n");
	S(s, "250 2.0.0 OK\r\n");
	C(s, "XSHADOWREQUEST ex2.contoso.com\r\n");
	S(s, "250 2.0.0 ex1.contoso.com\r\n");
	C(s, "MAIL FROM:<a@contoso.com> XSHADOW=ex2.contoso.com\r\n");
	S(s, "250 2.1.0 Sender OK\r\n");
	C(s, "RCPT TO:<b@fabrikam.com>\r\n");
	S(s, "250 2.1.5 Recipient OK\r\n");
	C(s, "XRDST\r\n");
	S(s, "500 5.3.3 Unrecognized command\r\n");
	C(s, "XQDISCARD 5\r\nXPROXYFROM SID=1 IP=10.0.0.1 PORT=2525\r\nXORAR\r\n"
	     "XPROXY SID=2\r\nXPROXYTO SID=3\r\nXRSETPROXYTO\r\nXSHADOW ex3\r\n");
	S(s, "250 2.0.0 OK\r\n250 2.0.0 OK\r\n250 2.0.0 OK\r\n250 2.0.0 OK\r\n"
	     "250 2.0.0 OK\r\n250 2.0.0 OK\r\n250 2.0.0 OK\r\n");
	C(s, "DATA\r\n");
	S(s, "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
	C(s, "Message-ID: <x1@contoso.com>\r\n\r\nhello\r\n.\r\n");
	S(s, "250 2.6.0 <x1@contoso.com> Queued mail for delivery\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->txn_count, 1);
	CHECK_EQ_STR(s->txn_head->message_id, "<x1@contoso.com>");
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(s->txn_head->reply.code, 250);
	CHECK_EQ_INT(anomalies(s), 0);
	CHECK(transcript_has(s, "XRSETPROXYTO"));
	CHECK(transcript_has(s, "XSHADOWREQUEST ex2.contoso.com"));
	smtp_session_free(s);
}

/* BDAT: the header read wherever the chunk boundaries fall.  Each layout is
 * a list of chunk sizes over MSG; the last one is sent with LAST (0 = an
 * empty "BDAT 0 LAST" after the others). */
static const char MSG[] = "From: Alice <a@contoso.com>\r\n"
			  "Subject: Split\r\n across chunks\r\n"
			  "Message-ID:\r\n <chunked.1@contoso.com>\r\n"
			  "\r\n"
			  "Message-ID: <body-not-header@x>\r\n";
#define MSG_LEN (sizeof MSG - 1)

static void bdat_layout(const size_t *sizes, size_t n, const char *what)
{
	struct smtp_session *s = greeted();
	C(s, "MAIL FROM:<a@contoso.com>\r\nRCPT TO:<b@fabrikam.com>\r\n");
	S(s, "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n");
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "BDAT %zu%s\r\n", sizes[i], i + 1 == n ? " LAST" : "");
		C(s, cmd);
		Cn(s, MSG + off, sizes[i]);
		off += sizes[i];
		S(s, i + 1 == n ? "250 2.6.0 Queued mail for delivery\r\n" : "250 2.0.0 chunk OK\r\n");
	}
	smtp_end(s, now);
	const struct smtp_txn *t = s->txn_head;
	if (!t || !t->message_id || strcmp(t->message_id, "<chunked.1@contoso.com>") != 0)
		fprintf(stderr, "layout %s, step %zu:\n", what, step);
	CHECK_EQ_INT(off, MSG_LEN);
	CHECK_EQ_INT(s->txn_count, 1);
	CHECK_EQ_STR(t->message_id, "<chunked.1@contoso.com>");
	CHECK_EQ_STR(t->subject, "Split across chunks");
	CHECK_EQ_INT(t->data_bytes, MSG_LEN);
	CHECK_EQ_INT(t->bdat_chunks, n);
	CHECK(t->data_complete);
	CHECK_EQ_INT(t->outcome, OUT_ACCEPTED);
	CHECK_EQ_INT(anomalies(s), 0);
	smtp_session_free(s);
}

static void test_bdat_layouts(void)
{
	const size_t from = (size_t)(strstr(MSG, "Subject") - MSG);
	const size_t subject_cr = (size_t)(strstr(MSG, "\r\n across") - MSG) + 1;
	const size_t mid_id = (size_t)(strstr(MSG, "ked.1@") - MSG);
	for (step = 0; step <= 7; step++) {
		bdat_layout((const size_t[]){ MSG_LEN }, 1, "one chunk");
		bdat_layout((const size_t[]){ from, MSG_LEN - from }, 2, "at a line start");
		/* "Subject: Split\r" | "\n across..." : between CR and LF */
		bdat_layout((const size_t[]){ subject_cr, MSG_LEN - subject_cr }, 2, "between CR and LF");
		bdat_layout((const size_t[]){ mid_id, MSG_LEN - mid_id }, 2, "inside the Message-ID");
		bdat_layout((const size_t[]){ MSG_LEN, 0 }, 2, "then BDAT 0 LAST");
		bdat_layout((const size_t[]){ 10, 7, 1, 1, 30, 20, MSG_LEN - 69, 0 }, 8, "many small");
		/* one byte per chunk: every boundary at once */
		size_t ones[MSG_LEN];
		for (size_t i = 0; i < MSG_LEN; i++)
			ones[i] = 1;
		bdat_layout(ones, MSG_LEN, "one byte each");
	}
	step = 0;

	/* a header that ends with the message (no body): the field still counts */
	struct smtp_session *s = greeted();
	C(s, "MAIL FROM:<a@contoso.com>\r\nRCPT TO:<b@fabrikam.com>\r\nBDAT 20\r\nMessage-ID: <last@x>");
	C(s, "BDAT 0 LAST\r\n");
	S(s, "250 ok\r\n250 ok\r\n250 ok\r\n250 2.6.0 queued\r\n");
	smtp_end(s, now);
	CHECK_EQ_STR(s->txn_head->message_id, "<last@x>");
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	smtp_session_free(s);

	/* two BDAT messages pipelined: each keeps its own header */
	s = greeted();
	C(s, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 23 LAST\r\nMessage-ID: <m1@x>\r\n\r\nb"
	     "MAIL FROM:<a@x>\r\nRCPT TO:<c@y>\r\nBDAT 10\r\nSubject: s");
	C(s, "BDAT 23 LAST\r\n2\r\nMessage-ID: <m2@x>\r\n");
	S(s, "250 ok\r\n250 ok\r\n250 queued 1\r\n250 ok\r\n250 ok\r\n250 chunk\r\n250 queued 2\r\n");
	smtp_end(s, now);
	CHECK_EQ_INT(s->txn_count, 2);
	CHECK_EQ_STR(s->txn_head->message_id, "<m1@x>");
	CHECK(s->txn_head->subject == NULL);
	CHECK_EQ_STR(s->txn_tail->message_id, "<m2@x>");
	CHECK_EQ_STR(s->txn_tail->subject, "s2");
	CHECK_EQ_INT(s->txn_tail->outcome, OUT_ACCEPTED);
	smtp_session_free(s);
}

/* Picked up mid-stream, or after a gap: an Exchange verb starts a command
 * line (not message content, not the tail of a lost line). */
static void test_resync_on_exchange_verbs(void)
{
	struct smtp_session *s = smtp_session_new(1, &cfg, NULL);
	s->partial_start = true;
	C(s, "X-EXPS GSSAPI\r\n");
	S(s, "334 \r\n");
	C(s, "YIIGgwYJKoZIhvcSAQICAQBuggZy\r\n");
	S(s, "235 2.7.0 Authentication successful\r\n");
	smtp_end(s, now);
	CHECK(s->auth);
	CHECK_EQ_INT(s->txn_count, 0); /* not taken for message content */
	smtp_session_free(s);

	s = greeted();
	C(s, "MAIL FROM:<a@contoso.com>\r\nRCPT TO:<b@fabrikam.com>\r\n");
	S(s, "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n");
	/* a NOOP cut by a gap, its reply lost too; the blob is "QUIT\r\n" */
	C(s, "NOOP lost in the ");
	smtp_gap(s, SIDE_CLIENT, now, 8);
	smtp_gap(s, SIDE_SERVER, now, 14);
	C(s, "XEXCH50 6 2\r\n");
	S(s, "354 Send binary data\r\n");
	Cn(s, "QUIT\r\n", 6);
	S(s, "250 2.0.0 XEXCH50 OK\r\n");
	send_bdat_message(s);
	smtp_end(s, now);
	CHECK_EQ_STR(s->txn_head->message_id, "<hop1@contoso.com>");
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ACCEPTED);
	CHECK(!transcript_has(s, "QUIT"));
	CHECK_EQ_INT(s->state, ST_READY);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
	smtp_session_free(s);
}

int main(void)
{
	smtp_config_default(&cfg);
	cfg.tr_head = 64; /* the whole dialogue, for transcript checks */
	test_anonymoustls();
	test_xexps();
	test_xexch50();
	test_link2state();
	test_extension_verbs();
	test_bdat_layouts();
	test_resync_on_exchange_verbs();
	CHECK_DONE();
}
