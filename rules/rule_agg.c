/* rule_agg.c — "count N within T by ...": per-group sliding windows.
 *
 * A group remembers the timestamps of its last N matching events in a ring
 * (enough to know when N of them fall within T).  When the count reaches N
 * the rule fires.  While the group keeps matching within T of its previous
 * event, that same alert grows: every further event is an update of it (same
 * alert id, the count of the episode so far), so a retry loop that goes on
 * shows 6 attempts, not the 3 that fired it.  An ongoing storm is one alert;
 * a storm that pauses for T and starts again is a new one.
 *
 * Groups live in a table that grows by doubling as new groups appear, up to
 * AGG_GROUPS_MAX (fewer when N is large: AGG_RING_SLOTS_MAX timestamps per
 * rule); past that, the least recently seen group is reused and, if its
 * window still held events, counted as evicted.  Lookups: a hash with chains
 * of indices; recency: a doubly linked list of indices.  No allocation except
 * when the table grows.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/rule_internal.h"

#define NIL (-1)

struct agg_group {
	uint64_t hash;
	int32_t chain;           /* next in the hash bucket */
	int32_t newer, older;    /* recency list */
	uint32_t head, len;      /* ring: oldest at head */
	int64_t last_ts;
	bool fired;
	uint8_t ncol;
	uint64_t alert_id;       /* fired: the alert that updates carry */
	uint64_t episode_count;  /* fired: events since the first in the window that fired */
	int64_t episode_first;   /* fired: the oldest of them */
	char key[AGG_KEY_MAX];
};

struct agg_table {
	uint32_t n;              /* N */
	int64_t window;          /* T, microseconds */
	uint32_t max_groups;
	uint32_t cap, used;
	struct agg_group *g;
	int64_t *ring;           /* cap * n timestamps */
	bool collects;
	char *col;               /* cap * AGG_COLLECT_MAX * AGG_COLLECT_LEN, if collects */
	int32_t *bucket;         /* nbucket heads */
	uint32_t nbucket;
	int32_t newest, oldest;
	int32_t last_fired;      /* the group agg_hit just fired, until agg_set_alert_id */
	uint64_t evicted;
	size_t charged;
};

struct agg_table *agg_new(uint32_t n, int64_t window_us, bool collects)
{
	struct agg_table *t = xcalloc(1, sizeof *t);
	t->collects = collects;
	t->n = n ? n : 1;
	t->window = window_us;
	uint32_t by_ring = AGG_RING_SLOTS_MAX / t->n;
	t->max_groups = by_ring < AGG_GROUPS_MAX ? (by_ring ? by_ring : 1) : AGG_GROUPS_MAX;
	t->newest = t->oldest = t->last_fired = NIL;
	return t;
}

static size_t group_bytes(const struct agg_table *t)
{
	return sizeof(struct agg_group) + t->n * sizeof(int64_t) +
	       (t->collects ? AGG_COLLECT_MAX * AGG_COLLECT_LEN : 0) + 2 * sizeof(int32_t);
}

static void rehash(struct agg_table *t)
{
	for (uint32_t b = 0; b < t->nbucket; b++)
		t->bucket[b] = NIL;
	for (uint32_t i = 0; i < t->used; i++) {
		uint32_t b = (uint32_t)(t->g[i].hash & (t->nbucket - 1));
		t->g[i].chain = t->bucket[b];
		t->bucket[b] = (int32_t)i;
	}
}

static void grow(struct agg_table *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 16;
	if (cap > t->max_groups)
		cap = t->max_groups;
	mem_release(t->charged);
	t->g = xrealloc(t->g, cap * sizeof *t->g);
	t->ring = xrealloc(t->ring, (size_t)cap * t->n * sizeof *t->ring);
	if (t->collects)
		t->col = xrealloc(t->col, (size_t)cap * AGG_COLLECT_MAX * AGG_COLLECT_LEN);
	t->nbucket = 16;
	while (t->nbucket < cap * 2)
		t->nbucket *= 2;
	t->bucket = xrealloc(t->bucket, t->nbucket * sizeof *t->bucket);
	t->cap = cap;
	t->charged = cap * group_bytes(t);
	mem_charge(t->charged);
	rehash(t);
}

static void lru_unlink(struct agg_table *t, int32_t i)
{
	struct agg_group *g = &t->g[i];
	if (g->newer != NIL)
		t->g[g->newer].older = g->older;
	else
		t->newest = g->older;
	if (g->older != NIL)
		t->g[g->older].newer = g->newer;
	else
		t->oldest = g->newer;
}

static void lru_push(struct agg_table *t, int32_t i)
{
	struct agg_group *g = &t->g[i];
	g->newer = NIL;
	g->older = t->newest;
	if (t->newest != NIL)
		t->g[t->newest].newer = i;
	t->newest = i;
	if (t->oldest == NIL)
		t->oldest = i;
}

static void chain_unlink(struct agg_table *t, int32_t i)
{
	uint32_t b = (uint32_t)(t->g[i].hash & (t->nbucket - 1));
	for (int32_t *p = &t->bucket[b]; *p != NIL; p = &t->g[*p].chain) {
		if (*p == i) {
			*p = t->g[i].chain;
			return;
		}
	}
}

static int32_t find(const struct agg_table *t, const char *key, uint64_t hash)
{
	if (!t->nbucket)
		return NIL;
	for (int32_t i = t->bucket[hash & (t->nbucket - 1)]; i != NIL; i = t->g[i].chain)
		if (t->g[i].hash == hash && strcmp(t->g[i].key, key) == 0)
			return i;
	return NIL;
}

/* A slot for a new group: a fresh one, or the least recently seen. */
static int32_t take_slot(struct agg_table *t, int64_t now)
{
	if (t->used == t->cap && t->cap < t->max_groups)
		grow(t);
	if (t->used < t->cap)
		return (int32_t)t->used++;
	int32_t i = t->oldest;
	if (t->g[i].last_ts > now - t->window)
		t->evicted++;
	lru_unlink(t, i);
	chain_unlink(t, i);
	return i;
}

static int32_t group_for(struct agg_table *t, const char *key, uint64_t hash, int64_t now)
{
	int32_t i = find(t, key, hash);
	if (i != NIL) {
		lru_unlink(t, i);
		lru_push(t, i);
		return i;
	}
	i = take_slot(t, now);
	struct agg_group *g = &t->g[i];
	memset(g, 0, sizeof *g);
	g->hash = hash;
	snprintf(g->key, sizeof g->key, "%s", key);
	uint32_t b = (uint32_t)(hash & (t->nbucket - 1));
	g->chain = t->bucket[b];
	t->bucket[b] = i;
	lru_push(t, i);
	return i;
}

static char *col_slot(const struct agg_table *t, int32_t i, uint32_t k)
{
	return t->col + ((size_t)i * AGG_COLLECT_MAX + k) * AGG_COLLECT_LEN;
}

static void collect(struct agg_table *t, int32_t i, const char *v)
{
	struct agg_group *g = &t->g[i];
	char cut[AGG_COLLECT_LEN];
	snprintf(cut, sizeof cut, "%s", v);
	for (uint32_t k = 0; k < g->ncol; k++)
		if (strcmp(col_slot(t, i, k), cut) == 0)
			return;
	if (g->ncol < AGG_COLLECT_MAX)
		memcpy(col_slot(t, i, g->ncol++), cut, sizeof cut);
}

static void join_collected(const struct agg_table *t, int32_t i, char *out, size_t outsz)
{
	size_t len = 0;
	out[0] = '\0';
	for (uint32_t k = 0; k < t->g[i].ncol && len + 1 < outsz; k++) {
		int w = snprintf(out + len, outsz - len, "%s%s", k ? ", " : "", col_slot(t, i, k));
		len += w > 0 && (size_t)w < outsz - len ? (size_t)w : outsz - len - 1;
	}
}

static void fill_info(const struct agg_table *t, int32_t i, int64_t ts_us, struct agg_info *ai,
		      char *colbuf, size_t colsz)
{
	const struct agg_group *g = &t->g[i];
	ai->count = g->episode_count;
	ai->first_ts_us = g->episode_first;
	ai->interval_s = g->episode_count > 1
		? (double)(ts_us - g->episode_first) / 1e6 / (double)(g->episode_count - 1) : -1;
	ai->alert_id = g->alert_id;
	if (t->collects && colbuf && colsz) {
		join_collected(t, i, colbuf, colsz);
		ai->collected = colbuf;
	}
}

enum agg_result agg_hit(struct agg_table *t, const char *key, uint64_t hash, int64_t ts_us,
			const char *value, struct agg_info *ai, char *colbuf, size_t colsz)
{
	int32_t i = group_for(t, key, hash, ts_us);
	struct agg_group *g = &t->g[i];
	int64_t *ring = t->ring + (size_t)i * t->n;
	if (g->len && ts_us < ring[(g->head + g->len - 1) % t->n])
		ts_us = ring[(g->head + g->len - 1) % t->n]; /* out of order: keep the ring sorted */
	/* the window is (now - T, now] */
	while (g->len && ring[g->head] <= ts_us - t->window) {
		g->head = (g->head + 1) % t->n;
		g->len--;
	}
	if (g->len == 0) {
		g->fired = false;
		g->ncol = 0;
	}
	if (g->len == t->n) {
		g->head = (g->head + 1) % t->n;
		g->len--;
	}
	ring[(g->head + g->len) % t->n] = ts_us;
	g->len++;
	g->last_ts = ts_us;
	if (value && t->collects)
		collect(t, i, value);
	if (g->fired) {
		/* the alert already raised grows: same id, one more event */
		g->episode_count++;
		fill_info(t, i, ts_us, ai, colbuf, colsz);
		ai->update = true;
		return AGG_UPDATE;
	}
	if (g->len < t->n)
		return AGG_NONE;
	g->fired = true;
	g->alert_id = 0; /* the caller numbers it (agg_set_alert_id) */
	g->episode_count = g->len;
	g->episode_first = ring[g->head];
	fill_info(t, i, ts_us, ai, colbuf, colsz);
	ai->update = false;
	t->last_fired = i;
	return AGG_FIRE;
}

void agg_set_alert_id(struct agg_table *t, uint64_t id)
{
	if (t->last_fired >= 0 && (uint32_t)t->last_fired < t->used)
		t->g[t->last_fired].alert_id = id;
	t->last_fired = NIL;
}

uint64_t agg_evicted(const struct agg_table *t)
{
	return t->evicted;
}

uint32_t agg_groups(const struct agg_table *t)
{
	return t->used;
}

void agg_free(struct agg_table *t)
{
	if (!t)
		return;
	mem_release(t->charged);
	free(t->g);
	free(t->ring);
	free(t->col);
	free(t->bucket);
	free(t);
}
