/* scenarios_detect.c - captures for the detection fixes of issue 10: greylisting by triplet,
 * slow deferrals, drops that are not PMTU black holes, half-open scans, FTP on odd ports,
 * segments after a capture hole. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R554_NORCPT "554 5.5.1 Error: no valid recipients\r\n"

/* Postfix with PIPELINING: MAIL, every RCPT and DATA in one segment; each
 * RCPT answered by rcpt_rep[i]; DATA answered by data_rep (354, or 554
 * when no recipient was accepted). */
static void pipe_try(struct conn *c, const char *from, const struct msg *m,
		     const char *const *to, const char *const *rcpt_rep, const char *data_rep)
{
	char b[1024], r[1024];
	size_t n, k;
	n = (size_t)snprintf(b, sizeof b, "MAIL FROM:<%s> SIZE=%zu\r\n", from, m->len);
	k = (size_t)snprintf(r, sizeof r, "%s", R250_MAIL);
	for (int i = 0; to[i]; i++) {
		n += (size_t)snprintf(b + n, sizeof b - n, "RCPT TO:<%s>\r\n", to[i]);
		k += (size_t)snprintf(r + k, sizeof r - k, "%s", rcpt_rep[i]);
	}
	n += (size_t)snprintf(b + n, sizeof b - n, "DATA\r\n");
	k += (size_t)snprintf(r + k, sizeof r - k, "%s", data_rep);
	if (n >= sizeof b - 1 || k >= sizeof r - 1)
		exit(1);
	think(c);
	send_c(c, b);
	reply(c, r);
}

/* greylist-rcpt: every recipient deferred at RCPT with 450/451, the message
 * never reaches DATA; the retry 5-15 min later is accepted. */
void s_greylist_rcpt(struct cap *cap)
{
	struct conn c;
	struct msg m;
	static const char *const to[] = {"carl@example.net", "dina@example.net", NULL};
	static const char *const grey[] = {
		"450 4.7.1 <carl@example.net>: Recipient address rejected: Greylisted, retry in 5 minutes\r\n",
		"450 4.7.1 <dina@example.net>: Recipient address rejected: Greylisted, retry in 5 minutes\r\n",
	};
	static const char *const ok[] = {R250_RCPT, R250_RCPT};

	/* (a) Postfix pipelining: both RCPTs 450 4.7.1, DATA 554 (no valid
	 * recipients): the attempt ends "rejected" without a Message-ID */
	msg_make(&m, "Alice Example <alice@example.com>",
		 "Carl Example <carl@example.net>, Dina Example <dina@example.net>",
		 "Offsite agenda", "20261120030000.gr1@gw.example.com", 4000, 0);
	conn_out(&c, cap, "198.51.100.45", 0);
	greet_out(&c, "mx45.example.net");
	pipe_try(&c, "alice@example.com", &m, to, grey, R554_NORCPT);
	cmd(&c, "RSET\r\n", "250 2.0.0 Ok\r\n");
	quit(&c);
	note_conn(&c, "a1 (both recipients greylisted, DATA 554)", 0);

	/* (b) postgrey: 450 4.2.0 "Greylisted" (not 4.7.x), one recipient, no pipelining */
	struct msg m2;
	msg_make(&m2, "Bob Example <bob@example.com>", "Eve Example <eve@example.org>",
		 "Invoice 2026-2211", "20261120030030.gr2@gw.example.com", 3000, 0);
	conn_out(&c, cap, "203.0.113.46", SEC(30));
	greet_out(&c, "mail.example.org");
	mail(&c, "bob@example.com", &m2, R250_MAIL);
	rcpt(&c, "eve@example.org", "450 4.2.0 <eve@example.org>: Recipient address rejected: "
	     "Greylisted, see http://postgrey.schweikert.ch/help/example.org.html\r\n");
	quit(&c);
	note_conn(&c, "b1 (postgrey 450 4.2.0)", SEC(30));

	/* (c) a full mailbox, then accepted: a deferral, not greylisting */
	struct msg m3;
	msg_make(&m3, "Carol Example <carol@example.com>", "Finn Example <finn@example.net>",
		 "Holiday photos (text)", "20261120030100.gr3@gw.example.com", 3500, 0);
	conn_out(&c, cap, "198.51.100.47", SEC(60));
	greet_out(&c, "mx47.example.net");
	mail(&c, "carol@example.com", &m3, R250_MAIL);
	rcpt(&c, "finn@example.net", "452 4.2.2 <finn@example.net>: Mailbox full\r\n");
	quit(&c);
	note_conn(&c, "c1 (452 4.2.2 mailbox full)", SEC(60));

	/* (a2) 7 min after a1 (Postfix: 5 min backoff, next queue run): accepted */
	conn_out(&c, cap, "198.51.100.45", SEC(420));
	greet_out(&c, "mx45.example.net");
	pipe_try(&c, "alice@example.com", &m, to, ok, R354);
	think(&c);
	xmit(&c, CLI, m.wire, m.wlen);
	reply(&c, "250 2.0.0 Ok: queued as 7A8B9C0D1E\r\n");
	quit(&c);
	note_conn(&c, "a2 (retry accepted)", SEC(420));
	note_msg("message", &m);

	/* (b2) 12 min after b1: accepted */
	conn_out(&c, cap, "203.0.113.46", SEC(750));
	deliver(&c, "mail.example.org", "bob@example.com", "eve@example.org", &m2,
		"250 2.0.0 Ok: queued as 8B9C0D1E2F\r\n");
	note_conn(&c, "b2 (retry accepted)", SEC(750));
	note_msg("message", &m2);

	/* (c2) 15 min after c1: room again, accepted */
	conn_out(&c, cap, "198.51.100.47", SEC(960));
	deliver(&c, "mx47.example.net", "carol@example.com", "finn@example.net", &m3,
		"250 2.0.0 Ok: queued as 9C0D1E2F30\r\n");
	note_conn(&c, "c2 (retry accepted)", SEC(960));
	note_msg("message", &m3);
	msg_free(&m);
	msg_free(&m2);
	msg_free(&m3);
}

/* slow-deferrals: one host defers four times in 50 minutes, each time with
 * another 4xx, at the pace of a Postfix queue (5, 20, 25 min apart). */
void s_slow_deferrals(struct cap *cap)
{
	struct conn c;
	struct msg m;
	static const struct {
		int t;
		const char *subject, *id;
	} plan[] = {
		{0, "Weekly figures", "20261120030000.sd1@gw.example.com"},
		{300, "Board minutes", "20261120030500.sd2@gw.example.com"},
		{1500, "Travel plans", "20261120032500.sd3@gw.example.com"},
		{3000, "Quarter close", "20261120035000.sd4@gw.example.com"},
	};

	for (int i = 0; i < 4; i++) {
		usec_t t0 = SEC((usec_t)plan[i].t);
		msg_make(&m, "Alice Example <alice@example.com>", "Gina Example <gina@example.net>",
			 plan[i].subject, plan[i].id, 2500 + 400 * (size_t)i, 0);
		conn_out(&c, cap, "198.51.100.48", t0);
		greet_out(&c, "mx48.example.net");
		switch (i) {
		case 0: /* rate limit at MAIL */
			mail(&c, "alice@example.com", &m,
			     "451 4.7.0 Temporary rate limit exceeded, try again later\r\n");
			break;
		case 1: /* content filter down: after the dot */
			mail(&c, "alice@example.com", &m, R250_MAIL);
			rcpt(&c, "gina@example.net", R250_RCPT);
			data(&c, &m, "451 4.3.0 Error: queue file write error\r\n");
			break;
		case 2: /* the mailbox store at RCPT */
			mail(&c, "alice@example.com", &m, R250_MAIL);
			rcpt(&c, "gina@example.net", "452 4.2.2 Mailbox full\r\n");
			break;
		default: /* overload after the dot */
			mail(&c, "alice@example.com", &m, R250_MAIL);
			rcpt(&c, "gina@example.net", R250_RCPT);
			data(&c, &m, "421 4.3.2 System not accepting network messages\r\n");
			break;
		}
		quit(&c);
		note_conn(&c, "deferred", t0);
		note_msg("message", &m);
		msg_free(&m);
	}
	healthy(cap, SEC(3100LL), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Lunch",
		"20261120035140.sd5@gw.example.com", 3000, "250 2.0.0 Ok: queued as A0B1C2D3E4\r\n");
}

/* Body bytes in full-size segments with a sender that keeps 4 segments in
 * flight: every ACK (for two segments) lags the newest segment by two. */
static void windowed_body(struct conn *c, const char *p, size_t nseg)
{
	uint32_t s0 = c->e[CLI].seq;
	for (size_t i = 0; i < nseg; i++) {
		emit_at(c, c->t, CLI, s0 + (uint32_t)(i * c->mss), c->e[CLI].ack, F_ACK,
			p + i * c->mss, c->mss);
		c->t += rnd(c->cap, 60, 150);
		if (i >= 3 && i % 2 == 1) { /* segments 0..i-2 arrived: ACK them */
			seg_ack(c, SRV, s0 + (uint32_t)((i - 1) * c->mss));
			c->t += rnd(c->cap, 60, 150);
		}
	}
	c->e[CLI].seq = s0 + (uint32_t)(nseg * c->mss);
}

/* drop-after-fullsize: full-size segments were acknowledged on the path,
 * then it dies.  A plain drop (drop-mid-data), not a PMTU black hole. */
void s_drop_after_fullsize(struct cap *cap)
{
	struct conn c;
	struct msg m;
	const size_t nseg = 10; /* the last two are never acknowledged */

	msg_make(&m, "Alice Example <alice@example.com>", "Hana Example <hana@example.org>",
		 "Survey results (text)", "20261120030000.df1@gw.example.com", 30000, 0);
	conn_out(&c, cap, "203.0.113.65", 0);
	greet_out(&c, "mx65.example.org");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "hana@example.org", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	uint32_t s0 = c.e[CLI].seq;
	windowed_body(&c, m.wire, nseg);
	/* the path dies: the first unacknowledged segment is re-sent with
	 * backoff (RTO 0.2 s doubling), never acknowledged; no RST */
	uint32_t lost = s0 + (uint32_t)((nseg - 2) * c.mss);
	for (int i = 0; i < 6; i++) {
		wait_us(&c, MS(200) << i);
		seg(&c, CLI, lost, m.wire + (nseg - 2) * c.mss, c.mss);
	}
	note_conn(&c, "a (drop after 8 acknowledged full-size segments)", 0);
	note("    full-size segments: %zu sent, 8 acknowledged (ACKs two behind), segment 9 re-sent 6 "
	     "times\n", nseg);
	msg_free(&m);

	/* (b) the same path a minute later: the header block passes, the first
	 * full-size segment never does.  This path carried full-size segments
	 * in (a): a drop, not a black hole. */
	msg_make(&m, "Alice Example <alice@example.com>", "Ivo Example <ivo@example.org>",
		 "Second try (text)", "20261120030100.df2@gw.example.com", 9000, 0);
	conn_out(&c, cap, "203.0.113.65", SEC(60));
	greet_out(&c, "mx65.example.org");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "ivo@example.org", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	size_t hl = (size_t)(strstr(m.wire, "\r\n\r\n") - m.wire) + 4;
	xmit(&c, CLI, m.wire, hl);
	s0 = c.e[CLI].seq;
	for (int i = 0; i < 6; i++) {
		wait_us(&c, i ? MS(200) << (i - 1) : MS(1));
		seg(&c, CLI, s0, m.wire + hl, c.mss);
	}
	note_conn(&c, "b (same path, first full-size segment never acknowledged)", SEC(60));
	msg_free(&m);

	/* beyond any idle timeout (300 s by default, 900 s at most sensible) */
	healthy(cap, SEC(1100), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Later note",
		"20261120031820.df3@gw.example.com", 3000, "250 2.0.0 Ok: queued as B1C2D3E4F5\r\n");
}

/* half-open-scan: a scanner's crafted SYNs (TTL 41, its own IP IDs) are
 * answered by SYN-ACKs; its kernel, knowing no such connection, resets
 * (TTL 64, IP ID 0).  No SMTP dialogue: no middle box to suspect. */
void s_half_open_scan(struct cap *cap)
{
	static const uint16_t ports[] = {25, 587, 465};
	for (int i = 0; i < 3; i++) {
		struct conn c;
		usec_t t0 = MS(40 * i);
		conn_in(&c, cap, "203.0.113.99", (uint16_t)(61000 + i), ports[i], t0);
		uint32_t isn = c.e[CLI].isn;
		c.ov_ttl = 41;
		emit_at(&c, t0, CLI, isn, 0, F_SYN, NULL, 0);
		usec_t t = t0 + rnd(cap, 800, 3000);
		emit_at(&c, t, SRV, c.e[SRV].isn, isn + 1, F_SYN | F_ACK, NULL, 0);
		c.ov_ttl = 64;
		c.ov_ipid = 0;
		emit_at(&c, t + rnd(cap, 40, 120), CLI, isn + 1, 0, F_RST, NULL, 0);
		note("  scan probe: 203.0.113.99:%u -> 192.0.2.10:%u  SYN TTL 41, RST TTL 64 ID 0\n",
		     61000 + i, ports[i]);
	}
	healthy(cap, SEC(5), "alice@example.com", "Alice Example <alice@example.com>",
		"bob@example.net", "Bob Example <bob@example.net>", "Scan day",
		"20261120030005.hs1@gw.example.com", 3000, "250 2.0.0 Ok: queued as C2D3E4F506\r\n");
}

/* ftp-on-odd-port: vsFTPd and ProFTPD greet with 220 like SMTP servers;
 * --any-port must not call them SMTP.  An SMTP server on an odd port in the
 * same file still is. */
void s_ftp_odd_port(struct cap *cap)
{
	struct conn c;
	char r[768];

	/* (a) vsFTPd on 2121: OPTS UTF8, USER, PASS, SYST, QUIT */
	conn_in(&c, cap, "203.0.113.70", 50210, 2121, 0);
	tcp_handshake(&c);
	reply(&c, "220 (vsFTPd 3.0.3)\r\n");
	cmd(&c, "OPTS UTF8 ON\r\n", "200 Always in UTF8 mode.\r\n");
	cmd(&c, "USER anonymous\r\n", "331 Please specify the password.\r\n");
	cmd(&c, "PASS guest@example.com\r\n", "230 Login successful.\r\n");
	cmd(&c, "SYST\r\n", "215 UNIX Type: L8\r\n");
	cmd(&c, "QUIT\r\n", "221 Goodbye.\r\n");
	close_c(&c);
	note_conn(&c, "a (vsFTPd, OPTS/USER/PASS)", 0);

	/* (b) ProFTPD on 10021: FEAT, HELP (both commands FTP shares with nothing SMTP needs) */
	conn_in(&c, cap, "203.0.113.70", 50211, 10021, SEC(5));
	tcp_handshake(&c);
	reply(&c, "220 ProFTPD Server (Debian) [203.0.113.71]\r\n");
	cmd(&c, "FEAT\r\n", "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n");
	cmd(&c, "HELP\r\n", "214-The following commands are recognized (* =>'s unimplemented):\r\n"
		 "214 Direct comments to root@ftp.example.org\r\n");
	cmd(&c, "QUIT\r\n", "221 Goodbye.\r\n");
	close_c(&c);
	note_conn(&c, "b (ProFTPD, FEAT/HELP)", SEC(5));

	/* (c) a greeting and nothing else (a banner grabber) on 3025 */
	conn_in(&c, cap, "203.0.113.70", 50212, 3025, SEC(10));
	tcp_handshake(&c);
	reply(&c, "220 mx.example.com ESMTP\r\n");
	close_c(&c);
	note_conn(&c, "c (greeting only)", SEC(10));

	/* (d) SMTP on 2626: greeting, EHLO answered 250 */
	struct msg m;
	msg_make(&m, "Zoe Remote <zoe@example.org>", "Alice Example <alice@example.com>",
		 "Odd port delivery", "a1b2c3.odd@mta.example.org", 2000, 0);
	conn_in(&c, cap, "203.0.113.72", 50213, 2626, SEC(15));
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com ESMTP Postfix\r\n");
	ehlo_reply(r, sizeof r, GW_HOST, EXT_GW);
	cmd(&c, "EHLO mta.example.org\r\n", r);
	mail(&c, "zoe@example.org", &m, R250_MAIL);
	rcpt(&c, "alice@example.com", R250_RCPT);
	data(&c, &m, "250 2.0.0 Ok: queued as D3E4F50617\r\n");
	quit(&c);
	note_conn(&c, "d (SMTP on 2626)", SEC(15));
	note_msg("message", &m);
	msg_free(&m);

	/* (e) a normal delivery on 25, so that the file has an SMTP session by default */
	healthy(cap, SEC(20), "alice@example.com", "Alice Example <alice@example.com>",
		"bob@example.net", "Bob Example <bob@example.net>", "FTP notes",
		"20261120030020.ft1@gw.example.com", 3000, "250 2.0.0 Ok: queued as E4F5061728\r\n");
}

/* capture-hole-then-data: the tap misses one body segment; the segments
 * after it arrive before the server's ACK proves the hole.  They followed a
 * capture loss: not out of order. */
void s_capture_hole_then_data(struct cap *cap)
{
	struct conn c;
	struct msg m;
	const size_t nseg = 6;

	msg_make(&m, "Alice Example <alice@example.com>", "Jon Example <jon@example.net>",
		 "Hole in the capture", "20261120030000.ch1@gw.example.com", 12000, 0);
	conn_out(&c, cap, "198.51.100.49", 0);
	greet_out(&c, "mx49.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "jon@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	uint32_t s0 = c.e[CLI].seq;
	for (size_t i = 0; i < nseg; i++) {
		if (i == 1)
			c.lose = 1; /* the span port drops segment 2; the server gets it */
		seg(&c, CLI, s0 + (uint32_t)(i * c.mss), m.wire + i * c.mss, c.mss);
		c.t += rnd(cap, 60, 150);
	}
	/* one cumulative ACK for all six: the hole was received */
	c.e[CLI].seq = s0 + (uint32_t)(nseg * c.mss);
	seg_ack(&c, SRV, c.e[CLI].seq);
	c.e[SRV].ack = c.e[CLI].seq;
	think(&c);
	xmit(&c, CLI, m.wire + nseg * c.mss, m.wlen - nseg * c.mss);
	reply(&c, "250 2.0.0 Ok: queued as F506172839\r\n");
	quit(&c);
	note_conn(&c, "segment 2 of the body missing from the capture", 0);
	note_msg("message", &m);
	note("    missing from capture: wire octets %u..%u of the DATA stream; segments 3-6 "
	     "arrive before the ACK\n", c.mss, 2 * c.mss - 1);
	msg_free(&m);
}
