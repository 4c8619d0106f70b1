/* fuzz_packet.c — one captured frame through pkt_decode (decode/packet.c).
 *
 * Input: [1 byte: link type selector and snaplen flag][frame bytes].  The
 * low nibble picks the link type from the table below; bit 4 makes the
 * frame's wire length longer than what was captured (a snaplen cut), bits
 * 5-7 by how much.  The frame is copied into a buffer of its exact size so
 * AddressSanitizer sees any read past it.  Checks: the payload lies inside
 * the frame, the anomaly matches the result, and the addresses survive a
 * format/parse round trip.
 */
#include "config.h"

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "decode/addr.h"
#include "fuzz.h"
#include "decode/packet.h"

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, 276 /* SLL2 */, DLT_NULL, DLT_LOOP, DLT_RAW,
	228 /* IPV4 */, 229 /* IPV6 */, 101 /* LINKTYPE_RAW */, 147 /* unsupported */,
};
#define NLINKTYPES (sizeof linktypes / sizeof linktypes[0])

static void check_addr(const struct ip_addr *a)
{
	char text[ADDR_STRLEN];
	struct ip_addr back;
	memset(text, 0x55, sizeof text);
	addr_format(a, text);
	FZ_CHECK(memchr(text, '\0', sizeof text) != NULL, "addr_format: no NUL");
	FZ_CHECK(addr_parse(text, &back), "addr_format wrote \"%s\", addr_parse refuses it", text);
	FZ_CHECK(addr_eq(a, &back), "\"%s\" does not parse back to the same address", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int linktype = linktypes[(data[0] & 0x0f) % NLINKTYPES];
	uint32_t caplen = (uint32_t)(size - 1);
	uint32_t wirelen = caplen;
	if (data[0] & 0x10)
		wirelen += 1 + (uint32_t)(data[0] >> 5) * 700;
	uint8_t *frame = malloc(caplen ? caplen : 1);
	if (!frame)
		abort();
	memcpy(frame, data + 1, caplen);

	struct tcp_seg seg;
	enum anomaly anom = ANOM__COUNT + 7;
	memset(&seg, 0xa5, sizeof seg);
	enum pkt_result r = pkt_decode(linktype, 1234567890123456, frame, caplen, wirelen, &seg, &anom);
	switch (r) {
	case PKT_TCP: {
		FZ_CHECK(anom == PKT_ANOM_NONE || anom == ANOM_BAD_TCP_OPTION || anom == ANOM_SNAPLEN_CUT,
			 "PKT_TCP with anomaly %d", (int)anom);
		FZ_CHECK(seg.payload_len == 0 ||
			 (seg.payload >= frame && seg.payload_len <= caplen &&
			  (size_t)(seg.payload - frame) <= caplen - seg.payload_len),
			 "payload [%td, +%u) outside the frame of %u bytes", seg.payload - frame,
			 seg.payload_len, caplen);
		FZ_CHECK(seg.ts_us == 1234567890123456, "timestamp not copied");
		unsigned sum = 0;
		for (uint32_t i = 0; i < seg.payload_len; i++)
			sum += seg.payload[i];
		(void)sum;
		check_addr(&seg.src);
		check_addr(&seg.dst);
		FZ_CHECK(seg.ipv6 || (addr_is_v4(&seg.src) && addr_is_v4(&seg.dst)),
			 "IPv4 packet with an IPv6 source");
		break;
	}
	case PKT_NOT_TCP:
		FZ_CHECK(anom == PKT_ANOM_NONE, "PKT_NOT_TCP with anomaly %d", (int)anom);
		break;
	case PKT_MALFORMED:
		FZ_CHECK((int)anom >= 0 && anom < ANOM__COUNT, "PKT_MALFORMED with anomaly %d", (int)anom);
		FZ_CHECK(anomaly_name(anom) != NULL, "anomaly %d has no name", (int)anom);
		break;
	default:
		fz_fail("pkt_decode returned %d", (int)r);
	}
	FZ_CHECK(pkt_linktype_supported(linktype) || r == PKT_MALFORMED,
		 "unsupported link type %d decoded", linktype);
	free(frame);
	return 0;
}
