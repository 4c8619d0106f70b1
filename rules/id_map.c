/* id_map.c — id -> value map (see id_map.h): linear probing keeps the
 * lookups to one cache line; deletion shifts the run back so no tombstones
 * accumulate on a capture that runs for weeks. */
#include "config.h"

#include "rules/id_map.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

static size_t slot(const struct id_map *m, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 20) & (m->cap - 1);
}

void idm_init(struct id_map *m)
{
	memset(m, 0, sizeof *m);
}

void idm_free(struct id_map *m)
{
	mem_release(m->cap * (sizeof *m->keys + sizeof *m->vals));
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

uint32_t idm_get(const struct id_map *m, uint64_t id)
{
	if (!m->cap || !id)
		return 0;
	for (size_t i = slot(m, id);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == id)
			return m->vals[i];
		if (!m->keys[i])
			return 0;
	}
}

static void grow(struct id_map *m)
{
	struct id_map old = *m;
	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = xcalloc(m->cap, sizeof *m->keys);
	m->vals = xcalloc(m->cap, sizeof *m->vals);
	m->n = 0;
	mem_charge(m->cap * (sizeof *m->keys + sizeof *m->vals));
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			idm_put(m, old.keys[i], old.vals[i]);
	mem_release(old.cap * (sizeof *old.keys + sizeof *old.vals));
	free(old.keys);
	free(old.vals);
}

void idm_put(struct id_map *m, uint64_t id, uint32_t v)
{
	if (!id)
		return;
	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	size_t i = slot(m, id);
	while (m->keys[i] && m->keys[i] != id)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = id;
	m->vals[i] = v;
}

void idm_del(struct id_map *m, uint64_t id)
{
	if (!m->cap || !id)
		return;
	size_t i = slot(m, id);
	while (m->keys[i] != id) {
		if (!m->keys[i])
			return;
		i = (i + 1) & (m->cap - 1);
	}
	/* backward shift: move later members of the run into the hole when
	 * their home slot does not lie (cyclically) between the hole and them */
	for (size_t j = (i + 1) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		size_t home = slot(m, m->keys[j]);
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		i = j;
	}
	m->keys[i] = 0;
	m->n--;
}
