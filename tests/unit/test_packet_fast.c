/* test_packet_fast.c — the one-go decode of Ethernet + IPv4 + TCP frames
 * (decode/packet.c, fast_ether_ipv4_tcp; issue 13) against the general
 * path.  The same bytes decoded as DLT_EN10MB (which tries the fast path)
 * and, without the Ethernet header, as DLT_RAW (which never does) must give
 * the same result, anomaly and fields, for a plain frame (whose fields are
 * also stated by hand) and for thousands of mutations of it: IHL, IP length
 * (0, short, long, beyond the frame), protocol, fragment bits, TCP offset,
 * option bytes, snaplen cuts, truncations.  Each frame is decoded from a
 * heap copy of its exact size so ASan sees any read past the end. */
#include "config.h"

#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/packet.h"

static uint8_t base[14 + 20 + 32 + 40];
static size_t base_len;

/* Ethernet + IPv4 (no options) + TCP with NOP,NOP,timestamps + 40 bytes. */
static void build_base(void)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00 };
	uint8_t *p = base;
	memcpy(p, eth, 14);
	uint8_t *ip = p + 14;
	uint16_t tot = 20 + 32 + 40;
	uint8_t iph[20] = { 0x45, 0, (uint8_t)(tot >> 8), (uint8_t)tot, 0x12, 0x34, 0x40, 0,
			    61, 6, 0, 0, 192, 0, 2, 10, 198, 51, 100, 7 };
	memcpy(ip, iph, 20);
	uint8_t *t = ip + 20;
	uint8_t tcph[32] = { 0xc3, 0x50, 0, 25, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
			     0x80, 0x18, 0x01, 0xf6, 0, 0, 0, 0, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	memcpy(t, tcph, 32);
	for (int i = 0; i < 40; i++)
		t[32 + i] = (uint8_t)('a' + i % 26);
	base_len = 14 + tot;
}

struct res {
	enum pkt_result r;
	enum anomaly a;
	struct tcp_seg s;
	const uint8_t *buf;
};

static struct res decode(int dlt, const uint8_t *b, size_t caplen, size_t wirelen)
{
	struct res x;
	uint8_t *copy = malloc(caplen ? caplen : 1);
	if (!copy)
		abort();
	memcpy(copy, b, caplen);
	memset(&x.s, 0xa5, sizeof x.s);
	x.r = pkt_decode(dlt, 42, copy, (uint32_t)caplen, (uint32_t)wirelen, &x.s, &x.a);
	/* pointers as offsets into the frame, so two copies compare */
	if (x.r == PKT_TCP) {
		CHECK(x.s.payload >= copy && x.s.payload + x.s.payload_len <= copy + caplen);
		CHECK(x.s.l3 >= copy && x.s.l3 + x.s.l3_len <= copy + caplen);
		x.s.payload = (const uint8_t *)(uintptr_t)(x.s.payload - copy);
		x.s.l3 = (const uint8_t *)(uintptr_t)(x.s.l3 - copy);
	}
	free(copy);
	return x;
}

static int mismatches;

/* The frame e (Ethernet, caplen/wirelen) both ways. */
static void compare(const uint8_t *e, size_t caplen, size_t wirelen)
{
	struct res f = decode(DLT_EN10MB, e, caplen, wirelen);
	struct res g = decode(DLT_RAW, e + 14, caplen - 14, wirelen - 14);
	bool same = f.r == g.r && f.a == g.a;
	if (same && f.r == PKT_TCP) {
		const struct tcp_seg *a = &f.s, *b = &g.s;
		same = memcmp(&a->src, &b->src, sizeof a->src) == 0 &&
		       memcmp(&a->dst, &b->dst, sizeof a->dst) == 0 && a->sport == b->sport &&
		       a->dport == b->dport && a->vlan == b->vlan && a->seq == b->seq &&
		       a->ack == b->ack && a->flags == b->flags && a->window == b->window &&
		       a->mss == b->mss && a->wscale == b->wscale && a->ttl == b->ttl &&
		       a->ip_id == b->ip_id && a->ipv6 == b->ipv6 && a->ts_us == b->ts_us &&
		       (uintptr_t)a->l3 == (uintptr_t)b->l3 + 14 && a->l3_len == b->l3_len &&
		       (uintptr_t)a->payload == (uintptr_t)b->payload + 14 &&
		       a->payload_len == b->payload_len && a->payload_wire_len == b->payload_wire_len &&
		       a->wire_len == b->wire_len + 14;
	}
	if (!same && mismatches++ < 5)
		fprintf(stderr, "mismatch: caplen %zu wirelen %zu ihl %u tot %u: eth %d/%d raw %d/%d\n",
			caplen, wirelen, e[14] & 15u, (unsigned)(e[16] << 8 | e[17]), f.r, f.a, g.r, g.a);
	CHECK(same);
}

static uint32_t rng = 12345;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

int main(void)
{
	build_base();

	/* the plain frame, by hand */
	struct res x = decode(DLT_EN10MB, base, base_len, base_len);
	CHECK_EQ_INT(x.r, PKT_TCP);
	CHECK_EQ_INT(x.a, PKT_ANOM_NONE);
	CHECK_EQ_INT(x.s.sport, 50000);
	CHECK_EQ_INT(x.s.dport, 25);
	CHECK_EQ_INT(x.s.seq, 0x11223344);
	CHECK_EQ_INT(x.s.ack, 0x55667788);
	CHECK_EQ_INT(x.s.flags, 0x18);
	CHECK_EQ_INT(x.s.window, 502);
	CHECK_EQ_INT(x.s.ttl, 61);
	CHECK_EQ_INT(x.s.ip_id, 0x1234);
	CHECK_EQ_INT(x.s.mss, 0);
	CHECK_EQ_INT(x.s.wscale, -1);
	CHECK_EQ_INT(x.s.ipv6, 0);
	CHECK_EQ_INT(x.s.vlan, 0);
	CHECK_EQ_INT(x.s.ts_us, 42);
	CHECK_EQ_INT(x.s.src.b[12], 192);
	CHECK_EQ_INT(x.s.dst.b[15], 7);
	CHECK_EQ_INT(x.s.src.b[10], 0xff);
	CHECK_EQ_INT((uintptr_t)x.s.l3, 14);
	CHECK_EQ_INT(x.s.l3_len, 92);
	CHECK_EQ_INT((uintptr_t)x.s.payload, 14 + 20 + 32);
	CHECK_EQ_INT(x.s.payload_len, 40);
	CHECK_EQ_INT(x.s.payload_wire_len, 40);
	CHECK_EQ_INT(x.s.wire_len, base_len);
	compare(base, base_len, base_len);

	/* mutations: one to three of them per frame */
	uint8_t f[sizeof base + 64];
	for (int round = 0; round < 20000; round++) {
		memcpy(f, base, base_len);
		memset(f + base_len, 0xee, sizeof f - base_len); /* Ethernet padding */
		size_t caplen = base_len, wirelen = base_len;
		uint8_t *ip = f + 14, *t = ip + 20;
		int k = 1 + (int)(next() % 3);
		while (k--) {
			uint32_t r = next();
			switch (r % 10) {
			case 0: ip[0] = (uint8_t)(0x40 | (r >> 8) % 16); break;      /* IHL */
			case 1: { uint16_t tot = (uint16_t)((r >> 8) % 140);           /* IP length */
				ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot; break; }
			case 2: ip[9] = (r >> 8) & 1 ? 17 : 6; break;                 /* protocol */
			case 3: { /* flags and fragment offset: MF, DF, reserved, offsets */
				static const uint16_t v[] = { 0x2000, 0x4000, 0x8000, 0x0001, 0x1fff, 0x6000 };
				uint16_t x = (r >> 8) % 7 < 6 ? v[(r >> 8) % 7] : (uint16_t)(r >> 16);
				ip[6] = (uint8_t)(x >> 8); ip[7] = (uint8_t)x; break; }
			case 4: t[12] = (uint8_t)(((r >> 8) % 16) << 4); break;      /* TCP offset */
			case 5: t[20 + (r >> 8) % 12] = (uint8_t)(r >> 16); break;   /* option bytes */
			case 6: caplen = wirelen = base_len + (r >> 8) % 40; break;  /* padding */
			case 7: caplen = 14 + (r >> 8) % (base_len - 13); break;    /* snaplen cut */
			case 8: caplen = wirelen = 14 + (r >> 8) % (base_len - 13); break; /* truncated */
			case 9: f[13] = (r >> 8) & 1 ? 0x00 : 0xdd; break;           /* not IPv4 */
			}
		}
		if (f[13] != 0x00 || (ip[0] >> 4) != 4)
			continue; /* DLT_RAW reads the version nibble, Ethernet the type */
		compare(f, caplen, wirelen);
	}
	CHECK_EQ_INT(mismatches, 0);
	CHECK_DONE();
}
