/* smtp_facts.c — sessions and their cheap facts without the decoder
 * (smtp_facts.h): a flow table of small fixed records, the session life of
 * decoder.c (start, RST/FIN end, port reuse, idle timeout, the rejoin of
 * flow_idle.c, capture end) and a pool of name buffers (facts_names.c) for
 * the sessions whose names are still being read.  RFC 9293 for the TCP
 * parts (SYN and FIN sequence numbers, modulo-2^32 comparisons).
 *
 * Mirrors, and must stay in step with: decoder.c (find_or_start, track,
 * finished, expire, dec_finish), flow_idle.c (idle_continues) and the TTL
 * bookkeeping of tcp_reasm.c (note_packet).
 */
#include "config.h"

#include "decode/smtp_facts.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/facts_frame.h"
#include "decode/facts_names.h"
#include "decode/flow.h"
#include "decode/flow_idle.h"
#include "decode/mem.h"
#include "decode/packet.h"
#include "decode/tcp_reasm.h"

#define NONE UINT32_MAX
#define POOL_INITIAL 256u  /* flows, then doubled up to the bound */
#define NAMES_INITIAL 64u  /* name buffers, the same */
#define SEQ_SLACK (16u * 1024 * 1024) /* flow_idle.c */

enum { IN_FREE = 0, IN_LRU, IN_PARKED };

/* One connection.  Endpoint 0/1 as in struct flow_key; per-direction
 * arrays are indexed by the sending endpoint. */
struct ff_flow {
	struct flow_key key;
	uint32_t hash, hnext;       /* bucket chain; hnext links the free list too */
	uint32_t prev, next;        /* LRU or parked list, oldest first */
	uint32_t names;             /* name buffer while names are read, NONE */
	int64_t start_ts, last_ts;
	uint32_t next_seq[2];       /* rejoin test: what each endpoint sends next */
	uint8_t ttl_min[2];
	uint8_t client_ep;
	uint8_t where;              /* IN_* */
	bool session;               /* a session is open on it */
	bool closed;                /* its session ended; late packets only counted */
	bool partial;               /* no SYN: picked up mid-stream */
	bool started[2], seen[2], fin[2], rst[2];
};

struct ff_list {
	uint32_t head, tail;
};

struct facts_scanner {
	struct dec_config cfg;
	const struct facts_sink *sink;
	struct facts_stats st;
	uint8_t smtp_port[65536 / 8];
	uint8_t tls_port[65536 / 8];
	struct ff_flow *flows;
	uint32_t nflows, cap, max, free_flow;
	uint32_t *buckets;          /* 2 * cap, power of two */
	uint32_t mask;
	uint64_t seed;
	struct ff_list lru, parked;
	struct facts_names *names;
	uint32_t names_cap, names_max, free_names;
};

static inline bool bit(const uint8_t *set, uint16_t port)
{
	return set[port >> 3] & (1u << (port & 7));
}

static inline void set_bit(uint8_t *set, uint16_t port)
{
	set[port >> 3] |= (uint8_t)(1u << (port & 7));
}

/* --- lists ---------------------------------------------------------------- */

static void list_unlink(struct facts_scanner *sc, struct ff_list *l, struct ff_flow *f)
{
	if (f->prev != NONE)
		sc->flows[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != NONE)
		sc->flows[f->next].prev = f->prev;
	else
		l->tail = f->prev;
}

static void list_append(struct facts_scanner *sc, struct ff_list *l, uint32_t i)
{
	struct ff_flow *f = &sc->flows[i];
	f->prev = l->tail;
	f->next = NONE;
	if (l->tail != NONE)
		sc->flows[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static struct ff_list *list_of(struct facts_scanner *sc, const struct ff_flow *f)
{
	return f->where == IN_PARKED ? &sc->parked : &sc->lru;
}

/* decoder.c's ft_touch: the flow is the most recently seen one again. */
static inline void touch(struct facts_scanner *sc, uint32_t i, int64_t ts)
{
	struct ff_flow *f = &sc->flows[i];
	f->last_ts = ts;
	if (sc->lru.tail == i)
		return;
	list_unlink(sc, list_of(sc, f), f);
	f->where = IN_LRU;
	list_append(sc, &sc->lru, i);
}

static void park(struct facts_scanner *sc, uint32_t i)
{
	struct ff_flow *f = &sc->flows[i];
	list_unlink(sc, &sc->lru, f);
	f->where = IN_PARKED;
	list_append(sc, &sc->parked, i);
}

/* --- table ----------------------------------------------------------------- */

/* The flow's key with its endpoints in a fixed order (any total order
 * does: the table only needs both directions to meet); the endpoint index
 * of the sender is returned.  No memset: struct flow_key has no padding. */
static int key_of(const struct tcp_seg *seg, struct flow_key *k)
{
	uint64_t s[2], d[2];
	memcpy(s, seg->src.b, 16);
	memcpy(d, seg->dst.b, 16);
	int ep = s[1] != d[1] ? s[1] > d[1] : s[0] != d[0] ? s[0] > d[0] : seg->sport > seg->dport;
	k->addr[ep] = seg->src;
	k->port[ep] = seg->sport;
	k->addr[!ep] = seg->dst;
	k->port[!ep] = seg->dport;
	k->vlan = seg->vlan;
	return ep;
}

static inline uint32_t key_hash(const struct facts_scanner *sc, const struct flow_key *k)
{
	uint64_t w[5], h = sc->seed;
	memcpy(w, k, sizeof w);
	h ^= w[0] * 0x9e3779b97f4a7c15ull;
	h ^= w[1] * 0xc2b2ae3d27d4eb4full;
	h ^= w[2] * 0x165667b19e3779f9ull;
	h ^= w[3] * 0xd6e8feb86659fd93ull;
	h ^= w[4] * 0x9e3779b97f4a7c15ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h ^ (h >> 32));
}

static inline bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[5], y[5];
	memcpy(x, a, sizeof x);
	memcpy(y, b, sizeof y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

static void rehash(struct facts_scanner *sc, uint32_t nbuckets)
{
	mem_release((size_t)(sc->mask + 1) * sizeof *sc->buckets * (sc->buckets != NULL));
	free(sc->buckets);
	sc->buckets = xmalloc((size_t)nbuckets * sizeof *sc->buckets);
	mem_charge((size_t)nbuckets * sizeof *sc->buckets);
	memset(sc->buckets, 0xff, (size_t)nbuckets * sizeof *sc->buckets);
	sc->mask = nbuckets - 1;
	for (uint32_t i = 0; i < sc->cap; i++) {
		struct ff_flow *f = &sc->flows[i];
		if (f->where == IN_FREE)
			continue;
		f->hnext = sc->buckets[f->hash & sc->mask];
		sc->buckets[f->hash & sc->mask] = i;
	}
}

/* Doubles the flow pool (up to max); false when it is at its bound. */
static bool grow_flows(struct facts_scanner *sc)
{
	if (sc->cap >= sc->max)
		return false;
	uint32_t cap = sc->cap ? sc->cap * 2 : POOL_INITIAL;
	if (cap > sc->max)
		cap = sc->max;
	sc->flows = xrealloc(sc->flows, (size_t)cap * sizeof *sc->flows);
	mem_charge((size_t)(cap - sc->cap) * sizeof *sc->flows);
	for (uint32_t i = cap; i-- > sc->cap;) {
		sc->flows[i].where = IN_FREE;
		sc->flows[i].hnext = sc->free_flow;
		sc->free_flow = i;
	}
	sc->cap = cap;
	uint32_t nb = 1;
	while (nb < 2 * cap)
		nb *= 2;
	rehash(sc, nb);
	return true;
}

static uint32_t lookup(const struct facts_scanner *sc, const struct flow_key *k, uint32_t h)
{
	if (!sc->buckets)
		return NONE;
	for (uint32_t i = sc->buckets[h & sc->mask]; i != NONE; i = sc->flows[i].hnext) {
		const struct ff_flow *f = &sc->flows[i];
		if (f->hash == h && key_eq(&f->key, k))
			return i;
	}
	return NONE;
}

/* --- names pool -------------------------------------------------------------- */

static uint32_t names_get(struct facts_scanner *sc)
{
	if (sc->free_names == NONE && sc->names_cap < sc->names_max) {
		uint32_t cap = sc->names_cap ? sc->names_cap * 2 : NAMES_INITIAL;
		if (cap > sc->names_max)
			cap = sc->names_max;
		sc->names = xrealloc(sc->names, (size_t)cap * sizeof *sc->names);
		mem_charge((size_t)(cap - sc->names_cap) * sizeof *sc->names);
		for (uint32_t i = cap; i-- > sc->names_cap;) {
			sc->names[i].next_free = sc->free_names;
			sc->free_names = i;
		}
		sc->names_cap = cap;
	}
	uint32_t i = sc->free_names;
	if (i == NONE) {
		sc->st.names_dropped++;
		return NONE;
	}
	sc->free_names = sc->names[i].next_free;
	return i;
}

static void names_put(struct facts_scanner *sc, uint32_t i)
{
	sc->names[i].next_free = sc->free_names;
	sc->free_names = i;
}

/* --- sessions ------------------------------------------------------------------ */

static void facts_of(const struct ff_flow *f, struct smtp_facts *out)
{
	int c = f->client_ep, s = 1 - c;
	memset(out, 0, sizeof *out);
	out->client = f->key.addr[c];
	out->server = f->key.addr[s];
	out->client_port = f->key.port[c];
	out->server_port = f->key.port[s];
	out->start_ts = f->start_ts;
	out->end_ts = f->last_ts;
	/* tcp_reasm.c note_packet: 0 when a side sent nothing */
	out->ttl_min[0] = f->seen[c] ? f->ttl_min[c] : 0;
	out->ttl_min[1] = f->seen[s] ? f->ttl_min[s] : 0;
}

static void open_session(struct facts_scanner *sc, uint32_t i, const struct tcp_seg *seg, int ep)
{
	struct ff_flow *f = &sc->flows[i];
	bool syn = seg->flags & TCPF_SYN, ack = seg->flags & TCPF_ACK;
	if (syn)
		f->client_ep = (uint8_t)(ack ? 1 - ep : ep);
	else
		f->client_ep = (uint8_t)(bit(sc->smtp_port, seg->dport) ? ep : 1 - ep);
	f->session = true;
	f->partial = !syn;
	f->start_ts = seg->ts_us;
	f->names = names_get(sc);
	if (f->names != NONE)
		fn_init(&sc->names[f->names], !syn,
			bit(sc->tls_port, f->key.port[1 - f->client_ep]));
	sc->st.sessions++;
	struct smtp_facts facts;
	facts_of(f, &facts);
	if (sc->sink->session_start)
		sc->sink->session_start(sc->sink->ctx, &facts);
}

static void end_session(struct facts_scanner *sc, struct ff_flow *f)
{
	if (!f->session)
		return;
	struct smtp_facts facts;
	facts_of(f, &facts);
	if (f->names != NONE) {
		const struct facts_names *n = &sc->names[f->names];
		facts.helo = n->has_helo ? n->helo : NULL;
		facts.has_banner = n->has_banner;
		facts.banner = n->banner;
		facts.banner_len = n->has_banner ? n->banner_len : 0;
	}
	if (sc->sink->session_end)
		sc->sink->session_end(sc->sink->ctx, &facts);
	if (f->names != NONE)
		names_put(sc, f->names);
	f->names = NONE;
	f->session = false;
	f->closed = true;
}

static void drop_flow(struct facts_scanner *sc, uint32_t i)
{
	struct ff_flow *f = &sc->flows[i];
	end_session(sc, f);
	list_unlink(sc, list_of(sc, f), f);
	uint32_t *p = &sc->buckets[f->hash & sc->mask];
	while (*p != i)
		p = &sc->flows[*p].hnext;
	*p = f->hnext;
	f->where = IN_FREE;
	f->hnext = sc->free_flow;
	sc->free_flow = i;
	sc->nflows--;
}

/* decoder.c expire (from a file: sessions are parked, not ended, until the
 * horizon). */
static void expire(struct facts_scanner *sc, int64_t now)
{
	int64_t idle = sc->cfg.idle_timeout_us, horizon = idle * IDLE_HORIZON_FACTOR;
	uint32_t i;
	while ((i = sc->lru.head) != NONE && now - sc->flows[i].last_ts > idle) {
		if (!sc->flows[i].session)
			drop_flow(sc, i);
		else
			park(sc, i);
	}
	while ((i = sc->parked.head) != NONE && now - sc->flows[i].last_ts > horizon)
		drop_flow(sc, i);
}

static bool seq_near(uint32_t got, uint32_t want)
{
	return (uint32_t)(got - want + SEQ_SLACK) <= 2 * SEQ_SLACK;
}

/* flow_idle.c idle_continues. */
static bool continues(const struct ff_flow *f, const struct tcp_seg *seg, int ep)
{
	if (seg->flags & TCPF_SYN)
		return false;
	if (f->started[ep] && !seq_near(seg->seq, f->next_seq[ep]))
		return false;
	if ((seg->flags & TCPF_ACK) && f->started[1 - ep] && !seq_near(seg->ack, f->next_seq[1 - ep]))
		return false;
	return true;
}

/* The flow pool is at its bound: the parked flows go first, then the least
 * recently seen (decoder.c make_room). */
static void evict_one(struct facts_scanner *sc)
{
	uint32_t i = sc->parked.head != NONE ? sc->parked.head : sc->lru.head;
	if (i == NONE)
		return;
	sc->st.flows_evicted += sc->flows[i].session;
	drop_flow(sc, i);
}

static uint32_t insert(struct facts_scanner *sc, const struct flow_key *k, uint32_t h)
{
	if (sc->free_flow == NONE && !grow_flows(sc))
		evict_one(sc);
	uint32_t i = sc->free_flow;
	struct ff_flow *f = &sc->flows[i];
	sc->free_flow = f->hnext;
	memset(f, 0, sizeof *f);
	f->key = *k;
	f->hash = h;
	f->names = NONE;
	f->hnext = sc->buckets[h & sc->mask];
	sc->buckets[h & sc->mask] = i;
	f->where = IN_LRU;
	list_append(sc, &sc->lru, i);
	if (++sc->nflows > sc->st.flows_max)
		sc->st.flows_max = sc->nflows;
	return i;
}

/* decoder.c find_or_start: the flow the segment belongs to, a new one with
 * its session, or NONE (not SMTP, a stray or late packet). */
static uint32_t find_or_start(struct facts_scanner *sc, const struct tcp_seg *seg, int *ep)
{
	struct flow_key k;
	*ep = key_of(seg, &k);
	uint32_t h = key_hash(sc, &k);
	uint32_t i = lookup(sc, &k, h);
	if (i != NONE && sc->flows[i].where == IN_PARKED && sc->flows[i].session &&
	    !continues(&sc->flows[i], seg, *ep)) {
		drop_flow(sc, i);
		i = NONE;
	}
	if (i != NONE && sc->flows[i].closed) {
		if ((seg->flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN) {
			touch(sc, i, seg->ts_us);
			return NONE;
		}
		drop_flow(sc, i); /* port reuse */
		i = NONE;
	}
	if (i != NONE)
		return i;
	bool smtp_port = bit(sc->smtp_port, seg->dport) || bit(sc->smtp_port, seg->sport);
	bool start = (seg->flags & (TCPF_SYN | TCPF_FIN)) || seg->payload_wire_len > 0;
	if (!smtp_port || !start)
		return NONE;
	i = insert(sc, &k, h);
	open_session(sc, i, seg, *ep);
	return i;
}

/* tcp_reasm.c's view of a segment, reduced to what the facts need: the
 * smallest TTL, where each side's stream is, FIN and RST. */
static void note_segment(struct ff_flow *f, int ep, const struct tcp_seg *seg)
{
	if (!f->seen[ep] || seg->ttl < f->ttl_min[ep])
		f->ttl_min[ep] = seg->ttl;
	f->seen[ep] = true;
	if (seg->flags & TCPF_RST) {
		f->rst[ep] = true;
		return;
	}
	uint32_t seq = seg->seq + ((seg->flags & TCPF_SYN) ? 1 : 0);
	if (!f->started[ep]) {
		if (!(seg->flags & (TCPF_SYN | TCPF_FIN)) && seg->payload_wire_len == 0)
			return;
		f->started[ep] = true;
		f->next_seq[ep] = seq;
	}
	uint32_t end = seq + seg->payload_wire_len;
	if (seq_diff(end, f->next_seq[ep]) > 0)
		f->next_seq[ep] = end;
	if (seg->flags & TCPF_FIN)
		f->fin[ep] = true;
}

static void track(struct facts_scanner *sc, uint32_t i, int ep, const struct tcp_seg *seg)
{
	struct ff_flow *f = &sc->flows[i];
	note_segment(f, ep, seg);
	if (f->names != NONE && seg->payload_wire_len) {
		struct facts_names *n = &sc->names[f->names];
		int side = ep == f->client_ep ? FN_CLIENT : FN_SERVER;
		if (!n->done[side]) {
			sc->st.payload_scanned++;
			fn_segment(n, side, seg);
		}
	}
	touch(sc, i, seg->ts_us);
	/* decoder.c finished(): a RST, or both FINs and then the last ACK */
	if (f->rst[0] || f->rst[1] || (f->fin[0] && f->fin[1] && !(seg->flags & TCPF_FIN)))
		end_session(sc, f);
}

/* --- API ------------------------------------------------------------------------- */

struct facts_scanner *facts_new(const struct dec_config *cfg, size_t mem_budget,
				const struct facts_sink *sink)
{
	struct facts_scanner *sc = xcalloc(1, sizeof *sc);
	mem_charge(sizeof *sc);
	sc->cfg = *cfg;
	sc->sink = sink;
	for (size_t i = 0; i < cfg->nports; i++)
		set_bit(sc->smtp_port, cfg->ports[i]);
	for (size_t i = 0; i < cfg->ntls_ports; i++)
		set_bit(sc->tls_port, cfg->implicit_tls_ports[i]);
	/* a flow costs its record and two bucket slots; half the budget for
	 * flows, half for the name buffers of sessions still being read */
	size_t per_flow = sizeof(struct ff_flow) + 2 * sizeof(uint32_t);
	size_t flows = mem_budget / 2 / per_flow, names = mem_budget / 2 / sizeof(struct facts_names);
	sc->max = flows < 16 ? 16 : flows > (1u << 30) ? 1u << 30 : (uint32_t)flows;
	sc->names_max = names < 2 ? 2 : names > (1u << 30) ? 1u << 30 : (uint32_t)names;
	sc->free_flow = sc->free_names = NONE;
	sc->lru.head = sc->lru.tail = sc->parked.head = sc->parked.tail = NONE;
	sc->seed = ((uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)sc) | 1;
	grow_flows(sc);
	return sc;
}

void facts_packet(struct facts_scanner *sc, int linktype, int64_t ts_us, const uint8_t *data,
		  uint32_t caplen, uint32_t wirelen)
{
	sc->st.packets++;
	struct tcp_seg seg;
	enum anomaly an;
	if (!facts_frame(linktype, data, caplen, &seg) &&
	    pkt_decode(linktype, ts_us, data, caplen, wirelen, &seg, &an) != PKT_TCP)
		return;
	seg.ts_us = ts_us;
	sc->st.tcp_packets++;
	expire(sc, ts_us);
	int ep;
	uint32_t i = find_or_start(sc, &seg, &ep);
	if (i != NONE)
		track(sc, i, ep, &seg);
}

void facts_finish(struct facts_scanner *sc)
{
	uint32_t i;
	while ((i = sc->parked.head) != NONE)
		drop_flow(sc, i);
	while ((i = sc->lru.head) != NONE)
		drop_flow(sc, i);
}

const struct facts_stats *facts_get_stats(const struct facts_scanner *sc)
{
	return &sc->st;
}

void facts_free(struct facts_scanner *sc)
{
	if (!sc)
		return;
	facts_finish(sc);
	mem_release(sizeof *sc + (size_t)sc->cap * sizeof *sc->flows +
		    (size_t)(sc->mask + 1) * sizeof *sc->buckets +
		    (size_t)sc->names_cap * sizeof *sc->names);
	free(sc->flows);
	free(sc->buckets);
	free(sc->names);
	free(sc);
}
