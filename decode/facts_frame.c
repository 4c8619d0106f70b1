/* facts_frame.c — Ethernet, IPv4/IPv6 and TCP headers of the common frame
 * (RFC 791, RFC 8200, RFC 9293, IEEE 802.1Q) read through one bounds check
 * per header (decode/cursor.h), for the facts scanner.  Whatever is not the
 * plain case is left to pkt_decode, so the two never read a frame
 * differently: IP options, extension headers, fragments, an IP length of 0
 * or past the capture, VLAN stacks, other link types all return false. */
#include "config.h"

#include "decode/facts_frame.h"

#include <pcap/dlt.h>
#include <string.h>

#include "decode/cursor.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define ETH_P_QINQ_OLD 0x9100

/* ::ffff:a.b.c.d, as addr_from_v4 builds it */
static inline void v4_mapped(struct ip_addr *a, const uint8_t *v4)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memcpy(a->b, prefix, 12);
	memcpy(a->b + 12, v4, 4);
}

static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline bool is_vlan(uint16_t t)
{
	return t == ETH_P_8021Q || t == ETH_P_8021AD || t == ETH_P_QINQ_OLD;
}

/* The TCP header and payload: tcp_len bytes, all captured. */
static bool tcp(const uint8_t *t, uint32_t tcp_len, struct tcp_seg *seg)
{
	if (tcp_len < 20)
		return false;
	uint32_t hlen = (uint32_t)(t[12] >> 4) * 4;
	if (hlen < 20 || hlen > tcp_len)
		return false;
	seg->sport = be16(t);
	seg->dport = be16(t + 2);
	seg->seq = be32(t + 4);
	seg->ack = be32(t + 8);
	seg->flags = t[13];
	seg->payload = t + hlen;
	seg->payload_len = seg->payload_wire_len = tcp_len - hlen;
	return true;
}

bool facts_frame(int linktype, const uint8_t *data, uint32_t caplen, struct tcp_seg *seg)
{
	/* the Ethernet header and an 802.1Q tag in one check each */
	struct cursor c;
	cur_init(&c, data, caplen);
	if (linktype != DLT_EN10MB || !cur_has(&c, 14))
		return false;
	uint16_t etype = be16(data + 12);
	cur_skip(&c, 14);
	seg->vlan = 0;
	if (is_vlan(etype)) {
		if (!cur_has(&c, 4))
			return false;
		seg->vlan = be16(data + 14) & 0x0fff;
		etype = be16(data + 16);
		cur_skip(&c, 4);
		if (is_vlan(etype))
			return false;
	}
	const uint8_t *ip = cur_ptr(&c);
	size_t left = cur_left(&c);
	if (etype == ETH_P_IPV4) {
		if (left < 20 || ip[0] != 0x45 || ip[9] != 6 || (be16(ip + 6) & 0x3fff))
			return false;
		uint32_t tot = be16(ip + 2);
		if (tot < 20 || tot > left)
			return false;
		v4_mapped(&seg->src, ip + 12);
		v4_mapped(&seg->dst, ip + 16);
		seg->ttl = ip[8];
		return tcp(ip + 20, tot - 20, seg);
	}
	if (etype == ETH_P_IPV6) {
		if (left < 40 || ip[0] >> 4 != 6 || ip[6] != 6)
			return false;
		uint32_t plen = be16(ip + 4);
		if (plen == 0 || plen > left - 40)
			return false;
		memcpy(seg->src.b, ip + 8, 16);
		memcpy(seg->dst.b, ip + 24, 16);
		seg->ttl = ip[7];
		return tcp(ip + 40, plen, seg);
	}
	return false;
}
