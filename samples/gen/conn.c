/* conn.c - scripted TCP connections plus SMTP, RFC 5322 message and TLS-record helpers. */
#include "gen.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int verbose;

static void die(const char *what)
{
	fprintf(stderr, "smtpgen: %s\n", what);
	exit(1);
}

/* FNV-1a: ISNs, IP IDs and flow labels come from the 4-tuple, so they stay
 * fixed no matter in which order a scenario scripts its sessions. */
static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static void ep_init(struct ep *e, const char *addr, uint16_t port, int *v6)
{
	memset(e, 0, sizeof *e);
	*v6 = strchr(addr, ':') != NULL;
	if (inet_pton(*v6 ? AF_INET6 : AF_INET, addr, e->ip) != 1)
		die("bad address in scenario");
	e->port = port;
	e->gw = !strcmp(addr, GW_V4) || !strcmp(addr, GW_V6);
	/* remote hosts sit a different number of hops away per network */
	e->ttl = e->gw ? 64 : !strncmp(addr, "203.0.113.", 10) ? 47 : 52;
	e->win = 64240;
}

void conn_init(struct conn *c, struct cap *cap, const char *cli, uint16_t cport,
	       const char *srv, uint16_t sport, usec_t t)
{
	int v6c, v6s;
	memset(c, 0, sizeof *c);
	c->cap = cap;
	ep_init(&c->e[CLI], cli, cport, &v6c);
	ep_init(&c->e[SRV], srv, sport, &v6s);
	if (v6c != v6s)
		die("mixed address families");
	c->v6 = v6c;
	for (int s = 0; s < 2; s++) {
		uint32_t h = 2166136261u;
		h = fnv(h, c->e[s].ip, 16);
		h = fnv(h, &c->e[s].port, sizeof c->e[s].port);
		h = fnv(h, c->e[!s].ip, 16);
		h = fnv(h, &c->e[!s].port, sizeof c->e[!s].port);
		c->e[s].isn = h;
		c->e[s].seq = h;
		h = fnv(h, "ipid", 4);
		c->e[s].ipid = (uint16_t)h;
		c->e[s].flow = (h >> 12) & 0xfffff;
	}
	/* 1448 = what Linux puts in a segment with MSS 1460 and timestamps on */
	c->mss = c->v6 ? 1428 : 1448;
	c->t = t;
	c->ov_ttl = c->ov_ipid = -1;
}

void conn_out(struct conn *c, struct cap *cap, const char *srv, usec_t t)
{
	int v6 = strchr(srv, ':') != NULL;
	conn_init(c, cap, v6 ? GW_V6 : GW_V4, cap->next_port++, srv, 25, t);
}

void conn_in(struct conn *c, struct cap *cap, const char *cli, uint16_t cport,
	     uint16_t sport, usec_t t)
{
	int v6 = strchr(cli, ':') != NULL;
	conn_init(c, cap, cli, cport, v6 ? GW_V6 : GW_V4, sport, t);
}

void emit_at(struct conn *c, usec_t t, int side, uint32_t seq, uint32_t ack, uint8_t flags,
	     const void *data, size_t len)
{
	struct ep *e = &c->e[side];
	uint8_t opt[4];
	size_t optlen = 0;
	int ttl = e->ttl, ipid = e->ipid;
	int hbh;
	uint8_t *buf;
	size_t n;

	if (c->ov_ttl >= 0)
		ttl = c->ov_ttl;
	if (c->ov_ipid >= 0)
		ipid = c->ov_ipid;
	else
		e->ipid++;
	c->ov_ttl = c->ov_ipid = -1;

	if (flags & F_SYN) {
		opt[0] = 2;
		opt[1] = 4;
		put16(opt + 2, c->v6 ? 1440 : 1460);
		optlen = 4;
	}
	if (!(flags & F_ACK))
		ack = 0;
	hbh = c->v6 && c->hbh_syn && flags == F_SYN;

	if (c->hidden)
		return;
	if (c->lose > 0) {
		c->lose--;
		return;
	}
	buf = malloc(len + 128);
	if (!buf)
		die("out of memory");
	n = build_ip_tcp(buf, c, side, ttl, ipid, seq, ack, flags, e->win, opt, optlen, hbh,
			 data, len);
	cap_add_ip(c->cap, t, e->gw, &c->enc, buf, n, c->v6);
	free(buf);
}

/* Sends with the side's current state and assumes the peer receives it. */
static void tx(struct conn *c, int side, uint8_t flags, const void *data, size_t len)
{
	struct ep *e = &c->e[side];
	emit_at(c, c->t, side, e->seq, e->ack, flags, data, len);
	if (flags & F_RST)
		return;
	e->seq += (uint32_t)len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
	c->e[!side].ack = e->seq;
}

void wait_us(struct conn *c, usec_t us)
{
	c->t += us;
}

void delay(struct conn *c)
{
	c->t += rnd(c->cap, 5000, 50000);
}

void think(struct conn *c)
{
	c->t += rnd(c->cap, 100, 1000);
}

static usec_t ackdelay(struct conn *c)
{
	return rnd(c->cap, 200, 900);
}

void tcp_handshake(struct conn *c)
{
	tx(c, CLI, F_SYN, NULL, 0);
	c->t += rnd(c->cap, 800, 3000);
	tx(c, SRV, F_SYN | F_ACK, NULL, 0);
	c->t += rnd(c->cap, 40, 120);
	tx(c, CLI, F_ACK, NULL, 0);
}

static void xmit2(struct conn *c, int side, const void *buf, size_t len, int acks)
{
	const uint8_t *p = buf;
	struct ep *e = &c->e[side], *peer = &c->e[!side];
	usec_t t = c->t, end = c->t, lastack = c->t;
	size_t off = 0;
	int nseg = 0;

	while (off < len) {
		size_t n = len - off < c->mss ? len - off : c->mss;
		uint8_t fl = F_ACK | (off + n == len ? F_PSH : 0);
		emit_at(c, t, side, e->seq, e->ack, fl, p + off, n);
		e->seq += (uint32_t)n;
		off += n;
		nseg++;
		end = t;
		/* delayed-ACK style: the receiver acks every second segment and the last */
		if (acks && (nseg % 2 == 0 || off == len)) {
			usec_t ta = t + ackdelay(c);
			if (ta <= lastack) /* ACKs must leave the receiver in order */
				ta = lastack + 15;
			emit_at(c, ta, !side, peer->seq, e->seq, F_ACK, NULL, 0);
			end = lastack = ta;
		}
		t += rnd(c->cap, 60, 150);
	}
	peer->ack = e->seq;
	c->t = end;
}

void xmit(struct conn *c, int side, const void *buf, size_t len)
{
	xmit2(c, side, buf, len, 1);
}

void xmit_noack(struct conn *c, int side, const void *buf, size_t len)
{
	xmit2(c, side, buf, len, 0);
}

void send_c(struct conn *c, const char *s)
{
	xmit(c, CLI, s, strlen(s));
}

void send_s(struct conn *c, const char *s)
{
	xmit(c, SRV, s, strlen(s));
}

void ack_c(struct conn *c)
{
	tx(c, CLI, F_ACK, NULL, 0);
}

void ack_s(struct conn *c)
{
	tx(c, SRV, F_ACK, NULL, 0);
}

void fin_c(struct conn *c)
{
	tx(c, CLI, F_FIN | F_ACK, NULL, 0);
}

void fin_s(struct conn *c)
{
	tx(c, SRV, F_FIN | F_ACK, NULL, 0);
}

void rst_c(struct conn *c)
{
	tx(c, CLI, F_RST | F_ACK, NULL, 0);
}

void rst_s(struct conn *c)
{
	tx(c, SRV, F_RST | F_ACK, NULL, 0);
}

/* Active close by the client: FIN, the server's FIN piggybacks its ACK, final ACK. */
void close_c(struct conn *c)
{
	think(c);
	fin_c(c);
	c->t += ackdelay(c);
	fin_s(c);
	c->t += ackdelay(c);
	ack_c(c);
}

void close_s(struct conn *c)
{
	think(c);
	fin_s(c);
	c->t += ackdelay(c);
	fin_c(c);
	c->t += ackdelay(c);
	ack_s(c);
}

void seg(struct conn *c, int side, uint32_t seq, const void *buf, size_t len)
{
	emit_at(c, c->t, side, seq, c->e[side].ack, F_ACK | F_PSH, buf, len);
}

void seg_ack(struct conn *c, int side, uint32_t ackno)
{
	emit_at(c, c->t, side, c->e[side].seq, ackno, F_ACK, NULL, 0);
}

void reply(struct conn *c, const char *s)
{
	delay(c);
	send_s(c, s);
}

void cmd(struct conn *c, const char *command, const char *rep)
{
	think(c);
	send_c(c, command);
	if (rep)
		reply(c, rep);
}

void ehlo_reply(char *buf, size_t n, const char *host, const char *const *ext)
{
	size_t off = 0;
	int last = !ext || !ext[0];
	off += (size_t)snprintf(buf + off, n - off, "250%c%s\r\n", last ? ' ' : '-', host);
	for (int i = 0; ext && ext[i]; i++) {
		last = !ext[i + 1];
		off += (size_t)snprintf(buf + off, n - off, "250%c%s\r\n", last ? ' ' : '-', ext[i]);
		if (off >= n)
			die("EHLO reply too long");
	}
}

/* ---- messages ---- */

struct sbuf {
	char *p;
	size_t len, alloc;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->alloc) {
		while (b->len + n + 1 > b->alloc)
			b->alloc = b->alloc ? b->alloc * 2 : 1024;
		b->p = realloc(b->p, b->alloc);
		if (!b->p)
			die("out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[1100];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		die("line too long");
	sb_add(b, tmp, (size_t)n);
}

static const char *const lorem[] = {
	"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.",
	"Tempor incididunt ut labore et dolore magna aliqua; ut enim ad minim.",
	"Veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea.",
	"Commodo consequat. Duis aute irure dolor in reprehenderit in voluptate.",
	"Velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occae.",
	"Cat cupidatat non proident, sunt in culpa qui officia deserunt mollit.",
	"Anim id est laborum: quarterly figures attached below for the record.",
	"Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusan.",
};

/* Line n of the body.  Some lines start with a dot so the wire form needs
 * dot-stuffing: a lone "." (would end DATA early), a ".." line and lines
 * that merely begin with ".". */
static void body_line(struct sbuf *b, int n)
{
	if (n == 5)
		sb_add(b, ".\r\n", 3);
	else if (n == 9)
		sb_add(b, "..\r\n", 4);
	else if (n % 12 == 0)
		sb_printf(b, ".%04d %s\r\n", n, lorem[n % 8]);
	else
		sb_printf(b, "%04d %s\r\n", n, lorem[n % 8]);
}

/* approx: add lines until at least that size; exact: hit the size exactly by
 * padding the last line (for BDAT chunk arithmetic). */
void msg_make(struct msg *m, const char *from, const char *to, const char *subject,
	      const char *msgid, size_t approx, size_t exact)
{
	struct sbuf b = {0}, w = {0};
	int n = 1;

	memset(m, 0, sizeof *m);
	snprintf(m->id, sizeof m->id, "%s", msgid);
	sb_printf(&b, "From: %s\r\n", from);
	sb_printf(&b, "To: %s\r\n", to);
	sb_printf(&b, "Subject: %s\r\n", subject);
	sb_add(&b, "Date: Fri, 20 Nov 2026 02:58:17 +0000\r\n", 39);
	sb_printf(&b, "Message-ID: <%s>\r\n", msgid);
	sb_add(&b, "MIME-Version: 1.0\r\n", 19);
	sb_add(&b, "Content-Type: text/plain; charset=us-ascii\r\n", 44);
	sb_add(&b, "Content-Transfer-Encoding: 7bit\r\n", 33);
	sb_add(&b, "\r\n", 2);
	if (exact) {
		if (b.len + 8 > exact)
			die("exact message size too small");
		while (exact - b.len > 160)
			body_line(&b, n++);
		size_t pad = exact - b.len - 2;
		for (size_t i = 0; i < pad; i++) {
			char ch = "Padding to the exact chunk size. "[i % 33];
			sb_add(&b, &ch, 1);
		}
		sb_add(&b, "\r\n", 2);
	} else {
		while (b.len < approx)
			body_line(&b, n++);
	}

	for (size_t i = 0; i < b.len;) {
		const char *eol = strstr(b.p + i, "\r\n");
		size_t ll = (size_t)(eol - (b.p + i)) + 2;
		if (b.p[i] == '.') {
			sb_add(&w, ".", 1);
			m->stuffed++;
		}
		sb_add(&w, b.p + i, ll);
		i += ll;
	}
	sb_add(&w, ".\r\n", 3);
	m->text = b.p;
	m->len = b.len;
	m->wire = w.p;
	m->wlen = w.len;
}

void msg_free(struct msg *m)
{
	free(m->text);
	free(m->wire);
	memset(m, 0, sizeof *m);
}

void note(const char *fmt, ...)
{
	va_list ap;
	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void note_msg(const char *what, const struct msg *m)
{
	note("  %s: message_id=<%s> message_octets=%zu data_bytes=%zu wire_octets=%zu "
	     "(incl. \".\\r\\n\") stuffed_lines=%d\n",
	     what, m->id, m->len, m->len - 2, m->wlen, m->stuffed);
}

/* ---- TLS-looking records ---- */

static size_t rec_hdr(uint8_t *out, uint8_t type, uint16_t ver, size_t len)
{
	out[0] = type;
	put16(out + 1, ver);
	put16(out + 3, (uint16_t)len);
	return 5;
}

/* A well-formed TLS 1.3 ClientHello so dissectors parse it cleanly. */
size_t tls_client_hello(struct cap *cap, uint8_t *out, const char *sni)
{
	uint8_t *h = out + 5, *p;
	size_t sl = strlen(sni);

	p = h + 4;
	put16(p, 0x0303);
	p += 2;
	rnd_bytes(cap, p, 32);
	p += 32;
	*p++ = 32;
	rnd_bytes(cap, p, 32);
	p += 32;
	put16(p, 6);
	put16(p + 2, 0x1301);
	put16(p + 4, 0x1302);
	put16(p + 6, 0x1303);
	p += 8;
	*p++ = 1;
	*p++ = 0;
	uint8_t *extl = p;
	p += 2;
	put16(p, 0x0000); /* server_name */
	put16(p + 2, (uint16_t)(sl + 5));
	put16(p + 4, (uint16_t)(sl + 3));
	p[6] = 0;
	put16(p + 7, (uint16_t)sl);
	memcpy(p + 9, sni, sl);
	p += 9 + sl;
	static const uint8_t fixed[] = {
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x1d,       /* supported_groups x25519 */
		0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x08, 0x04,       /* signature_algorithms */
		0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04,             /* supported_versions 1.3 */
		0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, /* key_share */
	};
	memcpy(p, fixed, sizeof fixed);
	p += sizeof fixed;
	rnd_bytes(cap, p, 32);
	p += 32;
	put16(extl, (uint16_t)(p - extl - 2));
	size_t hl = (size_t)(p - h);
	h[0] = 1;
	h[1] = (uint8_t)((hl - 4) >> 16);
	put16(h + 2, (uint16_t)(hl - 4));
	rec_hdr(out, 0x16, 0x0301, hl);
	return 5 + hl;
}

/* ServerHello + ChangeCipherSpec + one encrypted record standing in for
 * EncryptedExtensions/Certificate/CertificateVerify/Finished. */
size_t tls_server_flight(struct cap *cap, uint8_t *out, size_t certlen)
{
	uint8_t *h = out + 5, *p = h + 4;
	put16(p, 0x0303);
	p += 2;
	rnd_bytes(cap, p, 32);
	p += 32;
	*p++ = 32;
	rnd_bytes(cap, p, 32);
	p += 32;
	put16(p, 0x1302);
	p += 2;
	*p++ = 0;
	static const uint8_t ext[] = {
		0x00, 0x2e,                                           /* extensions length 46 */
		0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
		0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,
	};
	memcpy(p, ext, sizeof ext);
	p += sizeof ext;
	rnd_bytes(cap, p, 32);
	p += 32;
	size_t hl = (size_t)(p - h);
	h[0] = 2;
	h[1] = 0;
	put16(h + 2, (uint16_t)(hl - 4));
	rec_hdr(out, 0x16, 0x0303, hl);
	p = out + 5 + hl;
	p += rec_hdr(p, 0x14, 0x0303, 1);
	*p++ = 1;
	p += tls_record(cap, p, 0x17, certlen);
	return (size_t)(p - out);
}

size_t tls_record(struct cap *cap, uint8_t *out, uint8_t type, size_t len)
{
	rec_hdr(out, type, 0x0303, len);
	rnd_bytes(cap, out + 5, len);
	return 5 + len;
}
