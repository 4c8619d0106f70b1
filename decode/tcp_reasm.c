/* tcp_reasm.c — per-direction TCP stream reassembly with gaps (RFC 9293).
 *
 * Delivers in-order bytes, holds what is ahead, counts what is old, and turns
 * holes that will never fill into gaps.
 *
 * Follows RFC 9293: sequence numbers are compared modulo 2^32 (seq_diff);
 * SYN and FIN each consume one sequence number, so payload starts at ISN+1
 * and a FIN's own number is never data.
 *
 * When a hole becomes a gap (the rule, see also tcp_reasm.h):
 *   (a) ACK: an ACK that reaches *into* a held segment (ack > its first byte)
 *       proves the receiver had every byte before it, so the hole in front of
 *       that segment was lost by the capture.  A FIN that was seen counts as a
 *       held segment of length zero at fin_seq.  An ACK that is merely ahead
 *       of next_seq with nothing held beyond the hole is NOT enough: on a
 *       span port the copy of the ACK often overtakes the copy of the data it
 *       acknowledges (the two directions go through different queues), and
 *       that data shows up a few packets later.
 *   (b) ACK, later confirmed by the sender: when the peer has acknowledged
 *       beyond next_seq and this direction then sends a segment (data, FIN
 *       or a bare ACK) whose sequence number is at or beyond that ACK, the
 *       sender has moved past the acknowledged bytes, which the same queue
 *       would have carried earlier: they are gone.  Requiring "at or beyond
 *       the ACK" rather than just "beyond next_seq" keeps a data segment that
 *       was reordered in front of its predecessor from forcing a false gap.
 *   (c) the hold list of the direction would exceed lim->held_bytes_max
 *       (held payload plus a header per held range; 0 or no limits means
 *       REASM_HELD_DEFAULT): the leading hole is given up, one at a time,
 *       until the new segment fits.  Held data is delivered, never dropped.
 *   (d) reasm_flush at the end of the connection.
 * Bytes cut off by the snaplen are a gap at the point where they are missing.
 *
 * Memory: in-order payload is delivered straight from the packet buffer; only
 * out-of-order ranges are copied, one allocation each (header + bytes), and
 * charged to mem.h.  The common case — an in-order segment with nothing held —
 * costs a handful of branches and no allocation.
 */
#include "config.h"

#include "decode/tcp_reasm.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

/* Default cap on held bytes per direction when the caller passes no limits. */
#define REASM_HELD_DEFAULT (1u << 20)

/* RFC 9293 default send MSS for IPv4; smaller segments are never "full size"
 * for the path-MTU black-hole evidence. */
#define REASM_MIN_FULLSIZE 536u

/* One held range of sequence space.  Ranges in the list are sorted and never
 * overlap.  A `lost` range stands for bytes that the snaplen cut off: it has
 * no data and becomes a gap when the stream reaches it.  The head of the
 * list also knows the last range, because out-of-order data nearly always
 * lands after everything held (one early segment lost, the window keeps
 * coming): that case appends without walking the list. */
struct held_seg {
	struct held_seg *next;
	struct held_seg *tail;  /* meaningful in the head range only */
	uint32_t seq;
	uint32_t len;
	bool lost;
	bool seg_start;         /* the first range a held segment made (out_of_order) */
	uint8_t data[];
};

void reasm_init(struct tcp_dir *d)
{
	memset(d, 0, sizeof(*d));
}

/* ---- bookkeeping ------------------------------------------------------- */

static void note_packet(struct tcp_dir *d, const struct tcp_seg *seg)
{
	struct tcp_dir_stats *st = &d->st;

	if (st->packets++ == 0) {
		d->first_ts = seg->ts_us;
		d->ttl_first = d->ttl_min = d->ttl_max = seg->ttl;
	} else if (seg->ttl < d->ttl_min) {
		d->ttl_min = seg->ttl;
	} else if (seg->ttl > d->ttl_max) {
		d->ttl_max = seg->ttl;
	}
	d->last_ts = seg->ts_us;
	d->last_ip_id = seg->ip_id;
	st->bytes += seg->wire_len;
	if (seg->window == 0 && !(seg->flags & (TCPF_RST | TCPF_SYN)))
		st->zero_windows++;
	if (seg->payload_wire_len > st->max_seg_len)
		st->max_seg_len = seg->payload_wire_len;
}

/* A segment is "full size" when it is as large as the biggest one this side
 * has sent (then it is the sender's working MSS) or reaches the MSS this side
 * announced, and is at least 536 bytes.  The announced MSS alone would miss
 * the case that matters: the sender is bound by the *peer's* MSS, which a
 * middle box may have clamped lower, and this module sees one direction. */
static bool is_fullsize(const struct tcp_dir *d, uint32_t len)
{
	if (len < REASM_MIN_FULLSIZE)
		return false;
	return len >= d->st.max_seg_len || (d->mss != 0 && len >= d->mss);
}

/* A whole segment of old bytes: count it and extend the run of re-sends of
 * one sequence number (a sender stuck on one segment is a stall). */
static void note_retransmission(struct tcp_dir *d, uint32_t seq, uint32_t len)
{
	d->st.retransmits++;
	d->st.retrans_bytes += len;
	if (d->retx_run != 0 && d->retx_seq == seq) {
		d->retx_run++;
	} else {
		d->retx_seq = seq;
		d->retx_run = 1;
	}
	if (d->retx_run > d->st.max_retx_run)
		d->st.max_retx_run = d->retx_run;
	if (is_fullsize(d, len)) {
		d->st.fullsize_retx++;
		if (!d->peer_ack_valid || seq_diff(d->peer_ack, seq) <= 0)
			d->st.fullsize_retx_unacked++;
	}
}

/* The highest sequence number up to which an ACK may declare a gap: the
 * FIN's own number is acknowledged but carries no byte. */
static uint32_t ack_limit(const struct tcp_dir *d)
{
	if (d->fin && seq_diff(d->peer_ack, d->fin_seq) > 0)
		return d->fin_seq;
	return d->peer_ack;
}

/* ---- delivery ---------------------------------------------------------- */

static void deliver(struct tcp_dir *d, int dir, int64_t ts, const uint8_t *p, uint32_t len,
		    const struct reasm_sink *out)
{
	if (out->data)
		out->data(out->ctx, dir, ts, p, len);
	d->st.payload_bytes += len;
	d->next_seq += len;
	d->retx_run = 0;
}

/* Skips `len` bytes of sequence space that will never be seen. */
static void declare_gap(struct tcp_dir *d, int dir, int64_t ts, uint32_t len, bool acked,
			const struct reasm_sink *out)
{
	d->st.gaps++;
	d->st.gap_bytes += len;
	if (acked)
		d->st.acked_unseen++;
	d->next_seq += len;
	if (out->gap)
		out->gap(out->ctx, dir, ts, len);
}

/* Delivers `wire` bytes at next_seq of which only the first `cap` were
 * captured; the rest is a gap right there. */
static void deliver_captured(struct tcp_dir *d, int dir, int64_t ts, const uint8_t *p,
			     uint32_t cap, uint32_t wire, const struct reasm_sink *out)
{
	if (cap)
		deliver(d, dir, ts, p, cap, out);
	if (wire > cap)
		declare_gap(d, dir, ts, wire - cap, false, out);
}

/* ---- hold list --------------------------------------------------------- */

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static size_t held_size(uint32_t len, bool lost)
{
	return sizeof(struct held_seg) + (lost ? 0 : len);
}

static void held_free(struct tcp_dir *d, struct held_seg *h)
{
	if (!h->lost)
		d->held_bytes -= h->len;
	d->held_count--;
	mem_free(h, held_size(h->len, h->lost));
}

/* Unlinks and frees the first range. */
static void held_pop(struct tcp_dir *d)
{
	struct held_seg *h = d->held;

	d->held = h->next;
	if (d->held)
		d->held->tail = h->tail;
	held_free(d, h);
}

/* Links a new range in front of *link.  p == NULL makes a lost range. */
static struct held_seg *held_insert(struct tcp_dir *d, struct held_seg **link, uint32_t seq,
				    const uint8_t *p, uint32_t len)
{
	bool lost = p == NULL;
	struct held_seg *h = mem_alloc(held_size(len, lost));

	h->seq = seq;
	h->len = len;
	h->lost = lost;
	h->seg_start = d->mark_insert;
	d->mark_insert = false;
	if (!lost)
		memcpy(h->data, p, len);
	h->next = *link;
	if (link == &d->held)  /* new head: inherit the tail */
		h->tail = h->next ? h->next->tail : h;
	*link = h;
	if (!h->next)
		d->held->tail = h;
	if (!lost)
		d->held_bytes += len;
	d->held_count++;
	return h;
}

/* Copies [seq, seq+len) into the hold list, keeping only the parts that no
 * held range covers yet (first copy wins: what the consumer sees does not
 * depend on which retransmission the capture happened to keep).  Returns
 * the number of new bytes held. */
static uint32_t hold_range(struct tcp_dir *d, uint32_t seq, const uint8_t *p, uint32_t len)
{
	const uint32_t end = seq + len;
	struct held_seg **link = &d->held;
	struct held_seg *last = d->held ? d->held->tail : NULL;
	uint32_t added = 0;

	if (last && seq_diff(seq, last->seq + last->len) >= 0)
		link = &last->next;  /* beyond everything held */

	while (seq_diff(end, seq) > 0) {
		struct held_seg *h = *link;
		uint32_t step;

		if (!h || seq_diff(h->seq, seq) > 0) {
			/* free space from seq up to the next range (or the end) */
			uint32_t stop = h && seq_diff(h->seq, end) < 0 ? h->seq : end;
			step = stop - seq;
			h = held_insert(d, link, seq, p, step);
			added += step;
		} else {
			/* h starts at or before seq: skip what it already covers */
			int32_t covered = seq_diff(h->seq + h->len, seq);
			step = covered > 0 ? min_u32((uint32_t)covered, end - seq) : 0;
		}
		seq += step;
		if (p)
			p += step;
		link = &h->next;
	}
	return added;
}

/* Delivers every held range that next_seq has reached, trimming the part
 * that in-order data already covered.  `filled`: the hole in front was
 * filled by its own bytes arriving late, so the held segments really came
 * out of order; after a hole given up as a gap (bytes the capture never
 * saw) they only followed a capture loss and are not counted. */
static void release_contiguous(struct tcp_dir *d, int dir, int64_t ts, bool filled,
			       const struct reasm_sink *out)
{
	struct held_seg *h;

	while ((h = d->held) != NULL && seq_diff(h->seq, d->next_seq) <= 0) {
		if (filled && h->seg_start)
			d->st.ooo_segments++;
		int32_t fresh = seq_diff(h->seq + h->len, d->next_seq);

		if (fresh > 0) {
			uint32_t skip = h->len - (uint32_t)fresh;
			if (h->lost)
				declare_gap(d, dir, ts, (uint32_t)fresh, false, out);
			else
				deliver(d, dir, ts, h->data + skip, (uint32_t)fresh, out);
		}
		held_pop(d);
	}
}

/* Gives up the hole in front of the first held range and releases what
 * becomes contiguous.  Invariant: the first held range starts beyond
 * next_seq whenever no call is in progress. */
static void skip_leading_hole(struct tcp_dir *d, int dir, int64_t ts, bool acked,
			      const struct reasm_sink *out)
{
	int32_t hole = seq_diff(d->held->seq, d->next_seq);

	if (hole > 0)
		declare_gap(d, dir, ts, (uint32_t)hole, acked, out);
	release_contiguous(d, dir, ts, false, out);
}

/* Rule (b): every hole before `upto` is a gap the peer acknowledged. */
static void skip_acked_holes(struct tcp_dir *d, int dir, int64_t ts, uint32_t upto,
			     const struct reasm_sink *out)
{
	while (seq_diff(upto, d->next_seq) > 0) {
		uint32_t stop = upto;

		if (d->held && seq_diff(d->held->seq, upto) < 0)
			stop = d->held->seq;
		if (stop != d->next_seq)
			declare_gap(d, dir, ts, stop - d->next_seq, true, out);
		release_contiguous(d, dir, ts, false, out);
	}
}

static bool hold_fits(const struct tcp_dir *d, uint32_t held_max, uint32_t cap)
{
	/* Two headers: a snaplen-cut segment is held as a data and a lost range.
	 * Splitting around already-held ranges may add a few more; the cap is
	 * meant as a bound on the order of magnitude, not to the byte. */
	uint64_t need = (uint64_t)d->held_bytes + cap +
			(uint64_t)(d->held_count + 2) * sizeof(struct held_seg);
	return need <= held_max;
}

static uint32_t held_limit(const struct reasm_limits *lim)
{
	return lim && lim->held_bytes_max ? lim->held_bytes_max : REASM_HELD_DEFAULT;
}

/* Rule (c): make room for a segment starting at `seq` (ahead of next_seq). */
static void make_room(struct tcp_dir *d, int dir, int64_t ts, uint32_t seq,
		      const struct reasm_sink *out)
{
	d->st.hold_overflows++;
	if (d->held)
		skip_leading_hole(d, dir, ts, false, out);
	else
		declare_gap(d, dir, ts, seq - d->next_seq, false, out);
}

/* ---- segments ---------------------------------------------------------- */

struct payload {
	uint32_t seq;
	const uint8_t *p;
	uint32_t cap;   /* captured bytes at p */
	uint32_t wire;  /* bytes of sequence space the segment covers */
};

/* Drops the first n bytes (already delivered) of a payload. */
static void trim_front(struct payload *pl, uint32_t n)
{
	uint32_t c = min_u32(n, pl->cap);

	pl->seq += n;
	pl->p += c;
	pl->cap -= c;
	pl->wire -= n;
}

/* A keep-alive re-sends the last byte (or nothing) one below next_seq to
 * elicit an ACK; it is not a retransmission worth counting as a stall. */
static bool is_keepalive(const struct tcp_dir *d, const struct payload *pl)
{
	return pl->wire <= 1 && d->next_seq - pl->seq == 1;
}

static void hold_payload(struct tcp_dir *d, const struct payload *pl)
{
	d->mark_insert = true; /* counted as out of order if its hole fills */
	uint32_t added = hold_range(d, pl->seq, pl->p, pl->cap);

	if (pl->wire > pl->cap)
		added += hold_range(d, pl->seq + pl->cap, NULL, pl->wire - pl->cap);
	d->mark_insert = false;
	if (added == 0) {
		/* every byte already held: a retransmission of out-of-order data */
		d->st.retransmits++;
		d->st.retrans_bytes += pl->wire;
	}
}

static void accept_payload(struct tcp_dir *d, int dir, int64_t ts, struct payload pl,
			   uint32_t held_max, const struct reasm_sink *out)
{
	bool overlap_counted = false;

	for (;;) {
		int32_t old = seq_diff(d->next_seq, pl.seq);

		if (old > 0) {
			if ((uint32_t)old >= pl.wire) {
				if (!is_keepalive(d, &pl))
					note_retransmission(d, pl.seq, pl.wire);
				return;
			}
			if (!overlap_counted) {
				d->st.overlaps++;
				overlap_counted = true;
			}
			d->st.retrans_bytes += (uint32_t)old;
			trim_front(&pl, (uint32_t)old);
		}
		if (pl.seq == d->next_seq) {
			/* the mark is the oldest full-size segment not yet
			 * acknowledged: the newest would stay ahead of every
			 * ACK while the sender keeps its window full */
			if (is_fullsize(d, pl.wire)) {
				d->full_last = pl.seq + pl.wire;
				if (!d->full_pending)
					d->full_end = d->full_last;
				d->full_pending = true;
			}
			deliver_captured(d, dir, ts, pl.p, pl.cap, pl.wire, out);
			if (d->held)
				release_contiguous(d, dir, ts, true, out);
			return;
		}
		if (hold_fits(d, held_max, pl.cap)) {
			hold_payload(d, &pl);
			return;
		}
		make_room(d, dir, ts, pl.seq, out);
	}
}

/* A data or FIN segment on a direction whose SYN the capture missed: the
 * stream is picked up here (isn is set as if the SYN came just before). */
static void start_midstream(struct tcp_dir *d, uint32_t seq)
{
	d->started = true;
	d->isn = seq - 1;
	d->next_seq = seq;
}

static void note_syn(struct tcp_dir *d, const struct tcp_seg *seg)
{
	if (!d->syn)
		d->isn = seg->seq;
	d->syn = true;
	if (seg->mss)
		d->mss = seg->mss;
	if (!d->started) {
		d->started = true;
		d->next_seq = seg->seq + 1;
	}
}

void reasm_segment(struct tcp_dir *d, int dir, const struct tcp_seg *seg,
		   const struct reasm_limits *lim, const struct reasm_sink *out)
{
	struct payload pl = {
		.seq = seg->seq,
		.p = seg->payload,
		.wire = seg->payload_wire_len,
		.cap = min_u32(seg->payload_len, seg->payload_wire_len),
	};

	note_packet(d, seg);
	if (seg->flags & (TCPF_SYN | TCPF_RST | TCPF_FIN)) {
		if (seg->flags & TCPF_RST) {
			d->rst = true;  /* RST payload is diagnostic text, never stream data */
			return;
		}
		if (seg->flags & TCPF_SYN) {
			note_syn(d, seg);
			pl.seq++;       /* SYN consumes one sequence number */
		}
	}
	if (!d->started) {
		if (pl.wire == 0 && !(seg->flags & TCPF_FIN))
			return;         /* a bare ACK does not start a stream */
		start_midstream(d, pl.seq);
	}

	/* Rule (b): the sender has moved past bytes the peer acknowledged. */
	if (seq_diff(pl.seq, d->next_seq) > 0 && d->peer_ack_valid &&
	    seq_diff(d->peer_ack, d->next_seq) > 0 && seq_diff(pl.seq, d->peer_ack) >= 0)
		skip_acked_holes(d, dir, seg->ts_us, ack_limit(d), out);

	if (pl.wire)
		accept_payload(d, dir, seg->ts_us, pl, held_limit(lim), out);

	if ((seg->flags & TCPF_FIN) && !d->fin) {
		d->fin = true;
		d->fin_seq = pl.seq + pl.wire;
	}
}

void reasm_ack(struct tcp_dir *d, int dir, uint32_t ack, int64_t ts_us,
	       const struct reasm_sink *out)
{
	uint32_t limit;

	if (!d->started)
		return;
	if (!d->peer_ack_valid || seq_diff(ack, d->peer_ack) > 0) {
		d->peer_ack = ack;
		d->peer_ack_valid = true;
	}
	if (d->full_pending && seq_diff(ack, d->full_end) >= 0) {
		d->st.fullsize_acked++;
		/* full-size segments sent since: the newest is the next mark */
		d->full_pending = seq_diff(d->full_last, ack) > 0;
		d->full_end = d->full_last;
	}

	/* Rule (a): the ACK reaches into a held range, so the receiver had the
	 * hole in front of it. */
	limit = ack_limit(d);
	while (d->held && seq_diff(limit, d->held->seq) > 0)
		skip_leading_hole(d, dir, ts_us, true, out);

	/* ...and a FIN seen beyond the hole acts as a held range of length 0. */
	if (!d->held && d->fin && seq_diff(d->peer_ack, d->fin_seq) > 0 &&
	    seq_diff(d->fin_seq, d->next_seq) > 0)
		declare_gap(d, dir, ts_us, d->fin_seq - d->next_seq, true, out);
}

void reasm_flush(struct tcp_dir *d, int dir, int64_t ts_us, const struct reasm_sink *out)
{
	uint32_t end;

	if (!d->started) {
		reasm_release(d);
		return;
	}
	while (d->held) {
		bool acked = d->peer_ack_valid && seq_diff(d->peer_ack, d->next_seq) > 0;
		skip_leading_hole(d, dir, ts_us, acked, out);
	}

	/* A trailing hole is known from the peer's ACK or from the FIN. */
	end = d->next_seq;
	if (d->peer_ack_valid && seq_diff(ack_limit(d), end) > 0)
		end = ack_limit(d);
	if (end != d->next_seq)
		declare_gap(d, dir, ts_us, end - d->next_seq, true, out);
	if (d->fin && seq_diff(d->fin_seq, d->next_seq) > 0)
		declare_gap(d, dir, ts_us, d->fin_seq - d->next_seq, false, out);
}

void reasm_release(struct tcp_dir *d)
{
	while (d->held)
		held_pop(d);
}
