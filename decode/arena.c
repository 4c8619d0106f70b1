/* arena.c — per-session bump allocator with a byte cap. */
#include "config.h"

#include "decode/arena.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

#define ARENA_CHUNK 1024

struct arena_chunk {
	struct arena_chunk *next;
	size_t size, fill;
	_Alignas(max_align_t) unsigned char data[];
};

void arena_init(struct arena *a, size_t cap)
{
	/* a->spare is left as it is: zero for a new record, a kept chunk for
	 * one from the pool */
	a->chunks = NULL;
	a->used = 0;
	a->cap = cap;
}

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct arena_chunk *c = a->chunks;
	if (c && c->size - c->fill >= n) {
		void *p = c->data + c->fill;
		c->fill += n;
		return p;
	}
	size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
	size_t total = sizeof *c + size;
	if (a->cap && a->used + total > a->cap)
		return NULL;
	if (size == ARENA_CHUNK && a->spare) {
		/* charged at the size and moment a new chunk would have been */
		c = a->spare;
		a->spare = NULL;
		mem_charge(total);
	} else {
		c = mem_alloc(total);
	}
	c->size = size;
	c->fill = n;
	c->next = a->chunks;
	a->chunks = c;
	a->used += total;
	return c->data;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->chunks;
	while (c) {
		struct arena_chunk *next = c->next;
		mem_free(c, sizeof *c + c->size);
		c = next;
	}
	a->chunks = NULL;
	a->used = 0;
	arena_drop_spare(a);
}

void arena_drop_spare(struct arena *a)
{
	free(a->spare); /* not charged */
	a->spare = NULL;
}

void arena_retire(struct arena *a)
{
	struct arena_chunk *c = a->chunks;
	while (c) {
		struct arena_chunk *next = c->next;
		if (!a->spare && c->size == ARENA_CHUNK) {
			mem_release(sizeof *c + c->size);
			a->spare = c;
		} else {
			mem_free(c, sizeof *c + c->size);
		}
		c = next;
	}
	a->chunks = NULL;
	a->used = 0;
}
