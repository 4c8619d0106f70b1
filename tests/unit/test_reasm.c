/* test_reasm.c — TCP reassembly (decode/tcp_reasm.c) on inline segments:
 * order, retransmission, overlap, wrap-around, gaps (ACK, cap, snaplen,
 * flush), FIN, mid-stream pickup, retransmission runs, span reordering. */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "decode/tcp_reasm.h"
#include "check.h"

/* ---- a sink that records everything ----------------------------------- */

#define SINK_MAX 8192
#define GAPS_MAX 32

struct sink {
	uint8_t buf[SINK_MAX];
	size_t len;
	int ngaps;
	size_t gap_at[GAPS_MAX];   /* offset in buf where each gap was reported */
	uint64_t gap_len[GAPS_MAX];
	uint64_t gap_total;
	int calls;                 /* data callbacks */
	const uint8_t *expect;     /* when set: the original stream, to check positions */
	uint64_t pos;              /* stream offset: bytes delivered + gap bytes */
	int mismatches;
};

static void sink_data(void *ctx, int dir, int64_t ts, const uint8_t *p, size_t len)
{
	struct sink *s = ctx;

	(void)dir;
	(void)ts;
	if (s->len + len <= SINK_MAX)
		memcpy(s->buf + s->len, p, len);
	s->len += len;
	s->calls++;
	if (s->expect && memcmp(s->expect + s->pos, p, len) != 0)
		s->mismatches++;
	s->pos += len;
}

static void sink_gap(void *ctx, int dir, int64_t ts, uint64_t len)
{
	struct sink *s = ctx;

	(void)dir;
	(void)ts;
	if (s->ngaps < GAPS_MAX) {
		s->gap_at[s->ngaps] = s->len;
		s->gap_len[s->ngaps] = len;
	}
	s->ngaps++;
	s->gap_total += len;
	s->pos += len;
}

static struct sink sk;
static struct reasm_sink out = { sink_data, sink_gap, &sk };
static struct reasm_limits lim = { 1 << 20 };

static struct tcp_dir d;

static void reset(void)
{
	reasm_release(&d);
	reasm_init(&d);
	memset(&sk, 0, sizeof(sk));
}

static bool sink_is(const char *want)
{
	return sk.len == strlen(want) && memcmp(sk.buf, want, sk.len) == 0;
}

/* ---- segments ---------------------------------------------------------- */

/* A segment with `len` bytes of `data` at `seq`.  The payload is copied into
 * its own heap buffer so ASan catches any read past it or any use of it
 * after the call (in-order data must not be kept). */
static void seg_cut(uint32_t seq, uint8_t flags, const char *data, uint32_t cap, uint32_t wire)
{
	struct tcp_seg s;
	uint8_t *p = cap ? malloc(cap) : NULL;

	memset(&s, 0, sizeof(s));
	if (cap)
		memcpy(p, data, cap);
	s.ts_us = 1000;
	s.seq = seq;
	s.flags = flags | TCPF_ACK;
	s.window = 65535;
	s.ttl = 64;
	s.payload = p;
	s.payload_len = cap;
	s.payload_wire_len = wire;
	s.wire_len = 54 + wire;
	reasm_segment(&d, 0, &s, &lim, &out);
	if (p) {
		memset(p, 0xEE, cap);
		free(p);
	}
}

static void seg_data(uint32_t seq, const char *data)
{
	uint32_t n = (uint32_t)strlen(data);
	seg_cut(seq, 0, data, n, n);
}

static void syn(uint32_t isn)
{
	seg_cut(isn, TCPF_SYN, NULL, 0, 0);
}

static void ack(uint32_t a)
{
	reasm_ack(&d, 0, a, 2000, &out);
}

/* ---- cases ------------------------------------------------------------- */

static void test_in_order(void)
{
	reset();
	syn(1000);
	CHECK(d.started && d.syn);
	CHECK_EQ_INT(d.isn, 1000);
	CHECK_EQ_INT(d.next_seq, 1001);
	seg_data(1001, "EHLO a\r\n");
	seg_data(1009, "MAIL FROM:<x>\r\n");
	CHECK(sink_is("EHLO a\r\nMAIL FROM:<x>\r\n"));
	CHECK_EQ_INT(d.next_seq, 1001 + 23);
	CHECK_EQ_INT(d.st.payload_bytes, 23);
	CHECK_EQ_INT(d.st.packets, 3);
	CHECK_EQ_INT(d.st.max_seg_len, 15);
	CHECK_EQ_INT(sk.ngaps, 0);
	CHECK(d.held == NULL);
	ack(1024);  /* ACK of everything: nothing happens */
	CHECK_EQ_INT(sk.ngaps, 0);
	CHECK_EQ_INT(d.peer_ack, 1024);
}

static void test_three_before_two(void)
{
	reset();
	syn(0);
	seg_data(1, "aaa");
	seg_data(7, "ccc");
	CHECK(sink_is("aaa"));
	CHECK_EQ_INT(d.held_count, 1);
	CHECK_EQ_INT(d.held_bytes, 3);
	CHECK_EQ_INT(d.st.ooo_segments, 0); /* not yet: the hole may be a capture loss */
	seg_data(4, "bbb");
	CHECK(sink_is("aaabbbccc"));
	CHECK_EQ_INT(d.st.ooo_segments, 1); /* the hole filled: "ccc" came out of order */
	CHECK(d.held == NULL);
	CHECK_EQ_INT(d.held_bytes, 0);
	CHECK_EQ_INT(d.next_seq, 10);
}

/* Every permutation of 5 segments rebuilds the exact original bytes. */
static int run_permutation(uint32_t isn, const int *order)
{
	static const char *parts[5] = { "Subject: x\r\n", "\r\n", "line one\r\n", "two\r\n",
					".\r\n" };
	uint32_t off[5], seq = isn + 1;
	int ok;

	for (int i = 0; i < 5; i++) {
		off[i] = seq;
		seq += (uint32_t)strlen(parts[i]);
	}
	reset();
	syn(isn);
	for (int i = 0; i < 5; i++)
		seg_data(off[order[i]], parts[order[i]]);
	ok = sink_is("Subject: x\r\n\r\nline one\r\ntwo\r\n.\r\n") && sk.ngaps == 0 &&
	     d.held == NULL && d.next_seq == seq && d.st.retransmits == 0;
	return ok;
}

static int permute(uint32_t isn, int *a, int k, int n)
{
	int bad = 0;

	if (k == n)
		return !run_permutation(isn, a);
	for (int i = k; i < n; i++) {
		int t = a[k];
		a[k] = a[i];
		a[i] = t;
		bad += permute(isn, a, k + 1, n);
		a[i] = a[k];
		a[k] = t;
	}
	return bad;
}

static void test_permutations(void)
{
	int a[5] = { 0, 1, 2, 3, 4 };

	CHECK_EQ_INT(permute(5000, a, 0, 5), 0);
	/* Same with the stream crossing 2^32 in the middle of the segments. */
	CHECK_EQ_INT(permute(0xffffffffu - 20, a, 0, 5), 0);
}

static void test_exact_retransmission(void)
{
	reset();
	syn(100);
	seg_data(101, "hello ");
	seg_data(101, "hello ");
	seg_data(107, "world");
	CHECK(sink_is("hello world"));
	CHECK_EQ_INT(d.st.retransmits, 1);
	CHECK_EQ_INT(d.st.retrans_bytes, 6);
	CHECK_EQ_INT(d.st.overlaps, 0);
	/* a retransmission of held (out-of-order) data is not held twice */
	seg_data(120, "zz");
	seg_data(120, "zz");
	CHECK_EQ_INT(d.held_count, 1);
	CHECK_EQ_INT(d.st.retransmits, 2);
}

static void test_partial_overlap(void)
{
	reset();
	syn(100);
	seg_data(101, "abcdef");
	seg_data(104, "defghi");  /* 3 old, 3 new */
	CHECK(sink_is("abcdefghi"));
	CHECK_EQ_INT(d.st.overlaps, 1);
	CHECK_EQ_INT(d.st.retrans_bytes, 3);
	CHECK_EQ_INT(d.st.retransmits, 0);
	CHECK_EQ_INT(d.next_seq, 110);
}

/* One segment fills a hole and covers several held ones (and beyond). */
static void test_overlap_several_held(void)
{
	reset();
	syn(0);
	seg_data(1, "0123");
	seg_data(7, "67");
	seg_data(11, "ab");
	seg_data(15, "ef");
	CHECK_EQ_INT(d.held_count, 3);
	seg_data(5, "456789abcdefgh");  /* covers 5..18 */
	CHECK(sink_is("0123456789abcdefgh"));
	CHECK(d.held == NULL);
	CHECK_EQ_INT(d.held_bytes, 0);
	CHECK_EQ_INT(d.next_seq, 19);

	/* Now held data overlaps itself: a later segment bridges two held ones. */
	reset();
	syn(0);
	seg_data(1, "01");
	seg_data(5, "45");
	seg_data(9, "89");
	seg_data(4, "3456789A");  /* held: bridges 5-6 and 9-10 */
	CHECK(sink_is("01"));
	seg_data(3, "2");
	CHECK(sink_is("0123456789A"));
	CHECK(d.held == NULL);
	CHECK_EQ_INT(mem_acct.used, 0);
}

static void test_wraparound(void)
{
	uint32_t isn = 0xfffffff0u;

	reset();
	syn(isn);  /* payload starts at 0xfffffff1 */
	seg_data(isn + 1, "0123456789");          /* up to 0xfffffffa */
	seg_data(isn + 11, "ABCDEFGHIJ");         /* crosses 2^32 */
	seg_data(isn + 21, "klm");                /* at 5 */
	CHECK(sink_is("0123456789ABCDEFGHIJklm"));
	CHECK_EQ_INT(d.next_seq, 8);

	/* out of order across the wrap */
	reset();
	syn(isn);
	seg_data(isn + 21, "klm");
	seg_data(isn + 11, "ABCDEFGHIJ");
	CHECK_EQ_INT(d.held_count, 2);
	CHECK_EQ_INT(sk.len, 0);
	seg_data(isn + 1, "0123456789");
	CHECK(sink_is("0123456789ABCDEFGHIJklm"));
	/* retransmission across the wrap is seen as old */
	seg_data(isn + 11, "ABCDEFGHIJ");
	CHECK_EQ_INT(d.st.retransmits, 1);
	/* a gap declared by ACK across the wrap */
	seg_data(20, "tail");
	CHECK_EQ_INT(sk.ngaps, 0);
	ack(24);
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_total, 12);
	CHECK(sink_is("0123456789ABCDEFGHIJklmtail"));
}

static void test_gap_by_ack(void)
{
	reset();
	syn(0);
	seg_data(1, "MAIL FROM:<a>\r\n");     /* 1..15 */
	seg_data(33, "DATA\r\n");             /* 16..32 (RCPT TO:<bb@cc.dd>\r\n, 17 bytes) lost */
	CHECK(sink_is("MAIL FROM:<a>\r\n"));
	ack(16);                          /* only what we saw: no gap */
	CHECK_EQ_INT(sk.ngaps, 0);
	ack(33);                          /* up to the held segment, not into it: wait */
	CHECK_EQ_INT(sk.ngaps, 0);
	ack(39);                          /* into the held segment: the hole was lost */
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 17);
	CHECK_EQ_INT(sk.gap_at[0], 15);
	CHECK_EQ_INT(d.st.gaps, 1);
	CHECK_EQ_INT(d.st.gap_bytes, 17);
	CHECK_EQ_INT(d.st.acked_unseen, 1);
	CHECK(sink_is("MAIL FROM:<a>\r\nDATA\r\n"));
	/* "DATA" only followed a capture hole: not reordering */
	CHECK_EQ_INT(d.st.ooo_segments, 0);
	/* resync: delivery goes on */
	seg_data(39, "x\r\n");
	CHECK(sink_is("MAIL FROM:<a>\r\nDATA\r\nx\r\n"));
	/* the lost segment turning up late is now a retransmission */
	seg_data(16, "RCPT TO:<bb@cc.dd>");
	CHECK_EQ_INT(d.st.retransmits, 1);
	CHECK_EQ_INT(sk.len, 24);
}

/* Rule (b): an ACK ahead of next_seq with nothing held waits for the sender
 * to show it has moved on (a segment at or beyond the ACK). */
static void test_gap_by_ack_then_data(void)
{
	reset();
	syn(0);
	seg_data(1, "abc");
	ack(10);                 /* receiver has 4..9 that we never saw */
	CHECK_EQ_INT(sk.ngaps, 0);
	seg_data(10, "jk");          /* the sender is past the ACK: 4..9 are gone */
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 6);
	CHECK_EQ_INT(d.st.acked_unseen, 1);
	CHECK(sink_is("abcjk"));

	/* a bare ACK from the sender (seq = its next byte) is enough too */
	reset();
	syn(0);
	seg_data(1, "abc");
	ack(8);
	seg_cut(8, 0, NULL, 0, 0);
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 4);
	CHECK_EQ_INT(d.next_seq, 8);
}

/* Span ports reorder: the ACK copy arrives just before the data it ACKs.
 * That must not produce a gap. */
static void test_span_reordering(void)
{
	reset();
	syn(0);
	seg_data(1, "abc");
	ack(7);                  /* ACK for "def" seen before "def" itself */
	seg_data(4, "def");
	CHECK_EQ_INT(sk.ngaps, 0);
	CHECK(sink_is("abcdef"));

	/* ACK of two segments, then the two arrive in reverse order */
	reset();
	syn(0);
	seg_data(1, "abc");
	ack(10);
	seg_data(7, "ghi");          /* before the ACK point: held, no gap */
	CHECK_EQ_INT(sk.ngaps, 0);
	seg_data(4, "def");
	CHECK_EQ_INT(sk.ngaps, 0);
	CHECK(sink_is("abcdefghi"));
	CHECK_EQ_INT(d.st.ooo_segments, 1); /* "ghi" before "def": real reordering */

	/* ACK exactly at a held segment's start: the hole may still come */
	reset();
	syn(0);
	seg_data(1, "abc");
	seg_data(7, "ghi");
	ack(7);
	CHECK_EQ_INT(sk.ngaps, 0);
	seg_data(4, "def");
	CHECK_EQ_INT(sk.ngaps, 0);
	CHECK(sink_is("abcdefghi"));
}

static void test_gap_by_hold_cap(void)
{
	struct reasm_limits saved = lim;
	char a[101], b[101], c[101];

	memset(a, 'a', 100);
	memset(b, 'b', 100);
	memset(c, 'c', 100);
	a[100] = b[100] = c[100] = '\0';
	lim.held_bytes_max = 230;  /* room for one 100-byte segment, not two */
	reset();
	syn(0);
	seg_data(101, b);             /* 1..100 missing */
	CHECK_EQ_INT(d.held_count, 1);
	CHECK_EQ_INT(sk.ngaps, 0);
	seg_data(301, c);             /* 201..300 missing too; does not fit */
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 100);
	CHECK_EQ_INT(sk.gap_at[0], 0);
	CHECK_EQ_INT(d.st.acked_unseen, 0);
	CHECK_EQ_INT(d.st.hold_overflows, 1);
	CHECK_EQ_INT(sk.len, 100);            /* the held "b" run was delivered */
	CHECK(memcmp(sk.buf, b, 100) == 0);
	CHECK_EQ_INT(d.held_count, 1);        /* "c" now held */
	CHECK_EQ_INT(d.next_seq, 201);

	/* a segment bigger than the cap, with nothing held: gap, then direct delivery */
	lim.held_bytes_max = 50;
	reset();
	syn(0);
	seg_data(11, a);
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 10);
	CHECK_EQ_INT(sk.len, 100);
	CHECK(d.held == NULL);
	lim = saved;
}

static void test_flush(void)
{
	reset();
	syn(0);
	seg_data(1, "ab");
	seg_data(5, "ef");
	seg_data(9, "ij");
	reasm_flush(&d, 0, 3000, &out);
	CHECK(sink_is("abefij"));
	CHECK_EQ_INT(sk.ngaps, 2);
	CHECK_EQ_INT(sk.gap_at[0], 2);
	CHECK_EQ_INT(sk.gap_len[0], 2);
	CHECK_EQ_INT(sk.gap_at[1], 4);
	CHECK_EQ_INT(sk.gap_len[1], 2);
	CHECK(d.held == NULL);
	CHECK_EQ_INT(d.held_bytes, 0);
	CHECK_EQ_INT(d.held_count, 0);

	/* a trailing hole known only from the ACK */
	reset();
	syn(0);
	seg_data(1, "ab");
	ack(9);
	reasm_flush(&d, 0, 3000, &out);
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 6);

	/* release frees without delivering */
	reset();
	syn(0);
	seg_data(5, "ef");
	reasm_release(&d);
	CHECK_EQ_INT(sk.len, 0);
	CHECK(d.held == NULL);
	CHECK_EQ_INT(mem_acct.used, 0);
}

static void test_snaplen_cut(void)
{
	reset();
	syn(0);
	seg_cut(1, 0, "abcdefghij", 4, 10);  /* only "abcd" captured */
	CHECK(sink_is("abcd"));
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_at[0], 4);
	CHECK_EQ_INT(sk.gap_len[0], 6);
	CHECK_EQ_INT(d.next_seq, 11);
	CHECK_EQ_INT(d.st.gap_bytes, 6);
	seg_data(11, "klm");
	CHECK(sink_is("abcdklm"));

	/* a cut segment held out of order: the cut part is a gap when reached */
	reset();
	syn(0);
	seg_cut(4, 0, "defghi", 2, 6);      /* "de" + 4 lost, 4..9 */
	seg_data(10, "jk");
	CHECK_EQ_INT(sk.len, 0);
	seg_data(1, "abc");
	CHECK(sink_is("abcdejk"));
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_at[0], 5);
	CHECK_EQ_INT(sk.gap_len[0], 4);
	CHECK(d.held == NULL);

	/* an overlap whose new part was cut entirely */
	reset();
	syn(0);
	seg_data(1, "abcdef");
	seg_cut(4, 0, "defghi", 2, 6);      /* new part 7..9 missing */
	CHECK(sink_is("abcdef"));
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 3);
	CHECK_EQ_INT(d.next_seq, 10);
}

static void test_fin(void)
{
	reset();
	syn(0);
	seg_data(1, "QUIT\r\n");
	seg_cut(7, TCPF_FIN, NULL, 0, 0);
	CHECK(d.fin);
	CHECK_EQ_INT(d.fin_seq, 7);
	ack(8);                         /* ACK of the FIN: not a gap */
	CHECK_EQ_INT(sk.ngaps, 0);
	seg_cut(7, TCPF_FIN, NULL, 0, 0);  /* retransmitted FIN */
	CHECK_EQ_INT(sk.ngaps, 0);
	CHECK_EQ_INT(d.st.retransmits, 0);
	CHECK(sink_is("QUIT\r\n"));
	reasm_flush(&d, 0, 3000, &out);
	CHECK_EQ_INT(sk.ngaps, 0);

	/* FIN carrying data, then the same FIN+data again */
	reset();
	syn(0);
	seg_cut(1, TCPF_FIN, "bye", 3, 3);
	CHECK_EQ_INT(d.fin_seq, 4);
	seg_cut(1, TCPF_FIN, "bye", 3, 3);
	CHECK(sink_is("bye"));
	CHECK_EQ_INT(d.st.retransmits, 1);
	ack(5);
	reasm_flush(&d, 0, 3000, &out);
	CHECK_EQ_INT(sk.ngaps, 0);

	/* data before the FIN lost: the ACK of the FIN declares it */
	reset();
	syn(0);
	seg_data(1, "ab");
	seg_cut(9, TCPF_FIN, NULL, 0, 0);  /* 3..8 never seen */
	CHECK_EQ_INT(sk.ngaps, 0);
	ack(10);
	CHECK_EQ_INT(sk.ngaps, 1);
	CHECK_EQ_INT(sk.gap_len[0], 6);
	CHECK_EQ_INT(d.next_seq, 9);

	/* RST: flag set, its payload never delivered */
	reset();
	syn(0);
	seg_cut(1, TCPF_RST, "reset reason", 12, 12);
	CHECK(d.rst);
	CHECK_EQ_INT(sk.len, 0);
}

static void test_midstream(void)
{
	reset();
	seg_cut(777, 0, NULL, 0, 0);      /* a bare ACK does not start */
	CHECK(!d.started);
	ack(50);                           /* ignored: not started */
	CHECK(!d.peer_ack_valid);
	seg_data(5000, "250 OK\r\n");
	CHECK(d.started && !d.syn);
	CHECK_EQ_INT(d.next_seq, 5008);
	CHECK(sink_is("250 OK\r\n"));
	seg_data(5008, "354 go\r\n");
	CHECK(sink_is("250 OK\r\n354 go\r\n"));
	CHECK_EQ_INT(d.st.packets, 3);
}

static void test_retx_runs(void)
{
	char big[1461];

	memset(big, 'x', 1460);
	big[1460] = '\0';
	reset();
	syn(0);
	d.mss = 1460;
	seg_data(1, big);
	seg_data(1461, big);
	ack(1461);                /* the first one was acknowledged */
	seg_data(1, big);             /* retransmission 1 of seq 1: already acked */
	CHECK_EQ_INT(d.retx_run, 1);
	CHECK_EQ_INT(d.st.fullsize_retx, 1);
	CHECK_EQ_INT(d.st.fullsize_retx_unacked, 0);
	seg_data(1461, big);          /* another seq: new run */
	seg_data(1461, big);
	seg_data(1461, big);
	CHECK_EQ_INT(d.retx_run, 3);
	CHECK_EQ_INT(d.st.max_retx_run, 3);
	CHECK_EQ_INT(d.st.fullsize_retx, 4);
	CHECK_EQ_INT(d.st.fullsize_retx_unacked, 3);
	CHECK_EQ_INT(d.st.retransmits, 4);
	seg_data(2921, "new");        /* new data resets the run */
	CHECK_EQ_INT(d.retx_run, 0);
	seg_data(2921, "new");        /* small: not full size */
	CHECK_EQ_INT(d.retx_run, 1);
	CHECK_EQ_INT(d.st.fullsize_retx, 4);
	CHECK_EQ_INT(d.st.max_retx_run, 3);

	/* keep-alive (one old byte) is not a retransmission */
	seg_data(2923, "w");
	CHECK_EQ_INT(d.st.retransmits, 5);

	/* MSS unknown: the largest segment seen is the full size */
	reset();
	syn(0);
	seg_data(1, big);
	seg_data(1, big);
	CHECK_EQ_INT(d.st.fullsize_retx, 1);
	CHECK_EQ_INT(d.st.fullsize_retx_unacked, 1);
}

static void test_stats(void)
{
	struct tcp_seg s;

	reset();
	memset(&s, 0, sizeof(s));
	s.seq = 10;
	s.flags = TCPF_SYN;
	s.mss = 1380;
	s.ttl = 60;
	s.ip_id = 7;
	s.wire_len = 74;
	reasm_segment(&d, 0, &s, &lim, &out);
	s.flags = TCPF_ACK;
	s.seq = 11;
	s.ttl = 58;
	s.ip_id = 8;
	s.wire_len = 54;
	reasm_segment(&d, 0, &s, &lim, &out);  /* window 0, not SYN */
	s.ttl = 62;
	s.window = 100;
	reasm_segment(&d, 0, &s, &lim, &out);
	CHECK_EQ_INT(d.mss, 1380);
	CHECK_EQ_INT(d.ttl_first, 60);
	CHECK_EQ_INT(d.ttl_min, 58);
	CHECK_EQ_INT(d.ttl_max, 62);
	CHECK_EQ_INT(d.last_ip_id, 8);
	CHECK_EQ_INT(d.st.zero_windows, 1);
	CHECK_EQ_INT(d.st.bytes, 74 + 54 + 54);
	CHECK_EQ_INT(d.st.packets, 3);
}

/* A sender that keeps its window full: every ACK lags the newest full-size
 * segment, yet each one acknowledges full-size segments. */
static void test_fullsize_acked_window(void)
{
	static char big[1460];
	memset(big, 'x', sizeof big);
	reset();
	syn(0);
	uint32_t seq = 1;
	for (int i = 0; i < 4; i++) {
		seg_cut(seq, 0, big, sizeof big, sizeof big);
		seq += sizeof big;
	}
	CHECK_EQ_INT(d.st.fullsize_acked, 0);
	ack(1 + 2 * 1460);                  /* the first two */
	CHECK_EQ_INT(d.st.fullsize_acked, 1);
	seg_cut(seq, 0, big, sizeof big, sizeof big);
	ack(1 + 4 * 1460);                  /* still one behind the newest */
	CHECK_EQ_INT(d.st.fullsize_acked, 2);
}

/* ---- randomised: segmentation, reordering, duplicates, overlaps, loss -- */

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return n ? rng_state % n : 0;
}

#define RSTREAM 3000
#define RSEGS 256

struct rseg {
	uint32_t off, len;
};

/* Cuts the stream into segments, then adds overlapping re-sends. */
static int make_segments(struct rseg *v)
{
	int n = 0;

	for (uint32_t off = 0; off < RSTREAM && n < RSEGS / 2;) {
		uint32_t len = 1 + rnd(200);
		if (off + len > RSTREAM)
			len = RSTREAM - off;
		v[n].off = off;
		v[n++].len = len;
		off += len;
	}
	for (int i = 0, m = n; i < m / 3; i++) {
		struct rseg r = v[rnd((uint32_t)m)];
		uint32_t back = rnd(r.off + 1) % 300, more = rnd(100);
		r.off -= back;
		r.len += back + more;
		if (r.off + r.len > RSTREAM)
			r.len = RSTREAM - r.off;
		v[n++] = r;
	}
	return n;
}

/* Mostly local reordering (what networks and span ports do), sometimes far. */
static void shuffle(struct rseg *v, int n)
{
	for (int i = 0; i < n; i++) {
		int j = i + (int)rnd(rnd(8) == 0 ? (uint32_t)(n - i) : 4);
		if (j >= n)
			j = n - 1;
		struct rseg t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void random_round(const uint8_t *stream, bool lossy)
{
	struct rseg v[RSEGS];
	int n = make_segments(v);
	uint32_t isn = rnd(4) == 0 ? 0xffffffffu - rnd(2000) : rng_state;
	uint32_t acked = 0;

	shuffle(v, n);
	reset();
	sk.expect = stream;
	lim.held_bytes_max = lossy ? 400 + rnd(3000) : 1 << 20;
	syn(isn);
	for (int i = 0; i < n; i++) {
		const char *p = (const char *)stream + v[i].off;
		if (lossy && rnd(6) == 0)
			continue;  /* the capture missed it, the receiver did not */
		if (lossy && rnd(8) == 0)
			seg_cut(isn + 1 + v[i].off, 0, p, rnd(v[i].len), v[i].len);
		else
			seg_cut(isn + 1 + v[i].off, 0, p, v[i].len, v[i].len);
		/* the receiver ACKs the highest byte sent so far, now and then */
		if (v[i].off + v[i].len > acked)
			acked = v[i].off + v[i].len;
		if (lossy && rnd(3) == 0)
			ack(isn + 1 + acked);
	}
	if (lossy)
		ack(isn + 1 + RSTREAM);
	reasm_flush(&d, 0, 5000, &out);
}

static void test_random(void)
{
	static uint8_t stream[RSTREAM];
	struct reasm_limits saved = lim;
	int bad_exact = 0, bad_lossy = 0;

	for (int i = 0; i < RSTREAM; i++)
		stream[i] = (uint8_t)rnd(256);
	for (int round = 0; round < 500; round++) {
		random_round(stream, false);
		if (!(sk.len == RSTREAM && memcmp(sk.buf, stream, RSTREAM) == 0 && sk.ngaps == 0 &&
		      sk.mismatches == 0 && d.held == NULL))
			bad_exact++;
		random_round(stream, true);
		/* every byte delivered sits at its true offset; data + gaps = stream */
		if (!(sk.mismatches == 0 && sk.pos == RSTREAM && d.held == NULL &&
		      d.held_bytes == 0 && mem_acct.used == 0))
			bad_lossy++;
	}
	CHECK_EQ_INT(bad_exact, 0);
	CHECK_EQ_INT(bad_lossy, 0);
	lim = saved;
	reset();
}

int main(void)
{
	test_in_order();
	test_three_before_two();
	test_permutations();
	test_exact_retransmission();
	test_partial_overlap();
	test_overlap_several_held();
	test_wraparound();
	test_gap_by_ack();
	test_gap_by_ack_then_data();
	test_span_reordering();
	test_gap_by_hold_cap();
	test_flush();
	test_snaplen_cut();
	test_fin();
	test_midstream();
	test_retx_runs();
	test_stats();
	test_fullsize_acked_window();
	test_random();
	reset();
	CHECK_EQ_INT(mem_acct.used, 0);
	CHECK_DONE();
}
