/* transcript.c — capped session dialogue: fixed head plus a ring for the tail. */
#include "config.h"

#include "decode/transcript.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

struct transcript {
	uint32_t head_max, tail_max;
	uint32_t head_n;     /* entries in the head (never overwritten) */
	uint32_t tail_n;     /* entries in the ring */
	uint32_t tail_first; /* ring index of the oldest tail entry */
	uint64_t total;      /* entries ever added */
	size_t bytes;        /* charged size */
	struct tr_entry *last;
	struct tr_entry e[];   /* head_max head slots, then tail_max ring slots */
};

static size_t tr_bytes(uint32_t head_max, uint32_t tail_max)
{
	return sizeof(struct transcript) + (size_t)(head_max + tail_max) * sizeof(struct tr_entry);
}

/* The header of a new, empty transcript in t (the entries are written
 * before they are read). */
static struct transcript *tr_start(struct transcript *t, uint32_t head_max, uint32_t tail_max)
{
	size_t bytes = tr_bytes(head_max, tail_max);
	memset(t, 0, sizeof *t);
	t->head_max = head_max;
	t->tail_max = tail_max;
	t->bytes = bytes;
	return t;
}

struct transcript *tr_new(uint32_t head_max, uint32_t tail_max)
{
	return tr_start(mem_alloc(tr_bytes(head_max, tail_max)), head_max, tail_max);
}

void tr_free(struct transcript *t)
{
	if (t)
		mem_free(t, t->bytes);
}

void tr_retire(struct transcript *t)
{
	mem_release(t->bytes);
}

struct transcript *tr_renew(struct transcript *spare, uint32_t head_max, uint32_t tail_max)
{
	if (!spare || spare->head_max != head_max || spare->tail_max != tail_max) {
		free(spare);
		return tr_new(head_max, tail_max);
	}
	mem_charge(spare->bytes);
	return tr_start(spare, head_max, tail_max);
}

void tr_free_spare(struct transcript *t)
{
	free(t);
}

static struct tr_entry *next_slot(struct transcript *t)
{
	if (t->head_n < t->head_max)
		return &t->e[t->head_n++];
	if (t->tail_max == 0)
		return NULL;
	struct tr_entry *ring = t->e + t->head_max;
	if (t->tail_n < t->tail_max)
		return &ring[(t->tail_first + t->tail_n++) % t->tail_max];
	struct tr_entry *slot = &ring[t->tail_first];
	t->tail_first = (t->tail_first + 1) % t->tail_max;
	return slot;
}

struct tr_entry *tr_add(struct transcript *t, enum tr_kind kind, char dir, int64_t ts_us)
{
	struct tr_entry *e = next_slot(t);
	t->total++;
	t->last = e;
	if (!e)
		return NULL;
	memset(e, 0, offsetof(struct tr_entry, text));
	e->text[0] = '\0';
	e->kind = (uint8_t)kind;
	e->dir = dir;
	e->ts_us = ts_us;
	return e;
}

void tr_set_text(struct tr_entry *e, const char *s, size_t n)
{
	e->len = 0;
	e->cut = false;
	tr_append_text(e, "", s, n);
}

void tr_append_text(struct tr_entry *e, const char *sep, const char *s, size_t n)
{
	size_t room = TR_TEXT_MAX - 1 - e->len;
	size_t seplen = e->len ? strlen(sep) : 0;
	if (seplen + n > room) {
		e->cut = true;
		if (seplen > room)
			return;
		n = room - seplen;
	}
	memcpy(e->text + e->len, sep, seplen);
	memcpy(e->text + e->len + seplen, s, n);
	e->len = (uint16_t)(e->len + seplen + n);
	e->text[e->len] = '\0';
}

struct tr_entry *tr_last(struct transcript *t)
{
	return t->last;
}

uint32_t tr_kept(const struct transcript *t)
{
	return t->head_n + t->tail_n;
}

uint32_t tr_head_count(const struct transcript *t)
{
	return t->head_n;
}

uint64_t tr_omitted(const struct transcript *t)
{
	return t->total - tr_kept(t);
}

const struct tr_entry *tr_get(const struct transcript *t, uint32_t i)
{
	if (i < t->head_n)
		return &t->e[i];
	i -= t->head_n;
	if (i >= t->tail_n)
		return NULL;
	return &t->e[t->head_max + (t->tail_first + i) % t->tail_max];
}
