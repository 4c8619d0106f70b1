/* scenarios.c - the scripted sessions behind every sample capture. */
#include "gen.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const EXT_MX[] = {
	"PIPELINING", "SIZE 52428800", "ETRN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
	"SMTPUTF8", NULL,
};
const char *const EXT_GW[] = {
	"PIPELINING", "SIZE 52428800", "ETRN", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
	"SMTPUTF8", "CHUNKING", NULL,
};

void note_conn(const struct conn *c, const char *label, usec_t t0)
{
	char a[2][INET6_ADDRSTRLEN];
	for (int s = 0; s < 2; s++)
		inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->e[s].ip, a[s], sizeof a[s]);
	note("  session %s: %s:%u -> %s:%u  t=%.6f .. %.6f s\n", label, a[CLI],
	     c->e[CLI].port, a[SRV], c->e[SRV].port, (double)t0 / 1e6, (double)c->t / 1e6);
}

void greet(struct conn *c, const char *srvname, const char *banner_extra,
	   const char *cliname, const char *const *ext)
{
	char b[256], r[768];
	tcp_handshake(c);
	snprintf(b, sizeof b, "220 %s ESMTP%s\r\n", srvname, banner_extra);
	reply(c, b);
	snprintf(b, sizeof b, "EHLO %s\r\n", cliname);
	ehlo_reply(r, sizeof r, srvname, ext);
	cmd(c, b, r);
}

/* outbound: gateway greets a remote MX */
void greet_out(struct conn *c, const char *mx)
{
	greet(c, mx, "", GW_HOST, EXT_MX);
}

void mail(struct conn *c, const char *from, const struct msg *m, const char *rep)
{
	char b[256];
	snprintf(b, sizeof b, "MAIL FROM:<%s> SIZE=%zu\r\n", from, m->len);
	cmd(c, b, rep);
}

void rcpt(struct conn *c, const char *to, const char *rep)
{
	char b[256];
	snprintf(b, sizeof b, "RCPT TO:<%s>\r\n", to);
	cmd(c, b, rep);
}

void data(struct conn *c, const struct msg *m, const char *rep)
{
	cmd(c, "DATA\r\n", R354);
	think(c);
	xmit(c, CLI, m->wire, m->wlen);
	reply(c, rep);
}

void quit(struct conn *c)
{
	cmd(c, "QUIT\r\n", R221);
	close_c(c);
}

/* One complete, successful outbound delivery. */
void deliver(struct conn *c, const char *mx, const char *from, const char *to,
	     const struct msg *m, const char *queued)
{
	greet_out(c, mx);
	mail(c, from, m, R250_MAIL);
	rcpt(c, to, R250_RCPT);
	data(c, m, queued);
	quit(c);
}

/* ---------------------------------------------------------------- */

/* The short session reused by clean-delivery and all link-type variants. */
static void sess_clean_out(struct cap *cap, usec_t t0)
{
	struct conn c;
	struct msg m;
	msg_make(&m, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Quarterly report", "20261120025817.clean1@gw.example.com", 6000, 0);
	conn_out(&c, cap, "198.51.100.7", t0);
	deliver(&c, "mx1.example.net", "alice@example.com", "bob@example.net", &m,
		"250 2.0.0 Ok: queued as ABC123\r\n");
	note_conn(&c, "outbound clean", t0);
	note_msg("message", &m);
	msg_free(&m);
}

static void s_clean_delivery(struct cap *cap)
{
	struct conn c;
	struct msg m1, m2;
	char r[768];
	usec_t t0 = SEC(5);

	sess_clean_out(cap, 0);

	msg_make(&m1, "Erin Remote <erin@example.org>",
		 "Alice Example <alice@example.com>, Dave Example <dave@example.com>",
		 "Meeting notes", "a3f9c2e1.5d7b@mta5.example.org", 3000, 0);
	msg_make(&m2, "Erin Remote <erin@example.org>", "Frank Example <frank@example.com>",
		 "Re: travel plans", "b7e0d4a2.19c3@mta5.example.org", 2000, 0);
	conn_in(&c, cap, "203.0.113.5", 51234, 25, t0);
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com ESMTP Postfix\r\n");
	ehlo_reply(r, sizeof r, GW_HOST, EXT_GW);
	cmd(&c, "EHLO mta5.example.org\r\n", r);
	mail(&c, "erin@example.org", &m1, R250_MAIL);
	rcpt(&c, "alice@example.com", R250_RCPT);
	rcpt(&c, "dave@example.com", R250_RCPT);
	data(&c, &m1, "250 2.0.0 Ok: queued as 7C3A21F0B9\r\n");
	mail(&c, "erin@example.org", &m2, R250_MAIL);
	rcpt(&c, "frank@example.com", R250_RCPT);
	data(&c, &m2, "250 2.0.0 Ok: queued as 8D4B32A1CA\r\n");
	quit(&c);
	note_conn(&c, "inbound", t0);
	note_msg("transaction 1", &m1);
	note_msg("transaction 2", &m2);
	msg_free(&m1);
	msg_free(&m2);
}

void healthy(struct cap *cap, usec_t t0, const char *from, const char *from_hdr,
	     const char *to, const char *to_hdr, const char *subject, const char *id,
	     size_t size, const char *queued)
{
	struct conn c;
	struct msg m;
	msg_make(&m, from_hdr, to_hdr, subject, id, size, 0);
	conn_out(&c, cap, "198.51.100.7", t0);
	deliver(&c, "mx1.example.net", from, to, &m, queued);
	note_conn(&c, "healthy", t0);
	note_msg("message", &m);
	msg_free(&m);
}

static void s_outage(struct cap *cap)
{
	struct msg m;
	msg_make(&m, "Alice Example <alice@example.com>", "Carol Example <carol@example.org>",
		 "Contract draft v3", "20261120025500.7f3e2@gw.example.com", 40000, 0);
	note_msg("failing message (all attempts)", &m);

	for (int k = 0; k < 6; k++) {
		struct conn c;
		usec_t t0 = SEC(60 * k);
		size_t nseg = 11 + (size_t)(k % 3);

		conn_out(&c, cap, "198.51.100.20", t0);
		greet_out(&c, "mx.example.org");
		mail(&c, "alice@example.com", &m, R250_MAIL);
		rcpt(&c, "carol@example.org", R250_RCPT);
		cmd(&c, "DATA\r\n", R354);
		think(&c);
		xmit(&c, CLI, m.wire, nseg * c.mss);
		wait_us(&c, rnd(cap, 2000, 6000));
		rst_s(&c);
		note_conn(&c, "attempt", t0);
		note("    body wire octets sent before RST: %zu\n", nseg * c.mss);

		if (k == 0)
			healthy(cap, SEC(20), "bob@example.com", "Bob Example <bob@example.com>",
				"dan@example.net", "Dan Example <dan@example.net>", "Lunch?",
				"20261120030020.h1@gw.example.com", 5000,
				"250 2.0.0 Ok: queued as 3B1F00D2E4\r\n");
		if (k == 2)
			healthy(cap, SEC(150), "dave@example.com", "Dave Example <dave@example.com>",
				"erin@example.net", "Erin Example <erin@example.net>",
				"Invoice 2026-1147", "20261120030230.h2@gw.example.com", 12000,
				"250 2.0.0 Ok: queued as 5E2A11C3F7\r\n");
	}
	msg_free(&m);
}

static void s_drop_mid_body(struct cap *cap)
{
	struct conn c;
	struct msg m;
	const size_t sent = 6;
	msg_make(&m, "Alice Example <alice@example.com>", "Greg Example <greg@example.net>",
		 "Site survey photos (text)", "20261120025900.d1@gw.example.com", 20000, 0);
	conn_out(&c, cap, "203.0.113.30", 0);
	greet_out(&c, "mx3.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "greg@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, sent * c.mss);
	/* the path dies: the next full segment is never acknowledged */
	uint32_t s0 = c.e[CLI].seq;
	wait_us(&c, rnd(cap, 60, 150));
	seg(&c, CLI, s0, m.wire + sent * c.mss, c.mss);
	for (int i = 0; i < 5; i++) {
		wait_us(&c, MS(200) << i);
		seg(&c, CLI, s0, m.wire + sent * c.mss, c.mss);
	}
	note_conn(&c, "dropped", 0);
	note_msg("message (never completed)", &m);
	note("    body wire octets acknowledged: %zu, plus one %u-byte segment sent 6 times\n",
	     sent * c.mss, c.mss);
	msg_free(&m);

	/* after the 15 min idle timeout, so that session 1 has timed out */
	healthy(cap, SEC(1000), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Status update",
		"20261120031640.d2@gw.example.com", 4000, "250 2.0.0 Ok: queued as 6A7B8C9D0E\r\n");
}

static void s_deferrals(struct cap *cap)
{
	struct conn c;
	struct msg m;

	/* (a) 421 greeting, server closes */
	conn_out(&c, cap, "198.51.100.40", 0);
	tcp_handshake(&c);
	reply(&c, "421 4.3.2 Service not available, closing transmission channel\r\n");
	close_s(&c);
	note_conn(&c, "a (421 banner)", 0);

	/* (b) greylisted at RCPT */
	msg_make(&m, "Alice Example <alice@example.com>", "Dan Example <dan@example.net>",
		 "Project kickoff", "20261120025930.g1@gw.example.com", 3000, 0);
	conn_out(&c, cap, "198.51.100.41", SEC(10));
	greet_out(&c, "mx41.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "dan@example.net", "451 4.7.1 Greylisted, please try again later\r\n");
	quit(&c);
	note_conn(&c, "b1 (greylisted)", SEC(10));
	note_msg("greylisted message (not transmitted in b1)", &m);

	/* (c) 452 after the body */
	struct msg m3;
	msg_make(&m3, "Alice Example <alice@example.com>", "Henry Example <henry@example.net>",
		 "Large archive notice", "20261120025940.q1@gw.example.com", 5000, 0);
	conn_out(&c, cap, "198.51.100.42", SEC(20));
	greet_out(&c, "mx42.example.net");
	mail(&c, "alice@example.com", &m3, R250_MAIL);
	rcpt(&c, "henry@example.net", R250_RCPT);
	data(&c, &m3, "452 4.2.2 Mailbox full\r\n");
	quit(&c);
	note_conn(&c, "c (452 after data)", SEC(20));
	note_msg("message", &m3);

	/* (d) 450 at MAIL */
	conn_out(&c, cap, "198.51.100.43", SEC(30));
	greet_out(&c, "mx43.example.net");
	cmd(&c, "MAIL FROM:<alice@example.com> SIZE=2048\r\n",
	    "450 4.7.1 Client host rejected: cannot find your hostname\r\n");
	quit(&c);
	note_conn(&c, "d (450 at MAIL)", SEC(30));

	/* (b2) same message five minutes after (b1): greylisting passed */
	conn_out(&c, cap, "198.51.100.41", SEC(310));
	deliver(&c, "mx41.example.net", "alice@example.com", "dan@example.net", &m,
		"250 2.0.0 Ok: queued as 1F2E3D4C5B\r\n");
	note_conn(&c, "b2 (retry accepted)", SEC(310));
	note_msg("message", &m);
	msg_free(&m);
	msg_free(&m3);
}

static void s_rejections(struct cap *cap)
{
	struct conn c;
	struct msg m1, m2;

	msg_make(&m1, "Alice Example <alice@example.com>",
		 "Nobody <nobody@example.net>, Bob Example <bob@example.net>", "Team offsite",
		 "20261120030000.r1@gw.example.com", 3000, 0);
	conn_out(&c, cap, "198.51.100.50", 0);
	greet_out(&c, "mx50.example.net");
	mail(&c, "alice@example.com", &m1, R250_MAIL);
	rcpt(&c, "nobody@example.net",
	     "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n");
	rcpt(&c, "bob@example.net", R250_RCPT);
	data(&c, &m1, "250 2.0.0 Ok: queued as 2C3D4E5F6A\r\n");
	quit(&c);
	note_conn(&c, "a (one rcpt 550)", 0);
	note_msg("message", &m1);

	msg_make(&m2, "Alice Example <alice@example.com>", "Ivan Example <ivan@example.net>",
		 "Limited offer inside", "20261120030010.r2@gw.example.com", 2500, 0);
	conn_out(&c, cap, "198.51.100.51", SEC(10));
	greet_out(&c, "mx51.example.net");
	mail(&c, "alice@example.com", &m2, R250_MAIL);
	rcpt(&c, "ivan@example.net", R250_RCPT);
	data(&c, &m2, "554 5.7.1 Message rejected as spam\r\n");
	quit(&c);
	note_conn(&c, "b (554 after data)", SEC(10));
	note_msg("message", &m2);

	conn_out(&c, cap, "198.51.100.52", SEC(20));
	greet_out(&c, "mx52.example.net");
	cmd(&c, "MAIL FROM:<mallory@example.com> SIZE=1500\r\n",
	    "553 5.7.1 Sender address rejected: not owned by user\r\n");
	quit(&c);
	note_conn(&c, "c (553 at MAIL)", SEC(20));
	msg_free(&m1);
	msg_free(&m2);
}

static void s_pipelining(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char b[2048];
	size_t n;

	msg_make(&m, "Alice Example <alice@example.com>",
		 "Bob Example <bob@example.net>, Carol Example <carol@example.net>",
		 "Pipelined hello", "20261120030000.p1@gw.example.com", 1000, 0);
	conn_out(&c, cap, "198.51.100.60", 0);
	greet_out(&c, "mx2.example.net");
	think(&c);
	snprintf(b, sizeof b,
		 "MAIL FROM:<alice@example.com> SIZE=%zu\r\n"
		 "RCPT TO:<bob@example.net>\r\n"
		 "RCPT TO:<nobody@example.net>\r\n"
		 "RCPT TO:<carol@example.net>\r\n"
		 "DATA\r\n", m.len);
	send_c(&c, b);
	reply(&c, "250 2.1.0 Ok\r\n"
		  "250 2.1.5 Ok\r\n"
		  "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown\r\n"
		  "250 2.1.5 Ok\r\n"
		  R354);
	think(&c);
	memcpy(b, m.wire, m.wlen);
	memcpy(b + m.wlen, "QUIT\r\n", 6);
	n = m.wlen + 6;
	if (n > c.mss) {
		fprintf(stderr, "pipelining: body does not fit one segment\n");
		exit(1);
	}
	xmit(&c, CLI, b, n);
	reply(&c, "250 2.0.0 Ok: queued as 9D4E3A2B1C\r\n" R221);
	close_c(&c);
	note_conn(&c, "pipelined", 0);
	note_msg("message", &m);
	msg_free(&m);
}

/* Encrypted application data records standing in for SMTP inside TLS. */
void tls_app(struct conn *c, int side, size_t len)
{
	uint8_t *b = malloc(len + 64);
	size_t n = 0;
	if (!b)
		exit(1);
	/* split large payloads into records of at most 4096 bytes like a TLS stack with small buffers */
	while (len) {
		size_t r = len > 4096 ? 4096 : len;
		n += tls_record(c->cap, b + n, 0x17, r);
		len -= r;
	}
	if (side == SRV)
		delay(c);
	else
		think(c);
	xmit(c, side, b, n);
	free(b);
}

void tls_handshake(struct conn *c, const char *sni)
{
	uint8_t b[4096];
	size_t n;
	think(c);
	n = tls_client_hello(c->cap, b, sni);
	xmit(c, CLI, b, n);
	delay(c);
	n = tls_server_flight(c->cap, b, 2900);
	xmit(c, SRV, b, n);
	think(c);
	/* ChangeCipherSpec + encrypted Finished */
	b[0] = 0x14;
	put16(b + 1, 0x0303);
	put16(b + 3, 1);
	b[5] = 1;
	n = 6 + tls_record(c->cap, b + 6, 0x17, 53);
	xmit(c, CLI, b, n);
}

static void s_starttls(struct cap *cap)
{
	struct conn c;
	char r[768];
	static const char *const ext[] = {
		"PIPELINING", "SIZE 52428800", "STARTTLS", "ENHANCEDSTATUSCODES", "8BITMIME",
		"DSN", "SMTPUTF8", NULL,
	};

	conn_out(&c, cap, "198.51.100.70", 0);
	tcp_handshake(&c);
	reply(&c, "220 mx7.example.net ESMTP\r\n");
	ehlo_reply(r, sizeof r, "mx7.example.net", ext);
	cmd(&c, "EHLO gw.example.com\r\n", r);
	cmd(&c, "STARTTLS\r\n", R220_TLS);
	tls_handshake(&c, "mx7.example.net");
	tls_app(&c, SRV, 230);  /* session tickets */
	tls_app(&c, CLI, 40);   /* EHLO */
	tls_app(&c, SRV, 190);  /* EHLO reply */
	tls_app(&c, CLI, 120);  /* MAIL, RCPT, DATA pipelined */
	tls_app(&c, SRV, 90);   /* 250 250 354 */
	tls_app(&c, CLI, 7200); /* body and "." */
	tls_app(&c, SRV, 60);   /* 250 queued */
	tls_app(&c, CLI, 23);   /* QUIT */
	tls_app(&c, SRV, 32);   /* 221 */
	close_c(&c);
	note_conn(&c, "STARTTLS on 25", 0);

	/* implicit TLS submission: not one byte of SMTP in clear */
	conn_in(&c, cap, "203.0.113.80", 50514, 465, SEC(10));
	tcp_handshake(&c);
	tls_handshake(&c, "gw.example.com");
	tls_app(&c, SRV, 230);
	tls_app(&c, SRV, 45);   /* 220 banner */
	tls_app(&c, CLI, 45);   /* EHLO */
	tls_app(&c, SRV, 210);
	tls_app(&c, CLI, 60);   /* AUTH PLAIN */
	tls_app(&c, SRV, 50);
	tls_app(&c, CLI, 100);  /* MAIL RCPT DATA */
	tls_app(&c, SRV, 90);
	tls_app(&c, CLI, 3100); /* body */
	tls_app(&c, SRV, 60);
	tls_app(&c, CLI, 23);
	tls_app(&c, SRV, 32);
	close_c(&c);
	note_conn(&c, "implicit TLS on 465", SEC(10));
}

static void s_bdat(struct cap *cap)
{
	struct conn c;
	struct msg m1, m2;
	char b[8192];
	static const char *const ext[] = {
		"PIPELINING", "SIZE 52428800", "ENHANCEDSTATUSCODES", "8BITMIME", "BINARYMIME",
		"CHUNKING", NULL,
	};
	char r[768];
	size_t n;

	msg_make(&m1, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Chunked report", "20261120030000.b1@gw.example.com", 0, 4200);
	msg_make(&m2, "Alice Example <alice@example.com>", "Carol Example <carol@example.net>",
		 "Short chunked note", "20261120030005.b2@gw.example.com", 0, 500);

	conn_out(&c, cap, "198.51.100.80", 0);
	tcp_handshake(&c);
	reply(&c, "220 mx8.example.net ESMTP\r\n");
	ehlo_reply(r, sizeof r, "mx8.example.net", ext);
	cmd(&c, "EHLO gw.example.com\r\n", r);

	mail(&c, "alice@example.com", &m1, R250_MAIL);
	rcpt(&c, "bob@example.net", R250_RCPT);
	think(&c);
	n = (size_t)snprintf(b, sizeof b, "BDAT 3000\r\n");
	memcpy(b + n, m1.text, 3000);
	xmit(&c, CLI, b, n + 3000); /* 1448 + 1448 + 115: command shares the first segment */
	reply(&c, "250 2.0.0 3000 octets received\r\n");
	think(&c);
	n = (size_t)snprintf(b, sizeof b, "BDAT 1200 LAST\r\n");
	memcpy(b + n, m1.text + 3000, 1200);
	xmit(&c, CLI, b, n + 1200);
	reply(&c, "250 2.0.0 Message accepted\r\n");

	mail(&c, "alice@example.com", &m2, R250_MAIL);
	rcpt(&c, "carol@example.net", R250_RCPT);
	think(&c);
	n = (size_t)snprintf(b, sizeof b, "BDAT 500\r\n");
	memcpy(b + n, m2.text, 500);
	xmit(&c, CLI, b, n + 500);
	reply(&c, "250 2.0.0 500 octets received\r\n");
	cmd(&c, "BDAT 0 LAST\r\n", "250 2.0.0 Message accepted\r\n");
	quit(&c);
	note_conn(&c, "BDAT", 0);
	note("  transaction 1: message_id=<%s> data_bytes=%zu (BDAT 3000 + BDAT 1200 LAST)\n",
	     m1.id, m1.len);
	note("  transaction 2: message_id=<%s> data_bytes=%zu (BDAT 500 + BDAT 0 LAST)\n",
	     m2.id, m2.len);
	msg_free(&m1);
	msg_free(&m2);
}

static void s_ipv6_vlan(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Over IPv6", "20261120030000.v6@gw.example.com", 4000, 0);
	conn_out(&c, cap, "2001:db8:1::25", 0);
	c.enc.ntags = 1;
	c.enc.tag[0] = (struct vlan){0x8100, 100};
	c.hbh_syn = 1;
	deliver(&c, "mx-v6.example.net", "alice@example.com", "bob@example.net", &m,
		"250 2.0.0 Ok: queued as 0A1B2C3D4E\r\n");
	note_conn(&c, "IPv6 in VLAN 100", 0);
	note_msg("message", &m);
	msg_free(&m);

	msg_make(&m, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Over QinQ", "20261120030010.qq@gw.example.com", 3000, 0);
	conn_out(&c, cap, "198.51.100.7", SEC(10));
	c.enc.ntags = 2;
	c.enc.tag[0] = (struct vlan){0x88a8, 200};
	c.enc.tag[1] = (struct vlan){0x8100, 300};
	deliver(&c, "mx1.example.net", "alice@example.com", "bob@example.net", &m,
		"250 2.0.0 Ok: queued as 1B2C3D4E5F\r\n");
	note_conn(&c, "IPv4 QinQ 200/300", SEC(10));
	note_msg("message", &m);
	msg_free(&m);
}

static void s_ooo_retrans(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char r[768];
	const size_t S = 1448;

	msg_make(&m, "Newsletter <news@example.org>", "Alice Example <alice@example.com>",
		 "November newsletter", "n1120.0042@relay.example.org", 12000, 0);
	conn_in(&c, cap, "203.0.113.90", 49152, 25, 0);
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com ESMTP Postfix\r\n");
	ehlo_reply(r, sizeof r, GW_HOST, EXT_GW);
	cmd(&c, "EHLO relay.example.org\r\n", r);
	mail(&c, "news@example.org", &m, R250_MAIL);

	/* RCPT goes unacknowledged (slow recipient lookup), the client's RTO fires */
	const char *rc = "RCPT TO:<alice@example.com>\r\n";
	think(&c);
	uint32_t s0 = c.e[CLI].seq;
	xmit_noack(&c, CLI, rc, strlen(rc));
	wait_us(&c, MS(212));
	seg(&c, CLI, s0, rc, strlen(rc));
	wait_us(&c, 400);
	ack_s(&c);
	reply(&c, R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);

	/* body: 1, 3, 2 (reordered), 4, 5, 4 again (duplicate), 6, overlap 6.5..+500, rest */
	uint32_t base = c.e[CLI].seq;
	const uint8_t *w = (const uint8_t *)m.wire;
	size_t wl = m.wlen;
#define SEG(off, len) do { seg(&c, CLI, base + (uint32_t)(off), w + (off), (len)); } while (0)
#define GACK(off) do { seg_ack(&c, SRV, base + (uint32_t)(off)); } while (0)
	SEG(0, S);
	wait_us(&c, 110);
	SEG(2 * S, S);       /* segment 3 overtakes segment 2 */
	wait_us(&c, 30);
	GACK(S);             /* out-of-order arrival forces an immediate ACK of 1 */
	wait_us(&c, 60);
	SEG(S, S);
	wait_us(&c, 30);
	GACK(3 * S);         /* the hole is filled */
	wait_us(&c, 100);
	SEG(3 * S, S);
	wait_us(&c, 120);
	SEG(4 * S, S);
	wait_us(&c, 450);
	GACK(5 * S);
	wait_us(&c, MS(28));
	SEG(3 * S, S);       /* exact duplicate of segment 4 */
	wait_us(&c, 380);
	GACK(5 * S);         /* duplicate ack */
	wait_us(&c, 150);
	SEG(5 * S, S);       /* segment 6 */
	wait_us(&c, MS(31));
	SEG(5 * S + S / 2, S / 2 + 500); /* overlap: middle of 6 .. 500 bytes past its end */
	wait_us(&c, 420);
	GACK(6 * S + 500);
	size_t off = 6 * S + 500;
	int k = 0;
	while (off < wl) {
		size_t len = wl - off < S ? wl - off : S;
		wait_us(&c, 110);
		SEG(off, len);
		off += len;
		if (++k % 2 == 0 || off == wl) {
			wait_us(&c, 400);
			GACK(off);
		}
	}
#undef SEG
#undef GACK
	c.e[CLI].seq = base + (uint32_t)wl;
	c.e[SRV].ack = c.e[CLI].seq;
	reply(&c, "250 2.0.0 Ok: queued as 4C5D6E7F80\r\n");
	quit(&c);
	note_conn(&c, "inbound with reordering", 0);
	note_msg("message", &m);
	msg_free(&m);
}

static void s_capture_gap(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Capture gap body", "20261120030000.gap1@gw.example.com", 10000, 0);
	conn_out(&c, cap, "198.51.100.7", 0);
	greet_out(&c, "mx1.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "bob@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, 3 * c.mss);
	wait_us(&c, 90);
	c.lose = 1; /* the tap drops segment 4; the server still receives and acks it */
	xmit(&c, CLI, m.wire + 3 * c.mss, c.mss);
	wait_us(&c, 90);
	xmit(&c, CLI, m.wire + 4 * c.mss, m.wlen - 4 * c.mss);
	reply(&c, "250 2.0.0 Ok: queued as 5D6E7F8091\r\n");
	quit(&c);
	note_conn(&c, "body segment missing", 0);
	note_msg("message", &m);
	note("    missing from capture: wire octets %u..%u of the DATA stream\n", 3 * c.mss,
	     4 * c.mss - 1);
	msg_free(&m);

	msg_make(&m, "Alice Example <alice@example.com>", "X Example <x@example.net>",
		 "Resync test", "20261120030020.gap2@gw.example.com", 3000, 0);
	conn_out(&c, cap, "198.51.100.7", SEC(20));
	greet_out(&c, "mx1.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	think(&c);
	c.lose = 1;
	xmit(&c, CLI, "RCPT TO:<x@example.net>\r\nDA", 27);
	wait_us(&c, 80);
	xmit(&c, CLI, "TA\r\n", 4);
	reply(&c, R250_RCPT R354);
	think(&c);
	xmit(&c, CLI, m.wire, m.wlen);
	reply(&c, "250 2.0.0 Ok: queued as 6E7F8091A2\r\n");
	quit(&c);
	note_conn(&c, "command segment missing", SEC(20));
	note_msg("message", &m);
	msg_free(&m);
}

static void s_mid_stream(struct cap *cap)
{
	struct conn c;
	struct msg m;
	const size_t hid = 4;

	msg_make(&m, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Started before the capture", "20261120025959.ms@gw.example.com", 15000, 0);
	/* everything up to the fifth body segment happens before the capture starts */
	conn_out(&c, cap, "198.51.100.7", -SEC(1));
	c.hidden = 1;
	greet_out(&c, "mx1.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "bob@example.net", R250_RCPT);
	cmd(&c, "DATA\r\n", R354);
	think(&c);
	xmit(&c, CLI, m.wire, hid * c.mss);
	c.hidden = 0;
	c.t = 0;
	xmit(&c, CLI, m.wire + hid * c.mss, m.wlen - hid * c.mss);
	reply(&c, "250 2.0.0 Ok: queued as 7F8091A2B3\r\n");
	quit(&c);
	note_conn(&c, "mid-stream", 0);
	note_msg("full message (only partly captured)", &m);

	/* What the capture shows of the body, up to the terminator: raw, and
	 * unstuffed from the first complete line on (where a resyncing parser
	 * can start). */
	size_t from = hid * c.mss, to = m.wlen - 5, nl = from, dots = 0;
	while (m.wire[nl - 1] != '\n')
		nl++;
	for (size_t i = nl; i < to; i++)
		if (m.wire[i - 1] == '\n' && m.wire[i] == '.')
			dots++;
	note("    captured body wire octets before the final CRLF.CRLF: %zu (first %zu octets "
	     "finish a line cut by the capture start)\n", to - from, nl - from);
	note("    unstuffed octets from the first complete line to the final CRLF.CRLF: %zu\n",
	     to - nl - dots);
	msg_free(&m);
}

static void s_auth(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char r[768];
	static const char *const ext[] = {
		"PIPELINING", "SIZE 52428800", "ENHANCEDSTATUSCODES", "8BITMIME", "DSN",
		"AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN", NULL,
	};

	msg_make(&m, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Sent from my laptop", "20261120030001.mua1@alice-laptop.example.com", 2500, 0);
	conn_in(&c, cap, "203.0.113.77", 52100, 587, 0);
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com ESMTP Postfix\r\n");
	ehlo_reply(r, sizeof r, GW_HOST, ext);
	cmd(&c, "EHLO alice-laptop.example.com\r\n", r);
	cmd(&c, "AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n");
	cmd(&c, "YWxpY2VAZXhhbXBsZS5jb20=\r\n", "334 UGFzc3dvcmQ6\r\n");
	cmd(&c, "VHIwdWI0ZG9yJjM=\r\n", "235 2.7.0 Authentication successful\r\n");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "bob@example.net", R250_RCPT);
	data(&c, &m, "250 2.0.0 Ok: queued as 8091A2B3C4\r\n");
	quit(&c);
	note_conn(&c, "AUTH LOGIN ok", 0);
	note_msg("message", &m);
	msg_free(&m);

	conn_in(&c, cap, "203.0.113.77", 52101, 587, SEC(30));
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com ESMTP Postfix\r\n");
	cmd(&c, "EHLO alice-laptop.example.com\r\n", r);
	cmd(&c, "AUTH PLAIN AG1hbGxvcnlAZXhhbXBsZS5jb20AaHVudGVyMg==\r\n",
	    "535 5.7.8 Authentication credentials invalid\r\n");
	quit(&c);
	note_conn(&c, "AUTH PLAIN fails", SEC(30));
}

static void s_clean_short(struct cap *cap)
{
	sess_clean_out(cap, 0);
}

const struct sample samples[] = {
	{"clean-delivery.pcap", LINK_EN10MB, s_clean_delivery},
	{"outage-rst-mid-data.pcap", LINK_EN10MB, s_outage},
	{"drop-mid-body.pcap", LINK_EN10MB, s_drop_mid_body},
	{"deferrals-4xx.pcap", LINK_EN10MB, s_deferrals},
	{"rejections-5xx.pcap", LINK_EN10MB, s_rejections},
	{"pipelining.pcap", LINK_EN10MB, s_pipelining},
	{"starttls.pcap", LINK_EN10MB, s_starttls},
	{"bdat.pcap", LINK_EN10MB, s_bdat},
	{"ipv6-vlan.pcap", LINK_EN10MB, s_ipv6_vlan},
	{"ooo-retrans.pcap", LINK_EN10MB, s_ooo_retrans},
	{"capture-gap.pcap", LINK_EN10MB, s_capture_gap},
	{"mid-stream.pcap", LINK_EN10MB, s_mid_stream},
	{"auth-submission.pcap", LINK_EN10MB, s_auth},
	{"linktype-sll.pcap", LINK_SLL, s_clean_short},
	{"linktype-sll2.pcap", LINK_SLL2, s_clean_short},
	{"linktype-raw.pcap", LINK_RAW, s_clean_short},
	{"linktype-null.pcap", LINK_NULL, s_clean_short},
	{"linktype-pcapng.pcapng", LINK_PCAPNG, s_clean_short},
	/* scenarios_rules.c: one clear-cut case per detection rule, plus the quiet baseline */
	{"connect-failures.pcap", LINK_EN10MB, s_connect_failures},
	{"drop-after-dot.pcap", LINK_EN10MB, s_drop_after_dot},
	{"deferral-storm.pcap", LINK_EN10MB, s_deferral_storm},
	{"pmtu-blackhole.pcap", LINK_EN10MB, s_pmtu_blackhole},
	{"middlebox.pcap", LINK_EN10MB, s_middlebox},
	{"slow-server.pcap", LINK_EN10MB, s_slow_server},
	{"clean-many.pcap", LINK_EN10MB, s_clean_many},
	/* scenarios_timeouts.c: idle timeouts and who ended a session */
	{"postfix-idle-timeout.pcap", LINK_EN10MB, s_postfix_idle_timeout},
	{"exchange-idle-timeout.pcap", LINK_EN10MB, s_exchange_idle_timeout},
	{"pause-in-data.pcap", LINK_EN10MB, s_pause_in_data},
	{"fin-then-rst.pcap", LINK_EN10MB, s_fin_then_rst},
	{"quit-close-order.pcap", LINK_EN10MB, s_quit_close_order},
	{"refused-465.pcap", LINK_EN10MB, s_refused_465},
	/* scenarios_exchange.c: Microsoft Exchange's verbs and BDAT layouts */
	{"exchange-anonymoustls.pcap", LINK_EN10MB, s_exchange_anonymoustls},
	{"exchange-xexch50-accepted.pcap", LINK_EN10MB, s_exchange_xexch50_accepted},
	{"exchange-xexch50-refused.pcap", LINK_EN10MB, s_exchange_xexch50_refused},
	{"exchange-bdat-split.pcap", LINK_EN10MB, s_exchange_bdat_split},
	{"exchange-x-exps.pcap", LINK_EN10MB, s_exchange_xexps},
	{"exchange-link2state.pcap", LINK_EN10MB, s_exchange_link2state},
	/* scenarios_exits.c: the dashboard's overdue retry (issue 14) */
	{"retry-overdue.pcap", LINK_EN10MB, s_retry_overdue},
	/* scenarios_detect.c: the detection fixes of issue 10 */
	{"greylist-rcpt.pcap", LINK_EN10MB, s_greylist_rcpt},
	{"slow-deferrals.pcap", LINK_EN10MB, s_slow_deferrals},
	{"drop-after-fullsize.pcap", LINK_EN10MB, s_drop_after_fullsize},
	{"half-open-scan.pcap", LINK_EN10MB, s_half_open_scan},
	{"ftp-on-odd-port.pcap", LINK_EN10MB, s_ftp_odd_port},
	{"capture-hole-then-data.pcap", LINK_EN10MB, s_capture_hole_then_data},
	/* scenarios_gw.c: the gateway inference */
	{"gw-dual-stack.pcap", LINK_EN10MB, s_gw_dual_stack},
	{"gw-cluster.pcap", LINK_EN10MB, s_gw_cluster},
	{"gw-early-failures.pcap", LINK_EN10MB, s_gw_early_failures},
	/* scenarios_hoststatus.c: one case per host-status rule */
	{"host-rejected.pcap", LINK_EN10MB, s_host_rejected},
	{"host-syn-unanswered.pcap", LINK_EN10MB, s_host_syn_unanswered},
	{"host-rcpt-452.pcap", LINK_EN10MB, s_host_rcpt_452},
	{"host-overdue-retry.pcap", LINK_EN10MB, s_host_overdue},
	{"host-pmtu-silent.pcap", LINK_EN10MB, s_host_pmtu_silent},
	{"host-ehlo-501-reset.pcap", LINK_EN10MB, s_host_ehlo_501},
	/* scenarios_multiinput.c: outage-rst-mid-data.pcap split over files */
	{"ring/ring-0.pcap", LINK_EN10MB, s_ring_0},
	{"ring/ring-1.pcap", LINK_EN10MB, s_ring_1},
	{"ring/ring-2.pcap", LINK_EN10MB, s_ring_2},
	{"ring/mixed-sll.pcap", LINK_SLL, s_mixed_sll},
	{"ring/mixed-eth.pcap", LINK_EN10MB, s_mixed_eth},
	/* scenarios_queue.c: the gateway's queue, relayed messages and DSNs */
	{"relay-same-msgid.pcap", LINK_EN10MB, s_relay_same_msgid},
	{"relay-queued.pcap", LINK_EN10MB, s_relay_queued},
	{"queue-stuck.pcap", LINK_EN10MB, s_queue_stuck},
	{"queue-backlog.pcap", LINK_EN10MB, s_queue_backlog},
	{"dsn-expired.pcap", LINK_EN10MB, s_dsn_expired},
	{"dsn-failed.pcap", LINK_EN10MB, s_dsn_failed},
	{"dsn-delayed.pcap", LINK_EN10MB, s_dsn_delayed},
	/* scenarios_msgmem.c: relayed copies are one delivery, a deferral is a retry */
	{"relay-retry-count.pcap", LINK_EN10MB, s_relay_retry_count},
	/* scenarios_ops.c: a fast retry loop (the update limit of growing alerts) */
	{"retry-storm.pcap", LINK_EN10MB, s_retry_storm},
	{NULL, LINK_EN10MB, NULL},
};
