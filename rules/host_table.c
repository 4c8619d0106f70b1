/* host_table.c — the host model's open-addressing tables keyed by
 * (address, role): linear probing, at most half full, grown by doubling,
 * charged to the memory account. */
#include "config.h"

#include "rules/host_table.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

/* The address as two words, mixed (the multipliers of splitmix64 and
 * xxHash): a handful of instructions for what FNV-1a took 17 rounds of
 * multiplication to do, and as well spread over the low bits the index
 * uses (IPv4 addresses differ in their last bytes only). */
static uint64_t key_hash(const struct ip_addr *a, uint8_t role)
{
	uint64_t w0, w1;
	memcpy(&w0, a->b, 8);
	memcpy(&w1, a->b + 8, 8);
	uint64_t h = (w0 ^ ((uint64_t)role << 56)) * 0x9e3779b97f4a7c15ULL;
	h ^= w1 * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

/* The slot of (a, role), or the free slot where it would go; the hash h
 * is key_hash(a, role), computed once by the caller.  The 16 bytes are
 * compared inline (a constant-size memcmp), not through addr_eq. */
static size_t probe(const struct htab *t, const struct ip_addr *a, uint8_t role, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);
	while (t->slot[i].used &&
	       !(t->slot[i].role == role && memcmp(t->slot[i].addr.b, a->b, sizeof a->b) == 0))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static size_t slot_index(const struct htab *t, const struct ip_addr *a, uint8_t role)
{
	return probe(t, a, role, key_hash(a, role));
}

struct hslot *htab_lookup(const struct htab *t, const struct ip_addr *a, uint8_t role)
{
	if (t->cap == 0)
		return NULL;
	struct hslot *s = &t->slot[slot_index(t, a, role)];
	return s->used ? s : NULL;
}

static void htab_grow(struct htab *t)
{
	struct htab bigger = { NULL, t->cap ? t->cap * 2 : 64, t->n };
	bigger.slot = xcalloc(bigger.cap, sizeof *bigger.slot);
	mem_charge(bigger.cap * sizeof *bigger.slot);
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].used)
			bigger.slot[slot_index(&bigger, &t->slot[i].addr, t->slot[i].role)] = t->slot[i];
	mem_release(t->cap * sizeof *t->slot);
	free(t->slot);
	*t = bigger;
}

struct hslot *htab_get(struct htab *t, const struct ip_addr *a, uint8_t role, size_t limit)
{
	uint64_t h = key_hash(a, role);
	struct hslot *s = t->cap ? &t->slot[probe(t, a, role, h)] : NULL;
	if (s && s->used)
		return s;
	if (t->n >= limit)
		return NULL;
	if ((t->n + 1) * 2 > t->cap) {
		htab_grow(t);
		s = &t->slot[probe(t, a, role, h)];
	}
	s->used = true;
	s->addr = *a;
	s->role = role;
	t->n++;
	return s;
}

void htab_free(struct htab *t)
{
	mem_release(t->cap * sizeof *t->slot);
	free(t->slot);
	t->slot = NULL;
	t->cap = t->n = 0;
}
