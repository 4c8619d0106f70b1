/* test_packet.c — link/IP/TCP decode on inline frames: every supported link
 * type, VLAN stacks, IPv6 extension headers, fragments, padding, snaplen
 * cuts, garbage options, and a frame truncated at every offset.  Each frame
 * is decoded from a heap copy of its exact captured size so ASan sees any
 * read past the end. */
#include "config.h"

#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/packet.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* ---- frame building ---- */

struct frame {
	uint8_t b[2048];
	size_t n;
};

static void put(struct frame *f, const void *p, size_t n)
{
	if (n)
		memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void put8(struct frame *f, uint8_t v)
{
	f->b[f->n++] = v;
}

static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void put_le32(struct frame *f, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put8(f, (uint8_t)(v >> (8 * i)));
}

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t v4_src[4] = { 192, 0, 2, 10 };
static const uint8_t v4_dst[4] = { 198, 51, 100, 7 };
static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x25 };

static const char payload[] = "EHLO gw.example.com\r\n";
#define PAYLOAD_LEN (sizeof payload - 1)

/* MSS 1460, NOP, wscale 7, SACK permitted, timestamps: 20 bytes. */
static const uint8_t opts_syn[] = {
	2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
};

/* TCP header (options padded to 4 bytes by the caller) plus payload. */
static void tcp_seg(struct frame *f, const uint8_t *opts, size_t optlen,
		    const void *data, size_t len)
{
	put16(f, 50123);
	put16(f, 25);
	put32(f, 0x11223344);
	put32(f, 0x55667788);
	put8(f, (uint8_t)(((20 + optlen) / 4) << 4));
	put8(f, TCPF_PSH | TCPF_ACK);
	put16(f, 29200);
	put16(f, 0); /* checksum: not verified */
	put16(f, 0);
	put(f, opts, optlen);
	put(f, data, len);
}

static void ipv4_hdr(struct frame *f, uint16_t tot, uint16_t frag, uint8_t proto)
{
	put8(f, 0x45);
	put8(f, 0);
	put16(f, tot);
	put16(f, 0x4242);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put(f, v4_src, 4);
	put(f, v4_dst, 4);
}

/* IPv4 + TCP with the given options and the standard payload. */
static void ipv4_tcp(struct frame *f, const uint8_t *opts, size_t optlen, uint16_t frag)
{
	ipv4_hdr(f, (uint16_t)(20 + 20 + optlen + PAYLOAD_LEN), frag, 6);
	tcp_seg(f, opts, optlen, payload, PAYLOAD_LEN);
}

/* IPv6 header; ext (already chained, ending in TCP) precedes the segment. */
static void ipv6_tcp(struct frame *f, uint8_t first_nh, const uint8_t *ext, size_t extlen)
{
	put32(f, 0x60000000);
	put16(f, (uint16_t)(extlen + 20 + sizeof opts_syn + PAYLOAD_LEN));
	put8(f, first_nh);
	put8(f, 57);
	put(f, v6_src, 16);
	put(f, v6_dst, 16);
	put(f, ext, extlen);
	tcp_seg(f, opts_syn, sizeof opts_syn, payload, PAYLOAD_LEN);
}

static void ether(struct frame *f, uint16_t type)
{
	put(f, mac_a, 6);
	put(f, mac_b, 6);
	put16(f, type);
}

/* ---- decoding ---- */

struct result {
	enum pkt_result r;
	enum anomaly anom;
	struct tcp_seg seg;
	const uint8_t *buf; /* the heap copy (freed), to check payload bounds */
};

static struct result decode_n(int dlt, const uint8_t *bytes, size_t caplen, size_t wirelen)
{
	struct result res;
	uint8_t *copy = malloc(caplen ? caplen : 1);
	if (!copy)
		abort();
	memcpy(copy, bytes, caplen);
	res.r = pkt_decode(dlt, 1700000000123456, copy, (uint32_t)caplen, (uint32_t)wirelen,
			   &res.seg, &res.anom);
	/* The payload must lie inside the captured bytes. */
	if (res.r == PKT_TCP) {
		CHECK(res.seg.payload >= copy);
		CHECK(res.seg.payload + res.seg.payload_len <= copy + caplen);
		CHECK(res.seg.payload_len <= res.seg.payload_wire_len);
	}
	res.buf = NULL;
	free(copy);
	return res;
}

static struct result decode(int dlt, const struct frame *f)
{
	return decode_n(dlt, f->b, f->n, f->n);
}

static void check_v4_fields(const struct result *res)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];
	addr_format(&res->seg.src, s);
	addr_format(&res->seg.dst, d);
	CHECK_EQ_STR(s, "192.0.2.10");
	CHECK_EQ_STR(d, "198.51.100.7");
	CHECK_EQ_INT(res->seg.ttl, 64);
	CHECK_EQ_INT(res->seg.ip_id, 0x4242);
	CHECK(!res->seg.ipv6);
}

static void check_v6_fields(const struct result *res)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];
	addr_format(&res->seg.src, s);
	addr_format(&res->seg.dst, d);
	CHECK_EQ_STR(s, "2001:db8::10");
	CHECK_EQ_STR(d, "2001:db8:1::25");
	CHECK_EQ_INT(res->seg.ttl, 57);
	CHECK_EQ_INT(res->seg.ip_id, 0);
	CHECK(res->seg.ipv6);
}

static void check_tcp_fields(const struct result *res, bool syn_opts)
{
	CHECK_EQ_INT(res->r, PKT_TCP);
	CHECK_EQ_INT(res->anom, PKT_ANOM_NONE);
	CHECK_EQ_INT(res->seg.ts_us, 1700000000123456);
	CHECK_EQ_INT(res->seg.sport, 50123);
	CHECK_EQ_INT(res->seg.dport, 25);
	CHECK_EQ_INT(res->seg.seq, 0x11223344);
	CHECK_EQ_INT(res->seg.ack, 0x55667788);
	CHECK_EQ_INT(res->seg.flags, TCPF_PSH | TCPF_ACK);
	CHECK_EQ_INT(res->seg.window, 29200);
	CHECK_EQ_INT(res->seg.mss, syn_opts ? 1460 : 0);
	CHECK_EQ_INT(res->seg.wscale, syn_opts ? 7 : -1);
	CHECK_EQ_INT(res->seg.payload_len, PAYLOAD_LEN);
	CHECK_EQ_INT(res->seg.payload_wire_len, PAYLOAD_LEN);
}

/* ---- tests ---- */

static void test_ether_ipv4(void)
{
	struct frame f = { .n = 0 };
	ether(&f, 0x0800);
	ipv4_tcp(&f, opts_syn, sizeof opts_syn, 0x4000 /* DF only */);
	struct result res = decode(DLT_EN10MB, &f);
	check_tcp_fields(&res, true);
	check_v4_fields(&res);
	CHECK_EQ_INT(res.seg.vlan, 0);
	CHECK_EQ_INT(res.seg.wire_len, f.n);
}

static void test_payload_bytes(void)
{
	struct frame f = { .n = 0 };
	ether(&f, 0x0800);
	ipv4_tcp(&f, NULL, 0, 0);
	uint8_t *copy = malloc(f.n);
	memcpy(copy, f.b, f.n);
	struct tcp_seg seg;
	enum anomaly a;
	CHECK_EQ_INT(pkt_decode(DLT_EN10MB, 0, copy, (uint32_t)f.n, (uint32_t)f.n, &seg, &a), PKT_TCP);
	CHECK_EQ_INT(seg.payload_len, PAYLOAD_LEN);
	CHECK(seg.payload == copy + f.n - PAYLOAD_LEN);
	CHECK(memcmp(seg.payload, payload, PAYLOAD_LEN) == 0);
	free(copy);
}

static void vlan_frame(struct frame *f, const uint16_t *tpids, const uint16_t *vids, int n)
{
	f->n = 0;
	put(f, mac_a, 6);
	put(f, mac_b, 6);
	for (int i = 0; i < n; i++) {
		put16(f, tpids[i]);
		put16(f, (uint16_t)(0x2000 | vids[i])); /* priority bits must be masked */
	}
	put16(f, 0x0800);
	ipv4_tcp(f, opts_syn, sizeof opts_syn, 0);
}

static void test_vlan(void)
{
	struct frame f;
	struct result res;

	vlan_frame(&f, (const uint16_t[]){ 0x8100 }, (const uint16_t[]){ 42 }, 1);
	res = decode(DLT_EN10MB, &f);
	check_tcp_fields(&res, true);
	CHECK_EQ_INT(res.seg.vlan, 42);

	vlan_frame(&f, (const uint16_t[]){ 0x88a8, 0x8100 }, (const uint16_t[]){ 100, 200 }, 2);
	res = decode(DLT_EN10MB, &f);
	check_tcp_fields(&res, true);
	CHECK_EQ_INT(res.seg.vlan, (100u << 12) | 200u);

	vlan_frame(&f, (const uint16_t[]){ 0x9100, 0x8100 }, (const uint16_t[]){ 4095, 1 }, 2);
	res = decode(DLT_EN10MB, &f);
	check_tcp_fields(&res, true);
	CHECK_EQ_INT(res.seg.vlan, (4095u << 12) | 1u);

	/* Three tags: the outer two are reported, the frame still decodes. */
	vlan_frame(&f, (const uint16_t[]){ 0x88a8, 0x8100, 0x8100 },
		   (const uint16_t[]){ 7, 8, 9 }, 3);
	res = decode(DLT_EN10MB, &f);
	check_tcp_fields(&res, true);
	CHECK_EQ_INT(res.seg.vlan, (7u << 12) | 8u);

	/* A stack deeper than any real network uses is garbage. */
	vlan_frame(&f, (const uint16_t[]){ 0x8100, 0x8100, 0x8100, 0x8100, 0x8100 },
		   (const uint16_t[]){ 1, 2, 3, 4, 5 }, 5);
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_VLAN);

	/* A tag cut in the middle. */
	res = decode_n(DLT_EN10MB, f.b, 16, 16);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_VLAN);
}

static void test_sll(void)
{
	struct frame f = { .n = 0 };
	put16(&f, 0);      /* packet type: to us */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put16(&f, 6);
	put(&f, mac_a, 6);
	put16(&f, 0);      /* address padded to 8 */
	put16(&f, 0x0800);
	ipv4_tcp(&f, opts_syn, sizeof opts_syn, 0);
	struct result res = decode(DLT_LINUX_SLL, &f);
	check_tcp_fields(&res, true);
	check_v4_fields(&res);

	res = decode_n(DLT_LINUX_SLL, f.b, 15, 15);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_SHORT_LINK);
}

static void test_sll2(void)
{
	struct frame f = { .n = 0 };
	put16(&f, 0x86dd);
	put16(&f, 0);      /* reserved */
	put32(&f, 3);      /* ifindex */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put8(&f, 4);       /* outgoing */
	put8(&f, 6);
	put(&f, mac_a, 6);
	put16(&f, 0);
	ipv6_tcp(&f, 6, NULL, 0);
	struct result res = decode(DLT_LINUX_SLL2, &f);
	check_tcp_fields(&res, true);
	check_v6_fields(&res);

	res = decode_n(DLT_LINUX_SLL2, f.b, 19, 19);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_SHORT_LINK);
}

static void test_raw(void)
{
	struct frame f4 = { .n = 0 }, f6 = { .n = 0 };
	ipv4_tcp(&f4, opts_syn, sizeof opts_syn, 0);
	ipv6_tcp(&f6, 6, NULL, 0);
	struct result res;

	res = decode(DLT_RAW, &f4);
	check_tcp_fields(&res, true);
	check_v4_fields(&res);
	res = decode(DLT_RAW, &f6);
	check_tcp_fields(&res, true);
	check_v6_fields(&res);
	res = decode(DLT_IPV4, &f4);
	check_tcp_fields(&res, true);
	res = decode(DLT_IPV6, &f6);
	check_tcp_fields(&res, true);

	/* The link type says IPv6, the packet says 4. */
	res = decode(DLT_IPV6, &f4);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_VERSION);

	f4.b[0] = 0x55;
	res = decode(DLT_RAW, &f4);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_VERSION);

	res = decode_n(DLT_RAW, f4.b, 0, 0);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
}

static struct result null_frame(int dlt, uint32_t family, bool little, bool v6)
{
	struct frame f = { .n = 0 };
	if (little)
		put_le32(&f, family);
	else
		put32(&f, family);
	if (v6)
		ipv6_tcp(&f, 6, NULL, 0);
	else
		ipv4_tcp(&f, opts_syn, sizeof opts_syn, 0);
	return decode(dlt, &f);
}

static void test_null_loop(void)
{
	struct result res;
	/* DLT_NULL is in the capturing host's order: accept both. */
	res = null_frame(DLT_NULL, 2, true, false);
	check_tcp_fields(&res, true);
	res = null_frame(DLT_NULL, 2, false, false);
	check_tcp_fields(&res, true);
	const uint32_t inet6[] = { 10, 24, 28, 30 };
	for (size_t i = 0; i < 4; i++) {
		res = null_frame(DLT_NULL, inet6[i], true, true);
		check_tcp_fields(&res, true);
		check_v6_fields(&res);
		res = null_frame(DLT_NULL, inet6[i], false, true);
		check_tcp_fields(&res, true);
	}
	res = null_frame(DLT_LOOP, 2, false, false);
	check_tcp_fields(&res, true);
	res = null_frame(DLT_LOOP, 24, false, true);
	check_tcp_fields(&res, true);

	res = null_frame(DLT_NULL, 7, true, false); /* not an IP family */
	CHECK_EQ_INT(res.r, PKT_NOT_TCP);
	CHECK_EQ_INT(res.anom, PKT_ANOM_NONE);

	/* AF_INET on an IPv6 packet: the version nibble wins. */
	res = null_frame(DLT_NULL, 2, true, true);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_VERSION);

	uint8_t three[3] = { 2, 0, 0 };
	res = decode_n(DLT_NULL, three, 3, 3);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_SHORT_LINK);
}

static void test_ipv6_exthdrs(void)
{
	/* Hop-by-Hop (8 bytes: PadN), then Destination Options (16 bytes). */
	const uint8_t ext[] = {
		60, 0, 1, 4, 0, 0, 0, 0,
		6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct frame f = { .n = 0 };
	ether(&f, 0x86dd);
	ipv6_tcp(&f, 0, ext, sizeof ext);
	struct result res = decode(DLT_EN10MB, &f);
	check_tcp_fields(&res, true);
	check_v6_fields(&res);

	/* Routing header then AH (RFC 4302 length: (2 + 2) * 4 = 16 bytes). */
	const uint8_t ext2[] = {
		51, 0, 0, 0, 0, 0, 0, 0,
		6, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0,
	};
	f.n = 0;
	ipv6_tcp(&f, 43, ext2, sizeof ext2);
	res = decode(DLT_RAW, &f);
	check_tcp_fields(&res, true);

	/* No Next Header. */
	const uint8_t ext3[] = { 59, 0, 1, 4, 0, 0, 0, 0 };
	f.n = 0;
	ipv6_tcp(&f, 0, ext3, sizeof ext3);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_NOT_TCP);

	/* Nine Destination Options headers: past the bound. */
	uint8_t ext4[9 * 8];
	memset(ext4, 0, sizeof ext4);
	for (int i = 0; i < 9; i++)
		ext4[i * 8] = i == 8 ? 6 : 60;
	f.n = 0;
	ipv6_tcp(&f, 60, ext4, sizeof ext4);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_EXTHDR);

	/* An extension header claiming more than the packet holds. */
	const uint8_t ext5[] = { 6, 200, 1, 4, 0, 0, 0, 0 };
	f.n = 0;
	ipv6_tcp(&f, 0, ext5, sizeof ext5);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_EXTHDR);

	/* UDP: well-formed, not ours. */
	f.n = 0;
	ipv6_tcp(&f, 17, NULL, 0);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_NOT_TCP);
}

static void test_ipv6_fragment(void)
{
	/* A first fragment: offset 0, M set. */
	const uint8_t frag_first[] = { 6, 0, 0x00, 0x01, 0, 0, 0, 9 };
	/* Offset 8 (x8 bytes), M clear: a last fragment. */
	const uint8_t frag_last[] = { 6, 0, 0x00, 0x40, 0, 0, 0, 9 };
	/* Offset 0, M clear: an atomic fragment, a whole packet (RFC 6946). */
	const uint8_t frag_atomic[] = { 6, 0, 0x00, 0x00, 0, 0, 0, 9 };
	struct frame f = { .n = 0 };
	struct result res;

	ipv6_tcp(&f, 44, frag_first, sizeof frag_first);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_IP_FRAGMENT);

	f.n = 0;
	ipv6_tcp(&f, 44, frag_last, sizeof frag_last);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_IP_FRAGMENT);

	f.n = 0;
	ipv6_tcp(&f, 44, frag_atomic, sizeof frag_atomic);
	res = decode(DLT_RAW, &f);
	check_tcp_fields(&res, true);
}

static void test_ipv4_fragment(void)
{
	struct frame f = { .n = 0 };
	struct result res;

	ether(&f, 0x0800);
	ipv4_tcp(&f, NULL, 0, 0x2000); /* MF */
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_IP_FRAGMENT);

	f.n = 0;
	ether(&f, 0x0800);
	ipv4_tcp(&f, NULL, 0, 0x0010); /* offset 16 * 8 */
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_IP_FRAGMENT);

	/* A UDP fragment is simply not TCP. */
	f.n = 0;
	ipv4_hdr(&f, 28, 0x2000, 17);
	put32(&f, 0);
	put32(&f, 0);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_NOT_TCP);
}

static void test_ipv4_header_errors(void)
{
	struct frame f = { .n = 0 };
	struct result res;

	ipv4_tcp(&f, NULL, 0, 0);
	f.b[0] = 0x44; /* IHL 4 */
	res = decode(DLT_IPV4, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_LENGTH);

	f.b[0] = 0x4f; /* IHL 15: 60 bytes > total length 61? no: > what fits */
	f.b[2] = 0;
	f.b[3] = 40;
	res = decode(DLT_IPV4, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_LENGTH);

	f.n = 0;
	ipv4_tcp(&f, NULL, 0, 0);
	f.b[3] = 10; /* total length 10 < header */
	f.b[2] = 0;
	res = decode(DLT_IPV4, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_LENGTH);

	/* Total length beyond the frame, and the frame was not cut. */
	f.n = 0;
	ipv4_tcp(&f, NULL, 0, 0);
	f.b[2] = 0x05;
	res = decode(DLT_IPV4, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_LENGTH);

	/* Ethernet type IPv4, version 6 inside. */
	f.n = 0;
	ether(&f, 0x0800);
	ipv6_tcp(&f, 6, NULL, 0);
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_VERSION);

	/* IP options (IHL 6) are skipped. */
	f.n = 0;
	put8(&f, 0x46);
	put8(&f, 0);
	put16(&f, (uint16_t)(24 + 20 + PAYLOAD_LEN));
	put16(&f, 0x4242);
	put16(&f, 0);
	put8(&f, 64);
	put8(&f, 6);
	put16(&f, 0);
	put(&f, v4_src, 4);
	put(&f, v4_dst, 4);
	put32(&f, 0x01010100); /* NOP NOP NOP EOL */
	tcp_seg(&f, NULL, 0, payload, PAYLOAD_LEN);
	res = decode(DLT_IPV4, &f);
	check_tcp_fields(&res, false);
	check_v4_fields(&res);

	/* Total length 0 (TCP segmentation offload): the frame decides. */
	f.n = 0;
	ipv4_tcp(&f, NULL, 0, 0);
	f.b[2] = 0;
	f.b[3] = 0;
	res = decode(DLT_IPV4, &f);
	check_tcp_fields(&res, false);
}

static void test_not_tcp(void)
{
	struct frame f = { .n = 0 };
	struct result res;

	ether(&f, 0x0806); /* ARP */
	put32(&f, 0x00010800);
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_NOT_TCP);

	f.n = 0;
	ether(&f, 0x0026); /* 802.3 length field: LLC */
	put32(&f, 0x42420300); /* DSAP SSAP control */
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_NOT_TCP);

	f.n = 0;
	ether(&f, 0x0800);
	ipv4_hdr(&f, 28, 0, 17);
	put32(&f, 0x00350035);
	put32(&f, 0x00080000);
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_NOT_TCP);
	CHECK_EQ_INT(res.anom, PKT_ANOM_NONE);

	res = decode_n(DLT_EN10MB, f.b, 13, 13);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_SHORT_LINK);

	res = decode(147 /* DLT_USER0 */, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_UNKNOWN_LINKTYPE);

	CHECK(pkt_linktype_supported(DLT_EN10MB));
	CHECK(pkt_linktype_supported(DLT_LINUX_SLL));
	CHECK(pkt_linktype_supported(DLT_LINUX_SLL2));
	CHECK(pkt_linktype_supported(DLT_NULL));
	CHECK(pkt_linktype_supported(DLT_LOOP));
	CHECK(pkt_linktype_supported(DLT_RAW));
	CHECK(pkt_linktype_supported(DLT_IPV4));
	CHECK(pkt_linktype_supported(DLT_IPV6));
	CHECK(!pkt_linktype_supported(147));
}

static void test_ethernet_padding(void)
{
	/* A bare ACK is 54 bytes; Ethernet pads it to 60. */
	struct frame f = { .n = 0 };
	ether(&f, 0x0800);
	ipv4_hdr(&f, 40, 0, 6);
	tcp_seg(&f, NULL, 0, NULL, 0);
	put(&f, "\0\0\0\0\0\0", 6);
	struct result res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_TCP);
	CHECK_EQ_INT(res.seg.payload_len, 0);
	CHECK_EQ_INT(res.seg.payload_wire_len, 0);
	CHECK_EQ_INT(res.anom, PKT_ANOM_NONE);

	/* Two payload bytes, then padding that must not be taken as data. */
	f.n = 0;
	ether(&f, 0x0800);
	ipv4_hdr(&f, 42, 0, 6);
	tcp_seg(&f, NULL, 0, "\r\n", 2);
	put(&f, "PADPAD", 4);
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_TCP);
	CHECK_EQ_INT(res.seg.payload_len, 2);
	CHECK_EQ_INT(res.seg.payload_wire_len, 2);

	/* Padding on an IPv6 frame too. */
	f.n = 0;
	ether(&f, 0x86dd);
	ipv6_tcp(&f, 6, NULL, 0);
	put(&f, "\0\0\0\0", 4);
	res = decode(DLT_EN10MB, &f);
	check_tcp_fields(&res, true);
}

static void test_snaplen_cut(void)
{
	struct frame f = { .n = 0 };
	ether(&f, 0x0800);
	ipv4_tcp(&f, NULL, 0, 0);
	size_t full = f.n;
	size_t cap = full - 10; /* -s cut 10 payload bytes off */
	struct result res = decode_n(DLT_EN10MB, f.b, cap, full);
	CHECK_EQ_INT(res.r, PKT_TCP);
	CHECK_EQ_INT(res.seg.payload_len, PAYLOAD_LEN - 10);
	CHECK_EQ_INT(res.seg.payload_wire_len, PAYLOAD_LEN);
	CHECK_EQ_INT(res.seg.wire_len, full);
	CHECK_EQ_INT(res.anom, ANOM_SNAPLEN_CUT);

	/* The same bytes without the cut: the IP length lies. */
	res = decode_n(DLT_EN10MB, f.b, cap, cap);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_LENGTH);

	/* An IP length larger than even the wire length. */
	res = decode_n(DLT_EN10MB, f.b, cap, cap + 5);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_IP_LENGTH);

	/* Cut inside the TCP options (tcpdump -s 60 on a SYN): the header is
	 * still usable, the options are not garbage. */
	f.n = 0;
	ether(&f, 0x0800);
	ipv4_tcp(&f, opts_syn, sizeof opts_syn, 0);
	res = decode_n(DLT_EN10MB, f.b, 14 + 20 + 20 + 6, f.n);
	CHECK_EQ_INT(res.r, PKT_TCP);
	CHECK_EQ_INT(res.anom, ANOM_SNAPLEN_CUT);
	CHECK_EQ_INT(res.seg.mss, 1460);
	CHECK_EQ_INT(res.seg.payload_len, 0);
	CHECK_EQ_INT(res.seg.payload_wire_len, PAYLOAD_LEN);
}

static struct result opts_frame(const uint8_t *opts, size_t optlen)
{
	struct frame f = { .n = 0 };
	ether(&f, 0x0800);
	ipv4_tcp(&f, opts, optlen, 0);
	return decode(DLT_EN10MB, &f);
}

static void check_garbage(const struct result *res)
{
	CHECK_EQ_INT(res->r, PKT_TCP);
	CHECK_EQ_INT(res->anom, ANOM_BAD_TCP_OPTION);
	CHECK_EQ_INT(res->seg.mss, 0);
	CHECK_EQ_INT(res->seg.wscale, -1);
	CHECK_EQ_INT(res->seg.payload_len, PAYLOAD_LEN);
	CHECK_EQ_INT(res->seg.sport, 50123);
}

static void test_garbage_options(void)
{
	struct result res;
	/* Length 0 would loop forever in a naive parser. */
	res = opts_frame((const uint8_t[]){ 2, 4, 5, 0xb4, 8, 0, 0, 0 }, 8);
	check_garbage(&res);
	/* Length 1. */
	res = opts_frame((const uint8_t[]){ 3, 1, 1, 1 }, 4);
	check_garbage(&res);
	/* Length past the end of the header. */
	res = opts_frame((const uint8_t[]){ 1, 1, 30, 40 }, 4);
	check_garbage(&res);
	/* Kind with no length byte at the very end. */
	res = opts_frame((const uint8_t[]){ 1, 1, 1, 5 }, 4);
	check_garbage(&res);
	/* MSS with the wrong length. */
	res = opts_frame((const uint8_t[]){ 2, 3, 5, 1 }, 4);
	check_garbage(&res);
	/* Window scale above 14 is used as 14 (RFC 7323) and flagged. */
	res = opts_frame((const uint8_t[]){ 3, 3, 15, 0 }, 4);
	CHECK_EQ_INT(res.r, PKT_TCP);
	CHECK_EQ_INT(res.seg.wscale, 14);
	CHECK_EQ_INT(res.anom, ANOM_BAD_TCP_OPTION);
	/* Unknown options are skipped by their length; EOL ends the list. */
	res = opts_frame((const uint8_t[]){ 99, 4, 0, 0, 3, 3, 2, 0, 2, 4, 0, 0 }, 12);
	CHECK_EQ_INT(res.r, PKT_TCP);
	CHECK_EQ_INT(res.anom, PKT_ANOM_NONE);
	CHECK_EQ_INT(res.seg.wscale, 2);
	CHECK_EQ_INT(res.seg.mss, 0);
}

static void test_tcp_offset(void)
{
	struct frame f = { .n = 0 };
	struct result res;
	ether(&f, 0x0800);
	ipv4_tcp(&f, NULL, 0, 0);
	f.b[14 + 20 + 12] = 0x40; /* data offset 4 */
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_TCP_OFFSET);

	f.b[14 + 20 + 12] = 0xf0; /* 60 bytes, more than the segment holds */
	res = decode(DLT_EN10MB, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_BAD_TCP_OFFSET);

	/* IP says 10 bytes of TCP. */
	f.n = 0;
	ipv4_hdr(&f, 30, 0, 6);
	put(&f, "0123456789", 10);
	res = decode(DLT_RAW, &f);
	CHECK_EQ_INT(res.r, PKT_MALFORMED);
	CHECK_EQ_INT(res.anom, ANOM_SHORT_TCP);
}

/* Cuts a good frame at every length: never a crash or an overread, always
 * MALFORMED or a segment with less payload than the whole frame had. */
static void truncate_everywhere(int dlt, const struct frame *f, size_t hdr_len)
{
	size_t full_payload = f->n - hdr_len;
	for (size_t n = 0; n <= f->n; n++) {
		/* As a snaplen cut (the wire had everything)... */
		struct result res = decode_n(dlt, f->b, n, f->n);
		CHECK(res.r == PKT_MALFORMED || res.r == PKT_TCP);
		if (res.r == PKT_TCP) {
			CHECK_EQ_INT(res.seg.payload_len, n > hdr_len ? n - hdr_len : 0);
			CHECK_EQ_INT(res.seg.payload_wire_len, full_payload);
		}
		if (n >= hdr_len)
			CHECK_EQ_INT(res.r, PKT_TCP);
		/* ...and as a frame that claims to be complete. */
		res = decode_n(dlt, f->b, n, n);
		CHECK(res.r == (n == f->n ? PKT_TCP : PKT_MALFORMED));
		if (res.r == PKT_TCP)
			CHECK_EQ_INT(res.seg.payload_len, full_payload);
	}
}

static void test_truncation(void)
{
	struct frame f = { .n = 0 };
	vlan_frame(&f, (const uint16_t[]){ 0x88a8, 0x8100 }, (const uint16_t[]){ 10, 20 }, 2);
	truncate_everywhere(DLT_EN10MB, &f, 14 + 8 + 20 + 20 + sizeof opts_syn);

	const uint8_t ext[] = {
		60, 0, 1, 4, 0, 0, 0, 0,
		6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	f.n = 0;
	put16(&f, 0x86dd);
	put16(&f, 0);
	put32(&f, 3);
	put16(&f, 1);
	put8(&f, 0);
	put8(&f, 6);
	put(&f, mac_a, 6);
	put16(&f, 0);
	ipv6_tcp(&f, 0, ext, sizeof ext);
	truncate_everywhere(DLT_LINUX_SLL2, &f, 20 + 40 + sizeof ext + 20 + sizeof opts_syn);
}

/* Random bytes behind every link type: only the sanitizers judge. */
static void test_noise(void)
{
	static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL,
				    DLT_LOOP, DLT_RAW, DLT_IPV4, DLT_IPV6 };
	uint32_t x = 12345;
	uint8_t buf[128];
	for (int i = 0; i < 20000; i++) {
		size_t n = (size_t)(x % sizeof buf);
		for (size_t k = 0; k < sizeof buf; k++) {
			x = x * 1103515245u + 12345u;
			buf[k] = (uint8_t)(x >> 16);
		}
		/* Make the interesting paths likely: IPv4/IPv6 version nibbles. */
		buf[0] = (uint8_t)((i & 1 ? 0x40 : 0x60) | (buf[0] & 0x0f));
		int dlt = dlts[(size_t)i % (sizeof dlts / sizeof dlts[0])];
		struct result res = decode_n(dlt, buf, n, n + (x & 7));
		CHECK(res.r == PKT_TCP || res.r == PKT_NOT_TCP || res.r == PKT_MALFORMED);
	}
}

int main(void)
{
	test_ether_ipv4();
	test_payload_bytes();
	test_vlan();
	test_sll();
	test_sll2();
	test_raw();
	test_null_loop();
	test_ipv6_exthdrs();
	test_ipv6_fragment();
	test_ipv4_fragment();
	test_ipv4_header_errors();
	test_not_tcp();
	test_ethernet_padding();
	test_snaplen_cut();
	test_garbage_options();
	test_tcp_offset();
	test_truncation();
	test_noise();
	CHECK_DONE();
}
