/* flow.c — the TCP flow table: 5-tuple + VLAN hash, free list, LRU (RFC 9293).
 *
 * A chained hash on the canonical key, flows from a slab-fed free list, an
 * LRU list for idle expiry and memcap eviction, and a list of parked flows
 * (timed out, waiting for a late continuation) in the order they went quiet.
 *
 * A TCP connection is identified by its two endpoints (RFC 9293 section
 * 3.4, "socket pair"); the key stores them sorted so both directions hash and
 * compare alike.  The VLAN tag is part of the key because the same addresses
 * on two VLANs are two different networks.
 *
 * Memory accounting: a flow is charged to mem.h while it is in the table and
 * released when it leaves, so evicting flows under --memcap really lowers
 * the count.  Flows on the free list are not charged: they are reused before
 * any new slab is allocated, so the slabs never hold more than the peak the
 * cap allowed.  The table and its bucket array are charged as allocated.
 */
#include "config.h"

#include "decode/flow.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/mem.h"

#define FLOW_SLAB 256             /* flows per slab */
#define FT_BUCKETS_INITIAL 1024   /* power of two */

/* The key is hashed and compared as raw words: it must have no padding. */
_Static_assert(sizeof(struct flow_key) == 40, "struct flow_key has padding");

struct flow_slab {
	struct flow_slab *next;
	struct flow flows[FLOW_SLAB];
};

struct flow_table {
	struct flow **buckets;
	size_t mask;                  /* bucket count - 1 */
	size_t count;
	struct flow_list lru;         /* flows in use, least recently seen first */
	struct flow_list parked;      /* timed out, kept for a late continuation (flow_idle.h) */
	struct flow *free_list;       /* linked through hnext */
	struct flow_slab *slabs;
	uint64_t seed;                /* per table, so crafted tuples cannot aim at one chain */
};

/* ---- key and hash ------------------------------------------------------ */

/* Builds the canonical key of a segment; returns the endpoint that sent it. */
static int key_of(const struct tcp_seg *seg, struct flow_key *k)
{
	int c = addr_cmp(&seg->src, &seg->dst);
	int ep = c > 0 || (c == 0 && seg->sport > seg->dport);

	/* every byte is assigned (the key has no padding): no memset */
	k->addr[ep] = seg->src;
	k->port[ep] = seg->sport;
	k->addr[!ep] = seg->dst;
	k->port[!ep] = seg->dport;
	k->vlan = seg->vlan;
	return ep;
}

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ull;
	h ^= h >> 32;
	return h;
}

/* Multiply-xorshift over the five 64-bit words of the key. */
static uint32_t key_hash(const struct flow_table *ft, const struct flow_key *k)
{
	uint64_t w[5];
	uint64_t h = ft->seed;

	memcpy(w, k, sizeof(w));
	/* written out: one lookup per packet, the loop bookkeeping cost as
	 * much as the multiplies */
	h = (h ^ w[0]) * 0x9e3779b97f4a7c15ull;
	h = (h ^ w[1]) * 0x9e3779b97f4a7c15ull;
	h = (h ^ w[2]) * 0x9e3779b97f4a7c15ull;
	h = (h ^ w[3]) * 0x9e3779b97f4a7c15ull;
	h = (h ^ w[4]) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)mix64(h);
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t x[5], y[5];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4])) == 0;
}

/* ---- buckets ----------------------------------------------------------- */

static struct flow **buckets_new(size_t n)
{
	return mem_zalloc(n * sizeof(struct flow *));
}

static void buckets_free(struct flow **b, size_t n)
{
	mem_free(b, n * sizeof(struct flow *));
}

/* Doubles the bucket array; chains are relinked by their stored hash. */
static void grow(struct flow_table *ft)
{
	size_t old_n = ft->mask + 1, new_n = old_n * 2;
	struct flow **nb = buckets_new(new_n);

	for (size_t i = 0; i < old_n; i++) {
		struct flow *f = ft->buckets[i], *next;
		for (; f; f = next) {
			next = f->hnext;
			f->hnext = nb[f->hash & (new_n - 1)];
			nb[f->hash & (new_n - 1)] = f;
		}
	}
	buckets_free(ft->buckets, old_n);
	ft->buckets = nb;
	ft->mask = new_n - 1;
}

static void unlink_hash(struct flow_table *ft, struct flow *f)
{
	struct flow **link = &ft->buckets[f->hash & ft->mask];

	while (*link != f)
		link = &(*link)->hnext;
	*link = f->hnext;
}

/* ---- LRU --------------------------------------------------------------- */

static void list_append(struct flow_list *l, struct flow *f)
{
	f->lru_next = NULL;
	f->lru_prev = l->tail;
	if (l->tail)
		l->tail->lru_next = f;
	else
		l->head = f;
	l->tail = f;
}

static void list_unlink(struct flow_list *l, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
}

/* The list a flow is on: parked flows are kept apart so that the LRU head
 * stays the next flow to time out. */
static struct flow_list *list_of(struct flow_table *ft, const struct flow *f)
{
	return f->parked ? &ft->parked : &ft->lru;
}

/* ---- free list --------------------------------------------------------- */

static void refill(struct flow_table *ft)
{
	struct flow_slab *s = xmalloc(sizeof(*s));

	s->next = ft->slabs;
	ft->slabs = s;
	for (int i = FLOW_SLAB - 1; i >= 0; i--) {
		s->flows[i].hnext = ft->free_list;
		ft->free_list = &s->flows[i];
	}
}

static struct flow *flow_alloc(struct flow_table *ft)
{
	struct flow *f;

	if (!ft->free_list)
		refill(ft);
	f = ft->free_list;
	ft->free_list = f->hnext;
	mem_charge(sizeof(*f));
	return f;
}

static void flow_release(struct flow_table *ft, struct flow *f)
{
	reasm_release(&f->dir[0]);
	reasm_release(&f->dir[1]);
	mem_release(sizeof(*f));
	f->hnext = ft->free_list;
	ft->free_list = f;
}

/* ---- API --------------------------------------------------------------- */

struct flow_table *ft_new(void)
{
	struct flow_table *ft = mem_zalloc(sizeof(*ft));

	ft->buckets = buckets_new(FT_BUCKETS_INITIAL);
	ft->mask = FT_BUCKETS_INITIAL - 1;
	ft->seed = mix64((uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)ft) | 1;
	return ft;
}

void ft_free(struct flow_table *ft)
{
	if (!ft)
		return;
	while (ft->lru.head)
		ft_remove(ft, ft->lru.head);
	while (ft->parked.head)
		ft_remove(ft, ft->parked.head);
	while (ft->slabs) {
		struct flow_slab *s = ft->slabs;
		ft->slabs = s->next;
		free(s);
	}
	buckets_free(ft->buckets, ft->mask + 1);
	mem_free(ft, sizeof(*ft));
}

struct flow *ft_lookup(struct flow_table *ft, const struct tcp_seg *seg, int *ep)
{
	struct flow_key k;
	uint32_t h;

	*ep = key_of(seg, &k);
	h = key_hash(ft, &k);
	for (struct flow *f = ft->buckets[h & ft->mask]; f; f = f->hnext)
		if (f->hash == h && key_eq(&f->key, &k))
			return f;
	return NULL;
}

struct flow *ft_insert(struct flow_table *ft, const struct tcp_seg *seg, int *ep)
{
	struct flow *f = flow_alloc(ft);
	struct flow **bucket;

	memset(f, 0, sizeof(*f));
	*ep = key_of(seg, &f->key);
	f->hash = key_hash(ft, &f->key);
	f->client_ep = (uint8_t)*ep;  /* the first sender; the decoder may correct it */
	f->first_ts = f->last_ts = seg->ts_us;
	reasm_init(&f->dir[DIR_C2S]);
	reasm_init(&f->dir[DIR_S2C]);

	bucket = &ft->buckets[f->hash & ft->mask];
	f->hnext = *bucket;
	*bucket = f;
	list_append(&ft->lru, f);
	if (++ft->count > ft->mask + 1)
		grow(ft);
	return f;
}

void ft_remove(struct flow_table *ft, struct flow *f)
{
	unlink_hash(ft, f);
	list_unlink(list_of(ft, f), f);
	ft->count--;
	flow_release(ft, f);
}

void ft_touch(struct flow_table *ft, struct flow *f, int64_t ts_us)
{
	f->last_ts = ts_us;
	if (ft->lru.tail == f)
		return;
	list_unlink(list_of(ft, f), f);
	f->parked = false;
	list_append(&ft->lru, f);
}

void ft_park(struct flow_table *ft, struct flow *f)
{
	if (f->parked)
		return;
	list_unlink(&ft->lru, f);
	f->parked = true;
	list_append(&ft->parked, f);
}

struct flow *ft_oldest(const struct flow_table *ft)
{
	return ft->lru.head;
}

struct flow *ft_oldest_parked(const struct flow_table *ft)
{
	return ft->parked.head;
}

size_t ft_count(const struct flow_table *ft)
{
	return ft->count;
}
