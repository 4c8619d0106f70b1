/* packet.h — link, IP and TCP header decode into one flat segment view.
 *
 * Follows RFC 791 (IPv4), RFC 8200 (IPv6 and extension headers), RFC 9293
 * (TCP header and options), IEEE 802.1Q/802.1ad (VLAN, QinQ), and the
 * tcpdump.org link-type definitions for Linux SLL/SLL2, raw IP and DLT_NULL.
 * Everything is read through struct cursor; nothing is overlaid on packet
 * memory.  IPv4 fragments are counted and skipped (SMTP segments are never
 * fragmented in practice because TCP does its own segmentation; a fragment
 * almost always means a middle box or an attack, and it is reported).
 */
#ifndef SMTPSCOPE_PACKET_H
#define SMTPSCOPE_PACKET_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/addr.h"
#include "decode/anomaly.h"

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10
#define TCPF_URG 0x20

/* One decoded TCP segment.  payload points into the packet buffer (valid only
 * for the duration of the callback that received it). */
struct tcp_seg {
	int64_t ts_us;           /* capture timestamp, microseconds since epoch */
	struct ip_addr src, dst;
	uint16_t sport, dport;
	uint32_t vlan;           /* outer<<12 | inner VLAN id; 0 = untagged */
	uint32_t seq, ack;
	uint8_t flags;           /* TCPF_* */
	uint16_t window;         /* raw (unscaled) window field */
	uint16_t mss;            /* MSS option value, 0 if absent */
	int8_t wscale;           /* window-scale option, -1 if absent */
	uint8_t ttl;             /* IPv4 TTL or IPv6 hop limit */
	uint16_t ip_id;          /* IPv4 identification; 0 for IPv6 */
	bool ipv6;
	const uint8_t *l3;       /* the IP header (for DPI), l3_len bytes captured */
	uint32_t l3_len;
	const uint8_t *payload;
	uint32_t payload_len;    /* bytes actually present in the capture */
	uint32_t payload_wire_len; /* TCP payload length according to the IP header */
	uint32_t wire_len;       /* original packet length on the wire */
};

enum pkt_result {
	PKT_TCP,       /* *seg filled in */
	PKT_NOT_TCP,   /* well-formed but not TCP (or not IP): ignored */
	PKT_MALFORMED, /* *anom says why */
};

/* *anom when nothing was odd. */
#define PKT_ANOM_NONE ANOM__COUNT

/* Decodes one captured frame of link type `linktype` (a DLT_* value).
 * On PKT_MALFORMED, *anom names the first problem found.  On PKT_TCP it may
 * name one that did not stop the decode (ANOM_BAD_TCP_OPTION: the options
 * were ignored; ANOM_SNAPLEN_CUT: payload_len < payload_wire_len or options
 * cut off), else PKT_ANOM_NONE; on PKT_NOT_TCP it is PKT_ANOM_NONE. */
enum pkt_result pkt_decode(int linktype, int64_t ts_us, const uint8_t *data, uint32_t caplen,
			   uint32_t wirelen, struct tcp_seg *seg, enum anomaly *anom);

/* True if this decoder understands the link type. */
bool pkt_linktype_supported(int linktype);

#endif
