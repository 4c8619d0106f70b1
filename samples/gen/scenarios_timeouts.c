/* scenarios_timeouts.c - idle timeouts and who ended a session: servers
 * timing out a silent client (Postfix 421, Exchange 451), a pause inside DATA
 * that must stay one session, FIN answered by RST, the close after QUIT, and
 * refused connections on the submission ports (samples/README.md). */
#include "gen.h"

#include <stdio.h>
#include <string.h>

#define R421_POSTFIX "421 4.4.2 mx50.example.net Error: timeout exceeded\r\n"
#define R451_EXCHANGE "451 4.7.0 Timeout waiting for client input\r\n"

/* The server's idle timer runs out: its timeout reply, then it closes
 * (server FIN, the client's FIN+ACK, the server's ACK). */
static void server_gives_up(struct conn *c, usec_t idle, const char *rep)
{
	wait_us(c, idle);
	send_s(c, rep);
	close_s(c);
}

/* Postfix (smtpd_timeout = 300 s) times the gateway out twice: once after
 * RCPT (the client never sends DATA), once in the middle of the body. */
void s_postfix_idle_timeout(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Alice Example <alice@example.com>", "Ivan Example <ivan@example.net>",
		 "Stock levels", "20261120030000.pt1@gw.example.com", 3000, 0);
	conn_out(&c, cap, "198.51.100.50", 0);
	greet_out(&c, "mx50.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "ivan@example.net", R250_RCPT);
	server_gives_up(&c, SEC(300), R421_POSTFIX);
	note_conn(&c, "silent after RCPT, 421 after 300 s", 0);
	msg_free(&m);

	msg_make(&m, "Bob Example <bob@example.com>", "Judy Example <judy@example.net>",
		 "Scanned contract (text)", "20261120030010.pt2@gw.example.com", 9000, 0);
	conn_out(&c, cap, "198.51.100.50", SEC(10));
	greet_out(&c, "mx50.example.net");
	mail(&c, "bob@example.com", &m, R250_MAIL);
	rcpt(&c, "judy@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, 3 * c.mss); /* then the client's source stalls */
	server_gives_up(&c, SEC(300), R421_POSTFIX);
	note_conn(&c, "silent mid-body, 421 after 300 s", SEC(10));
	note("    body wire octets sent before the silence: %u\n", 3 * c.mss);
	msg_free(&m);
}

static void greet_exchange(struct conn *c, const char *const *ext)
{
	char r[768];
	tcp_handshake(c);
	reply(c, "220 mail.example.org Microsoft ESMTP MAIL Service ready at "
		 "Fri, 20 Nov 2026 03:00:00 +0000\r\n");
	ehlo_reply(r, sizeof r, "mail.example.org Hello [192.0.2.10]", ext);
	cmd(c, "EHLO " GW_HOST "\r\n", r);
}

/* Exchange (ConnectionInactivityTimeout 5 min) closes three idle sessions:
 * one left open after a delivered message, one silent after MAIL FROM, and
 * one silent in the body, which it resets after its 451. */
void s_exchange_idle_timeout(struct cap *cap)
{
	static const char *const ext[] = {
		"SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS",
		"8BITMIME", "BINARYMIME", "CHUNKING", "SMTPUTF8", NULL,
	};
	struct conn c;
	struct msg m;

	msg_make(&m, "Carol Example <carol@example.com>", "Kurt Example <kurt@example.org>",
		 "Agenda", "20261120030000.ex1@gw.example.com", 2500, 0);
	conn_out(&c, cap, "198.51.100.60", 0);
	greet_exchange(&c, ext);
	mail(&c, "carol@example.com", &m, R250_MAIL);
	rcpt(&c, "kurt@example.org", R250_RCPT);
	data(&c, &m, "250 2.6.0 <20261120030000.ex1@gw.example.com> Queued mail for delivery\r\n");
	server_gives_up(&c, SEC(300), R451_EXCHANGE);
	note_conn(&c, "delivered, then idle; 451 after 300 s", 0);
	msg_free(&m);

	msg_make(&m, "Dave Example <dave@example.com>", "Lena Example <lena@example.org>",
		 "Holiday rota", "20261120030020.ex2@gw.example.com", 2500, 0);
	conn_out(&c, cap, "198.51.100.60", SEC(20));
	greet_exchange(&c, ext);
	mail(&c, "dave@example.com", &m, R250_MAIL);
	server_gives_up(&c, SEC(300), R451_EXCHANGE);
	note_conn(&c, "silent after MAIL, 451 after 300 s", SEC(20));
	msg_free(&m);

	msg_make(&m, "Erin Example <erin@example.com>", "Mark Example <mark@example.org>",
		 "Plans (text)", "20261120030040.ex3@gw.example.com", 6000, 0);
	conn_out(&c, cap, "198.51.100.60", SEC(40));
	greet_exchange(&c, ext);
	mail(&c, "erin@example.com", &m, R250_MAIL);
	rcpt(&c, "mark@example.org", R250_RCPT);
	cmd(&c, "DATA\r\n", "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
	think(&c);
	xmit(&c, CLI, m.wire, 2 * c.mss);
	wait_us(&c, SEC(300));
	send_s(&c, R451_EXCHANGE);
	wait_us(&c, rnd(cap, 200, 900));
	rst_s(&c);
	note_conn(&c, "silent mid-body, 451 after 300 s, then RST", SEC(40));
	msg_free(&m);
}

/* The client sends half of the body, pauses 7 minutes (longer than a 5
 * minute idle timeout, shorter than smtpscope's 15), then the rest; the
 * server accepts: one session. */
void s_pause_in_data(struct cap *cap)
{
	struct conn c;
	struct msg m;
	size_t half;

	msg_make(&m, "Erin Example <erin@example.com>", "Mona Example <mona@example.net>",
		 "Quarterly archive (text)", "20261120030000.pd1@gw.example.com", 12000, 0);
	half = 4 * 1448;
	conn_out(&c, cap, "198.51.100.7", 0);
	greet_out(&c, "mx1.example.net");
	mail(&c, "erin@example.com", &m, R250_MAIL);
	rcpt(&c, "mona@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, half);
	wait_us(&c, SEC(420));
	xmit(&c, CLI, m.wire + half, m.wlen - half);
	reply(&c, "250 2.0.0 Ok: queued as 9A8B7C6D5E\r\n");
	quit(&c);
	note_conn(&c, "7 min pause inside DATA", 0);
	note_msg("message", &m);
	msg_free(&m);
}

/* The server closes first and the RST only answers what the client sent
 * after that FIN: (a) the server process dies mid-body, the client's next
 * segment gets a RST from the server's kernel; (b) the server closes an idle
 * greeted session without a word, the client answers its FIN with a RST. */
void s_fin_then_rst(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Frank Example <frank@example.com>", "Nina Example <nina@example.net>",
		 "Drawings (text)", "20261120030000.fr1@gw.example.com", 12000, 0);
	conn_out(&c, cap, "198.51.100.65", 0);
	greet_out(&c, "mx65.example.net");
	mail(&c, "frank@example.com", &m, R250_MAIL);
	rcpt(&c, "nina@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, 4 * c.mss);
	wait_us(&c, MS(3));
	fin_s(&c);
	wait_us(&c, rnd(cap, 60, 150));
	xmit_noack(&c, CLI, m.wire + 4 * c.mss, c.mss);
	wait_us(&c, rnd(cap, 200, 900));
	rst_s(&c);
	note_conn(&c, "server FIN mid-body, RST to the next segment", 0);
	msg_free(&m);

	conn_out(&c, cap, "198.51.100.65", SEC(10));
	greet_out(&c, "mx65.example.net");
	wait_us(&c, SEC(30));
	fin_s(&c);
	wait_us(&c, rnd(cap, 200, 900));
	rst_c(&c);
	note_conn(&c, "server FIN when idle, client RST", SEC(10));
}

/* QUIT answered 221, then the sockets close in three different orders. */
void s_quit_close_order(struct cap *cap)
{
	struct conn c;
	struct msg m;

	for (int k = 0; k < 3; k++) {
		usec_t t0 = SEC(10 * k);
		char id[64];
		snprintf(id, sizeof id, "20261120030%03d.qc%d@gw.example.com", 10 * k, k + 1);
		msg_make(&m, "Grace Example <grace@example.com>", "Omar Example <omar@example.net>",
			 "Delivery note", id, 2000, 0);
		conn_out(&c, cap, "198.51.100.7", t0);
		greet_out(&c, "mx1.example.net");
		mail(&c, "grace@example.com", &m, R250_MAIL);
		rcpt(&c, "omar@example.net", R250_RCPT);
		data(&c, &m, "250 2.0.0 Ok: queued as 1C2D3E4F5A\r\n");
		cmd(&c, "QUIT\r\n", R221);
		if (k == 0) {
			close_s(&c); /* (a) the server closes first */
			note_conn(&c, "QUIT, server FIN first", t0);
		} else if (k == 1) {
			think(&c);
			rst_c(&c); /* (b) the client aborts instead of closing */
			note_conn(&c, "QUIT, client RST", t0);
		} else {
			think(&c);
			rst_s(&c); /* (c) the server resets */
			note_conn(&c, "QUIT, server RST", t0);
		}
		msg_free(&m);
	}
}

/* Connections refused by a smarthost on the three submission ports (SYN,
 * RST+ACK), then one 465 connection that is accepted and closed before a
 * byte flows, and one that carries TLS. */
void s_refused_465(struct cap *cap)
{
	static const uint16_t ports[] = { 465, 587, 2525 };
	struct conn c;

	for (int i = 0; i < 3; i++) {
		usec_t t0 = SEC(5 * i);
		conn_init(&c, cap, GW_V4, (uint16_t)(40000 + i), "198.51.100.95", ports[i], t0);
		uint32_t isn = c.e[CLI].isn;
		emit_at(&c, t0, CLI, isn, 0, F_SYN, NULL, 0);
		c.e[SRV].win = 0;
		emit_at(&c, t0 + rnd(cap, 800, 3000), SRV, 0, isn + 1, F_RST | F_ACK, NULL, 0);
		note("  session refused: 192.0.2.10:%u -> 198.51.100.95:%u  t=%d\n", 40000 + i,
		     ports[i], 5 * i);
	}
	conn_init(&c, cap, GW_V4, 40003, "198.51.100.95", 465, SEC(15));
	tcp_handshake(&c);
	wait_us(&c, MS(500));
	close_c(&c);
	note_conn(&c, "465 accepted, closed before TLS", SEC(15));

	conn_init(&c, cap, GW_V4, 40004, "198.51.100.95", 465, SEC(20));
	tcp_handshake(&c);
	tls_handshake(&c, "smarthost.example.net");
	tls_app(&c, SRV, 45);
	tls_app(&c, CLI, 45);
	close_c(&c);
	note_conn(&c, "465 with TLS", SEC(20));
}
