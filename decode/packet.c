/* packet.c — link, IP and TCP header decode into struct tcp_seg.
 *
 * Follows RFC 791 (IPv4), RFC 8200 (IPv6 and its extension headers),
 * RFC 4302 (AH length), RFC 6946 (atomic fragments), RFC 9293 (TCP header
 * and options), RFC 7323 (window scale), IEEE 802.1Q/802.1ad (VLAN, QinQ),
 * and the tcpdump.org link-layer definitions for DLT_NULL/DLT_LOOP, Linux
 * SLL/SLL2 and raw IP.  Every byte is read through struct cursor; the fixed
 * part of each header (Ethernet, IPv4, IPv6, TCP) is checked once as a whole
 * (cur_take/cur_peek) and its fields loaded from there.
 *
 * Lengths: "captured" is what the cursor holds; "wire" adds what the snaplen
 * cut off (wirelen - caplen), so an IP length that runs past the capture is
 * accepted exactly when the frame was cut, and payload_len < payload_wire_len
 * tells the reassembler that bytes are missing.
 */
#include "config.h"

#include "decode/packet.h"

#include <pcap/dlt.h>

#include "decode/cursor.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100
/* Ethernet type values below this are 802.3 lengths (LLC frames). */
#define ETH_MIN_TYPE 0x0600
/* Deeper VLAN stacks than this are treated as garbage. */
#define MAX_VLAN_TAGS 4
/* Bound on the IPv6 extension-header walk (RFC 8200 expects a handful). */
#define MAX_IPV6_EXTHDRS 8

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_TCP_ 6
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_NONE_ 59
#define IPPROTO_DSTOPTS_ 60

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* What a decode step found.  STEP_OK: go on to the next layer. */
enum step { STEP_OK, STEP_NOT_TCP, STEP_BAD };

struct dec {
	struct cursor c;
	uint32_t cut;       /* bytes the snaplen removed from the end of the frame */
	uint32_t vlan;
	uint32_t tcp_len;   /* TCP header + payload length per the IP header */
	enum anomaly anom;  /* why, on STEP_BAD; a soft anomaly on success */
	struct tcp_seg *seg;
};

static enum step bad(struct dec *d, enum anomaly a)
{
	d->anom = a;
	return STEP_BAD;
}

/* ---- link layer: each returns the Ethernet type of what follows ---- */

static inline bool is_vlan_type(uint16_t etype)
{
	return etype == ETH_P_8021Q || etype == ETH_P_8021AD || etype == ETH_P_QINQ_OLD;
}

/* 802.1Q / 802.1ad / pre-standard 0x9100 tags: the outer id goes to the
 * high bits and the next one to the low 12, deeper ones are skipped. */
static enum step vlan_tags(struct dec *d, uint16_t *etype)
{
	int n = 0;
	while (is_vlan_type(*etype)) {
		uint16_t tci;
		if (++n > MAX_VLAN_TAGS || !cur_be16(&d->c, &tci) || !cur_be16(&d->c, etype))
			return bad(d, ANOM_BAD_VLAN);
		if (n == 1)
			d->vlan = tci & 0x0fff;
		else if (n == 2)
			d->vlan = (d->vlan << 12) | (tci & 0x0fff);
	}
	return STEP_OK;
}

static enum step link_ether(struct dec *d, uint16_t *etype)
{
	const uint8_t *h = cur_take(&d->c, 14); /* destination, source, type */
	if (!h)
		return bad(d, ANOM_SHORT_LINK);
	*etype = load_be16(h + 12);
	if (*etype < ETH_MIN_TYPE)
		return STEP_NOT_TCP;
	return is_vlan_type(*etype) ? vlan_tags(d, etype) : STEP_OK;
}

/* Linux cooked v1: type(2) arphrd(2) addrlen(2) addr(8) protocol(2).
 * libpcap re-inserts VLAN tags after it, so tags may follow. */
static enum step link_sll(struct dec *d, uint16_t *etype)
{
	if (!cur_skip(&d->c, 14) || !cur_be16(&d->c, etype))
		return bad(d, ANOM_SHORT_LINK);
	return vlan_tags(d, etype);
}

/* Linux cooked v2: protocol(2) reserved(2) ifindex(4) arphrd(2) type(1)
 * addrlen(1) addr(8). */
static enum step link_sll2(struct dec *d, uint16_t *etype)
{
	if (!cur_be16(&d->c, etype) || !cur_skip(&d->c, 18))
		return bad(d, ANOM_SHORT_LINK);
	return vlan_tags(d, etype);
}

/* BSD loopback: a 4-byte address family, in the capturing host's byte
 * order for DLT_NULL and in network order for DLT_LOOP.  Families fit in
 * 16 bits, so a value with high bits set is the other byte order. */
static enum step link_null(struct dec *d, bool network_order, uint16_t *etype)
{
	uint32_t af;
	if (!(network_order ? cur_be32(&d->c, &af) : cur_le32(&d->c, &af)))
		return bad(d, ANOM_SHORT_LINK);
	if (af & 0xffff0000u)
		af = __builtin_bswap32(af);
	switch (af) {
	case 2: /* AF_INET everywhere */
		*etype = ETH_P_IPV4;
		return STEP_OK;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD, BSD/OS */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* Darwin */
		*etype = ETH_P_IPV6;
		return STEP_OK;
	default:
		return STEP_NOT_TCP;
	}
}

/* Raw IP: the version nibble says which. */
static enum step link_raw(struct dec *d, uint16_t *etype)
{
	struct cursor peek = d->c;
	uint8_t b;
	if (!cur_u8(&peek, &b))
		return bad(d, ANOM_SHORT_IP);
	uint8_t v = b >> 4;
	if (v != 4 && v != 6)
		return bad(d, ANOM_BAD_IP_VERSION);
	*etype = v == 4 ? ETH_P_IPV4 : ETH_P_IPV6;
	return STEP_OK;
}

static enum step link_decode(struct dec *d, int linktype, uint16_t *etype)
{
	switch (linktype) {
	case DLT_EN10MB:
		return link_ether(d, etype);
	case DLT_LINUX_SLL:
		return link_sll(d, etype);
	case DLT_LINUX_SLL2:
		return link_sll2(d, etype);
	case DLT_NULL:
		return link_null(d, false, etype);
	case DLT_LOOP:
		return link_null(d, true, etype);
	case DLT_RAW:
		return link_raw(d, etype);
	case DLT_IPV4:
		*etype = ETH_P_IPV4;
		return STEP_OK;
	case DLT_IPV6:
		*etype = ETH_P_IPV6;
		return STEP_OK;
	default:
		return bad(d, ANOM_UNKNOWN_LINKTYPE);
	}
}

bool pkt_linktype_supported(int linktype)
{
	switch (linktype) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_NULL:
	case DLT_LOOP: case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

/* ---- IP ---- */

/* Fits the cursor to an IP length counted from the current offset.  A
 * length within the capture trims the link trailer (Ethernet padding); one
 * beyond it is fine only if the snaplen cut the frame and the wire had the
 * bytes.  0 means "use the frame": TCP segmentation offload and jumbograms
 * (RFC 2675) leave it at 0 in captures taken on the sending host.  *len
 * receives the effective length. */
static enum step fit_ip_length(struct dec *d, uint32_t *len)
{
	size_t left = cur_left(&d->c);
	if (*len == 0) {
		*len = (uint32_t)left + d->cut;
		return STEP_OK;
	}
	if (*len <= left) {
		cur_limit(&d->c, *len);
		return STEP_OK;
	}
	if (*len - left > d->cut)
		return bad(d, ANOM_BAD_IP_LENGTH);
	return STEP_OK;
}

static enum step ipv4(struct dec *d)
{
	struct tcp_seg *s = d->seg;
	/* The fixed header through a peek: the lengths below count from the
	 * start of the IP header, where d->c still stands.  Layout (RFC 791):
	 * vhl tos len(2) id(2) frag(2) ttl proto sum(2) src(4) dst(4). */
	const uint8_t *h = cur_peek(&d->c, 20);
	s->l3 = cur_ptr(&d->c);
	s->l3_len = (uint32_t)cur_left(&d->c);
	if (!h)
		return bad(d, ANOM_SHORT_IP);
	uint8_t vhl = h[0], ttl = h[8], proto = h[9];
	uint16_t tot = load_be16(h + 2), id = load_be16(h + 4), frag = load_be16(h + 6);
	if (vhl >> 4 != 4)
		return bad(d, ANOM_BAD_IP_VERSION);
	uint32_t hlen = (uint32_t)(vhl & 0x0f) * 4;
	if (hlen < 20)
		return bad(d, ANOM_BAD_IP_LENGTH);
	uint32_t len = tot;
	if (fit_ip_length(d, &len) != STEP_OK)
		return STEP_BAD;
	if (len < hlen)
		return bad(d, ANOM_BAD_IP_LENGTH);
	if (len < s->l3_len)
		s->l3_len = len;
	if (!cur_skip(&d->c, hlen)) /* options cut by the snaplen */
		return bad(d, ANOM_SHORT_IP);
	if (proto != IPPROTO_TCP_)
		return STEP_NOT_TCP;
	/* More-fragments set or a non-zero offset: one piece of a datagram. */
	if (frag & 0x3fff)
		return bad(d, ANOM_IP_FRAGMENT);
	addr_from_v4(&s->src, h + 12);
	addr_from_v4(&s->dst, h + 16);
	s->ttl = ttl;
	s->ip_id = id;
	d->tcp_len = len - hlen;
	return STEP_OK;
}

/* Walks the extension headers up to the upper-layer header; *nh is the
 * protocol found there, *ext_len the bytes skipped. */
static enum step ipv6_exthdrs(struct dec *d, uint8_t *nh, uint32_t *ext_len)
{
	for (int n = 0;; n++) {
		uint8_t next, hl;
		uint16_t fragoff;
		size_t len;
		switch (*nh) {
		case IPPROTO_TCP_:
			return STEP_OK;
		case IPPROTO_NONE_:
			return STEP_NOT_TCP;
		case IPPROTO_HOPOPTS_: case IPPROTO_ROUTING_: case IPPROTO_DSTOPTS_:
		case IPPROTO_AH_: case IPPROTO_FRAGMENT_:
			break;
		default: /* ESP, UDP, ICMPv6, ...: not for us */
			return STEP_NOT_TCP;
		}
		if (n >= MAX_IPV6_EXTHDRS)
			return bad(d, ANOM_BAD_IP_EXTHDR);
		/* Every extension header is at least 8 bytes; peek at the
		 * first four through a copy, then skip the whole header. */
		struct cursor h = d->c;
		if (!cur_has(&h, 8) || !cur_u8(&h, &next) || !cur_u8(&h, &hl) ||
		    !cur_be16(&h, &fragoff))
			return bad(d, ANOM_BAD_IP_EXTHDR);
		if (*nh == IPPROTO_FRAGMENT_) {
			/* Offset 0 and M clear is an atomic fragment: a whole
			 * packet (RFC 6946).  Anything else is a piece. */
			if (fragoff & 0xfff9)
				return bad(d, ANOM_IP_FRAGMENT);
			len = 8;
		} else if (*nh == IPPROTO_AH_) {
			len = ((size_t)hl + 2) * 4; /* RFC 4302: 32-bit words minus 2 */
		} else {
			len = ((size_t)hl + 1) * 8; /* RFC 8200: 8-octet units, not counting the first 8 */
		}
		if (!cur_skip(&d->c, len))
			return bad(d, ANOM_BAD_IP_EXTHDR);
		*ext_len += (uint32_t)len;
		*nh = next;
	}
}

static enum step ipv6(struct dec *d)
{
	struct tcp_seg *s = d->seg;
	s->l3 = cur_ptr(&d->c);
	s->l3_len = (uint32_t)cur_left(&d->c);
	/* RFC 8200: version/class/label(4) payload length(2) next header,
	 * hop limit, source(16), destination(16) */
	const uint8_t *h = cur_take(&d->c, 40);
	if (!h)
		return bad(d, ANOM_SHORT_IP);
	uint32_t vtcfl = load_be32(h);
	uint16_t plen = load_be16(h + 4);
	uint8_t nh = h[6], hlim = h[7];
	if (vtcfl >> 28 != 6)
		return bad(d, ANOM_BAD_IP_VERSION);
	uint32_t len = plen;
	if (fit_ip_length(d, &len) != STEP_OK)
		return STEP_BAD;
	uint32_t ext_len = 0;
	enum step st = ipv6_exthdrs(d, &nh, &ext_len);
	if (st != STEP_OK)
		return st;
	/* Within the capture the cursor already bounds the headers by len; a
	 * cut frame can hold no more than len either.  Test anyway. */
	if (ext_len > len)
		return bad(d, ANOM_BAD_IP_EXTHDR);
	if (40 + len < s->l3_len)
		s->l3_len = 40 + len;
	addr_from_v6(&s->src, h + 8);
	addr_from_v6(&s->dst, h + 24);
	s->ttl = hlim;
	s->ip_id = 0;
	s->ipv6 = true;
	d->tcp_len = len - ext_len;
	return STEP_OK;
}

/* ---- TCP ---- */

/* MSS (kind 2) and window scale (kind 3); NOP and EOL.  A malformed option
 * makes the whole area untrustworthy: it is ignored and flagged, and the
 * segment itself is still good.  When the snaplen cut the options, running
 * off the end is not the sender's fault and is not flagged. */
static void tcp_options(struct dec *d, struct cursor *o, bool cut)
{
	struct tcp_seg *s = d->seg;
	uint8_t kind, len;
	while (cur_u8(o, &kind)) {
		if (kind == 0)
			return;
		if (kind == 1)
			continue;
		if (!cur_u8(o, &len) || len < 2 || !cur_has(o, (size_t)len - 2)) {
			if (!cut)
				goto garbage;
			return;
		}
		struct cursor v;
		uint8_t shift;
		cur_sub(o, (size_t)len - 2, &v);
		if (kind == 2) {
			if (len != 4 || !cur_be16(&v, &s->mss))
				goto garbage;
		} else if (kind == 3) {
			if (len != 3 || !cur_u8(&v, &shift))
				goto garbage;
			/* RFC 7323 2.3: a shift above 14 is used as 14. */
			s->wscale = (int8_t)(shift > 14 ? 14 : shift);
			if (shift > 14)
				d->anom = ANOM_BAD_TCP_OPTION;
		}
	}
	return;
garbage:
	s->mss = 0;
	s->wscale = -1;
	d->anom = ANOM_BAD_TCP_OPTION;
}

/* The option block nearly every segment after the handshake carries:
 * NOP, NOP, timestamps (RFC 7323 3.2) -- nothing in it for us, and nothing
 * wrong with it, so the option walk can be skipped. */
static bool only_timestamps(const struct cursor *o)
{
	const uint8_t *p = cur_peek(o, 12);
	return cur_left(o) == 12 && p[0] == 1 && p[1] == 1 && p[2] == 8 && p[3] == 10;
}

static enum step tcp(struct dec *d)
{
	struct tcp_seg *s = d->seg;
	if (d->tcp_len < 20)
		return bad(d, ANOM_SHORT_TCP);
	/* RFC 9293 3.1: ports, seq, ack, offset, flags, window, checksum, urgent */
	const uint8_t *h = cur_take(&d->c, 20);
	if (!h)
		return bad(d, ANOM_SHORT_TCP);
	s->sport = load_be16(h);
	s->dport = load_be16(h + 2);
	s->seq = load_be32(h + 4);
	s->ack = load_be32(h + 8);
	s->flags = h[13];
	s->window = load_be16(h + 14);
	uint32_t hlen = (uint32_t)(h[12] >> 4) * 4;
	if (hlen < 20 || hlen > d->tcp_len)
		return bad(d, ANOM_BAD_TCP_OFFSET);
	size_t optlen = hlen - 20;
	bool cut = !cur_has(&d->c, optlen);
	struct cursor o;
	cur_sub(&d->c, cut ? cur_left(&d->c) : optlen, &o);
	if (optlen && (cut || !only_timestamps(&o)))
		tcp_options(d, &o, cut);
	if (cut && d->anom == PKT_ANOM_NONE)
		d->anom = ANOM_SNAPLEN_CUT;
	s->payload = cur_ptr(&d->c);
	s->payload_len = (uint32_t)cur_left(&d->c);
	s->payload_wire_len = d->tcp_len - hlen;
	/* Only the capture can be shorter than the wire, never longer: the
	 * cursor was fitted to the IP length. */
	if (s->payload_len < s->payload_wire_len && d->anom == PKT_ANOM_NONE)
		d->anom = ANOM_SNAPLEN_CUT;
	return STEP_OK;
}

/* ---- the common frame, in one go ---- */

/* Ethernet, IPv4 without options, not a fragment, TCP with no options or
 * only NOP,NOP,timestamps, the frame captured whole: what nearly every
 * packet of a mail gateway is.  One length check covers the three fixed
 * headers; everything else -- VLAN tags, IP options, odd lengths, a snaplen
 * cut, other TCP options, any anomaly -- returns false and goes the general
 * way, which decides it exactly as before.  The fields set are those the
 * general path sets for such a frame (tests/unit/test_packet_fast.c
 * compares the two). */
static bool fast_ether_ipv4_tcp(const uint8_t *data, uint32_t caplen, uint32_t wirelen,
				struct tcp_seg *s)
{
	struct cursor c;
	cur_init(&c, data, caplen);
	const uint8_t *eth = cur_take(&c, 14 + 20 + 20); /* Ethernet, IPv4, TCP */
	if (!eth || caplen != wirelen || load_be16(eth + 12) != ETH_P_IPV4)
		return false;
	const uint8_t *ip = eth + 14, *tcp = ip + 20;
	uint32_t tot = load_be16(ip + 2);
	/* version 4 with a 20-byte header, TCP, MF clear and offset 0, and an
	 * IP length that covers both headers and lies within the frame (0,
	 * TSO's "use the frame", is for the general path) */
	if (ip[0] != 0x45 || ip[9] != IPPROTO_TCP_ || (load_be16(ip + 6) & 0x3fff) ||
	    tot < 40 || tot > caplen - 14)
		return false;
	uint32_t tcp_len = tot - 20, hlen = (uint32_t)(tcp[12] >> 4) * 4;
	if (hlen > tcp_len)
		return false;
	/* hlen <= tcp_len keeps the option bytes inside the IP length, which
	 * the check above keeps inside the frame */
	if (hlen != 20 && !(hlen == 32 && load_be32(tcp + 20) == 0x0101080a)) /* NOP NOP TS(10) */
		return false;
	addr_from_v4(&s->src, ip + 12);
	addr_from_v4(&s->dst, ip + 16);
	s->ttl = ip[8];
	s->ip_id = load_be16(ip + 4);
	s->l3 = ip;
	s->l3_len = tot;
	s->sport = load_be16(tcp);
	s->dport = load_be16(tcp + 2);
	s->seq = load_be32(tcp + 4);
	s->ack = load_be32(tcp + 8);
	s->flags = tcp[13];
	s->window = load_be16(tcp + 14);
	s->payload = tcp + hlen;
	s->payload_len = s->payload_wire_len = tcp_len - hlen;
	return true;
}

/* ---- entry point ---- */

/* Every other frame, layer by layer.  Not inlined into pkt_decode: its
 * stack frame would be set up for the common frame too. */
__attribute__((noinline)) static enum pkt_result decode_layers(int linktype, int64_t ts_us, const uint8_t *data,
				     uint32_t caplen, uint32_t wirelen, struct tcp_seg *seg,
				     enum anomaly *anom)
{
	struct dec d;
	cur_init(&d.c, data, caplen);
	d.cut = wirelen > caplen ? wirelen - caplen : 0;
	d.vlan = 0;
	d.tcp_len = 0;
	d.anom = PKT_ANOM_NONE;
	d.seg = seg;
	/* every other field is set on the way to PKT_TCP (no memset: this runs
	 * for every frame) */
	seg->mss = 0;
	seg->wscale = -1;
	seg->ipv6 = false;

	uint16_t etype = 0;
	enum step st = link_decode(&d, linktype, &etype);
	if (st == STEP_OK) {
		if (etype == ETH_P_IPV4)
			st = ipv4(&d);
		else if (etype == ETH_P_IPV6)
			st = ipv6(&d);
		else
			st = STEP_NOT_TCP;
	}
	if (st == STEP_OK)
		st = tcp(&d);
	*anom = d.anom;
	if (st == STEP_NOT_TCP)
		return PKT_NOT_TCP;
	if (st == STEP_BAD)
		return PKT_MALFORMED;
	seg->ts_us = ts_us;
	seg->vlan = d.vlan;
	seg->wire_len = wirelen;
	return PKT_TCP;
}

enum pkt_result pkt_decode(int linktype, int64_t ts_us, const uint8_t *data, uint32_t caplen,
			   uint32_t wirelen, struct tcp_seg *seg, enum anomaly *anom)
{
	if (linktype == DLT_EN10MB && fast_ether_ipv4_tcp(data, caplen, wirelen, seg)) {
		seg->mss = 0;
		seg->wscale = -1;
		seg->ipv6 = false;
		seg->vlan = 0;
		seg->ts_us = ts_us;
		seg->wire_len = wirelen;
		*anom = PKT_ANOM_NONE;
		return PKT_TCP;
	}
	return decode_layers(linktype, ts_us, data, caplen, wirelen, seg, anom);
}
