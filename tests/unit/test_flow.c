/* test_flow.c — the flow table (decode/flow.c): both directions, VLAN, port
 * reuse, growth to 100k flows, LRU order, free-list reuse, memory accounting. */
#include "config.h"

#include "decode/flow.h"
#include "decode/mem.h"
#include "check.h"

static struct tcp_seg mkseg(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
			    uint32_t vlan, int64_t ts)
{
	struct tcp_seg s;
	uint8_t a[4] = { (uint8_t)(src >> 24), (uint8_t)(src >> 16), (uint8_t)(src >> 8),
			 (uint8_t)src };
	uint8_t b[4] = { (uint8_t)(dst >> 24), (uint8_t)(dst >> 16), (uint8_t)(dst >> 8),
			 (uint8_t)dst };

	memset(&s, 0, sizeof(s));
	addr_from_v4(&s.src, a);
	addr_from_v4(&s.dst, b);
	s.sport = sport;
	s.dport = dport;
	s.vlan = vlan;
	s.ts_us = ts;
	return s;
}

static struct tcp_seg reversed(const struct tcp_seg *s)
{
	struct tcp_seg r = *s;

	r.src = s->dst;
	r.dst = s->src;
	r.sport = s->dport;
	r.dport = s->sport;
	return r;
}

#define CLIENT 0xc0000210u  /* 192.0.2.16 */
#define SERVER 0xc6336407u  /* 198.51.100.7 */

static void test_both_directions(void)
{
	struct flow_table *ft = ft_new();
	/* the client has the higher address: it is key endpoint 1 */
	struct tcp_seg c2s = mkseg(SERVER, 50123, CLIENT, 25, 0, 100);
	struct tcp_seg s2c = reversed(&c2s);
	struct flow *f, *g;
	int ep = -1, ep2 = -1;

	CHECK(ft_lookup(ft, &c2s, &ep) == NULL);
	f = ft_insert(ft, &c2s, &ep);
	CHECK(f != NULL);
	CHECK_EQ_INT(ep, 1);
	CHECK_EQ_INT(f->client_ep, 1);
	CHECK_EQ_INT(f->first_ts, 100);
	CHECK_EQ_INT(f->last_ts, 100);
	CHECK(f->session == NULL && !f->closed);
	CHECK(!f->dir[0].started && !f->dir[1].started);
	CHECK_EQ_INT(ft_count(ft), 1);

	g = ft_lookup(ft, &c2s, &ep);
	CHECK(g == f);
	CHECK_EQ_INT(flow_dir_of(f, ep), DIR_C2S);
	g = ft_lookup(ft, &s2c, &ep2);
	CHECK(g == f);
	CHECK_EQ_INT(ep2, 0);
	CHECK_EQ_INT(flow_dir_of(f, ep2), DIR_S2C);

	/* first segment from the lower endpoint */
	{
		struct tcp_seg o = mkseg(CLIENT, 40000, SERVER, 25, 0, 5);
		f = ft_insert(ft, &o, &ep);
		CHECK_EQ_INT(ep, 0);
		CHECK_EQ_INT(f->client_ep, 0);
	}
	/* same address both ends: the ports order the key */
	{
		struct tcp_seg lo = mkseg(CLIENT, 2525, CLIENT, 25, 0, 5);
		struct tcp_seg lor = reversed(&lo);
		f = ft_insert(ft, &lo, &ep);
		CHECK(ft_lookup(ft, &lor, &ep2) == f);
		CHECK(ep != ep2);
	}
	CHECK_EQ_INT(ft_count(ft), 3);
	ft_free(ft);
}

static void test_vlan_and_port_reuse(void)
{
	struct flow_table *ft = ft_new();
	struct tcp_seg a = mkseg(CLIENT, 50000, SERVER, 25, 0, 1);
	struct tcp_seg v = mkseg(CLIENT, 50000, SERVER, 25, 10, 1);
	struct tcp_seg q = mkseg(CLIENT, 50000, SERVER, 25, (10u << 12) | 20, 1);
	struct tcp_seg p = mkseg(CLIENT, 50001, SERVER, 25, 0, 1);
	struct flow *fa, *fv, *fq, *fp;
	int ep;

	fa = ft_insert(ft, &a, &ep);
	fv = ft_insert(ft, &v, &ep);
	fq = ft_insert(ft, &q, &ep);
	fp = ft_insert(ft, &p, &ep);
	CHECK(fa != fv && fv != fq && fa != fq && fp != fa);
	CHECK(ft_lookup(ft, &a, &ep) == fa);
	CHECK(ft_lookup(ft, &v, &ep) == fv);
	CHECK(ft_lookup(ft, &q, &ep) == fq);
	CHECK(ft_lookup(ft, &p, &ep) == fp);
	{
		struct tcp_seg vr = reversed(&v);
		CHECK(ft_lookup(ft, &vr, &ep) == fv);
	}

	/* Port reuse: the same 5-tuple later is the same key; once the old
	 * flow is removed, a new one takes its place and is found. */
	{
		struct tcp_seg again = mkseg(CLIENT, 50000, SERVER, 25, 0, 99);
		struct tcp_seg again_r = reversed(&again);
		struct flow *n;

		CHECK(ft_lookup(ft, &again, &ep) == fa);
		CHECK(ft_lookup(ft, &again_r, &ep) == fa);
		ft_remove(ft, fa);
		CHECK(ft_lookup(ft, &again, &ep) == NULL);
		CHECK(ft_lookup(ft, &v, &ep) == fv);
		n = ft_insert(ft, &again, &ep);
		CHECK_EQ_INT(n->first_ts, 99);
		CHECK(ft_lookup(ft, &again_r, &ep) == n);
	}
	CHECK_EQ_INT(ft_count(ft), 4);
	ft_free(ft);
}

#define MANY 100000

static struct tcp_seg many_seg(uint32_t i)
{
	/* spread over addresses and ports the way a busy gateway would */
	return mkseg(0x0a000000u + (i >> 6), (uint16_t)(1024 + (i & 63) * 900),
		     SERVER, 25, 0, (int64_t)i);
}

static void test_growth(void)
{
	size_t mem0 = mem_acct.used, mem_full;
	struct flow_table *ft = ft_new();
	static struct flow *flows[MANY];
	int ep, bad = 0;

	for (uint32_t i = 0; i < MANY; i++) {
		struct tcp_seg s = many_seg(i);
		flows[i] = ft_insert(ft, &s, &ep);
	}
	CHECK_EQ_INT(ft_count(ft), MANY);
	for (uint32_t i = 0; i < MANY; i++) {
		struct tcp_seg s = many_seg(i), r = reversed(&s);
		int e1, e2;
		if (ft_lookup(ft, &s, &e1) != flows[i] || ft_lookup(ft, &r, &e2) != flows[i] ||
		    e1 == e2)
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	{
		struct tcp_seg absent = mkseg(0x0b000000u, 1, SERVER, 25, 0, 0);
		CHECK(ft_lookup(ft, &absent, &ep) == NULL);
	}
	CHECK(ft_oldest(ft) == flows[0]);

	/* Remove every other flow, check the rest, then remove all. */
	mem_full = mem_acct.used;
	for (uint32_t i = 0; i < MANY; i += 2)
		ft_remove(ft, flows[i]);
	bad = 0;
	for (uint32_t i = 0; i < MANY; i++) {
		struct tcp_seg s = many_seg(i);
		struct flow *f = ft_lookup(ft, &s, &ep);
		if (f != (i % 2 ? flows[i] : NULL))
			bad++;
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(ft_oldest(ft) == flows[1]);
	for (uint32_t i = 1; i < MANY; i += 2)
		ft_remove(ft, flows[i]);
	CHECK_EQ_INT(ft_count(ft), 0);
	CHECK(ft_oldest(ft) == NULL);
	CHECK_EQ_INT(mem_acct.used, mem_full - (size_t)MANY * sizeof(struct flow));

	/* Re-inserting reuses freed flows: memory grows only by the flows. */
	for (uint32_t i = 0; i < 1000; i++) {
		struct tcp_seg s = many_seg(i);
		ft_insert(ft, &s, &ep);
	}
	CHECK_EQ_INT(mem_acct.used, mem_full - (size_t)(MANY - 1000) * sizeof(struct flow));
	ft_free(ft);
	CHECK_EQ_INT(mem_acct.used, mem0);
}

static void test_lru(void)
{
	struct flow_table *ft = ft_new();
	struct flow *f[4];
	int ep;

	for (int i = 0; i < 4; i++) {
		struct tcp_seg s = mkseg(CLIENT, (uint16_t)(1000 + i), SERVER, 25, 0, 10 * i);
		f[i] = ft_insert(ft, &s, &ep);
	}
	CHECK(ft_oldest(ft) == f[0]);
	ft_touch(ft, f[0], 100);   /* f1 f2 f3 f0 */
	CHECK_EQ_INT(f[0]->last_ts, 100);
	CHECK(ft_oldest(ft) == f[1]);
	ft_touch(ft, f[2], 110);   /* f1 f3 f0 f2 */
	ft_touch(ft, f[3], 120);   /* f1 f0 f2 f3 */
	ft_touch(ft, f[3], 130);   /* already the tail: only the time changes */
	CHECK_EQ_INT(f[3]->last_ts, 130);
	/* expected order: f1, f0, f2, f3 */
	CHECK(ft_oldest(ft) == f[1]);
	CHECK(f[1]->lru_next == f[0]);
	CHECK(f[0]->lru_next == f[2]);
	CHECK(f[2]->lru_next == f[3]);
	CHECK(f[3]->lru_next == NULL);
	CHECK(f[3]->lru_prev == f[2]);
	CHECK(f[1]->lru_prev == NULL);

	/* removing from the middle and the head keeps the list linked */
	ft_remove(ft, f[0]);
	CHECK(f[1]->lru_next == f[2]);
	CHECK(f[2]->lru_prev == f[1]);
	ft_remove(ft, ft_oldest(ft));
	CHECK(ft_oldest(ft) == f[2]);
	CHECK(f[2]->lru_prev == NULL);
	ft_free(ft);
}

static void test_free_list_reuse(void)
{
	size_t mem0 = mem_acct.used, mem1;
	struct flow_table *ft = ft_new();
	struct tcp_seg a = mkseg(CLIENT, 1, SERVER, 25, 0, 1);
	struct tcp_seg b = mkseg(CLIENT, 2, SERVER, 25, 0, 2);
	struct tcp_seg held = { 0 };
	struct reasm_sink none = { NULL, NULL, NULL };
	struct flow *fa, *fb;
	int ep;

	mem1 = mem_acct.used;
	fa = ft_insert(ft, &a, &ep);
	CHECK_EQ_INT(mem_acct.used, mem1 + sizeof(struct flow));
	fa->dir[DIR_C2S].st.packets = 42;  /* dirty it */
	fa->closed = true;

	/* a held out-of-order segment is released with the flow */
	held.flags = TCPF_SYN;
	reasm_segment(&fa->dir[DIR_C2S], 0, &held, NULL, &none);
	held.flags = TCPF_ACK;
	held.seq = 100;
	held.payload = (const uint8_t *)"late";
	held.payload_len = held.payload_wire_len = 4;
	reasm_segment(&fa->dir[DIR_C2S], 0, &held, NULL, &none);
	CHECK_EQ_INT(fa->dir[DIR_C2S].held_count, 1);

	ft_remove(ft, fa);
	CHECK_EQ_INT(mem_acct.used, mem1);
	fb = ft_insert(ft, &b, &ep);
	CHECK(fb == fa);                    /* the freed flow is handed out again */
	CHECK_EQ_INT(fb->dir[DIR_C2S].st.packets, 0);
	CHECK(!fb->closed);
	CHECK(fb->dir[DIR_C2S].held == NULL);
	CHECK(ft_lookup(ft, &a, &ep) == NULL);
	CHECK(ft_lookup(ft, &b, &ep) == fb);
	ft_free(ft);
	CHECK_EQ_INT(mem_acct.used, mem0);
}

int main(void)
{
	test_both_directions();
	test_vlan_and_port_reuse();
	test_growth();
	test_lru();
	test_free_list_reuse();
	CHECK_EQ_INT(mem_acct.used, 0);
	CHECK_DONE();
}
