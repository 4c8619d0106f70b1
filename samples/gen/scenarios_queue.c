/* scenarios_queue.c - the gateway's queue on the wire: messages relayed
 * in and out (same Message-ID, split per domain, envelope-matched), held in
 * the queue, stuck, backing up, and the gateway's own DSNs (RFC 3464). */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MX_NET "198.51.100.7"     /* mx1.example.net */
#define MX_NET2 "198.51.100.41"   /* mx.example.net in the retry scenarios */
#define MX_EDU "198.51.100.30"    /* mx.example.edu */
#define MX_ORG "198.51.100.60"    /* mx.example.org: the senders' domain */
#define MX_COM "198.51.100.70"    /* mx.example.com */
#define CLIENT "203.0.113.20"     /* mta.example.org, hands mail to the gateway */

/* A message as it leaves the gateway: the inbound text with the gateway's
 * Received header on top (the copy grows by its length). */
void msg_relayed(struct msg *out, const struct msg *in, const char *qid)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof hdr,
			 "Received: from mta.example.org (mta.example.org [203.0.113.20])\r\n"
			 "\tby gw.example.com (Postfix) with ESMTP id %s\r\n", qid);
	memset(out, 0, sizeof *out);
	out->len = (size_t)n + in->len;
	out->wlen = (size_t)n + in->wlen;
	out->text = malloc(out->len + 1);
	out->wire = malloc(out->wlen + 1);
	if (!out->text || !out->wire)
		exit(1);
	memcpy(out->text, hdr, (size_t)n);
	memcpy(out->text + n, in->text, in->len + 1);
	memcpy(out->wire, hdr, (size_t)n);
	memcpy(out->wire + n, in->wire, in->wlen + 1);
	out->stuffed = in->stuffed;
	memcpy(out->id, in->id, sizeof out->id);
}

/* Removes the Message-ID line (a message some clients send without one). */
static void msg_drop_id(struct msg *m)
{
	char *bufs[2] = { m->text, m->wire };
	size_t *lens[2] = { &m->len, &m->wlen };
	for (int i = 0; i < 2; i++) {
		char *p = strstr(bufs[i], "Message-ID: ");
		char *e = p ? strstr(p, "\r\n") : NULL;
		if (!e)
			exit(1);
		size_t cut = (size_t)(e + 2 - p);
		memmove(p, e + 2, strlen(e + 2) + 1);
		*lens[i] -= cut;
	}
	m->id[0] = '\0';
}

/* A null-sender multipart/report (RFC 6522) from the gateway about one
 * recipient of the message `orig_id`. */
static void msg_dsn(struct msg *m, const char *to, const char *rcpt, const char *action,
		    const char *status, const char *diag, const char *orig_id, const char *dsn_id)
{
	char *b = malloc(4096);
	if (!b)
		exit(1);
	int n = snprintf(b, 4096,
		"From: Mail Delivery System <MAILER-DAEMON@gw.example.com>\r\n"
		"To: <%s>\r\n"
		"Subject: %s\r\n"
		"Date: Fri, 20 Nov 2026 03:10:00 +0000\r\n"
		"Message-ID: <%s>\r\n"
		"Auto-Submitted: auto-replied\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/report; report-type=delivery-status;\r\n"
		"\tboundary=\"=_dsn_7F3A\"\r\n"
		"\r\n"
		"This is a MIME-encapsulated message.\r\n"
		"\r\n"
		"--=_dsn_7F3A\r\n"
		"Content-Type: text/plain; charset=us-ascii\r\n"
		"\r\n"
		"Delivery to the following recipient %s: %s\r\n"
		"\r\n"
		"--=_dsn_7F3A\r\n"
		"Content-Type: message/delivery-status\r\n"
		"\r\n"
		"Reporting-MTA: dns; gw.example.com\r\n"
		"Arrival-Date: Fri, 20 Nov 2026 03:00:00 +0000\r\n"
		"\r\n"
		"Final-Recipient: rfc822; %s\r\n"
		"Original-Recipient: rfc822;%s\r\n"
		"Action: %s\r\n"
		"Status: %s\r\n"
		"Diagnostic-Code: smtp;\r\n"
		"  %s\r\n"
		"\r\n"
		"--=_dsn_7F3A\r\n"
		"Content-Type: text/rfc822-headers\r\n"
		"\r\n"
		"From: Erin Remote <erin@example.org>\r\n"
		"Subject: Order 4711\r\n"
		"Message-ID: <%s>\r\n"
		"\r\n"
		"--=_dsn_7F3A--\r\n",
		to, strcmp(action, "delayed") == 0 ? "Delivery delayed: Order 4711" : "Undeliverable: Order 4711",
		dsn_id, strcmp(action, "delayed") == 0 ? "has been delayed" : "failed", diag,
		rcpt, rcpt, action, status, diag, orig_id);
	if (n <= 0 || n >= 4096)
		exit(1);
	memset(m, 0, sizeof *m);
	m->text = b;
	m->len = (size_t)n;
	m->wire = malloc((size_t)n + 4);
	if (!m->wire)
		exit(1);
	memcpy(m->wire, b, (size_t)n);
	memcpy(m->wire + n, ".\r\n", 4);
	m->wlen = (size_t)n + 3;
	snprintf(m->id, sizeof m->id, "%s", dsn_id);
}

/* The remote client hands one message to the gateway in its own session. */
usec_t hand_in(struct cap *cap, usec_t t0, uint16_t port, const char *from,
	       const char *const *to, const struct msg *m, const char *queued)
{
	struct conn c;
	char r[768];
	conn_in(&c, cap, CLIENT, port, 25, t0);
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com ESMTP Postfix\r\n");
	ehlo_reply(r, sizeof r, GW_HOST, EXT_GW);
	cmd(&c, "EHLO mta.example.org\r\n", r);
	mail(&c, from, m, R250_MAIL);
	for (int i = 0; to[i]; i++)
		rcpt(&c, to[i], R250_RCPT);
	data(&c, m, queued);
	usec_t accepted = c.t;
	quit(&c);
	note_conn(&c, "inbound", t0);
	note("    accepted in at t=%.6f\n", (double)accepted / 1e6);
	return accepted;
}

/* One outbound attempt carrying m to the recipients `to` (one domain);
 * `final` is the reply to the end of data. */
usec_t carry_out(struct cap *cap, usec_t t0, const char *ip, const char *mx,
		 const char *from, const char *const *to, const struct msg *m,
		 const char *final)
{
	struct conn c;
	conn_out(&c, cap, ip, t0);
	greet_out(&c, mx);
	mail(&c, from, m, R250_MAIL);
	for (int i = 0; to[i]; i++)
		rcpt(&c, to[i], R250_RCPT);
	data(&c, m, final);
	usec_t done = c.t;
	quit(&c);
	note_conn(&c, "outbound", t0);
	note("    final reply at t=%.6f: %.40s\n", (double)done / 1e6, final);
	return done;
}

#define OK_OUT "250 2.0.0 Ok: queued as 5E6F7A8B9C\r\n"
#define DEFER_OUT "451 4.3.0 Temporary failure, please try again later\r\n"

void s_relay_same_msgid(struct cap *cap)
{
	struct msg a, a_out, b, b_out;
	static const char *const to_a[] = { "bob@example.net", "carol@example.edu", NULL };
	static const char *const to_b[] = { "dan@example.net", NULL };
	static const char *const net_a[] = { "bob@example.net", NULL };
	static const char *const edu_a[] = { "carol@example.edu", NULL };

	msg_make(&a, "Erin Remote <erin@example.org>", "Bob <bob@example.net>, Carol <carol@example.edu>",
		 "Order 4711", "relay1.4711@mta.example.org", 3000, 0);
	note_msg("message A (Message-ID, two domains)", &a);
	hand_in(cap, 0, 40001, "erin@example.org", to_a, &a, "250 2.0.0 Ok: queued as 1A2B3C\r\n");
	msg_relayed(&a_out, &a, "1A2B3C");
	carry_out(cap, SEC(2), MX_NET, "mx1.example.net", "erin@example.org", net_a, &a_out, OK_OUT);
	carry_out(cap, SEC(5), MX_EDU, "mx.example.edu", "erin@example.org", edu_a, &a_out, OK_OUT);

	/* B: no Message-ID, so only the envelope and the size tie the copies */
	msg_make(&b, "Erin Remote <erin@example.org>", "Dan <dan@example.net>",
		 "Re: Order 4711", "unused@mta.example.org", 2000, 0);
	msg_drop_id(&b);
	note_msg("message B (no Message-ID)", &b);
	hand_in(cap, SEC(10), 40002, "erin@example.org", to_b, &b, "250 2.0.0 Ok: queued as 4D5E6F\r\n");
	msg_relayed(&b_out, &b, "4D5E6F");
	carry_out(cap, SEC(13), MX_NET, "mx1.example.net", "erin@example.org", to_b, &b_out, OK_OUT);
	msg_free(&a);
	msg_free(&a_out);
	msg_free(&b);
	msg_free(&b_out);
}

void s_relay_queued(struct cap *cap)
{
	struct msg c, c_out, d;
	static const char *const to_c[] = { "frank@example.net", NULL };
	static const char *const to_d[] = { "gina@example.net", NULL };

	msg_make(&c, "Erin Remote <erin@example.org>", "Frank <frank@example.net>",
		 "Invoice 17", "queued1.17@mta.example.org", 2500, 0);
	note_msg("message C (deferred three times)", &c);
	hand_in(cap, 0, 40011, "erin@example.org", to_c, &c, "250 2.0.0 Ok: queued as 7A8B9C\r\n");
	msg_relayed(&c_out, &c, "7A8B9C");
	/* Exchange's glitch retries: a minute apart */
	for (int k = 0; k < 3; k++)
		carry_out(cap, SEC(30 + 60 * k), MX_NET2, "mx.example.net", "erin@example.org", to_c,
			  &c_out, DEFER_OUT);
	msg_make(&d, "Erin Remote <erin@example.org>", "Gina <gina@example.net>",
		 "Invoice 18", "queued2.18@mta.example.org", 1500, 0);
	note_msg("message D (accepted after the last attempt, never attempted)", &d);
	hand_in(cap, SEC(155), 40012, "erin@example.org", to_d, &d, "250 2.0.0 Ok: queued as 8B9CAD\r\n");
	msg_free(&c);
	msg_free(&c_out);
	msg_free(&d);
}

/* Mail for lists.example.net is accepted and never attempted for 20 min,
 * while mail for example.com flows in and out every 2 min. */
void s_queue_stuck(struct cap *cap)
{
	static const char *const to_stuck[] = { "members@lists.example.net", NULL };
	static const char *const to_com[] = { "hank@example.com", NULL };
	char id[64];
	for (int k = 0; k < 3; k++) {
		struct msg m;
		snprintf(id, sizeof id, "stuck%d@mta.example.org", k + 1);
		msg_make(&m, "Erin Remote <erin@example.org>", "Members <members@lists.example.net>",
			 "Newsletter", id, 1800, 0);
		hand_in(cap, SEC(60 * (k + 1)), (uint16_t)(40100 + k), "erin@example.org", to_stuck, &m,
			"250 2.0.0 Ok: queued as 9C0D1E\r\n");
		msg_free(&m);
	}
	for (int k = 0; k < 11; k++) {
		struct msg m, out;
		snprintf(id, sizeof id, "flow%d@mta.example.org", k + 1);
		msg_make(&m, "Erin Remote <erin@example.org>", "Hank <hank@example.com>",
			 "Status update", id, 1200, 0);
		hand_in(cap, SEC(30 + 120 * k), (uint16_t)(40200 + k), "erin@example.org", to_com, &m,
			"250 2.0.0 Ok: queued as 2F3A4B\r\n");
		msg_relayed(&out, &m, "2F3A4B");
		carry_out(cap, SEC(33 + 120 * k), MX_COM, "mx.example.com", "erin@example.org", to_com,
			  &out, OK_OUT);
		msg_free(&m);
		msg_free(&out);
	}
}

/* Two messages a minute come in for example.net, one a minute goes out,
 * every delivery accepted: the queue grows by one a minute for 15 min. */
void s_queue_backlog(struct cap *cap)
{
	static const char *const to[] = { "ivy@example.net", NULL };
	struct msg in[30], out;
	char id[64];
	for (int k = 0; k < 30; k++) {
		snprintf(id, sizeof id, "backlog%02d@mta.example.org", k + 1);
		msg_make(&in[k], "Erin Remote <erin@example.org>", "Ivy <ivy@example.net>",
			 "Daily digest", id, 1500, 0);
		hand_in(cap, SEC(5 + 30 * k), (uint16_t)(40300 + k), "erin@example.org", to, &in[k],
			"250 2.0.0 Ok: queued as 3A4B5C\r\n");
	}
	for (int k = 0; k < 15; k++) { /* FIFO: the oldest goes first */
		msg_relayed(&out, &in[k], "3A4B5C");
		carry_out(cap, SEC(50 + 60 * k), MX_NET, "mx1.example.net", "erin@example.org", to, &out,
			  OK_OUT);
		msg_free(&out);
	}
	for (int k = 0; k < 30; k++)
		msg_free(&in[k]);
}

/* The original message, deferred by example.net, then a DSN from the
 * gateway to the sender's domain. */
static void dsn_case(struct cap *cap, const char *rcpt_addr, const char *first_reply, int attempts,
		     usec_t dsn_at, const char *action, const char *status, const char *diag,
		     const char *dsn_id)
{
	struct msg m, out, dsn;
	const char *to[] = { rcpt_addr, NULL };
	msg_make(&m, "Erin Remote <erin@example.org>", rcpt_addr, "Order 4711", "dsn-orig.4711@mta.example.org",
		 2200, 0);
	note_msg("original message", &m);
	hand_in(cap, 0, 40400, "erin@example.org", to, &m, "250 2.0.0 Ok: queued as 6D7E8F\r\n");
	msg_relayed(&out, &m, "6D7E8F");
	for (int k = 0; k < attempts; k++)
		carry_out(cap, SEC(30 + 60 * k), MX_NET2, "mx.example.net", "erin@example.org", to, &out,
			  k == 0 ? first_reply : DEFER_OUT);
	msg_dsn(&dsn, "erin@example.org", rcpt_addr, action, status, diag, "dsn-orig.4711@mta.example.org",
		dsn_id);
	note_msg("DSN", &dsn);
	struct conn c;
	conn_out(&c, cap, MX_ORG, dsn_at);
	greet_out(&c, "mx.example.org");
	cmd(&c, "MAIL FROM:<>\r\n", R250_MAIL);
	rcpt(&c, "erin@example.org", R250_RCPT);
	data(&c, &dsn, OK_OUT);
	quit(&c);
	note_conn(&c, "outbound DSN", dsn_at);
	msg_free(&m);
	msg_free(&out);
	msg_free(&dsn);
}

void s_dsn_expired(struct cap *cap)
{
	/* two glitch retries, then nothing on the wire until the 2-day expiry */
	dsn_case(cap, "grace@example.net", DEFER_OUT, 2, SEC(2LL * 86400 + 10), "failed", "4.4.7",
		 "451 4.4.7 Message expired: delivery timed out after 2 days",
		 "dsn-expired.1@gw.example.com");
}

void s_dsn_failed(struct cap *cap)
{
	dsn_case(cap, "nobody@example.net", "550 5.1.1 <nobody@example.net>: Recipient address rejected: "
		 "User unknown\r\n", 1, SEC(35), "failed", "5.1.1",
		 "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown",
		 "dsn-failed.1@gw.example.com");
}

void s_dsn_delayed(struct cap *cap)
{
	/* retries a minute apart, then the delay DSN at 4 h (still queued) */
	dsn_case(cap, "henry@example.net", DEFER_OUT, 3, SEC(4LL * 3600 + 20), "delayed", "4.4.1",
		 "451 4.4.1 No answer from host", "dsn-delayed.1@gw.example.com");
}
