/* scenarios_rules.c - one clear-cut capture per fault-detection rule, plus the quiet baseline (clean-many). */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One data segment at the script clock, without touching the sender's state
 * (the caller keeps track of snd_nxt); flags as given, so a full segment in
 * the middle of a write goes without PSH. */
static void data_seg(struct conn *c, uint32_t seq, const void *buf, size_t len, uint8_t flags)
{
	emit_at(c, c->t, CLI, seq, c->e[CLI].ack, flags, buf, len);
}

/* Standard outbound delivery to any host (healthy() always goes to mx1). */
static void std_out(struct cap *cap, usec_t t0, const char *ip, const char *mx,
		    const char *from, const char *from_hdr, const char *to, const char *to_hdr,
		    const char *subject, const char *id, size_t size, const char *queued)
{
	struct conn c;
	struct msg m;
	msg_make(&m, from_hdr, to_hdr, subject, id, size, 0);
	conn_out(&c, cap, ip, t0);
	deliver(&c, mx, from, to, &m, queued);
	note_conn(&c, "standard", t0);
	note_msg("message", &m);
	msg_free(&m);
}

/* MAIL, every RCPT and DATA in one segment; the replies in one segment. */
static void pipe_envelope(struct conn *c, const char *from, const struct msg *m,
			  const char *const *to)
{
	char b[1024], r[512];
	size_t n, k;
	n = (size_t)snprintf(b, sizeof b, "MAIL FROM:<%s> SIZE=%zu\r\n", from, m->len);
	k = (size_t)snprintf(r, sizeof r, "%s", R250_MAIL);
	for (int i = 0; to[i]; i++) {
		n += (size_t)snprintf(b + n, sizeof b - n, "RCPT TO:<%s>\r\n", to[i]);
		k += (size_t)snprintf(r + k, sizeof r - k, "%s", R250_RCPT);
	}
	n += (size_t)snprintf(b + n, sizeof b - n, "DATA\r\n");
	snprintf(r + k, sizeof r - k, "%s", R354);
	if (n >= sizeof b - 1)
		exit(1);
	think(c);
	send_c(c, b);
	reply(c, r);
}

/* ---------------------------------------------------------------- */

void s_connect_failures(struct cap *cap)
{
	struct conn c;
	uint32_t isn;
	usec_t t;

	/* (a) refused: the SYN is answered by RST+ACK (seq 0, ack ISN+1, window 0),
	 * as a host sends it for a closed port; the client does not retry */
	conn_out(&c, cap, "198.51.100.90", 0);
	isn = c.e[CLI].isn;
	emit_at(&c, 0, CLI, isn, 0, F_SYN, NULL, 0);
	t = rnd(cap, 800, 3000);
	c.e[SRV].win = 0;
	emit_at(&c, t, SRV, 0, isn + 1, F_RST | F_ACK, NULL, 0);
	note("  session a (refused): 192.0.2.10:%u -> 198.51.100.90:25  SYN t=0, RST+ACK t=%.6f\n",
	     c.e[CLI].port, (double)t / 1e6);

	/* (b) timeout: the SYN and its retransmissions (1, 3, 7, 15 s: Linux's
	 * backoff) get no answer at all; the client gives up silently */
	conn_out(&c, cap, "198.51.100.91", SEC(10));
	isn = c.e[CLI].isn;
	emit_at(&c, SEC(10), CLI, isn, 0, F_SYN, NULL, 0);
	for (int i = 0; i < 4; i++)
		emit_at(&c, SEC(10) + SEC((2 << i) - 1), CLI, isn, 0, F_SYN, NULL, 0);
	note("  session b (timeout): 192.0.2.10:%u -> 198.51.100.91:25  SYNs at t=10, 11, 13, 17, "
	     "25; nothing after\n", c.e[CLI].port);

	/* (c) the healthy host, 35 s after the last unanswered SYN */
	healthy(cap, SEC(60), "alice@example.com", "Alice Example <alice@example.com>",
		"bob@example.net", "Bob Example <bob@example.net>", "Connectivity check",
		"20261120030100.cf1@gw.example.com", 3000,
		"250 2.0.0 Ok: queued as 2A3B4C5D6E\r\n");
}

void s_drop_after_dot(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Alice Example <alice@example.com>", "Quinn Example <quinn@example.net>",
		 "Signed purchase order", "20261120030000.dd1@gw.example.com", 8000, 0);
	conn_out(&c, cap, "203.0.113.35", 0);
	greet_out(&c, "mx35.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "quinn@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	/* the whole body and "." reach the server and are ACKed; no reply ever
	 * comes and the client keeps waiting (RFC 5321 allows 10 minutes) */
	xmit(&c, CLI, m.wire, m.wlen);
	note_conn(&c, "silent after dot", 0);
	note_msg("message (complete, never answered)", &m);
	msg_free(&m);

	/* after the 15 min idle timeout, so that session 1 has timed out */
	healthy(cap, SEC(1000), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Weekly figures",
		"20261120031640.dd2@gw.example.com", 4000,
		"250 2.0.0 Ok: queued as 3B4C5D6E7F\r\n");
}

void s_deferral_storm(struct cap *cap)
{
	static const struct {
		int t;     /* seconds */
		char kind; /* D = 451 after data, B = 421 banner, H = healthy on mx1 */
		const char *from, *from_hdr, *to, *to_hdr, *subject, *id, *queued;
	} plan[] = {
		{0, 'D', "alice@example.com", "Alice Example <alice@example.com>", "kim@example.net",
		 "Kim Example <kim@example.net>", "Budget 2027 draft",
		 "20261120030000.ds1@gw.example.com", NULL},
		{40, 'H', "bob@example.com", "Bob Example <bob@example.com>", "dan@example.net",
		 "Dan Example <dan@example.net>", "Lunch on Friday",
		 "20261120030040.dh1@gw.example.com", "250 2.0.0 Ok: queued as 4C5D6E7F80\r\n"},
		{80, 'D', "bob@example.com", "Bob Example <bob@example.com>", "leo@example.net",
		 "Leo Example <leo@example.net>", "Shipping schedule",
		 "20261120030120.ds2@gw.example.com", NULL},
		{120, 'B', NULL, NULL, NULL, NULL, NULL, NULL, NULL},
		{160, 'D', "carol@example.com", "Carol Example <carol@example.com>", "mia@example.net",
		 "Mia Example <mia@example.net>", "Re: invoice 2026-1190",
		 "20261120030240.ds3@gw.example.com", NULL},
		{200, 'H', "carol@example.com", "Carol Example <carol@example.com>",
		 "erin@example.net", "Erin Example <erin@example.net>", "Minutes",
		 "20261120030320.dh2@gw.example.com", "250 2.0.0 Ok: queued as 5D6E7F8091\r\n"},
		{240, 'D', "dave@example.com", "Dave Example <dave@example.com>", "ned@example.net",
		 "Ned Example <ned@example.net>", "Access request",
		 "20261120030400.ds4@gw.example.com", NULL},
		{280, 'B', NULL, NULL, NULL, NULL, NULL, NULL, NULL},
		{320, 'D', "alice@example.com", "Alice Example <alice@example.com>",
		 "olga@example.net", "Olga Example <olga@example.net>", "Training dates",
		 "20261120030520.ds5@gw.example.com", NULL},
		{360, 'H', "dave@example.com", "Dave Example <dave@example.com>", "frank@example.net",
		 "Frank Example <frank@example.net>", "Parts list",
		 "20261120030600.dh3@gw.example.com", "250 2.0.0 Ok: queued as 6E7F8091A2\r\n"},
		{400, 'D', "erin@example.com", "Erin Example <erin@example.com>", "pat@example.net",
		 "Pat Example <pat@example.net>", "Contract renewal",
		 "20261120030640.ds6@gw.example.com", NULL},
		{440, 'H', "alice@example.com", "Alice Example <alice@example.com>",
		 "greg@example.net", "Greg Example <greg@example.net>", "Photos",
		 "20261120030720.dh4@gw.example.com", "250 2.0.0 Ok: queued as 7F8091A2B3\r\n"},
	};
	const size_t sizes[] = {2500, 3200, 1800, 4100, 2700, 3600};
	int nd = 0;

	for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
		struct conn c;
		struct msg m;
		usec_t t0 = SEC(plan[i].t);

		switch (plan[i].kind) {
		case 'D':
			msg_make(&m, plan[i].from_hdr, plan[i].to_hdr, plan[i].subject, plan[i].id,
				 sizes[nd++], 0);
			conn_out(&c, cap, "198.51.100.44", t0);
			greet_out(&c, "mx44.example.net");
			mail(&c, plan[i].from, &m, R250_MAIL);
			rcpt(&c, plan[i].to, R250_RCPT);
			data(&c, &m, "451 4.3.0 Temporary local problem - please try later\r\n");
			quit(&c);
			note_conn(&c, "451 after data", t0);
			note_msg("message", &m);
			msg_free(&m);
			break;
		case 'B':
			conn_out(&c, cap, "198.51.100.44", t0);
			tcp_handshake(&c);
			reply(&c, "421 4.7.0 Too many connections, try again later\r\n");
			close_s(&c);
			note_conn(&c, "421 banner", t0);
			break;
		default:
			healthy(cap, t0, plan[i].from, plan[i].from_hdr, plan[i].to, plan[i].to_hdr,
				plan[i].subject, plan[i].id, 3000, plan[i].queued);
			break;
		}
	}
}

void s_pmtu_blackhole(struct cap *cap)
{
	struct conn c;
	struct msg m;
	size_t hl;
	uint32_t s0;
	usec_t t1;

	msg_make(&m, "Alice Example <alice@example.com>", "Rita Example <rita@example.net>",
		 "Design review slides (text)", "20261120030000.pm1@gw.example.com", 9000, 0);
	conn_out(&c, cap, "203.0.113.60", 0);
	greet_out(&c, "mx60.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "rita@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);

	/* the header block goes out as its own small write: it gets through and is ACKed */
	hl = (size_t)(strstr(m.wire, "\r\n\r\n") - m.wire) + 4;
	xmit(&c, CLI, m.wire, hl);
	note("  small body segment (header block): %zu octets, ACKed\n", hl);

	/* the rest of the body: full-size segments vanish on the path; the first
	 * two leave back to back, then only the first is retransmitted (RTO
	 * 0.2 s doubling to 6.4 s) and nothing is ever ACKed */
	wait_us(&c, rnd(cap, 200, 600));
	s0 = c.e[CLI].seq;
	t1 = c.t;
	data_seg(&c, s0, m.wire + hl, c.mss, F_ACK);
	wait_us(&c, rnd(cap, 60, 150));
	data_seg(&c, s0 + c.mss, m.wire + hl + c.mss, c.mss, F_ACK);
	c.t = t1;
	for (int i = 0; i < 6; i++) {
		wait_us(&c, MS(200) << i);
		data_seg(&c, s0, m.wire + hl, c.mss, F_ACK);
		note("  retransmission %d of the first full-size segment at t=%.6f\n", i + 1,
		     (double)c.t / 1e6);
	}
	/* the client gives up where the 7th retransmission would be due */
	wait_us(&c, MS(200) << 6);
	c.e[CLI].seq = s0 + 2 * c.mss;
	rst_c(&c);
	note_conn(&c, "PMTU black hole", 0);
	note_msg("message (never completed)", &m);
	note("    full-size segments sent: 2 (seq offsets %zu and %zu in the DATA stream), "
	     "first one retransmitted 6 times, none ACKed; RST by client at t=%.6f\n",
	     hl, hl + c.mss, (double)c.t / 1e6);
	msg_free(&m);

	/* another path, where full-size segments get through */
	healthy(cap, SEC(30), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Big enough to fill segments",
		"20261120030030.pm2@gw.example.com", 6000,
		"250 2.0.0 Ok: queued as C5D6E7F809\r\n");
}

void s_middlebox(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char r[768];
	static const char *const ext_tls[] = {
		"PIPELINING", "SIZE 52428800", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
		"DSN", "SMTPUTF8", NULL,
	};

	/* (a) SMTP "fixup" / ESMTP inspection: banner masked with asterisks,
	 * unknown EHLO keywords overwritten with X's; the client falls back to
	 * plain, unpipelined SMTP and the message goes through */
	msg_make(&m, "Alice Example <alice@example.com>", "Sam Example <sam@example.net>",
		 "Through the firewall", "20261120030000.mb1@gw.example.com", 3000, 0);
	conn_out(&c, cap, "198.51.100.61", 0);
	tcp_handshake(&c);
	reply(&c, "220 ****************************2*0*0****0***0****\r\n");
	cmd(&c, "EHLO gw.example.com\r\n",
	    "250-mx61.example.net\r\n"
	    "250-XXXXXXXXXXXXXXX\r\n"        /* PIPELINING */
	    "250-SIZE 52428800\r\n"
	    "250-XXXXXXXA\r\n"               /* STARTTLS */
	    "250-XXXXXXXXXXXXXXXXXXX\r\n"    /* ENHANCEDSTATUSCODES */
	    "250-8BITMIME\r\n"
	    "250 DSN\r\n");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "sam@example.net", R250_RCPT);
	data(&c, &m, "250 2.0.0 Ok: queued as 8091A2B3C4\r\n");
	quit(&c);
	note_conn(&c, "a (masked banner and EHLO)", 0);
	note_msg("message", &m);
	msg_free(&m);

	/* (b) STARTTLS advertised, but the box rewrites the command on its way:
	 * the server answers 500, the client carries on in clear and delivers */
	msg_make(&m, "Alice Example <alice@example.com>", "Tom Example <tom@example.net>",
		 "Should have been encrypted", "20261120030020.mb2@gw.example.com", 3000, 0);
	conn_out(&c, cap, "198.51.100.62", SEC(20));
	tcp_handshake(&c);
	reply(&c, "220 mx62.example.net ESMTP\r\n");
	ehlo_reply(r, sizeof r, "mx62.example.net", ext_tls);
	cmd(&c, "EHLO gw.example.com\r\n", r);
	cmd(&c, "STARTTLS\r\n", "500 5.5.1 Command unrecognized\r\n");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "tom@example.net", R250_RCPT);
	data(&c, &m, "250 2.0.0 Ok: queued as 91A2B3C4D5\r\n");
	quit(&c);
	note_conn(&c, "b (STARTTLS stripped)", SEC(20));
	note_msg("message", &m);
	msg_free(&m);

	/* (c) a RST injected mid-body in the server's name: right sequence
	 * numbers, but TTL 64 (the server's packets arrive with 52) and IP ID 0
	 * (the server's own IDs count up from its hash-derived start) */
	msg_make(&m, "Alice Example <alice@example.com>", "Uma Example <uma@example.net>",
		 "Quarterly archive", "20261120030040.mb3@gw.example.com", 20000, 0);
	conn_out(&c, cap, "198.51.100.63", SEC(40));
	greet_out(&c, "mx63.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "uma@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, 8 * c.mss);
	note("  server IP IDs so far end at %u; injected RST uses ID 0, TTL 64\n",
	     (unsigned)(uint16_t)(c.e[SRV].ipid - 1));
	wait_us(&c, rnd(cap, 1000, 3000));
	c.ov_ttl = 64;
	c.ov_ipid = 0;
	rst_s(&c);
	note_conn(&c, "c (injected RST)", SEC(40));
	note_msg("message (cut off)", &m);
	note("    body wire octets sent and ACKed before the RST: %u\n", 8 * c.mss);
	msg_free(&m);
}

void s_slow_server(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char r[768];
	usec_t t;

	msg_make(&m, "Alice Example <alice@example.com>", "Vera Example <vera@example.net>",
		 "Tarpit test", "20261120030000.sl1@gw.example.com", 4000, 0);
	conn_out(&c, cap, "198.51.100.66", 0);
	tcp_handshake(&c);
	t = c.t;
	wait_us(&c, SEC(35)); /* the banner is held back 35 s */
	reply(&c, "220 mx66.example.net ESMTP\r\n");
	note("  banner delay after the handshake: %.6f s\n", (double)(c.t - t) / 1e6);
	ehlo_reply(r, sizeof r, "mx66.example.net", EXT_MX);
	cmd(&c, "EHLO gw.example.com\r\n", r);
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "vera@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, m.wlen); /* ACKed at once: TCP is fine, the application stalls */
	t = c.t;
	wait_us(&c, SEC(95));
	reply(&c, "250 2.0.0 Ok: queued as A2B3C4D5E6\r\n");
	note("  final reply delay after the server's ACK of the last body segment: %.6f s\n",
	     (double)(c.t - t) / 1e6);
	quit(&c);
	note_conn(&c, "tarpit", 0);
	note_msg("message", &m);
	msg_free(&m);

	/* a fast host in the same file, for contrast */
	healthy(cap, SEC(10), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Quick note",
		"20261120030010.sl2@gw.example.com", 3000,
		"250 2.0.0 Ok: queued as B3C4D5E6F7\r\n");
}

/* clean-many: outbound with PIPELINING: the envelope in one segment; with
 * quit_inline the body, "." and QUIT share one segment (body < 1 segment). */
static void pipe_out(struct cap *cap, usec_t t0, const char *from, const char *from_hdr,
		     const char *const *to, const char *to_hdr, const char *subject,
		     const char *id, size_t size, const char *queued, int quit_inline)
{
	struct conn c;
	struct msg m;
	char b[2048];

	msg_make(&m, from_hdr, to_hdr, subject, id, size, 0);
	conn_out(&c, cap, "198.51.100.60", t0);
	greet_out(&c, "mx2.example.net");
	pipe_envelope(&c, from, &m, to);
	think(&c);
	if (quit_inline) {
		if (m.wlen + 6 > c.mss)
			exit(1);
		memcpy(b, m.wire, m.wlen);
		memcpy(b + m.wlen, "QUIT\r\n", 6);
		xmit(&c, CLI, b, m.wlen + 6);
		snprintf(b, sizeof b, "%s%s", queued, R221);
		reply(&c, b);
		close_c(&c);
	} else {
		xmit(&c, CLI, m.wire, m.wlen);
		reply(&c, queued);
		quit(&c);
	}
	note_conn(&c, quit_inline ? "pipelined, QUIT with the body" : "pipelined", t0);
	note_msg("message", &m);
	msg_free(&m);
}

void s_clean_many(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char r[768];
	static const char *const ext_tls[] = {
		"PIPELINING", "SIZE 52428800", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
		"DSN", "SMTPUTF8", NULL,
	};
	static const char *const to2[] = {"carol@example.net", "dan@example.net", NULL};
	static const char *const to3[] = {"hugo@example.net", NULL};
	static const char *const to4[] = {"ines@example.net", "jack@example.net", NULL};

	std_out(cap, 0, "198.51.100.7", "mx1.example.net", "alice@example.com",
		"Alice Example <alice@example.com>", "bob@example.net",
		"Bob Example <bob@example.net>", "Morning report",
		"20261120030000.cm1@gw.example.com", 5000, "250 2.0.0 Ok: queued as C4D5E6F708\r\n");
	pipe_out(cap, SEC(60), "alice@example.com", "Alice Example <alice@example.com>", to2,
		 "Carol Example <carol@example.net>, Dan Example <dan@example.net>",
		 "Agenda for Monday", "20261120030100.cm2@gw.example.com", 4000,
		 "250 2.0.0 Ok: queued as D5E6F70819\r\n", 0);

	/* the inbound delivery */
	msg_make(&m, "Erin Remote <erin@example.org>", "Alice Example <alice@example.com>",
		 "Re: Agenda for Monday", "c4a0e3f2.6e8c@mta5.example.org", 2500, 0);
	conn_in(&c, cap, "203.0.113.5", 51300, 25, SEC(120));
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com ESMTP Postfix\r\n");
	ehlo_reply(r, sizeof r, GW_HOST, EXT_GW);
	cmd(&c, "EHLO mta5.example.org\r\n", r);
	mail(&c, "erin@example.org", &m, R250_MAIL);
	rcpt(&c, "alice@example.com", R250_RCPT);
	data(&c, &m, "250 2.0.0 Ok: queued as E6F708192A\r\n");
	quit(&c);
	note_conn(&c, "inbound", SEC(120));
	note_msg("message", &m);
	msg_free(&m);

	std_out(cap, SEC(150), "203.0.113.40", "mx4.example.org", "bob@example.com",
		"Bob Example <bob@example.com>", "frank@example.org",
		"Frank Remote <frank@example.org>", "Delivery note 4471",
		"20261120030230.cm3@gw.example.com", 6000, "250 2.0.0 Ok: queued as F708192A3B\r\n");
	std_out(cap, SEC(210), "198.51.100.7", "mx1.example.net", "carol@example.com",
		"Carol Example <carol@example.com>", "gina@example.net",
		"Gina Example <gina@example.net>", "Holiday rota",
		"20261120030330.cm4@gw.example.com", 2000, "250 2.0.0 Ok: queued as 08192A3B4C\r\n");

	/* STARTTLS: opaque after the 220 */
	conn_out(&c, cap, "198.51.100.70", SEC(270));
	tcp_handshake(&c);
	reply(&c, "220 mx7.example.net ESMTP\r\n");
	ehlo_reply(r, sizeof r, "mx7.example.net", ext_tls);
	cmd(&c, "EHLO gw.example.com\r\n", r);
	cmd(&c, "STARTTLS\r\n", R220_TLS);
	tls_handshake(&c, "mx7.example.net");
	tls_app(&c, SRV, 230);  /* session tickets */
	tls_app(&c, CLI, 40);   /* EHLO */
	tls_app(&c, SRV, 190);  /* EHLO reply */
	tls_app(&c, CLI, 120);  /* MAIL, RCPT, DATA pipelined */
	tls_app(&c, SRV, 90);   /* 250 250 354 */
	tls_app(&c, CLI, 5200); /* body and "." */
	tls_app(&c, SRV, 60);   /* 250 queued */
	tls_app(&c, CLI, 23);   /* QUIT */
	tls_app(&c, SRV, 32);   /* 221 */
	close_c(&c);
	note_conn(&c, "STARTTLS", SEC(270));

	pipe_out(cap, SEC(330), "dave@example.com", "Dave Example <dave@example.com>", to3,
		 "Hugo Example <hugo@example.net>", "Short reminder",
		 "20261120030530.cm5@gw.example.com", 1000,
		 "250 2.0.0 Ok: queued as 192A3B4C5D\r\n", 1);
	std_out(cap, SEC(390), "203.0.113.40", "mx4.example.org", "erin@example.com",
		"Erin Example <erin@example.com>", "lena@example.org",
		"Lena Remote <lena@example.org>", "Order confirmation",
		"20261120030630.cm6@gw.example.com", 3500, "250 2.0.0 Ok: queued as 2A3B4C5D6F\r\n");
	std_out(cap, SEC(450), "198.51.100.7", "mx1.example.net", "alice@example.com",
		"Alice Example <alice@example.com>", "bob@example.net",
		"Bob Example <bob@example.net>", "Afternoon report",
		"20261120030730.cm7@gw.example.com", 8000, "250 2.0.0 Ok: queued as 3B4C5D6F70\r\n");
	pipe_out(cap, SEC(510), "bob@example.com", "Bob Example <bob@example.com>", to4,
		 "Ines Example <ines@example.net>, Jack Example <jack@example.net>",
		 "Team photo (text)", "20261120030830.cm8@gw.example.com", 7000,
		 "250 2.0.0 Ok: queued as 4C5D6F7081\r\n", 0);
	std_out(cap, SEC(590), "198.51.100.7", "mx1.example.net", "carol@example.com",
		"Carol Example <carol@example.com>", "kim@example.net",
		"Kim Example <kim@example.net>", "End of day",
		"20261120030950.cm9@gw.example.com", 2500, "250 2.0.0 Ok: queued as 5D6F708192\r\n");
}
