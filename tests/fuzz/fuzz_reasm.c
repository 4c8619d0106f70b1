/* fuzz_reasm.c — TCP reassembly (decode/tcp_reasm.h) with synthetic
 * segments: overlapping, out of order, far outside the window, with SYN,
 * FIN and RST, snaplen cuts and ACKs that declare gaps.
 *
 * Input: [1 byte: hold limit selector][4 bytes: client ISN][4 bytes: server
 * ISN] then 8-byte records:
 *   flags   bit 0 direction (0 client->server), 1 SYN, 2 FIN, 3 RST, 4 apply
 *           the ACK field to the other direction, 5 offsets are in units of
 *           4096 (far jumps, wraparound), 6 snaplen cut, 7 sequence number
 *           relative to what the direction expects next rather than its ISN
 *   seq     int16, little endian: offset of the sequence number
 *   ack     int16: offset of the acknowledgement from the other side's ISN
 *   len     payload length on the wire: the low 12 bits, or all 16 if the
 *           top bit is set (most segments are small; big ones stay reachable)
 *   cut     with bit 6, the captured part is len * cut / 256
 *
 * Payload bytes are not taken from the input: byte k of the sequence space
 * always holds pattern(k), a pseudo-random function of k.  So whatever the segments, every byte delivered
 * must equal pattern(its sequence number) — the oracle that catches data
 * delivered twice, out of place or from the wrong held range.  Also checked:
 * the hold list stays under its cap, flush empties it, and the memory
 * accounting returns to where it started.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "decode/mem.h"
#include "decode/tcp_reasm.h"

/* pattern(k) is a table lookup so that making and checking payload is a
 * memcpy/memcmp: the period is prime (misplacing bytes by a multiple of it
 * goes unseen, nothing else does) and the table runs one segment past it. */
#define PERIOD 65521u
static uint8_t pat[PERIOD + 65536];

static void pattern_init(void)
{
	for (uint32_t i = 0; i < sizeof pat; i++)
		pat[i] = (uint8_t)(((i % PERIOD) * 2654435761u) >> 24);
}

static const uint8_t *pattern_at(uint32_t seq)
{
	return pat + seq % PERIOD;
}

/* pattern(seq) ... pattern(seq + len - 1), split where seq wraps at 2^32. */
static void pattern_fill(uint8_t *out, uint32_t seq, uint32_t len)
{
	uint32_t first = len;
	if ((uint64_t)seq + len > 0x100000000ULL)
		first = (uint32_t)(0x100000000ULL - seq);
	memcpy(out, pattern_at(seq), first);
	memcpy(out + first, pattern_at(0), len - first);
}

struct ctx {
	struct tcp_dir dir[2];
};

static void on_data(void *vctx, int dir, int64_t ts, const uint8_t *p, size_t len)
{
	struct ctx *c = vctx;
	(void)ts;
	FZ_CHECK(dir == 0 || dir == 1, "data for direction %d", dir);
	FZ_CHECK(len <= 0x10000, "%zu bytes delivered at once", len);
	uint32_t seq = c->dir[dir].next_seq;
	uint8_t want[0x10000];
	pattern_fill(want, seq, (uint32_t)len);
	if (memcmp(p, want, len) == 0)
		return;
	size_t i = 0;
	while (p[i] == want[i])
		i++;
	fz_fail("dir %d: byte at seq %u is %u, expected %u (a run of %zu from seq %u)", dir,
		seq + (uint32_t)i, p[i], want[i], len, seq);
}

static void on_gap(void *vctx, int dir, int64_t ts, uint64_t len)
{
	(void)vctx; (void)ts;
	FZ_CHECK(dir == 0 || dir == 1, "gap for direction %d", dir);
	FZ_CHECK(len <= UINT32_MAX, "gap of %llu bytes", (unsigned long long)len);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int16_t rd16s(const uint8_t *p)
{
	return (int16_t)(uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 9)
		return 0;
	static const uint32_t held_caps[4] = { 0, 0, 2048, 65536 };
	struct reasm_limits lim = { .held_bytes_max = held_caps[data[0] & 3] };
	const struct reasm_limits *limp = (data[0] & 3) == 0 ? NULL : &lim;
	uint32_t effective_cap = lim.held_bytes_max ? lim.held_bytes_max : 1u << 20;
	uint32_t isn[2] = { rd32(data + 1), rd32(data + 5) };
	size_t mem_before = mem_acct.used;

	static bool ready;
	if (!ready) {
		pattern_init();
		ready = true;
	}
	struct ctx c;
	reasm_init(&c.dir[0]);
	reasm_init(&c.dir[1]);
	struct reasm_sink out = { on_data, on_gap, &c };
	int64_t ts = 1000000;

	for (size_t off = 9; off + 8 <= size; off += 8) {
		const uint8_t *r = data + off;
		int dir = r[0] & 1;
		struct tcp_dir *d = &c.dir[dir];
		uint32_t scale = (r[0] & 0x20) ? 4096 : 1;
		uint32_t base = (r[0] & 0x80) && d->started ? d->next_seq : isn[dir];
		uint32_t len = (uint32_t)(r[5] | r[6] << 8);
		if (!(r[6] & 0x80))
			len &= 0x0fff;
		uint32_t cap = (r[0] & 0x40) ? (uint32_t)(((uint64_t)len * r[7]) >> 8) : len;

		struct tcp_seg seg;
		memset(&seg, 0, sizeof seg);
		seg.ts_us = ts += 1000;
		seg.seq = base + (uint32_t)((int32_t)rd16s(r + 1) * (int32_t)scale);
		seg.ack = isn[!dir] + (uint32_t)((int32_t)rd16s(r + 3) * (int32_t)scale);
		seg.flags = (uint8_t)(((r[0] & 0x02) ? TCPF_SYN : 0) | ((r[0] & 0x04) ? TCPF_FIN : 0) |
				      ((r[0] & 0x08) ? TCPF_RST : 0) | ((r[0] & 0x10) ? TCPF_ACK : 0));
		seg.window = r[7];
		seg.mss = (r[0] & 0x02) ? (uint16_t)(536 + r[7] * 4) : 0;
		seg.wscale = -1;
		seg.ttl = (uint8_t)(64 - dir);
		seg.ip_id = (uint16_t)off;
		seg.payload_wire_len = len;
		seg.payload_len = cap;
		seg.wire_len = len + 54;
		/* The payload: SYN takes one sequence number before it. */
		uint32_t first = seg.seq + ((seg.flags & TCPF_SYN) ? 1 : 0);
		uint8_t *payload = malloc(cap ? cap : 1);
		if (!payload)
			abort();
		pattern_fill(payload, first, cap);
		seg.payload = payload;

		reasm_segment(d, dir, &seg, limp, &out);
		free(payload);
		FZ_CHECK(d->held_bytes <= effective_cap, "dir %d holds %u bytes, cap %u", dir,
			 d->held_bytes, effective_cap);
		FZ_CHECK((d->held == NULL) == (d->held_count == 0), "hold list and count disagree");
		if (seg.flags & TCPF_ACK)
			reasm_ack(&c.dir[!dir], !dir, seg.ack, ts, &out);
	}

	for (int i = 0; i < 2; i++) {
		reasm_flush(&c.dir[i], i, ts, &out);
		FZ_CHECK(c.dir[i].held == NULL && c.dir[i].held_bytes == 0 && c.dir[i].held_count == 0,
			 "dir %d: hold list not empty after flush (%u bytes, %u ranges)", i,
			 c.dir[i].held_bytes, c.dir[i].held_count);
		reasm_release(&c.dir[i]);
	}
	FZ_CHECK(mem_acct.used == mem_before, "memory accounting drifted by %zd bytes",
		 (ssize_t)(mem_acct.used - mem_before));
	return 0;
}
