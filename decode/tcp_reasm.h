/* tcp_reasm.h — per-direction TCP stream reassembly (RFC 9293 sequence space).
 *
 * In-order payload is handed to the consumer straight from the packet buffer
 * (no copy).  Segments ahead of the expected sequence number are copied into
 * a bounded hold list and released in order once the hole fills.  Bytes that
 * were already delivered (retransmissions, overlaps) are counted and never
 * delivered twice.  A hole that will never be filled becomes a gap: its size
 * is counted and reported to the consumer, which resynchronises.
 *
 * A hole is declared a gap when (a) the peer acknowledges data beyond it (the
 * receiver got bytes the capture never saw: capture loss), (b) the hold list
 * of this direction exceeds its byte cap, or (c) the stream is flushed at the
 * end of the connection.  All sequence arithmetic is modulo 2^32.
 */
#ifndef SMTPSCOPE_TCP_REASM_H
#define SMTPSCOPE_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

/* Where reassembled bytes go.  `data` receives in-order payload (pointer valid
 * only during the call); `gap` is told that `len` bytes are missing at this
 * point of the stream. */
struct reasm_sink {
	void (*data)(void *ctx, int dir, int64_t ts_us, const uint8_t *p, size_t len);
	void (*gap)(void *ctx, int dir, int64_t ts_us, uint64_t len);
	void *ctx;
};

struct held_seg; /* private to tcp_reasm.c */

/* Counters that reports and rules read. */
struct tcp_dir_stats {
	uint64_t packets;          /* every packet sent in this direction */
	uint64_t bytes;            /* wire bytes of those packets */
	uint64_t payload_bytes;    /* new payload delivered in order */
	uint64_t retransmits;      /* segments carrying only already-seen bytes */
	uint64_t retrans_bytes;
	uint64_t overlaps;         /* segments partly old, partly new */
	uint64_t ooo_segments;     /* segments that arrived ahead of a hole the late bytes
				    * then filled (not one the capture lost: a gap) */
	uint64_t gaps;             /* holes never filled */
	uint64_t gap_bytes;
	uint64_t acked_unseen;     /* gaps declared because the peer ACKed beyond them */
	uint64_t zero_windows;     /* packets advertising a zero window */
	uint32_t max_retx_run;     /* longest run of retransmissions of one segment */
	uint32_t fullsize_retx;    /* retransmissions of full-size (>= MSS) segments */
	uint32_t fullsize_retx_unacked; /* ...of which the peer never acknowledged */
	uint32_t fullsize_acked;   /* ACKs that covered a full-size segment (a lower bound
				    * of the segments): none while small ones pass is the
				    * PMTU black-hole sign */
	uint32_t max_seg_len;      /* largest payload seen */
	uint32_t hold_overflows;   /* gaps forced by the hold-list cap (ANOM_OOO_OVERFLOW) */
};

struct tcp_dir {
	bool started;              /* sequence space known (SYN or first segment) */
	bool syn;                  /* a SYN was seen in this direction */
	bool fin;                  /* a FIN was seen */
	bool rst;                  /* a RST was seen */
	uint32_t isn;
	uint32_t next_seq;         /* next byte expected in order */
	uint32_t fin_seq;
	uint32_t peer_ack;         /* highest ACK the other side sent for this stream */
	bool peer_ack_valid;
	uint16_t mss;              /* from this side's SYN option, 0 unknown */
	int64_t first_ts, last_ts;

	/* Retransmission run tracking (stall / PMTU black-hole evidence). */
	uint32_t retx_seq;         /* sequence number of the segment being re-sent */
	uint32_t retx_run;         /* consecutive retransmissions of retx_seq */
	uint32_t full_end;         /* end of the oldest full-size segment sent... */
	bool full_pending;         /* ...not yet acknowledged */
	uint32_t full_last;        /* end of the newest full-size segment sent */
	bool mark_insert;          /* hold list: the next range inserted starts a segment */

	/* IP fingerprint of this side, to spot injected packets later. */
	uint8_t ttl_first;
	uint8_t ttl_min, ttl_max;
	uint16_t last_ip_id;

	/* Hold list of out-of-order segments, sorted by sequence number. */
	struct held_seg *held;
	uint32_t held_bytes;
	uint32_t held_count;

	struct tcp_dir_stats st;
};

/* Per-direction and global limits for held (out-of-order) bytes. */
struct reasm_limits {
	uint32_t held_bytes_max;   /* per direction */
};

void reasm_init(struct tcp_dir *d);

/* Feeds one segment sent in direction `dir` (0 = client->server,
 * 1 = server->client) into that direction's state `d`.  Handles SYN (sets
 * the ISN), payload (deliver / hold / count as retransmission), FIN and RST
 * flags and the window/TTL/IP-ID bookkeeping.  The ACK field of the segment
 * is not applied here: call reasm_ack on the other direction's state. */
void reasm_segment(struct tcp_dir *d, int dir, const struct tcp_seg *seg,
		   const struct reasm_limits *lim, const struct reasm_sink *out);

/* The peer of direction `dir` acknowledged everything before `ack`.  Declares
 * the leading hole a gap if `ack` is beyond it and releases what follows. */
void reasm_ack(struct tcp_dir *d, int dir, uint32_t ack, int64_t ts_us,
	       const struct reasm_sink *out);

/* End of connection: every remaining hole becomes a gap and every held
 * segment is delivered in order.  The hold list is empty afterwards. */
void reasm_flush(struct tcp_dir *d, int dir, int64_t ts_us, const struct reasm_sink *out);

/* Frees the hold list without delivering it (eviction). */
void reasm_release(struct tcp_dir *d);

/* Signed distance a - b in sequence space. */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

#endif
