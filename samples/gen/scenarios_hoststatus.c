/* scenarios_hoststatus.c - one capture per host-status rule: 5xx-only hosts,
 * unanswered and refused connects, per-recipient 452, an overdue retry, a
 * PMTU black hole that ends in silence, and a reset after a 501 EHLO reply. */
#include "gen.h"

#include <stdio.h>
#include <string.h>

#define R452_LIMIT "452 4.5.3 Too many recipients\r\n"

/* One complete outbound transaction to `mx` at `ip`, ending in `final`
 * (a 2xx, 4xx or 5xx reply to the end of data), then QUIT. */
static void out_data(struct cap *cap, usec_t t0, const char *ip, const char *mx, const char *from,
		     const char *to, const struct msg *m, const char *final, const char *label)
{
	struct conn c;
	conn_out(&c, cap, ip, t0);
	greet_out(&c, mx);
	mail(&c, from, m, R250_MAIL);
	rcpt(&c, to, R250_RCPT);
	data(&c, m, final);
	quit(&c);
	note_conn(&c, label, t0);
}

/* Unanswered SYNs at t0 + 0, 1, 3, ... (Linux's backoff), `n` of them. */
static void syn_unanswered(struct cap *cap, const char *ip, usec_t t0, int n)
{
	struct conn c;
	conn_out(&c, cap, ip, t0);
	uint32_t isn = c.e[CLI].isn;
	for (int i = 0; i < n; i++)
		emit_at(&c, t0 + SEC((1 << i) - 1), CLI, isn, 0, F_SYN, NULL, 0);
	note("  session (SYNs unanswered): 192.0.2.10:%u -> %s:25  %d SYNs from t=%.6f\n",
	     c.e[CLI].port, ip, n, (double)t0 / 1e6);
}

/* A host that only ever answers 5xx: nothing is left for the client to retry. */
void s_host_rejected(struct cap *cap)
{
	struct conn c;
	struct msg a, b, d;

	/* (a) 198.51.100.70: one message refused after the data, the next at RCPT */
	msg_make(&a, "Alice Example <alice@example.com>", "Ivan Example <ivan@example.net>",
		 "Limited offer inside", "20261120030000.hr1@gw.example.com", 2500, 0);
	out_data(cap, 0, "198.51.100.70", "mx70.example.net", "alice@example.com",
		 "ivan@example.net", &a, "554 5.7.1 Message rejected as spam\r\n", "a1 (554 after data)");
	note_msg("message", &a);

	msg_make(&b, "Bob Example <bob@example.com>", "Nobody <nobody@example.net>",
		 "Hello", "20261120030030.hr2@gw.example.com", 2000, 0);
	conn_out(&c, cap, "198.51.100.70", SEC(30));
	greet_out(&c, "mx70.example.net");
	mail(&c, "bob@example.com", &b, R250_MAIL);
	rcpt(&c, "nobody@example.net",
	     "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n");
	quit(&c);
	note_conn(&c, "a2 (550 at RCPT)", SEC(30));
	note_msg("message (not transmitted)", &b);

	/* (b) 198.51.100.71: the same message deferred, then refused for good on retry */
	msg_make(&d, "Carol Example <carol@example.com>", "Jane Example <jane@example.net>",
		 "Quarterly report", "20261120030010.hr3@gw.example.com", 3000, 0);
	out_data(cap, SEC(10), "198.51.100.71", "mx71.example.net", "carol@example.com",
		 "jane@example.net", &d, "451 4.3.0 Temporary local problem - please try later\r\n",
		 "b1 (451 after data)");
	out_data(cap, SEC(70), "198.51.100.71", "mx71.example.net", "carol@example.com",
		 "jane@example.net", &d, "554 5.6.0 Message content rejected\r\n",
		 "b2 (retry, 554 after data)");
	note_msg("message (both attempts)", &d);

	healthy(cap, SEC(90), "dave@example.com", "Dave Example <dave@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Weekly figures",
		"20261120030130.hr4@gw.example.com", 3000, "250 2.0.0 Ok: queued as 1A2B3C4D5E\r\n");
	msg_free(&a);
	msg_free(&b);
	msg_free(&d);
}

/* Connects that fail: a host whose SYNs go unanswered twice, one that refuses. */
void s_host_syn_unanswered(struct cap *cap)
{
	struct conn c;

	/* (a) 198.51.100.72: two attempts 30 s apart, 3 SYNs each (t=0,1,3 and 30,31,33) */
	syn_unanswered(cap, "198.51.100.72", 0, 3);
	syn_unanswered(cap, "198.51.100.72", SEC(30), 3);

	/* (b) 198.51.100.73: the SYN answered by RST+ACK (closed port) */
	conn_out(&c, cap, "198.51.100.73", SEC(20));
	uint32_t isn = c.e[CLI].isn;
	emit_at(&c, SEC(20), CLI, isn, 0, F_SYN, NULL, 0);
	c.e[SRV].win = 0;
	emit_at(&c, SEC(20) + MS(1.5), SRV, 0, isn + 1, F_RST | F_ACK, NULL, 0);
	note("  session b (refused): 192.0.2.10:%u -> 198.51.100.73:25  SYN t=20, RST+ACK "
	     "t=20.0015\n", c.e[CLI].port);

	healthy(cap, SEC(60), "alice@example.com", "Alice Example <alice@example.com>",
		"bob@example.net", "Bob Example <bob@example.net>", "Connectivity check",
		"20261120030100.hs1@gw.example.com", 3000, "250 2.0.0 Ok: queued as 2B3C4D5E6F\r\n");
}

/* A message to three recipients of which the server takes two (452 4.5.3 for
 * the third, RFC 5321 4.5.3.1.10), then the third alone in a second
 * transaction, refused again by the per-connection limit; the client QUITs. */
static void limited_session(struct cap *cap, usec_t t0, const struct msg *m, const char *const *to,
			    const char *label)
{
	struct conn c;
	conn_out(&c, cap, "198.51.100.74", t0);
	greet_out(&c, "mx74.example.net");
	mail(&c, "alice@example.com", m, R250_MAIL);
	rcpt(&c, to[0], R250_RCPT);
	rcpt(&c, to[1], R250_RCPT);
	rcpt(&c, to[2], R452_LIMIT);
	data(&c, m, "250 2.0.0 Ok: queued as 3C4D5E6F70\r\n");
	mail(&c, "alice@example.com", m, R250_MAIL);
	rcpt(&c, to[2], R452_LIMIT);
	quit(&c);
	note_conn(&c, label, t0);
	note_msg("message", m);
}

void s_host_rcpt_452(struct cap *cap)
{
	struct conn c;
	struct msg m1, m2;
	static const char *const to1[] = { "kim@example.net", "leo@example.net", "mia@example.net" };
	static const char *const to2[] = { "ned@example.net", "olga@example.net", "pat@example.net" };

	msg_make(&m1, "Alice Example <alice@example.com>",
		 "Kim <kim@example.net>, Leo <leo@example.net>, Mia <mia@example.net>",
		 "Team lunch", "20261120030000.rl1@gw.example.com", 2500, 0);
	msg_make(&m2, "Alice Example <alice@example.com>",
		 "Ned <ned@example.net>, Olga <olga@example.net>, Pat <pat@example.net>",
		 "Rota", "20261120030100.rl2@gw.example.com", 2800, 0);
	limited_session(cap, 0, &m1, to1, "1 (2 of 3 recipients, then 452 again)");

	/* session 2: the first message for its third recipient, then the second
	 * message with the same recipient limit */
	conn_out(&c, cap, "198.51.100.74", SEC(60));
	greet_out(&c, "mx74.example.net");
	mail(&c, "alice@example.com", &m1, R250_MAIL);
	rcpt(&c, to1[2], R250_RCPT);
	data(&c, &m1, "250 2.0.0 Ok: queued as 4D5E6F7081\r\n");
	mail(&c, "alice@example.com", &m2, R250_MAIL);
	rcpt(&c, to2[0], R250_RCPT);
	rcpt(&c, to2[1], R250_RCPT);
	rcpt(&c, to2[2], R452_LIMIT);
	data(&c, &m2, "250 2.0.0 Ok: queued as 5E6F708192\r\n");
	mail(&c, "alice@example.com", &m2, R250_MAIL);
	rcpt(&c, to2[2], R452_LIMIT);
	quit(&c);
	note_conn(&c, "2 (first message to mia accepted; second message 2 of 3, then 452)", SEC(60));
	note_msg("message 2", &m2);

	healthy(cap, SEC(150), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Quick note",
		"20261120030230.rl3@gw.example.com", 3000, "250 2.0.0 Ok: queued as 6F708192A3\r\n");
	msg_free(&m1);
	msg_free(&m2);
}

/* Retries that should have come by the end of the capture, and one not yet due. */
void s_host_overdue(struct cap *cap)
{
	struct msg a, b, d;
	const char *r451 = "451 4.3.0 Temporary local problem - please try later\r\n";

	/* 198.51.100.75: deferred at t=0 and t=300: the next try is due near t=600 */
	msg_make(&a, "Alice Example <alice@example.com>", "Quinn Example <quinn@example.net>",
		 "Invoice 2026-1201", "20261120030000.od1@gw.example.com", 3000, 0);
	out_data(cap, 0, "198.51.100.75", "mx75.example.net", "alice@example.com",
		 "quinn@example.net", &a, r451, "a1 (451)");
	out_data(cap, SEC(300), "198.51.100.75", "mx75.example.net", "alice@example.com",
		 "quinn@example.net", &a, r451, "a2 (451, retry)");
	note_msg("message a", &a);

	/* 198.51.100.77: deferred at t=700 and t=850: the next try is due near t=1000 */
	msg_make(&b, "Bob Example <bob@example.com>", "Rita Example <rita@example.net>",
		 "Parts list", "20261120031140.od2@gw.example.com", 2000, 0);
	out_data(cap, SEC(700), "198.51.100.77", "mx77.example.net", "bob@example.com",
		 "rita@example.net", &b, r451, "b1 (451)");
	out_data(cap, SEC(850), "198.51.100.77", "mx77.example.net", "bob@example.com",
		 "rita@example.net", &b, r451, "b2 (451, retry)");
	note_msg("message b", &b);

	/* 198.51.100.76: deferred once: no interval, no estimate */
	msg_make(&d, "Carol Example <carol@example.com>", "Sam Example <sam@example.net>",
		 "Minutes", "20261120031400.od3@gw.example.com", 2200, 0);
	out_data(cap, SEC(840), "198.51.100.76", "mx76.example.net", "carol@example.com",
		 "sam@example.net", &d, r451, "c (451 once)");
	note_msg("message c", &d);

	healthy(cap, SEC(900), "dave@example.com", "Dave Example <dave@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Photos",
		"20261120031500.od4@gw.example.com", 3000, "250 2.0.0 Ok: queued as 708192A3B4\r\n");
	msg_free(&a);
	msg_free(&b);
	msg_free(&d);
}

/* A path-MTU black hole that ends in silence: the client's retransmissions of
 * a full-size segment stop and nothing more is sent (no RST), so the session
 * ends at the idle timeout, long before the capture ends. */
void s_host_pmtu_silent(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Alice Example <alice@example.com>", "Tom Example <tom@example.net>",
		 "Design review slides (text)", "20261120030000.ps1@gw.example.com", 9000, 0);
	conn_out(&c, cap, "203.0.113.62", 0);
	greet_out(&c, "mx62.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "tom@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	size_t hl = (size_t)(strstr(m.wire, "\r\n\r\n") - m.wire) + 4;
	xmit(&c, CLI, m.wire, hl); /* the header block: small, ACKed */
	wait_us(&c, MS(0.4));
	uint32_t s0 = c.e[CLI].seq;
	emit_at(&c, c.t, CLI, s0, c.e[CLI].ack, F_ACK, m.wire + hl, c.mss);
	for (int i = 0; i < 5; i++) { /* RTO 0.2 s doubling; never ACKed */
		wait_us(&c, MS(200) << i);
		emit_at(&c, c.t, CLI, s0, c.e[CLI].ack, F_ACK, m.wire + hl, c.mss);
	}
	note_conn(&c, "PMTU black hole, silent", 0);
	note("    header block %zu octets ACKed; one full-size segment sent 6 times, never ACKed; "
	     "nothing after t=%.6f\n", hl, (double)c.t / 1e6);
	note_msg("message (never completed)", &m);
	msg_free(&m);

	/* well past the idle timeout (900 s by default) */
	healthy(cap, SEC(1000), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Big enough to fill segments",
		"20261120031640.ps2@gw.example.com", 6000, "250 2.0.0 Ok: queued as 8192A3B4C5\r\n");
}

/* The server answers EHLO with 501 and resets the connection 4 ms later. */
void s_host_ehlo_501(struct cap *cap)
{
	struct conn c;

	conn_out(&c, cap, "198.51.100.78", 0);
	tcp_handshake(&c);
	reply(&c, "220 mx78.example.net ESMTP\r\n");
	cmd(&c, "EHLO gw.example.com\r\n", "501 5.5.4 Invalid EHLO/HELO domain\r\n");
	wait_us(&c, MS(4));
	rst_s(&c);
	note_conn(&c, "501 to EHLO, then RST by server", 0);

	healthy(cap, SEC(20), "alice@example.com", "Alice Example <alice@example.com>",
		"bob@example.net", "Bob Example <bob@example.net>", "Status",
		"20261120030020.eh1@gw.example.com", 3000, "250 2.0.0 Ok: queued as 92A3B4C5D6\r\n");
}
