/* scenarios_exchange.c - Exchange-to-Exchange sessions: X-ANONYMOUSTLS,
 * XEXCH50 (blob accepted and refused), BDAT with the header split across
 * chunks, X-EXPS authentication, X-LINK2STATE and Exchange's X-verbs.
 * Verbs and replies follow Microsoft KB 812455 and [MS-OXSMTP]; banners and
 * EHLO keyword lists are those of Exchange 2003 and Exchange 2016. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EX_PEER "198.51.100.90"       /* mail.contoso.com, Exchange 2016 */
#define EX_PEER_NAME "mail.contoso.com"
#define EX2003_PEER "203.0.113.90"    /* ex1.fabrikam.com, Exchange 2003 */
#define EX2003_NAME "ex1.fabrikam.com"
#define EX_BANNER2016 "220 mail.contoso.com Microsoft ESMTP MAIL Service ready at " \
	"Fri, 20 Nov 2026 03:00:00 +0000\r\n"
#define EX_BANNER2003 "220 ex1.fabrikam.com Microsoft ESMTP MAIL Service, Version: " \
	"6.0.3790.3959 ready at  Fri, 20 Nov 2026 03:00:00 +0000\r\n"
#define R250_MAIL_EX "250 2.1.0 Sender OK\r\n"
#define R250_RCPT_EX "250 2.1.5 Recipient OK\r\n"
#define R221_EX "221 2.0.0 Service closing transmission channel\r\n"

/* Exchange 2016 receive connector, as another Exchange server sees it */
static const char *const EXT_EX2016[] = {
	"SIZE 37748736", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "STARTTLS",
	"X-ANONYMOUSTLS", "AUTH NTLM", "X-EXPS GSSAPI NTLM", "8BITMIME", "BINARYMIME",
	"CHUNKING", "XEXCH50", "XRDST", "XSHADOWREQUEST", "XPROXY", "XPROXYFROM",
	"XSESSIONPARAMS", NULL,
};
/* Exchange 2003 (nmap smtp-commands output of a real 6.0.3790 server) */
static const char *const EXT_EX2003[] = {
	"TURN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "8bitmime",
	"BINARYMIME", "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN", "X-EXPS=LOGIN",
	"AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN", "X-LINK2STATE", "XEXCH50", "OK", NULL,
};

static void ex_greet(struct conn *c, const char *banner, const char *host,
		     const char *const *ext)
{
	char r[1024], h[128];
	tcp_handshake(c);
	reply(c, banner);
	snprintf(h, sizeof h, "%s Hello [%s]", host, GW_V4);
	ehlo_reply(r, sizeof r, h, ext);
	cmd(c, "EHLO " GW_HOST "\r\n", r);
}

static void ex_quit(struct conn *c)
{
	cmd(c, "QUIT\r\n", R221_EX);
	close_c(c);
}

/* "BDAT n LAST" with the whole message in one write, as Exchange sends it. */
static void bdat_whole(struct conn *c, const struct msg *m, const char *rep)
{
	char *b = malloc(m->len + 64);
	if (!b)
		exit(1);
	size_t n = (size_t)snprintf(b, 64, "BDAT %zu LAST\r\n", m->len);
	memcpy(b + n, m->text, m->len);
	think(c);
	xmit(c, CLI, b, n + m->len);
	reply(c, rep);
	free(b);
}

/* One BDAT chunk of m->text[off, off+len). */
static void bdat_chunk(struct conn *c, const struct msg *m, size_t off, size_t len, int last,
		       const char *rep)
{
	char *b = malloc(len + 64);
	if (!b)
		exit(1);
	size_t n = (size_t)snprintf(b, 64, "BDAT %zu%s\r\n", len, last ? " LAST" : "");
	memcpy(b + n, m->text + off, len);
	think(c);
	xmit(c, CLI, b, n + len);
	reply(c, rep);
	free(b);
}

void s_exchange_anonymoustls(struct cap *cap)
{
	struct conn c;
	struct msg m;

	/* X-ANONYMOUSTLS accepted: everything after the 220 is TLS */
	conn_out(&c, cap, EX_PEER, 0);
	ex_greet(&c, EX_BANNER2016, EX_PEER_NAME, EXT_EX2016);
	cmd(&c, "X-ANONYMOUSTLS\r\n", "220 2.0.0 SMTP server ready\r\n");
	tls_handshake(&c, EX_PEER_NAME);
	tls_app(&c, CLI, 40);   /* EHLO */
	tls_app(&c, SRV, 420);  /* EHLO reply */
	tls_app(&c, CLI, 160);  /* X-EXPS, MAIL, RCPT */
	tls_app(&c, SRV, 120);
	tls_app(&c, CLI, 6200); /* BDAT LAST with the message */
	tls_app(&c, SRV, 80);
	tls_app(&c, CLI, 24);   /* QUIT */
	tls_app(&c, SRV, 60);
	close_c(&c);
	note_conn(&c, "X-ANONYMOUSTLS accepted", 0);

	/* X-ANONYMOUSTLS refused: the dialogue goes on in plain text, with
	 * Exchange's shadow-redundancy verbs around an ordinary BDAT message */
	msg_make(&m, "Alice Example <alice@example.com>", "Carl Contoso <carl@contoso.com>",
		 "Plain after refused TLS", "20261120030010.ex1@gw.example.com", 0, 1800);
	conn_out(&c, cap, EX_PEER, SEC(10));
	ex_greet(&c, EX_BANNER2016, EX_PEER_NAME, EXT_EX2016);
	cmd(&c, "X-ANONYMOUSTLS\r\n", "454 4.7.0 Temporary authentication failure\r\n");
	cmd(&c, "XSESSIONPARAMS MBXGUID=0f1e2d3c4b5a69788796a5b4c3d2e1f0 TYPE=SHADOW\r\n",
	    "250 2.0.0 OK\r\n");
	cmd(&c, "XSHADOWREQUEST " GW_HOST "\r\n", "250 2.0.0 " EX_PEER_NAME "\r\n");
	cmd(&c, "MAIL FROM:<alice@example.com> SIZE=1800 BODY=BINARYMIME XSHADOW=" GW_HOST "\r\n",
	    R250_MAIL_EX);
	cmd(&c, "RCPT TO:<carl@contoso.com>\r\n", R250_RCPT_EX);
	cmd(&c, "XRDST\r\n", "500 5.3.3 Unrecognized command\r\n");
	bdat_whole(&c, &m, "250 2.6.0 <20261120030010.ex1@gw.example.com> [InternalId=1234567890, "
		   "Hostname=mail.contoso.com] Queued mail for delivery\r\n");
	cmd(&c, "XQDISCARD 10\r\n", "250 2.0.0 OK\r\n");
	ex_quit(&c);
	note_conn(&c, "X-ANONYMOUSTLS refused, plain BDAT", SEC(10));
	note_msg("message", &m);
	msg_free(&m);
}

/* An XEXCH50 blob: binary MAPI-style properties with bytes that look like
 * SMTP (a MAIL FROM line, an end-of-data dot, a QUIT) and NULs. */
static size_t xexch50_blob(struct cap *cap, uint8_t *b, size_t n)
{
	static const char smtpish[] = "MAIL FROM:<spoof@evil.example>\r\n.\r\nQUIT\r\n";
	rnd_bytes(cap, b, n);
	memcpy(b, "\x02\x00\x00\x00\x00\x00\x00\x00", 8);
	memcpy(b + 300, smtpish, sizeof smtpish - 1);
	memcpy(b + 1500, "\r\n.\r\n", 5); /* in the second segment */
	memcpy(b + n - sizeof smtpish + 1, smtpish, sizeof smtpish - 1); /* the very end */
	return n;
}

void s_exchange_xexch50_accepted(struct cap *cap)
{
	struct conn c;
	struct msg m;
	uint8_t blob[2000];

	msg_make(&m, "Alice Example <alice@example.com>", "Carl Contoso <carl@contoso.com>",
		 "Properties travel with XEXCH50", "20261120030020.ex2@gw.example.com", 0, 2600);
	conn_out(&c, cap, EX_PEER, 0);
	ex_greet(&c, EX_BANNER2016, EX_PEER_NAME, EXT_EX2016);
	cmd(&c, "MAIL FROM:<alice@example.com> SIZE=2600 BODY=BINARYMIME\r\n", R250_MAIL_EX);
	cmd(&c, "RCPT TO:<carl@contoso.com>\r\n", R250_RCPT_EX);
	cmd(&c, "XEXCH50 2000 2\r\n", "354 Send binary data\r\n");
	think(&c);
	xmit(&c, CLI, blob, xexch50_blob(cap, blob, sizeof blob));
	reply(&c, "250 2.0.0 XEXCH50 OK\r\n");
	bdat_whole(&c, &m, "250 2.6.0 <20261120030020.ex2@gw.example.com> Queued mail for "
		   "delivery\r\n");
	ex_quit(&c);
	note_conn(&c, "XEXCH50 accepted, 2000-byte blob, BDAT LAST", 0);
	note_msg("message", &m);
	msg_free(&m);
}

void s_exchange_xexch50_refused(struct cap *cap)
{
	static const char *const refusal[] = {
		"504 5.7.4 Need to authenticate first\r\n",
		"500 5.3.3 Unrecognized command\r\n",
	};
	for (int k = 0; k < 2; k++) {
		struct conn c;
		struct msg m;
		char id[64];
		snprintf(id, sizeof id, "20261120030030.ex%d@gw.example.com", 3 + k);
		msg_make(&m, "Alice Example <alice@example.com>", "Carl Contoso <carl@contoso.com>",
			 "No properties for you", id, 0, 1400 + 100 * (size_t)k);
		conn_out(&c, cap, EX_PEER, SEC(10 * k));
		ex_greet(&c, EX_BANNER2016, EX_PEER_NAME, EXT_EX2016);
		mail(&c, "alice@example.com", &m, R250_MAIL_EX);
		rcpt(&c, "carl@contoso.com", R250_RCPT_EX);
		cmd(&c, "XEXCH50 1048 2\r\n", refusal[k]);
		bdat_whole(&c, &m, "250 2.6.0 Queued mail for delivery\r\n");
		ex_quit(&c);
		note_conn(&c, k ? "XEXCH50 refused 500" : "XEXCH50 refused 504", SEC(10 * k));
		note_msg("message", &m);
		msg_free(&m);
	}
}

void s_exchange_bdat_split(struct cap *cap)
{
	struct conn c;
	struct msg m1, m2;

	msg_make(&m1, "Alice Example <alice@example.com>", "Carl Contoso <carl@contoso.com>",
		 "Header split across chunks", "20261120030040.ex5@gw.example.com", 0, 5000);
	msg_make(&m2, "Alice Example <alice@example.com>", "Dora Contoso <dora@contoso.com>",
		 "Chunk ends between CR and LF", "20261120030045.ex6@gw.example.com", 0, 900);
	conn_out(&c, cap, EX_PEER, 0);
	ex_greet(&c, EX_BANNER2016, EX_PEER_NAME, EXT_EX2016);

	/* message 1: the first chunk ends in the middle of the Message-ID line,
	 * the second carries the rest, then an empty BDAT 0 LAST */
	size_t cut = (size_t)(strstr(m1.text, "Message-ID: <") - m1.text) + 20;
	mail(&c, "alice@example.com", &m1, R250_MAIL_EX);
	rcpt(&c, "carl@contoso.com", R250_RCPT_EX);
	bdat_chunk(&c, &m1, 0, cut, 0, "250 2.0.0 chunk received\r\n");
	bdat_chunk(&c, &m1, cut, m1.len - cut, 0, "250 2.0.0 chunk received\r\n");
	cmd(&c, "BDAT 0 LAST\r\n", "250 2.6.0 Queued mail for delivery\r\n");

	/* message 2: the first chunk ends with the CR of the Subject line */
	cut = (size_t)(strstr(m2.text, "\r\nDate:") - m2.text) + 1;
	mail(&c, "alice@example.com", &m2, R250_MAIL_EX);
	rcpt(&c, "dora@contoso.com", R250_RCPT_EX);
	bdat_chunk(&c, &m2, 0, cut, 0, "250 2.0.0 chunk received\r\n");
	bdat_chunk(&c, &m2, cut, m2.len - cut, 1, "250 2.6.0 Queued mail for delivery\r\n");
	ex_quit(&c);
	note_conn(&c, "BDAT with split headers", 0);
	note_msg("message 1 (3 chunks)", &m1);
	note_msg("message 2 (2 chunks)", &m2);
	msg_free(&m1);
	msg_free(&m2);
}

/* A Kerberos AP-REQ or NTLM message, base64, of a plausible length. */
static void b64_token(struct cap *cap, char *out, size_t len, const char *prefix)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t p = strlen(prefix);
	memcpy(out, prefix, p);
	for (size_t i = p; i < len; i++)
		out[i] = b64[rnd(cap, 0, 63)];
	out[len] = '\0';
}

void s_exchange_xexps(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char tok[2100], line[2200];

	/* inbound from an Exchange 2003 bridgehead: Kerberos through X-EXPS */
	msg_make(&m, "Fred Fabrikam <fred@fabrikam.com>", "Alice Example <alice@example.com>",
		 "Authenticated hop", "7A1B2C3D4E5F@ex1.fabrikam.com", 3000, 0);
	conn_in(&c, cap, EX2003_PEER, 1039, 25, 0);
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com Microsoft ESMTP MAIL Service ready at Fri, 20 Nov 2026 "
		  "03:00:00 +0000\r\n");
	char r[1024];
	ehlo_reply(r, sizeof r, GW_HOST " Hello [" EX2003_PEER "]", EXT_EX2016);
	cmd(&c, "EHLO " EX2003_NAME "\r\n", r);
	cmd(&c, "X-EXPS GSSAPI\r\n", "334 \r\n");
	b64_token(cap, tok, 1880, "YIIFYQYJKoZIhvcSAQICAQBuggVQMIIFTKADAgEFoQMCAQ6iBwMFACAAAACj");
	snprintf(line, sizeof line, "%s\r\n", tok);
	cmd(&c, line, "334 YIGXBgkqhkiG9xIBAgICAG+BhzCBhKADAgEFoQMCAQ+ieDB2oAMCARKibwRt\r\n");
	cmd(&c, "\r\n", "235 2.7.0 Authentication successful\r\n");
	mail(&c, "fred@fabrikam.com", &m, R250_MAIL_EX);
	rcpt(&c, "alice@example.com", R250_RCPT_EX);
	data(&c, &m, "250 2.6.0 <7A1B2C3D4E5F@ex1.fabrikam.com> Queued mail for delivery\r\n");
	ex_quit(&c);
	note_conn(&c, "X-EXPS GSSAPI ok, DATA", 0);
	note_msg("message", &m);
	msg_free(&m);

	/* X-EXPS NTLM with an initial response, refused */
	conn_in(&c, cap, EX2003_PEER, 1040, 25, SEC(20));
	tcp_handshake(&c);
	reply(&c, "220 gw.example.com Microsoft ESMTP MAIL Service ready at Fri, 20 Nov 2026 "
		  "03:00:20 +0000\r\n");
	cmd(&c, "EHLO " EX2003_NAME "\r\n", r);
	b64_token(cap, tok, 56, "TlRMTVNTUAABAAAAB4IIog");
	snprintf(line, sizeof line, "X-EXPS NTLM %s\r\n", tok);
	cmd(&c, line, "334 TlRMTVNTUAACAAAADAAMADgAAAAFgomiQ0hBTExFTkdF\r\n");
	b64_token(cap, tok, 320, "TlRMTVNTUAADAAAAGAAYAEAAAAAYABgAWAAAAA");
	snprintf(line, sizeof line, "%s\r\n", tok);
	cmd(&c, line, "535 5.7.3 Authentication unsuccessful\r\n");
	ex_quit(&c);
	note_conn(&c, "X-EXPS NTLM refused", SEC(20));
}

void s_exchange_link2state(struct cap *cap)
{
	struct conn c;
	struct msg m;
	char hex[1001], line[1100];

	/* outbound to an Exchange 2003 bridgehead: routing state first, in
	 * chunks written together; the server answers the exchange once */
	msg_make(&m, "Alice Example <alice@example.com>", "Fred Fabrikam <fred@fabrikam.com>",
		 "After the link state", "20261120030050.ex7@gw.example.com", 2500, 0);
	conn_out(&c, cap, EX2003_PEER, 0);
	ex_greet(&c, EX_BANNER2003, EX2003_NAME, EXT_EX2003);
	for (size_t i = 0; i < 960; i++)
		hex[i] = "0123456789ABCDEF"[rnd(cap, 0, 15)];
	hex[960] = '\0';
	snprintf(line, sizeof line,
		 "X-LINK2STATE FIRST CHUNK={000001e0} MULTI (2) ({00000000051} %.400s)\r\n"
		 "({00000000052} %.300s)\r\n"
		 "X-LINK2STATE LAST CHUNK=%.200s\r\n", hex, hex + 400, hex + 700);
	cmd(&c, line, "250 2.0.0 X-LINK2STATE OK\r\n");
	mail(&c, "alice@example.com", &m, R250_MAIL_EX);
	rcpt(&c, "fred@fabrikam.com", R250_RCPT_EX);
	rcpt(&c, "nobody@fabrikam.com", "550 5.1.1 User unknown\r\n");
	data(&c, &m, "250 2.6.0 <20261120030050.ex7@gw.example.com> Queued mail for delivery\r\n");
	ex_quit(&c);
	note_conn(&c, "X-LINK2STATE then DATA", 0);
	note_msg("message", &m);
	msg_free(&m);
}
