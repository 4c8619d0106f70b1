/* msg_arena.c — size-class blocks for the message table's variable parts
 * (msg_arena.h). */
#include "config.h"

#include "rules/msg_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

/* A chunk starts with this header (one grain, so blocks stay aligned). */
struct ma_chunk {
	struct ma_chunk *next;
	char pad[MA_GRAIN - sizeof(struct ma_chunk *)];
};

const char ma_empty[] = "";

static size_t class_of(size_t n)
{
	return (n + MA_GRAIN - 1) / MA_GRAIN - 1;
}

size_t ma_block_size(size_t n)
{
	return (class_of(n) + 1) * MA_GRAIN;
}

void ma_init(struct msg_arena *a, size_t budget)
{
	memset(a, 0, sizeof *a);
	a->budget = budget;
}

void ma_free_all(struct msg_arena *a)
{
	size_t budget = a->budget;
	for (struct ma_chunk *c = a->chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	mem_release(a->charged);
	ma_init(a, budget);
}

static bool new_chunk(struct msg_arena *a, size_t cls, bool force)
{
	if (!force && ((a->budget && a->charged + MA_CHUNK > a->budget) || mem_would_exceed(MA_CHUNK)))
		return false;
	struct ma_chunk *c = xmalloc(MA_CHUNK);
	c->next = a->chunks;
	a->chunks = c;
	mem_charge(MA_CHUNK);
	a->charged += MA_CHUNK;
	a->carve[cls] = (char *)(c + 1);
	a->carve_left[cls] = (MA_CHUNK - sizeof *c) / ((cls + 1) * MA_GRAIN);
	return true;
}

void *ma_alloc(struct msg_arena *a, size_t n, bool force)
{
	if (n == 0 || n > MA_BLOCK_MAX)
		abort(); /* a caller's bug: every part has a fixed bound */
	size_t cls = class_of(n), size = (cls + 1) * MA_GRAIN;
	void *p = a->free_list[cls];
	if (p) {
		memcpy(&a->free_list[cls], p, sizeof(void *));
	} else {
		if (!a->carve_left[cls] && !new_chunk(a, cls, force))
			return NULL;
		p = a->carve[cls];
		a->carve[cls] += size;
		a->carve_left[cls]--;
	}
	a->in_use += size;
	return p;
}

void ma_release(struct msg_arena *a, void *p, size_t n)
{
	if (!p)
		return;
	size_t cls = class_of(n);
	memcpy(p, &a->free_list[cls], sizeof(void *));
	a->free_list[cls] = p;
	a->in_use -= (cls + 1) * MA_GRAIN;
}

size_t ma_cut_len(const char *s, size_t max, bool first_line)
{
	size_t k = s ? strnlen(s, max - 1) : 0;
	if (first_line && k) {
		const char *nl = memchr(s, '\n', k);
		if (nl)
			k = (size_t)(nl - s);
	}
	return k;
}

const char *ma_strdup(struct msg_arena *a, const char *s, size_t max, bool first_line, bool force)
{
	size_t k = ma_cut_len(s, max, first_line);
	if (k == 0)
		return ma_empty;
	char *p = ma_alloc(a, k + 1, force);
	if (!p)
		return NULL;
	memcpy(p, s, k);
	p[k] = '\0';
	return p;
}

void ma_str_release(struct msg_arena *a, const char *s)
{
	if (!s || s == ma_empty)
		return;
	ma_release(a, (void *)(uintptr_t)s, strlen(s) + 1);
}
