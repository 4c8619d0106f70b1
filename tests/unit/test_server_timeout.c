/* test_server_timeout.c — a server's own idle-timeout reply on inline
 * dialogues: the wordings of Postfix, Exchange and Exim are recognised when
 * they answer no command, the silence before them is measured from the
 * client's last byte, the message in flight stays open (aborted, not
 * deferred), and look-alikes (a 4xx answering a command, a 5xx, a 421 without
 * the word) are not taken for one; implicit TLS (465) waits for a byte. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "decode/smtp_parser.h"

#define SEC 1000000LL

static struct smtp_config cfg;
static int64_t now = 1795143600000000;

static void C(struct smtp_session *s, const char *text)
{
	now += 1000;
	smtp_feed(s, SIDE_CLIENT, now, (const uint8_t *)text, strlen(text));
}

static void S(struct smtp_session *s, const char *text)
{
	now += 1000;
	smtp_feed(s, SIDE_SERVER, now, (const uint8_t *)text, strlen(text));
}

static struct smtp_session *greeted(void)
{
	struct smtp_session *s = smtp_session_new(1, &cfg, NULL);
	s->start_ts = now;
	S(s, "220 mx50.example.net ESMTP Postfix\r\n");
	C(s, "EHLO gw.example.com\r\n");
	S(s, "250-mx50.example.net\r\n250 PIPELINING\r\n");
	return s;
}

static void finish(struct smtp_session *s)
{
	s->end_reason = END_FIN;
	s->end_by = SIDE_SERVER;
	smtp_end(s, now);
}

/* Postfix after RCPT: 300 s of client silence, then 421 4.4.2. */
static void test_postfix_envelope(void)
{
	struct smtp_session *s = greeted();
	C(s, "MAIL FROM:<alice@example.com>\r\n");
	S(s, "250 2.1.0 Ok\r\n");
	C(s, "RCPT TO:<ivan@example.net>\r\n");
	int64_t last_client = now;
	S(s, "250 2.1.5 Ok\r\n");
	now += 300 * SEC;
	S(s, "421 4.4.2 mx50.example.net Error: timeout exceeded\r\n");
	CHECK(s->server_timeout);
	CHECK_EQ_INT(s->server_timeout_code, 421);
	CHECK_EQ_INT(s->server_timeout_ts, now);
	CHECK_EQ_INT(s->client_silent_us, now - last_client);
	CHECK_EQ_INT(s->state, ST_RCPT);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 0);
	finish(s);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ABORTED);
	smtp_session_free(s);
}

/* Exim in the body: the transaction stays open, the state stays body. */
static void test_exim_body(void)
{
	struct smtp_session *s = greeted();
	C(s, "MAIL FROM:<alice@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n");
	S(s, "250 Ok\r\n250 Ok\r\n354 Go ahead\r\n");
	C(s, "Subject: x\r\n\r\nfirst half of the body\r\n");
	int64_t last_client = now;
	now += 300 * SEC;
	S(s, "421 mx.example.net SMTP incoming data timeout - closing connection.\r\n");
	CHECK(s->server_timeout);
	CHECK_EQ_INT(s->client_silent_us, now - last_client);
	CHECK_EQ_INT(s->state, ST_BODY);
	finish(s);
	CHECK_EQ_INT(s->txn_head->outcome, OUT_ABORTED);
	CHECK(s->txn_head->data_bytes > 0);
	smtp_session_free(s);
}

/* Exchange after the greeting, any case: "Timeout". */
static void test_exchange_ready(void)
{
	struct smtp_session *s = greeted();
	now += 300 * SEC;
	S(s, "451 4.7.0 Timeout waiting for client input\r\n");
	CHECK(s->server_timeout);
	CHECK_EQ_INT(s->server_timeout_code, 451);
	CHECK_EQ_INT(s->state, ST_READY);
	smtp_session_free(s);
}

/* A client that never spoke: silent since the session start. */
static void test_silent_from_start(void)
{
	struct smtp_session *s = smtp_session_new(1, &cfg, NULL);
	s->start_ts = now;
	int64_t t0 = now;
	S(s, "220 mx.example.net ESMTP\r\n");
	now += 300 * SEC;
	S(s, "421 4.4.2 mx.example.net Error: timed out\r\n");
	CHECK(s->server_timeout);
	CHECK_EQ_INT(s->client_silent_us, now - t0);
	smtp_session_free(s);
}

/* Not a server timeout: a 4xx answering a command, a 5xx, a 421 without the word. */
static void test_look_alikes(void)
{
	struct smtp_session *s = greeted();
	C(s, "MAIL FROM:<alice@example.com>\r\n");
	S(s, "451 4.4.3 Timeout on DNS lookup of sender domain\r\n");
	CHECK(!s->server_timeout);
	S(s, "554 5.0.0 Timeout\r\n");
	CHECK(!s->server_timeout);
	S(s, "421 4.3.2 Service shutting down\r\n");
	CHECK(!s->server_timeout);
	CHECK_EQ_INT(s->anomalies[ANOM_UNSOLICITED_REPLY], 2);
	smtp_session_free(s);
}

/* Port 465: no byte, no TLS; the first byte makes it so. */
static void test_implicit_tls_waits(void)
{
	struct smtp_session *s = smtp_session_new(1, &cfg, NULL);
	smtp_expect_implicit_tls(s);
	CHECK(s->implicit_tls);
	CHECK(!s->tls);
	CHECK_EQ_INT(s->state, ST_CONNECT);
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0 };
	smtp_feed(s, SIDE_CLIENT, now, hello, sizeof hello);
	CHECK(s->tls);
	CHECK_EQ_INT(s->state, ST_TLS);
	smtp_session_free(s);
}

int main(void)
{
	smtp_config_default(&cfg);
	test_postfix_envelope();
	test_exim_body();
	test_exchange_ready();
	test_silent_from_start();
	test_look_alikes();
	test_implicit_tls_waits();
	CHECK_DONE();
}
