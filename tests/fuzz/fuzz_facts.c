/* fuzz_facts.c — the facts scanner of the gateway first pass
 * (decode/smtp_facts.h): hostile frames through its frame reader and its
 * sessions, names and pools.
 *
 * Input: records [1 byte tag][2 bytes length, little endian][frame bytes]
 * (fuzz.h).  The tag's low 3 bits pick the link type, bit 3 makes the wire
 * length longer than the capture (a snaplen cut), bits 4-7 advance the
 * clock (0: same time, 15: past the idle timeout and its horizon, so
 * sessions are parked, rejoined and dropped).  Each frame is copied into a
 * buffer of its exact size so AddressSanitizer sees any read past it.
 *
 * Checks: every frame decode/facts_frame.c accepts, pkt_decode accepts too
 * with the very same fields (the scanner may read a frame either way and
 * must read it alike); every session that starts ends once, after it
 * started, by facts_finish at the latest; the names handed over stay within
 * their bounds; the scanner's memory goes back to where it was.  The pools
 * are small (a budget of a few KiB), so flows are evicted and name buffers
 * run out.
 */
#include "config.h"

#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "decode/facts_frame.h"
#include "decode/mem.h"
#include "decode/smtp_facts.h"
#include "fuzz.h"

static const int linktypes[] = {
	DLT_EN10MB, DLT_EN10MB, DLT_EN10MB, DLT_LINUX_SLL, DLT_RAW, 229 /* IPV6 */, DLT_NULL,
	147 /* unsupported */,
};

struct tally {
	uint64_t started, ended;
};

static void on_start(void *ctx, const struct smtp_facts *f)
{
	struct tally *t = ctx;
	t->started++;
	FZ_CHECK(f->helo == NULL && !f->has_banner, "a session starts with names");
}

static void on_end(void *ctx, const struct smtp_facts *f)
{
	struct tally *t = ctx;
	t->ended++;
	FZ_CHECK(t->ended <= t->started, "%llu sessions ended, %llu started",
		 (unsigned long long)t->ended, (unsigned long long)t->started);
	if (f->helo)
		FZ_CHECK(strlen(f->helo) <= FACTS_HELO_MAX, "EHLO name of %zu bytes", strlen(f->helo));
	FZ_CHECK(f->banner_len <= FACTS_TEXT_MAX, "banner word of %zu bytes", f->banner_len);
	FZ_CHECK(f->has_banner || f->banner_len == 0, "a banner word without a banner");
	FZ_CHECK(f->end_ts >= f->start_ts, "a session ends before it starts");
}

static bool same_addr(const struct ip_addr *a, const struct ip_addr *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

/* The fast reader and pkt_decode on one frame. */
static void compare_decoders(int linktype, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	struct tcp_seg fast, full;
	enum anomaly an;
	memset(&fast, 0x5a, sizeof fast);
	if (!facts_frame(linktype, frame, caplen, &fast))
		return;
	enum pkt_result r = pkt_decode(linktype, 1, frame, caplen, wirelen, &full, &an);
	FZ_CHECK(r == PKT_TCP, "facts_frame takes a frame pkt_decode does not (%d)", (int)r);
	FZ_CHECK(same_addr(&fast.src, &full.src) && same_addr(&fast.dst, &full.dst), "addresses differ");
	FZ_CHECK(fast.sport == full.sport && fast.dport == full.dport, "ports differ");
	FZ_CHECK(fast.vlan == full.vlan, "vlan %u, pkt_decode %u", fast.vlan, full.vlan);
	FZ_CHECK(fast.seq == full.seq && fast.ack == full.ack, "sequence numbers differ");
	FZ_CHECK(fast.flags == full.flags && fast.ttl == full.ttl, "flags or TTL differ");
	FZ_CHECK(fast.payload == full.payload && fast.payload_len == full.payload_len &&
			 fast.payload_wire_len == full.payload_wire_len,
		 "payload %u/%u, pkt_decode %u/%u", fast.payload_len, fast.payload_wire_len,
		 full.payload_len, full.payload_wire_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dec_config cfg;
	dec_config_default(&cfg);
	cfg.idle_timeout_us = 10 * 1000000LL;
	size_t mem_before = mem_acct.used;
	struct tally t = { 0, 0 };
	struct facts_sink sink = { .ctx = &t, .session_start = on_start, .session_end = on_end };
	struct facts_scanner *sc = facts_new(&cfg, 8192, &sink);
	struct fz_reader r = { data, size };
	struct fz_record rec;
	int64_t ts = 1700000000LL * 1000000;
	while (fz_next_record(&r, &rec, 1)) {
		int linktype = linktypes[rec.tag & 7];
		uint32_t caplen = (uint32_t)rec.data_len;
		uint32_t wirelen = caplen + ((rec.tag & 8) ? 1 + rec.len % 1500 : 0);
		unsigned step = rec.tag >> 4;
		ts += step == 15 ? 50 * 1000000LL : (int64_t)step * 700000;
		uint8_t *frame = malloc(caplen ? caplen : 1);
		if (!frame)
			abort();
		memcpy(frame, rec.data, caplen);
		compare_decoders(linktype, frame, caplen, wirelen);
		facts_packet(sc, linktype, ts, frame, caplen, wirelen);
		free(frame);
	}
	facts_finish(sc);
	FZ_CHECK(t.ended == t.started, "%llu sessions started, %llu ended",
		 (unsigned long long)t.started, (unsigned long long)t.ended);
	const struct facts_stats *st = facts_get_stats(sc);
	FZ_CHECK(st->sessions == t.started, "stats say %llu sessions, %llu started",
		 (unsigned long long)st->sessions, (unsigned long long)t.started);
	facts_free(sc);
	FZ_CHECK(mem_acct.used == mem_before, "scanner memory not given back: %zu -> %zu", mem_before,
		 mem_acct.used);
	return 0;
}
