/* pkt.c - byte-level packet building (IPv4/IPv6/TCP, link layers) and pcap/pcapng writing. */
#include "gen.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPLEN 262144

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* pcapng is written little-endian (declared by the byte-order magic). */
static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	while (n > 1) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

void cap_init(struct cap *cap, enum link link)
{
	memset(cap, 0, sizeof *cap);
	cap->link = link;
	/* fixed seed: every sample gets the same jitter sequence, run after run */
	cap->rng = 0x2545f491u;
	cap->next_port = 40000;
}

uint32_t rnd(struct cap *cap, uint32_t lo, uint32_t hi)
{
	uint32_t x = cap->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	cap->rng = x;
	return lo + x % (hi - lo + 1);
}

void rnd_bytes(struct cap *cap, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(cap, 0, 255);
}

/* Builds the IP header(s) and TCP segment; returns the IP packet length. */
size_t build_ip_tcp(uint8_t *out, const struct conn *c, int side, int ttl, int ipid,
		    uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
		    const uint8_t *opt, size_t optlen, int hbh,
		    const uint8_t *data, size_t len)
{
	const struct ep *src = &c->e[side], *dst = &c->e[!side];
	size_t iphl = c->v6 ? 40 + (hbh ? 8 : 0) : 20;
	size_t thl = 20 + optlen;
	uint8_t *t = out + iphl;
	uint32_t s;

	put16(t, src->port);
	put16(t + 2, dst->port);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = flags;
	put16(t + 14, win);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (optlen)
		memcpy(t + 20, opt, optlen);
	if (len)
		memcpy(t + thl, data, len);

	if (c->v6) {
		out[0] = 0x60 | (uint8_t)((src->flow >> 16) & 0x0f);
		out[1] = (uint8_t)(src->flow >> 8);
		out[2] = (uint8_t)src->flow;
		out[3] = 0;
		put16(out + 4, (uint16_t)(iphl - 40 + thl + len));
		out[6] = hbh ? 0 : 6;
		out[7] = (uint8_t)ttl;
		memcpy(out + 8, src->ip, 16);
		memcpy(out + 24, dst->ip, 16);
		if (hbh) {
			/* Hop-by-Hop with a single PadN option: exercises header-chain walking */
			uint8_t *h = out + 40;
			h[0] = 6;
			h[1] = 0;
			h[2] = 1;
			h[3] = 4;
			memset(h + 4, 0, 4);
		}
		s = sum16(0, src->ip, 16);
		s = sum16(s, dst->ip, 16);
		s += (uint32_t)(thl + len);
		s += 6;
	} else {
		out[0] = 0x45;
		out[1] = 0;
		put16(out + 2, (uint16_t)(20 + thl + len));
		put16(out + 4, (uint16_t)ipid);
		put16(out + 6, 0x4000); /* DF, as Linux sets on TCP */
		out[8] = (uint8_t)ttl;
		out[9] = 6;
		put16(out + 10, 0);
		memcpy(out + 12, src->ip, 4);
		memcpy(out + 16, dst->ip, 4);
		put16(out + 10, fold(sum16(0, out, 20)));
		s = sum16(0, src->ip, 4);
		s = sum16(s, dst->ip, 4);
		s += 6;
		s += (uint32_t)(thl + len);
	}
	s = sum16(s, t, thl + len);
	put16(t + 16, fold(s));
	return iphl + thl + len;
}

static const uint8_t router_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xfe};
static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0xc0, 0x02, 0x0a};

void cap_add_ip(struct cap *cap, usec_t t, int from_gw, const struct encap *enc,
		const uint8_t *ip, size_t iplen, int v6)
{
	uint8_t hdr[32];
	size_t hl = 0;
	uint16_t etype = v6 ? 0x86dd : 0x0800;
	const uint8_t *smac = from_gw ? gw_mac : router_mac;
	const uint8_t *dmac = from_gw ? router_mac : gw_mac;

	switch (cap->link) {
	case LINK_EN10MB:
	case LINK_PCAPNG:
		memcpy(hdr, dmac, 6);
		memcpy(hdr + 6, smac, 6);
		hl = 12;
		for (int i = 0; i < enc->ntags; i++) {
			put16(hdr + hl, enc->tag[i].tpid);
			put16(hdr + hl + 2, enc->tag[i].vid & 0x0fff);
			hl += 4;
		}
		put16(hdr + hl, etype);
		hl += 2;
		break;
	case LINK_SLL:
		put16(hdr, from_gw ? 4 : 0); /* PACKET_OUTGOING / PACKET_HOST */
		put16(hdr + 2, 1);           /* ARPHRD_ETHER */
		put16(hdr + 4, 6);
		memcpy(hdr + 6, smac, 6);
		put16(hdr + 12, 0);
		put16(hdr + 14, etype);
		hl = 16;
		break;
	case LINK_SLL2:
		put16(hdr, etype);
		put16(hdr + 2, 0);
		put32(hdr + 4, 2); /* ifindex of eth0 on a typical host */
		put16(hdr + 8, 1);
		hdr[10] = from_gw ? 4 : 0;
		hdr[11] = 6;
		memcpy(hdr + 12, smac, 6);
		put16(hdr + 18, 0);
		hl = 20;
		break;
	case LINK_RAW:
		hl = 0;
		break;
	case LINK_NULL:
		/* host byte order of the capturing (little-endian) machine */
		le32(hdr, v6 ? 10 : 2);
		hl = 4;
		break;
	}

	if (cap->n == cap->alloc) {
		size_t na = cap->alloc ? cap->alloc * 2 : 256;
		struct pkt *nv = realloc(cap->v, na * sizeof *nv);
		if (!nv) {
			perror("realloc");
			exit(1);
		}
		cap->v = nv;
		cap->alloc = na;
	}
	struct pkt *p = &cap->v[cap->n];
	p->t = t;
	p->order = (uint32_t)cap->n;
	p->len = (uint32_t)(hl + iplen);
	p->data = malloc(p->len);
	if (!p->data) {
		perror("malloc");
		exit(1);
	}
	memcpy(p->data, hdr, hl);
	memcpy(p->data + hl, ip, iplen);
	cap->n++;
}

static int pkt_cmp(const void *a, const void *b)
{
	const struct pkt *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void split_ts(usec_t t, int64_t *sec, int64_t *usec)
{
	int64_t abs = BASE_TIME * 1000000 + t;
	*sec = abs / 1000000;
	*usec = abs % 1000000;
}

static int write_pcap(struct cap *cap, const char *path)
{
	int dlt = cap->link == LINK_SLL ? DLT_LINUX_SLL
		: cap->link == LINK_SLL2 ? DLT_LINUX_SLL2
		: cap->link == LINK_RAW ? DLT_RAW
		: cap->link == LINK_NULL ? DLT_NULL
		: DLT_EN10MB;
	pcap_t *p = pcap_open_dead_with_tstamp_precision(dlt, SNAPLEN, PCAP_TSTAMP_PRECISION_MICRO);
	if (!p) {
		fprintf(stderr, "pcap_open_dead failed\n");
		return -1;
	}
	pcap_dumper_t *d = pcap_dump_open(p, path);
	if (!d) {
		fprintf(stderr, "%s: %s\n", path, pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	for (size_t i = 0; i < cap->n; i++) {
		struct pcap_pkthdr h;
		int64_t sec, usec;
		split_ts(cap->v[i].t, &sec, &usec);
		memset(&h, 0, sizeof h);
		h.ts.tv_sec = (time_t)sec;
		h.ts.tv_usec = (suseconds_t)usec;
		h.caplen = h.len = cap->v[i].len;
		pcap_dump((u_char *)d, &h, cap->v[i].data);
	}
	int rc = pcap_dump_flush(d);
	pcap_dump_close(d);
	pcap_close(p);
	return rc;
}

static int ng_block(FILE *f, uint32_t type, const uint8_t *body, size_t len)
{
	uint8_t h[8], tl[4], pad[4] = {0};
	size_t padn = (4 - len % 4) % 4;
	uint32_t total = (uint32_t)(12 + len + padn);
	le32(h, type);
	le32(h + 4, total);
	le32(tl, total);
	if (fwrite(h, 1, 8, f) != 8 || fwrite(body, 1, len, f) != len ||
	    fwrite(pad, 1, padn, f) != padn || fwrite(tl, 1, 4, f) != 4)
		return -1;
	return 0;
}

/* pcapng option: code, length, value padded to 32 bits */
static size_t ng_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	size_t padn = (4 - len % 4) % 4;
	le16(p, code);
	le16(p + 2, len);
	memcpy(p + 4, val, len);
	memset(p + 4 + len, 0, padn);
	return 4 + len + padn;
}

static int write_pcapng(struct cap *cap, const char *path)
{
	FILE *f = fopen(path, "wb");
	uint8_t b[128];
	size_t n;
	int rc = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	/* Section Header Block */
	le32(b, 0x1a2b3c4d);
	le16(b + 4, 1);
	le16(b + 6, 0);
	memset(b + 8, 0xff, 8); /* section length unknown */
	n = 16;
	n += ng_opt(b + n, 4, "smtpgen", 7); /* shb_userappl */
	memset(b + n, 0, 4);                 /* opt_endofopt */
	n += 4;
	rc |= ng_block(f, 0x0a0d0d0a, b, n);

	/* Interface Description Block: Ethernet, microsecond timestamps */
	le16(b, 1);
	le16(b + 2, 0);
	le32(b + 4, SNAPLEN);
	n = 8;
	n += ng_opt(b + n, 2, "eth0", 4);
	n += ng_opt(b + n, 9, "\x06", 1); /* if_tsresol: 10^-6 */
	memset(b + n, 0, 4);
	n += 4;
	rc |= ng_block(f, 1, b, n);

	for (size_t i = 0; i < cap->n && !rc; i++) {
		const struct pkt *p = &cap->v[i];
		uint64_t ts = (uint64_t)(BASE_TIME * 1000000 + p->t);
		uint8_t *e = malloc(20 + p->len);
		if (!e) {
			rc = -1;
			break;
		}
		le32(e, 0);
		le32(e + 4, (uint32_t)(ts >> 32));
		le32(e + 8, (uint32_t)ts);
		le32(e + 12, p->len);
		le32(e + 16, p->len);
		memcpy(e + 20, p->data, p->len);
		rc |= ng_block(f, 6, e, 20 + p->len);
		free(e);
	}
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int cap_write(struct cap *cap, const char *path)
{
	qsort(cap->v, cap->n, sizeof *cap->v, pkt_cmp);
	return cap->link == LINK_PCAPNG ? write_pcapng(cap, path) : write_pcap(cap, path);
}

void cap_free(struct cap *cap)
{
	for (size_t i = 0; i < cap->n; i++)
		free(cap->v[i].data);
	free(cap->v);
	cap->v = NULL;
	cap->n = cap->alloc = 0;
}
