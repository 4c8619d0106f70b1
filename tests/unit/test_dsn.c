/* test_dsn.c — the streaming DSN reader (decode/dsn.c) on inline reports:
 * the Exchange-style expiry NDR, a Postfix bounce with two recipients, a
 * delay notice, byte-at-a-time feeding, folding, and hostile input (no
 * boundary, overlong lines, too many recipients, junk Status values). */
#include "config.h"

#include <stdlib.h>

#include "decode/dsn.h"
#include "decode/smtp_parser.h"
#include "check.h"

static const char EXPIRED[] =
	"From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.com>\r\n"
	"To: <erin@example.org>\r\n"
	"Subject: Undeliverable: Order 4711\r\n"
	"Message-ID: <own-dsn-id@gw.example.com>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status;\r\n"
	"\tboundary=\"_000_dsn_boundary\"\r\n"
	"\r\n"
	"--_000_dsn_boundary\r\n"
	"Content-Type: text/plain; charset=us-ascii\r\n"
	"\r\n"
	"Delivery has failed to these recipients or groups:\r\n"
	"Message-ID: <not-this-one@example.org>\r\n"
	"\r\n"
	"--_000_dsn_boundary\r\n"
	"Content-Type: message/delivery-status\r\n"
	"\r\n"
	"Reporting-MTA: dns;gw.example.com\r\n"
	"Received-From-MTA: dns;mta.example.org\r\n"
	"Arrival-Date: Fri, 20 Nov 2026 03:00:00 +0000\r\n"
	"\r\n"
	"Final-Recipient: rfc822;grace@Example.NET\r\n"
	"Action: failed\r\n"
	"Status: 4.4.7\r\n"
	"Diagnostic-Code: smtp;400 4.4.7 Message delayed\r\n"
	"\r\n"
	"--_000_dsn_boundary\r\n"
	"Content-Type: message/rfc822\r\n"
	"\r\n"
	"From: Erin <erin@example.org>\r\n"
	"Message-ID:\r\n"
	" <orig.4711@mta.example.org>\r\n"
	"Subject: Order 4711\r\n"
	"\r\n"
	"body line\r\n"
	"Message-ID: <body-text-is-not-a-header@example.org>\r\n"
	"--_000_dsn_boundary--\r\n";

static void feed_all(struct dsn_parser *p, const char *s, size_t n, size_t chunk)
{
	dsn_init(p);
	for (size_t i = 0; i < n; i += chunk)
		dsn_feed(p, (const uint8_t *)s + i, n - i < chunk ? n - i : chunk);
	dsn_finish(p);
}

static void test_expired(size_t chunk)
{
	struct dsn_parser p;
	feed_all(&p, EXPIRED, sizeof EXPIRED - 1, chunk);
	CHECK(p.rep.valid);
	CHECK(p.rep.report_type_seen);
	CHECK_EQ_STR(p.rep.reporting_mta, "gw.example.com");
	CHECK_EQ_INT(p.rep.nrcpt, 1);
	CHECK_EQ_INT(p.rep.rcpt[0].action, DSN_ACT_FAILED);
	CHECK_EQ_STR(p.rep.rcpt[0].status, "4.4.7");
	CHECK_EQ_STR(p.rep.rcpt[0].final_rcpt, "grace@Example.NET");
	CHECK_EQ_STR(p.rep.rcpt[0].diagnostic, "400 4.4.7 Message delayed");
	/* folded, and not the DSN's own nor one quoted in text or body */
	CHECK_EQ_STR(p.rep.orig_message_id, "<orig.4711@mta.example.org>");
}

/* Postfix: two recipient blocks, text/rfc822-headers, unquoted boundary. */
static void test_two_recipients(void)
{
	static const char s[] =
		"Content-Type: multipart/report; report-type=delivery-status; boundary=B1\n"
		"\n"
		"--B1\n"
		"Content-Description: Delivery report\n"
		"Content-Type: message/delivery-status\n"
		"\n"
		"Reporting-MTA: dns; mx.example.net\n"
		"\n"
		"Final-Recipient: rfc822; a@example.net\n"
		"Original-Recipient: rfc822;a@example.net\n"
		"Action: failed\n"
		"Status: 5.1.1\n"
		"Diagnostic-Code: X-Postfix; unknown user: \"a\"\n"
		"\n"
		"Final-Recipient: rfc822; <b@example.edu>\n"
		"Action: delayed\n"
		"Status: 4.4.1\n"
		"--B1\n"
		"Content-Type: text/rfc822-headers\n"
		"\n"
		"Message-Id: <two@example.org>\n"
		"\n"
		"--B1--\n";
	struct dsn_parser p;
	feed_all(&p, s, sizeof s - 1, 7);
	CHECK(p.rep.valid);
	CHECK_EQ_INT(p.rep.nrcpt, 2);
	CHECK_EQ_STR(p.rep.rcpt[0].final_rcpt, "a@example.net");
	CHECK_EQ_STR(p.rep.rcpt[0].status, "5.1.1");
	CHECK_EQ_STR(p.rep.rcpt[0].diagnostic, "unknown user: \"a\"");
	CHECK_EQ_STR(p.rep.rcpt[1].final_rcpt, "b@example.edu"); /* <> dropped */
	CHECK_EQ_INT(p.rep.rcpt[1].action, DSN_ACT_DELAYED);
	CHECK_EQ_STR(p.rep.rcpt[1].status, "4.4.1"); /* closed by the boundary, no blank line */
	CHECK_EQ_STR(p.rep.orig_message_id, "<two@example.org>");
}

/* No multipart, no status part: not a DSN, whatever the text says. */
static void test_not_a_dsn(void)
{
	static const char s[] =
		"Subject: Action: failed\r\n"
		"\r\n"
		"Final-Recipient: rfc822; x@example.net\r\n"
		"Action: failed\r\n"
		"Status: 5.0.0\r\n";
	struct dsn_parser p;
	feed_all(&p, s, sizeof s - 1, 3);
	CHECK(!p.rep.valid);
	CHECK_EQ_INT(p.rep.nrcpt, 0);
}

/* Hostile: overlong lines, a boundary longer than allowed, junk statuses,
 * more recipients than kept, NUL bytes. */
static void test_hostile(void)
{
	size_t cap = 200000;
	char *s = malloc(cap);
	size_t n = 0;
	n += (size_t)snprintf(s + n, cap - n,
			      "Content-Type: multipart/report; boundary=\"X\"\r\n\r\n--X\r\n"
			      "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; ");
	for (int i = 0; i < 100000; i++) /* one 100 KB line */
		s[n++] = 'a';
	n += (size_t)snprintf(s + n, cap - n, "\r\n\r\n");
	for (int r = 0; r < 20; r++)
		n += (size_t)snprintf(s + n, cap - n,
				      "Final-Recipient: rfc822; r%d@example.net\r\nAction: failed\r\n"
				      "Status: %s\r\n\r\n", r, r % 2 ? "5.1.1" : "9.9999.1");
	s[n++] = '\0';
	n += (size_t)snprintf(s + n, cap - n, "\r\n--X--\r\n");
	struct dsn_parser p;
	feed_all(&p, s, n, 4096);
	CHECK(p.rep.valid);
	CHECK_EQ_INT(p.rep.nrcpt, DSN_RCPT_MAX);
	CHECK_EQ_INT(p.rep.rcpt_dropped, 20 - DSN_RCPT_MAX);
	CHECK_EQ_STR(p.rep.rcpt[0].status, ""); /* 9.9999.1 is not a status */
	CHECK_EQ_STR(p.rep.rcpt[1].status, "5.1.1");
	CHECK(strlen(p.rep.reporting_mta) < DSN_ADDR_MAX);
	free(s);

	/* a boundary parameter longer than RFC 2046 allows is ignored */
	char big[300];
	memset(big, 'b', sizeof big);
	memcpy(big, "Content-Type: multipart/report; boundary=", 41);
	big[sizeof big - 1] = '\n';
	feed_all(&p, big, sizeof big, 1);
	CHECK_EQ_STR(p.boundary, "");
}

/* --- through the SMTP parser: DATA (dot-stuffed), BDAT in chunks, and a
 * report from a real sender (not a DSN: only null senders are read) --- */

static struct smtp_config scfg;
static int64_t now = 1795143600000000;

static void feed(struct smtp_session *s, enum side side, const char *text, size_t n)
{
	now += 1000;
	smtp_feed(s, side, now, (const uint8_t *)text, n);
}

#define C(s, t) feed(s, SIDE_CLIENT, t, strlen(t))
#define S(s, t) feed(s, SIDE_SERVER, t, strlen(t))

static struct smtp_session *greeted(void)
{
	struct smtp_session *s = smtp_session_new(1, &scfg, NULL);
	S(s, "220 mx.example.org ESMTP\r\n");
	C(s, "EHLO gw.example.com\r\n");
	S(s, "250-mx.example.org\r\n250 CHUNKING\r\n");
	return s;
}

static void test_through_data(void)
{
	struct smtp_session *s = greeted();
	C(s, "MAIL FROM:<>\r\n");
	S(s, "250 2.1.0 Ok\r\n");
	C(s, "RCPT TO:<erin@example.org>\r\n");
	S(s, "250 2.1.5 Ok\r\n");
	C(s, "DATA\r\n");
	S(s, "354 go ahead\r\n");
	/* the whole report, dot-stuffed ("..leading" unstuffs to ".leading") */
	C(s, "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
	     "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
	     "Reporting-MTA: dns; gw.example.com\r\n\r\n"
	     "Final-Recipient: rfc822; grace@example.net\r\nAction: failed\r\nStatus: 4.4.7\r\n"
	     "\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
	     "Message-ID: <orig@x>\r\n\r\n..leading dot\r\n--b--\r\n.\r\n");
	S(s, "250 2.0.0 Ok\r\n");
	const struct smtp_txn *t = s->txn_head;
	CHECK(t && t->dsn);
	if (t && t->dsn) {
		CHECK_EQ_INT(t->dsn->nrcpt, 1);
		CHECK_EQ_STR(t->dsn->rcpt[0].status, "4.4.7");
		CHECK_EQ_STR(t->dsn->orig_message_id, "<orig@x>");
	}
	smtp_session_free(s);
}

static void test_through_bdat(bool null_sender)
{
	static const char msg[] =
		"Content-Type: multipart/report; report-type=delivery-status;\r\n"
		"\tboundary=\"=_b\"\r\n\r\n--=_b\r\nContent-Type: message/delivery-status\r\n\r\n"
		"Reporting-MTA: dns; gw.example.com\r\n\r\nFinal-Recipient: rfc822; h@example.net\r\n"
		"Action: delayed\r\nStatus: 4.4.1\r\n\r\n--=_b--\r\n";
	size_t n = sizeof msg - 1, cut = 97; /* the second chunk starts mid-line */
	struct smtp_session *s = greeted();
	C(s, null_sender ? "MAIL FROM:<>\r\n" : "MAIL FROM:<postmaster@example.org>\r\n");
	S(s, "250 2.1.0 Ok\r\n");
	C(s, "RCPT TO:<erin@example.org>\r\n");
	S(s, "250 2.1.5 Ok\r\n");
	char cmd[64];
	snprintf(cmd, sizeof cmd, "BDAT %zu\r\n", cut);
	C(s, cmd);
	feed(s, SIDE_CLIENT, msg, cut);
	S(s, "250 2.0.0 chunk\r\n");
	snprintf(cmd, sizeof cmd, "BDAT %zu LAST\r\n", n - cut);
	C(s, cmd);
	feed(s, SIDE_CLIENT, msg + cut, n - cut);
	S(s, "250 2.0.0 Ok\r\n");
	const struct smtp_txn *t = s->txn_head;
	CHECK(t != NULL);
	if (t && null_sender) {
		CHECK(t->dsn != NULL);
		CHECK(t->dsn && t->dsn->nrcpt == 1 && t->dsn->rcpt[0].action == DSN_ACT_DELAYED);
	} else if (t) {
		CHECK(t->dsn == NULL);
	}
	smtp_session_free(s);
}

int main(void)
{
	smtp_config_default(&scfg);
	test_through_data();
	test_through_bdat(true);
	test_through_bdat(false);
	test_expired(sizeof EXPIRED);
	test_expired(1);
	test_expired(13);
	test_two_recipients();
	test_not_a_dsn();
	test_hostile();
	CHECK_EQ_STR(dsn_action_name(DSN_ACT_DELAYED), "delayed");
	CHECK(dsn_action_name(DSN_ACT_NONE) == NULL);
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
