/* path_memory.c — full-size segments acknowledged per path (RFC 1191/8899:
 * a black hole drops the packets that exceed the path MTU, always).  See
 * path_memory.h. */
#include "config.h"

#include "rules/path_memory.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

#define WAYS 8
#define NBUCKETS (PM_SLOTS / WAYS)

struct path {
	uint64_t key;             /* 0: free */
	uint64_t fullsize_acked;
	int64_t last_ts;
};

struct path_memory {
	struct path *slot;        /* NBUCKETS * WAYS, NULL until a path is remembered */
	uint64_t evicted;
};

struct path_memory *pm_new(void)
{
	struct path_memory *pm = xcalloc(1, sizeof *pm);
	mem_charge(sizeof *pm);
	return pm;
}

void pm_free(struct path_memory *pm)
{
	if (!pm)
		return;
	if (pm->slot)
		mem_release((size_t)PM_SLOTS * sizeof *pm->slot);
	mem_release(sizeof *pm);
	free(pm->slot);
	free(pm);
}

static uint64_t path_key(const struct smtp_session *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < sizeof s->client.b; i++)
		h = (h ^ s->client.b[i]) * 1099511628211ULL;
	for (size_t i = 0; i < sizeof s->server.b; i++)
		h = (h ^ s->server.b[i]) * 1099511628211ULL;
	return h ? h : 1;
}

static struct path *lookup(struct path_memory *pm, uint64_t key, bool create, int64_t ts)
{
	if (!pm->slot) {
		size_t need = (size_t)PM_SLOTS * sizeof *pm->slot;
		if (!create)
			return NULL;
		if (mem_would_exceed(need)) { /* --memcap: not remembered, and counted */
			pm->evicted++;
			return NULL;
		}
		pm->slot = xcalloc(PM_SLOTS, sizeof *pm->slot);
		mem_charge(need);
	}
	struct path *b = &pm->slot[(key >> 13) % NBUCKETS * WAYS], *free_way = NULL, *old = &b[0];
	for (int w = 0; w < WAYS; w++) {
		if (b[w].key == key)
			return &b[w];
		if (!b[w].key && !free_way)
			free_way = &b[w];
		if (b[w].last_ts < old->last_ts)
			old = &b[w];
	}
	if (!create)
		return NULL;
	if (!free_way) {
		pm->evicted++;
		free_way = old;
	}
	memset(free_way, 0, sizeof *free_way);
	free_way->key = key;
	free_way->last_ts = ts;
	return free_way;
}

uint64_t pm_session_end(struct path_memory *pm, const struct smtp_session *s)
{
	uint64_t mine = s->tcp[SIDE_CLIENT].fullsize_acked;
	if (!pm)
		return mine;
	struct path *p = lookup(pm, path_key(s), mine > 0, s->end_ts);
	if (!p)
		return mine;
	p->fullsize_acked += mine;
	if (s->end_ts > p->last_ts)
		p->last_ts = s->end_ts;
	return p->fullsize_acked;
}

uint64_t pm_evicted(const struct path_memory *pm)
{
	return pm ? pm->evicted : 0;
}
