/* gw_names.c — the gateway inference's names, interned in a bounded arena
 * (gw_names.h). */
#include "config.h"

#include "rules/gw_names.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/fnv.h"

#define TEXT_INITIAL 4096u
#define INDEX_INITIAL 256u

void gwn_init(struct gw_names *s, size_t max_bytes)
{
	memset(s, 0, sizeof *s);
	s->max_bytes = max_bytes;
}

size_t gwn_bytes(const struct gw_names *s)
{
	return s->cap + s->index_cap * sizeof *s->index;
}

void gwn_free(struct gw_names *s)
{
	mem_release(gwn_bytes(s));
	free(s->text);
	free(s->index);
	memset(s, 0, sizeof *s);
}

const char *gwn_text(const struct gw_names *s, uint32_t ref)
{
	return ref == GWN_NONE ? "" : s->text + ref;
}

bool gwn_equal(const struct gw_names *s, uint32_t ref, const char *w, size_t n)
{
	if (ref == GWN_NONE)
		return false;
	const char *t = s->text + ref;
	/* the stored text ends at its NUL: equal if the first n bytes match and
	 * the NUL comes right after them (n < the bytes left past ref) */
	return (size_t)ref + n < s->len && memcmp(t, w, n) == 0 && t[n] == '\0';
}

static size_t slot_of(const struct gw_names *s, const char *w, size_t n)
{
	size_t mask = s->index_cap - 1;
	size_t i = (size_t)fnv1a64(FNV64_OFFSET, w, n) & mask;
	while (s->index[i] != GWN_NONE && !gwn_equal(s, s->index[i], w, n))
		i = (i + 1) & mask;
	return i;
}

/* Doubles the index (rehashing every reference); false over the budget. */
static bool grow_index(struct gw_names *s)
{
	size_t cap = s->index_cap ? s->index_cap * 2 : INDEX_INITIAL;
	size_t more = (cap - s->index_cap) * sizeof *s->index;
	if (gwn_bytes(s) + more > s->max_bytes)
		return false;
	uint32_t *old = s->index;
	size_t old_cap = s->index_cap;
	s->index = xcalloc(cap, sizeof *s->index);
	s->index_cap = cap;
	mem_charge(more);
	for (size_t i = 0; i < old_cap; i++)
		if (old[i] != GWN_NONE) {
			const char *t = s->text + old[i];
			s->index[slot_of(s, t, strlen(t))] = old[i];
		}
	free(old);
	return true;
}

/* Room for `need` more bytes of text; false over the budget. */
static bool grow_text(struct gw_names *s, size_t need)
{
	size_t cap = s->cap ? s->cap : TEXT_INITIAL;
	while (cap < s->len + need)
		cap *= 2;
	if (cap == s->cap)
		return true;
	if (gwn_bytes(s) - s->cap + cap > s->max_bytes || cap > UINT32_MAX)
		return false;
	s->text = xrealloc(s->text, cap);
	mem_charge(cap - s->cap);
	s->cap = cap;
	if (s->len == 0)
		s->len = 1; /* offset 0 is GWN_NONE */
	return true;
}

uint32_t gwn_intern(struct gw_names *s, const char *w, size_t n)
{
	if (s->index_cap) {
		uint32_t ref = s->index[slot_of(s, w, n)];
		if (ref != GWN_NONE)
			return ref;
	}
	if (((s->count + 1) * 2 > s->index_cap && !grow_index(s)) || !grow_text(s, n + 2)) {
		s->dropped++;
		return GWN_NONE;
	}
	uint32_t ref = (uint32_t)s->len;
	memcpy(s->text + ref, w, n);
	s->text[ref + n] = '\0';
	s->len += n + 1;
	s->index[slot_of(s, w, n)] = ref;
	s->count++;
	return ref;
}
