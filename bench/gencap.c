/* gencap.c — a large, deterministic, realistic SMTP capture for benchmarks.
 *
 *   gencap [-s MB] [-c CONCURRENT] [-b MIN_BODY_BYTES] [-B MAX_BODY_KB] [-S SEED] [-z] [-q] -o FILE
 *
 * Writes a classic little-endian pcap (microsecond timestamps, DLT_EN10MB)
 * with fwrite: Ethernet / IPv4 / TCP, correct IP total lengths, IP header
 * checksums and TCP checksums (-z leaves both checksums 0, a little faster).
 *
 * Up to CONCURRENT (default 2000) SMTP sessions are in flight at once; each
 * is a full dialogue: SYN/SYN-ACK/ACK, 220 banner, EHLO and a multi-line 250,
 * MAIL, 1-3 RCPT, DATA, 354, a message (headers + body, total 1 KB - 5 MB,
 * log-uniform; -B lowers the top, e.g. -B 64 for many small messages, -b
 * the bottom, e.g. -b 300 -B 4 for a busy gateway's small mail) with dot-stuffed lines, ".", 250, QUIT, 221 and the FIN
 * handshake.  Body segments are 1448 bytes (TCP timestamps option, so the
 * frames are 1514 bytes), the server ACKs every second segment; about 0.5%
 * of the body segments arrive out of order (swapped with the next one) and
 * about 0.5% are retransmitted.  A few percent of the sessions fail: RST in
 * the middle of DATA (1%), 4xx (1%: MAIL greylisted, or the final reply),
 * 5xx (1%: every RCPT refused, or the final reply) and timeouts (1%: the
 * server never answers the final dot; the client gives up with a RST 330 s
 * later, so an analyser with a 300 s idle timeout sees an idle session).
 * Half the sessions are inbound (remote client -> gateway 192.0.2.10:25),
 * half outbound (gateway -> remote server :25); remote hosts are in
 * 198.18.0.0/15 (RFC 2544 benchmarking addresses).
 *
 * Sessions are started until their estimated sizes add up to the target, so
 * the file comes out within about a percent of -s MB.  Packets are written
 * in timestamp order (a heap keyed on each session's next packet).  Same
 * arguments, same bytes: everything comes from one seeded PRNG.
 *
 * A summary (packets, bytes, sessions, failures by kind, the most sessions
 * in flight at once) goes to stderr, and as one JSON line to stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- PRNG: splitmix64 seeding xoshiro256** ---- */

static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

/* uniform in [0, n) */
static uint32_t rnd_below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

static double rnd_unit(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* log-uniform in [lo, hi] */
static double rnd_logu(double lo, double hi)
{
	return exp(log(lo) + rnd_unit() * (log(hi) - log(lo)));
}

/* ---- the body text: 8 MB of CRLF lines, some dot-stuffed ---- */

#define BODY_BUF (8u << 20)
static uint32_t BODY_MIN = 1024u; /* -b BYTES */

static uint32_t BODY_MAX = 5u << 20; /* -B KB */
static char *body;
static uint32_t body_len;
static uint32_t *line_start; /* offsets of line starts, plus body_len at the end */
static uint32_t nlines;

static const char *const words[] = {
	"the", "quarterly", "report", "attached", "please", "review", "and", "confirm",
	"meeting", "schedule", "invoice", "shipment", "delivery", "status", "account",
	"customer", "support", "ticket", "update", "regards", "thanks", "for", "your",
	"order", "number", "payment", "received", "project", "deadline", "budget",
	"=E2=80=94", "https://example.com/track?id=", "Lorem", "ipsum", "dolor", "sit",
	"amet,", "consectetur", "adipiscing", "elit.", "--", "MIME", "boundary",
};

static void make_body(void)
{
	body = malloc(BODY_BUF + 256);
	line_start = malloc(sizeof *line_start * (BODY_BUF / 2 + 2));
	if (!body || !line_start) {
		perror("malloc");
		exit(1);
	}
	uint32_t n = 0;
	nlines = 0;
	while (n < BODY_BUF) {
		line_start[nlines++] = n;
		uint32_t r = rnd_below(1000);
		if (r < 10) { /* empty line */
			body[n++] = '\r';
			body[n++] = '\n';
			continue;
		}
		uint32_t want = 20 + rnd_below(58);
		uint32_t len = 0;
		if (r < 35) { /* a line starting with '.', stuffed on the wire */
			body[n++] = '.';
			body[n++] = '.';
			len = 2;
		}
		while (len < want) {
			const char *w = words[rnd_below(sizeof words / sizeof words[0])];
			size_t wl = strlen(w);
			memcpy(body + n, w, wl);
			n += (uint32_t)wl;
			len += (uint32_t)wl;
			if (len < want) {
				body[n++] = ' ';
				len++;
			}
		}
		body[n++] = '\r';
		body[n++] = '\n';
	}
	body_len = n;
	line_start[nlines] = body_len;
}

/* First line start at or after off. */
static uint32_t line_at_or_after(uint32_t off)
{
	uint32_t lo = 0, hi = nlines;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (line_start[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- sessions ---- */

enum st { ST_CONNECT, ST_EHLO, ST_MAIL, ST_RCPT, ST_DATA, ST_BODY, ST_EOD, ST_TIMEOUT,
	  ST_QUIT, ST_CLOSE, ST_DONE };
enum fail { F_NONE, F_RST, F_MAIL_4XX, F_EOD_4XX, F_RCPT_5XX, F_EOD_5XX, F_TIMEOUT, F__N };
static const char *const fail_name[F__N] = {
	"ok", "rst_mid_data", "mail_4xx", "final_4xx", "rcpt_5xx", "final_5xx", "timeout",
};
enum src { SRC_NONE, SRC_CTEXT, SRC_STEXT, SRC_STREAM };

#define TF_FIN 0x01
#define TF_SYN 0x02
#define TF_RST 0x04
#define TF_PSH 0x08
#define TF_ACK 0x10

#define MSS 1448u
#define QMAX 12

struct pk {
	int64_t ts;
	uint8_t dir; /* 0: client -> server, 1: server -> client */
	uint8_t flags;
	uint8_t src;
	uint32_t seq, ack;
	uint32_t off, len; /* payload: [off, off+len) of the text or the message stream */
};

struct sess {
	int64_t last;    /* time of the last packet queued */
	uint32_t hidx;   /* position in the heap */
	uint64_t id;
	uint32_t ip[2];  /* [0] client, [1] server */
	uint16_t port[2];
	uint8_t mac_remote_is_client;
	uint32_t isn[2], nxt[2];
	uint16_t ipid[2];
	uint8_t ttl[2];
	uint32_t rtt, proc, seg_gap;
	uint8_t st, fail, nrcpt, rcpt_i, rcpt_ok, rst_side;
	/* the message as sent after 354: hdr, then body[bstart, bstart+blen), then ".\r\n" */
	uint32_t hdr_len, bstart, blen, stream_len, pos, seq0, rst_at;
	char ctext[512], stext[512];
	uint32_t clen, slen;
	char hdr[640];
	struct pk q[QMAX];
	uint32_t qh, qn;
};

static const uint8_t MAC_GW[6] = { 0x02, 0x00, 0x00, 0xc0, 0x02, 0x0a };
static const uint8_t MAC_RT[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
#define GW_IP 0xc000020au /* 192.0.2.10 */
#define REMOTE_BASE 0xc6120000u /* 198.18.0.0/15 */
#define REMOTE_HOSTS 20000u

/* ---- output ---- */

static FILE *out;
static bool want_csum = true;
static uint64_t n_packets, n_bytes; /* bytes: file bytes written, headers included */
static uint64_t n_ooo, n_retx;
static uint8_t frame[16 + 14 + 20 + 40 + MSS + 64];

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t acc = sum;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
		p += 8;
		n -= 8;
	}
	while (n >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		n -= 2;
	}
	if (n) {
		uint16_t w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

static uint16_t csum_fin(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void putle32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Copies the payload of a packet into dst. */
static void payload(const struct sess *s, const struct pk *k, uint8_t *dst)
{
	if (k->src == SRC_CTEXT) {
		memcpy(dst, s->ctext + k->off, k->len);
	} else if (k->src == SRC_STEXT) {
		memcpy(dst, s->stext + k->off, k->len);
	} else if (k->src == SRC_STREAM) {
		uint32_t off = k->off, len = k->len;
		while (len) {
			uint32_t n;
			if (off < s->hdr_len) {
				n = s->hdr_len - off;
				if (n > len)
					n = len;
				memcpy(dst, s->hdr + off, n);
			} else if (off < s->hdr_len + s->blen) {
				uint32_t b = off - s->hdr_len;
				n = s->blen - b;
				if (n > len)
					n = len;
				memcpy(dst, body + s->bstart + b, n);
			} else {
				uint32_t e = off - s->hdr_len - s->blen;
				n = 3 - e;
				if (n > len)
					n = len;
				memcpy(dst, &".\r\n"[e], n);
			}
			dst += n;
			off += n;
			len -= n;
		}
	}
}

static void write_packet(struct sess *s, const struct pk *k)
{
	int d = k->dir, o = 1 - d;
	bool syn = k->flags & TF_SYN;
	uint32_t optlen = syn ? 20 : 12;
	uint32_t tcplen = 20 + optlen + k->len;
	uint32_t iplen = 20 + tcplen;
	uint32_t caplen = 14 + iplen;
	uint8_t *p = frame;

	putle32(p, (uint32_t)(k->ts / 1000000));
	putle32(p + 4, (uint32_t)(k->ts % 1000000));
	putle32(p + 8, caplen);
	putle32(p + 12, caplen);
	p += 16;

	/* Ethernet: the gateway's MAC on its side, the router's on the other */
	bool from_gw = s->ip[d] == GW_IP;
	memcpy(p, from_gw ? MAC_RT : MAC_GW, 6);
	memcpy(p + 6, from_gw ? MAC_GW : MAC_RT, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	p += 14;

	uint8_t *ip = p;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)iplen);
	put16(ip + 4, s->ipid[d]++);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = s->ttl[d];
	ip[9] = 6;
	ip[10] = ip[11] = 0;
	put32(ip + 12, s->ip[d]);
	put32(ip + 16, s->ip[o]);
	if (want_csum) {
		uint16_t c = csum_fin(csum_add(0, ip, 20));
		memcpy(ip + 10, &c, 2);
	}
	p += 20;

	uint8_t *tcp = p;
	put16(tcp, s->port[d]);
	put16(tcp + 2, s->port[o]);
	put32(tcp + 4, k->seq);
	put32(tcp + 8, (k->flags & TF_ACK) ? k->ack : 0);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = k->flags;
	put16(tcp + 14, 64240);
	tcp[16] = tcp[17] = 0; /* checksum */
	tcp[18] = tcp[19] = 0;
	uint8_t *op = tcp + 20;
	uint32_t tsval = (uint32_t)(k->ts / 1000) + s->isn[d];
	uint32_t tsecr = (k->flags & TF_ACK) ? (uint32_t)(k->ts / 1000) + s->isn[o] - s->rtt / 1000 : 0;
	if (syn) {
		op[0] = 2; op[1] = 4; put16(op + 2, 1460);     /* MSS */
		op[4] = 4; op[5] = 2;                          /* SACK permitted */
		op[6] = 8; op[7] = 10; put32(op + 8, tsval); put32(op + 12, tsecr);
		op[16] = 1;                                    /* NOP */
		op[17] = 3; op[18] = 3; op[19] = 7;            /* window scale 7 */
	} else {
		op[0] = 1; op[1] = 1;
		op[2] = 8; op[3] = 10; put32(op + 4, tsval); put32(op + 8, tsecr);
	}
	payload(s, k, tcp + 20 + optlen);
	if (want_csum) {
		uint8_t ph[12];
		put32(ph, s->ip[d]);
		put32(ph + 4, s->ip[o]);
		ph[8] = 0;
		ph[9] = 6;
		put16(ph + 10, (uint16_t)tcplen);
		uint16_t c = csum_fin(csum_add(csum_add(0, ph, 12), tcp, tcplen));
		memcpy(tcp + 16, &c, 2);
	}
	size_t total = 16 + caplen;
	if (fwrite(frame, 1, total, out) != total) {
		perror("write");
		exit(1);
	}
	n_packets++;
	n_bytes += total;
}

/* ---- building a session's packets ---- */

static void push(struct sess *s, int64_t ts, int dir, uint8_t flags, uint8_t src, uint32_t seq,
		 uint32_t off, uint32_t len)
{
	if (s->qn >= QMAX) {
		fprintf(stderr, "gencap: queue overflow\n");
		exit(1);
	}
	if (ts < s->last)
		ts = s->last;
	s->last = ts;
	struct pk *k = &s->q[(s->qh + s->qn++) % QMAX];
	k->ts = ts;
	k->dir = (uint8_t)dir;
	k->flags = flags;
	k->src = src;
	k->seq = seq;
	k->ack = s->nxt[1 - dir];
	k->off = off;
	k->len = len;
}

/* A text from one side (one segment: every text here is < MSS). */
static void say(struct sess *s, int64_t ts, int dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void say(struct sess *s, int64_t ts, int dir, const char *fmt, ...)
{
	char *buf = dir == 0 ? s->ctext : s->stext;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof s->ctext, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof s->ctext) {
		fprintf(stderr, "gencap: text too long\n");
		exit(1);
	}
	push(s, ts, dir, TF_ACK | TF_PSH, dir == 0 ? SRC_CTEXT : SRC_STEXT, s->nxt[dir], 0,
	     (uint32_t)n);
	s->nxt[dir] += (uint32_t)n;
}

/* A dialogue turn: the client says something an RTT after the server's last
 * packet, the server answers after its processing time. */
#define CMD(s, ...) say(s, (s)->last + (s)->rtt, 0, __VA_ARGS__)
#define REPLY(s, delay, ...) say(s, (s)->last + (delay), 1, __VA_ARGS__)

static const char *const domains[] = {
	"example.com", "example.net", "example.org", "mail.example", "corp.example",
	"shop.example", "news.example", "bank.example",
};

static void refill(struct sess *s)
{
	char client_name[64];
	const char *dom = domains[s->id % (sizeof domains / sizeof domains[0])];
	const char *rdom = domains[(s->id / 7 + 3) % (sizeof domains / sizeof domains[0])];

	switch (s->st) {
	case ST_CONNECT:
		push(s, s->last, 0, TF_SYN, SRC_NONE, s->isn[0], 0, 0);
		s->nxt[0] = s->isn[0] + 1;
		push(s, s->last + 40 + rnd_below(200), 1, TF_SYN | TF_ACK, SRC_NONE, s->isn[1], 0, 0);
		s->nxt[1] = s->isn[1] + 1;
		push(s, s->last + s->rtt, 0, TF_ACK, SRC_NONE, s->nxt[0], 0, 0);
		REPLY(s, 200 + rnd_below(5000), "220 mx%u.%s ESMTP Postfix (Debian/GNU)\r\n",
		      (unsigned)(s->id % 97), rdom);
		s->st = ST_EHLO;
		break;
	case ST_EHLO:
		snprintf(client_name, sizeof client_name, "relay%u.%s", (unsigned)(s->id % 89), dom);
		CMD(s, "EHLO %s\r\n", client_name);
		REPLY(s, s->proc,
		      "250-mx%u.%s\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-VRFY\r\n"
		      "250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
		      "250-DSN\r\n250 SMTPUTF8\r\n",
		      (unsigned)(s->id % 97), rdom);
		s->st = ST_MAIL;
		break;
	case ST_MAIL:
		CMD(s, "MAIL FROM:<sender%" PRIu64 "@%s> SIZE=%u\r\n", s->id, dom,
		    s->stream_len);
		if (s->fail == F_MAIL_4XX) {
			REPLY(s, s->proc, "451 4.7.1 <sender%" PRIu64
			      "@%s>: Sender address rejected: Greylisted, try again later\r\n",
			      s->id, dom);
			s->st = ST_QUIT;
		} else {
			REPLY(s, s->proc, "250 2.1.0 Ok\r\n");
			s->st = ST_RCPT;
		}
		break;
	case ST_RCPT:
		CMD(s, "RCPT TO:<user%u.%u@%s>\r\n", (unsigned)(s->id % 1000), s->rcpt_i, rdom);
		if (s->fail == F_RCPT_5XX) {
			REPLY(s, s->proc, "550 5.1.1 <user%u.%u@%s>: Recipient address rejected: "
			      "User unknown in local recipient table\r\n",
			      (unsigned)(s->id % 1000), s->rcpt_i, rdom);
		} else {
			REPLY(s, s->proc, "250 2.1.5 Ok\r\n");
			s->rcpt_ok++;
		}
		if (++s->rcpt_i >= s->nrcpt)
			s->st = s->rcpt_ok ? ST_DATA : ST_QUIT;
		break;
	case ST_DATA:
		CMD(s, "DATA\r\n");
		REPLY(s, s->proc, "354 End data with <CR><LF>.<CR><LF>\r\n");
		s->seq0 = s->nxt[0];
		s->pos = 0;
		s->st = ST_BODY;
		break;
	case ST_BODY: {
		if (s->fail == F_RST && s->pos >= s->rst_at) {
			int side = s->rst_side;
			push(s, s->last + (side ? s->proc : s->seg_gap), side, TF_RST | TF_ACK, SRC_NONE,
			     side ? s->nxt[1] : s->seq0 + s->pos, 0, 0);
			s->st = ST_DONE;
			break;
		}
		/* the next two segments, then the server's ACK */
		uint32_t off[2], len[2];
		int n = 0;
		uint32_t pos = s->pos;
		while (n < 2 && pos < s->stream_len && !(s->fail == F_RST && pos >= s->rst_at)) {
			off[n] = pos;
			len[n] = s->stream_len - pos < MSS ? s->stream_len - pos : MSS;
			pos += len[n];
			n++;
		}
		int order[2] = { 0, 1 };
		if (n == 2 && rnd_below(1000) < 10) { /* out of order: the second arrives first */
			order[0] = 1;
			order[1] = 0;
			n_ooo++;
		}
		/* the client has received everything the server sent */
		for (int i = 0; i < n; i++) {
			int j = order[i];
			uint8_t fl = TF_ACK;
			if (off[j] + len[j] == s->stream_len)
				fl |= TF_PSH;
			push(s, s->last + s->seg_gap, 0, fl, SRC_STREAM, s->seq0 + off[j], off[j], len[j]);
			if (rnd_below(1000) < 5) { /* the same segment again */
				push(s, s->last + s->seg_gap / 2 + 1, 0, fl, SRC_STREAM, s->seq0 + off[j],
				     off[j], len[j]);
				n_retx++;
			}
		}
		s->pos = pos;
		s->nxt[0] = s->seq0 + pos;
		push(s, s->last + 30 + rnd_below(200), 1, TF_ACK, SRC_NONE, s->nxt[1], 0, 0);
		if (s->pos >= s->stream_len)
			s->st = s->fail == F_TIMEOUT ? ST_TIMEOUT : ST_EOD;
		break;
	}
	case ST_EOD: {
		uint32_t delay = 5000 + rnd_below(45000);
		if (s->fail == F_EOD_4XX)
			REPLY(s, delay, "451 4.3.0 Error: queue file write error\r\n");
		else if (s->fail == F_EOD_5XX)
			REPLY(s, delay, "554 5.7.1 Message rejected as spam (score 12.3)\r\n");
		else
			REPLY(s, delay, "250 2.0.0 Ok: queued as %08" PRIX64 "%04X\r\n", s->id,
			      (unsigned)rnd_below(65536));
		s->st = ST_QUIT;
		break;
	}
	case ST_TIMEOUT:
		/* the server never answered; the client gives up 330-390 s later */
		push(s, s->last + 330000000 + rnd_below(60000000), 0, TF_RST | TF_ACK, SRC_NONE,
		     s->nxt[0], 0, 0);
		s->st = ST_DONE;
		break;
	case ST_QUIT:
		CMD(s, "QUIT\r\n");
		REPLY(s, s->proc, "221 2.0.0 Bye\r\n");
		s->st = ST_CLOSE;
		break;
	case ST_CLOSE:
		/* the server closes after 221; the client answers with its FIN */
		push(s, s->last + 20 + rnd_below(100), 1, TF_FIN | TF_ACK, SRC_NONE, s->nxt[1], 0, 0);
		s->nxt[1]++;
		push(s, s->last + s->rtt, 0, TF_FIN | TF_ACK, SRC_NONE, s->nxt[0], 0, 0);
		s->nxt[0]++;
		push(s, s->last + 20 + rnd_below(100), 1, TF_ACK, SRC_NONE, s->nxt[1], 0, 0);
		s->st = ST_DONE;
		break;
	default:
		break;
	}
}

/* ---- the schedule: a min-heap of sessions keyed on their next packet ---- */

static struct sess **heap;
static uint32_t hn;

static inline int64_t key(const struct sess *s)
{
	return s->q[s->qh].ts;
}

static void hswap(uint32_t a, uint32_t b)
{
	struct sess *t = heap[a];
	heap[a] = heap[b];
	heap[b] = t;
	heap[a]->hidx = a;
	heap[b]->hidx = b;
}

static void hup(uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (key(heap[p]) <= key(heap[i]))
			break;
		hswap(p, i);
		i = p;
	}
}

static void hdown(uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < hn && key(heap[l]) < key(heap[m]))
			m = l;
		if (r < hn && key(heap[r]) < key(heap[m]))
			m = r;
		if (m == i)
			break;
		hswap(i, m);
		i = m;
	}
}

/* ---- starting sessions ---- */

static uint64_t target_bytes, committed, next_id = 1;
static uint64_t n_sessions, n_fail[F__N], max_inflight;
static uint16_t gw_port = 32768;

static uint64_t estimate(const struct sess *s)
{
	uint64_t dialogue = 2400;
	if (s->fail == F_MAIL_4XX || s->fail == F_RCPT_5XX)
		return dialogue;
	uint64_t data = s->fail == F_RST ? s->rst_at : s->stream_len;
	uint64_t segs = (data + MSS - 1) / MSS;
	return dialogue + data + segs * (16 + 14 + 20 + 32) + (segs + 1) / 2 * (16 + 14 + 20 + 32);
}

static struct sess *start_session(int64_t t)
{
	struct sess *s = calloc(1, sizeof *s);
	if (!s) {
		perror("calloc");
		exit(1);
	}
	s->id = next_id++;
	uint32_t remote = REMOTE_BASE + 1 + rnd_below(REMOTE_HOSTS);
	bool inbound = rnd_below(2);
	if (inbound) {
		s->ip[0] = remote;
		s->port[0] = (uint16_t)(1024 + rnd_below(64000));
		s->ip[1] = GW_IP;
		s->port[1] = 25;
		s->ttl[0] = (uint8_t)(40 + rnd_below(20));
		s->ttl[1] = 64;
	} else {
		s->ip[0] = GW_IP;
		s->port[0] = gw_port;
		gw_port = gw_port >= 60999 ? 32768 : gw_port + 1;
		s->ip[1] = remote;
		s->port[1] = 25;
		s->ttl[0] = 64;
		s->ttl[1] = (uint8_t)(40 + rnd_below(20));
	}
	s->isn[0] = (uint32_t)rnd();
	s->isn[1] = (uint32_t)rnd();
	s->ipid[0] = (uint16_t)rnd();
	s->ipid[1] = (uint16_t)rnd();
	s->rtt = (uint32_t)rnd_logu(500, 150000);
	s->proc = 100 + rnd_below(2000);
	s->seg_gap = (uint32_t)(MSS * 8.0 / rnd_logu(1, 100)); /* 1-100 Mbit/s, in us */
	if (s->seg_gap < 20)
		s->seg_gap = 20;
	s->nrcpt = (uint8_t)(1 + rnd_below(3));

	/* the message: headers, then a slice of the body text on line boundaries */
	uint32_t want = (uint32_t)rnd_logu(BODY_MIN, BODY_MAX);
	int hl = snprintf(s->hdr, sizeof s->hdr,
			  "Received: from relay%u.%s (relay.%s [198.18.%u.%u])\r\n"
			  "\tby mx.example.com (Postfix) with ESMTP id %08" PRIX64 "\r\n"
			  "\tfor <user%u.0@example.com>; Fri, 20 Nov 2026 03:00:00 +0000 (UTC)\r\n"
			  "From: \"Sender %" PRIu64 "\" <sender%" PRIu64 "@example.com>\r\n"
			  "To: <user%u.0@example.com>\r\n"
			  "Subject: Benchmark message %" PRIu64 " of gencap\r\n"
			  "Message-ID: <%" PRIu64 ".%08x@gencap.example>\r\n"
			  "Date: Fri, 20 Nov 2026 03:00:00 +0000\r\n"
			  "MIME-Version: 1.0\r\n"
			  "Content-Type: text/plain; charset=utf-8\r\n"
			  "Content-Transfer-Encoding: quoted-printable\r\n"
			  "\r\n",
			  (unsigned)(s->id % 89), domains[s->id % 8], domains[s->id % 8],
			  (unsigned)((remote >> 8) & 0xff), (unsigned)(remote & 0xff), s->id,
			  (unsigned)(s->id % 1000), s->id, s->id, (unsigned)(s->id % 1000), s->id, s->id,
			  (unsigned)rnd());
	s->hdr_len = (uint32_t)hl;
	uint32_t blen_want = want > s->hdr_len ? want - s->hdr_len : 0;
	uint32_t first = rnd_below(line_at_or_after(body_len - blen_want));
	uint32_t last = line_at_or_after(line_start[first] + blen_want);
	s->bstart = line_start[first];
	s->blen = line_start[last] - s->bstart;
	s->stream_len = s->hdr_len + s->blen + 3;

	uint32_t r = rnd_below(1000);
	s->fail = r < 10 ? F_RST : r < 15 ? F_MAIL_4XX : r < 20 ? F_EOD_4XX : r < 25 ? F_RCPT_5XX
		: r < 30 ? F_EOD_5XX : r < 40 ? F_TIMEOUT : F_NONE;
	if (s->fail == F_RST) {
		/* on a segment boundary before the last segment, so the dot is never sent */
		s->rst_at = rnd_below((s->stream_len + MSS - 1) / MSS) * MSS;
		s->rst_side = (uint8_t)(rnd_below(10) < 3);
	}
	n_fail[s->fail]++;
	n_sessions++;
	committed += estimate(s);

	s->last = t;
	s->st = ST_CONNECT;
	refill(s);
	s->hidx = hn;
	heap[hn++] = s;
	hup(s->hidx);
	if (hn > max_inflight)
		max_inflight = hn;
	return s;
}

static void usage(void)
{
	fprintf(stderr, "usage: gencap [-s MB] [-c CONCURRENT] [-b MIN_BODY_BYTES] [-B MAX_BODY_KB] [-S SEED] [-z] [-q] -o FILE\n");
	exit(1);
}

int main(int argc, char **argv)
{
	double mb = 200;
	uint32_t conc = 2000;
	uint64_t seed = 1;
	const char *path = NULL;
	bool quiet = false;
	int c;
	while ((c = getopt(argc, argv, "s:c:b:B:S:o:zq")) != -1) {
		switch (c) {
		case 's': mb = atof(optarg); break;
		case 'c': conc = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'b': BODY_MIN = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'B': BODY_MAX = (uint32_t)strtoul(optarg, NULL, 10) << 10; break;
		case 'S': seed = strtoull(optarg, NULL, 10); break;
		case 'o': path = optarg; break;
		case 'z': want_csum = false; break;
		case 'q': quiet = true; break;
		default: usage();
		}
	}
	if (!path || mb <= 0 || conc == 0 || BODY_MIN < 64 || BODY_MAX < 2 * BODY_MIN || BODY_MAX > (5u << 20))
		usage();
	uint64_t sm = seed;
	for (int i = 0; i < 4; i++)
		rs[i] = splitmix(&sm);
	target_bytes = (uint64_t)(mb * 1048576.0);

	out = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	if (!out) {
		fprintf(stderr, "gencap: %s: %s\n", path, strerror(errno));
		return 1;
	}
	static char obuf[1 << 22];
	setvbuf(out, obuf, _IOFBF, sizeof obuf);
	uint8_t gh[24];
	putle32(gh, 0xa1b2c3d4);
	gh[4] = 2; gh[5] = 0; gh[6] = 4; gh[7] = 0;
	memset(gh + 8, 0, 8);
	putle32(gh + 16, 262144);
	putle32(gh + 20, 1); /* DLT_EN10MB */
	fwrite(gh, 1, 24, out);
	n_bytes = 24;

	make_body();
	heap = calloc(conc, sizeof *heap);
	const int64_t t0 = 1795143600LL * 1000000; /* 2026-11-20 03:00:00 UTC */
	/* the first sessions open over the first second */
	for (uint32_t i = 0; i < conc && committed < target_bytes; i++)
		start_session(t0 + (int64_t)rnd_below(1000000));

	while (hn > 0) {
		struct sess *s = heap[0];
		struct pk *k = &s->q[s->qh];
		int64_t now = k->ts;
		write_packet(s, k);
		s->qh = (s->qh + 1) % QMAX;
		s->qn--;
		if (s->qn == 0 && s->st != ST_DONE)
			refill(s);
		if (s->qn > 0) {
			hdown(0);
			continue;
		}
		/* finished: out of the heap, and a new one in its place while the
		 * budget lasts */
		heap[0] = heap[--hn];
		if (hn > 0) {
			heap[0]->hidx = 0;
			hdown(0);
		}
		free(s);
		if (committed < target_bytes)
			start_session(now + 1 + rnd_below(2000));
	}
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0)) {
		perror("gencap: write");
		return 1;
	}
	if (!quiet) {
		fprintf(stderr, "gencap: %s: %" PRIu64 " bytes, %" PRIu64 " packets, %" PRIu64
			" sessions (at most %" PRIu64 " in flight), %" PRIu64 " out-of-order, %" PRIu64
			" retransmitted segments; failures:",
			path, n_bytes, n_packets, n_sessions, max_inflight, n_ooo, n_retx);
		for (int i = 1; i < F__N; i++)
			fprintf(stderr, " %s %" PRIu64, fail_name[i], n_fail[i]);
		fprintf(stderr, "\n");
	}
	if (out != stdout) {
		printf("{\"file\":\"%s\",\"bytes\":%" PRIu64 ",\"packets\":%" PRIu64 ",\"sessions\":%"
		       PRIu64 ",\"max_in_flight\":%" PRIu64 ",\"out_of_order\":%" PRIu64
		       ",\"retransmitted\":%" PRIu64,
		       path, n_bytes, n_packets, n_sessions, max_inflight, n_ooo, n_retx);
		for (int i = 0; i < F__N; i++)
			printf(",\"%s\":%" PRIu64, fail_name[i], n_fail[i]);
		printf("}\n");
	}
	free(heap);
	free(body);
	free(line_start);
	return 0;
}
