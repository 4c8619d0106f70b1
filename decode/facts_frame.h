/* facts_frame.h — the common frames, decoded in a few steps for the facts
 * scanner (smtp_facts.c); pkt_decode (packet.h) takes the rest.  Not an
 * API beyond decode/. */
#ifndef SMTPSCOPE_FACTS_FRAME_H
#define SMTPSCOPE_FACTS_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"

/* True when the frame is Ethernet (at most one 802.1Q tag) carrying IPv4
 * without options or fragments, or IPv6 with TCP right after its fixed
 * header, every length inside the capture, and a TCP header pkt_decode
 * accepts: then src, dst, sport, dport, vlan, seq, ack, flags, ttl,
 * payload, payload_len and payload_wire_len are filled in, as pkt_decode
 * fills them (tests/fuzz/fuzz_facts.c checks it); nothing else is.  False
 * for every other frame, which the caller hands to pkt_decode. */
bool facts_frame(int linktype, const uint8_t *data, uint32_t caplen, struct tcp_seg *seg);

#endif
