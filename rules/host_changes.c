/* host_changes.c — host-model entries in the order of their last change,
 * and a reader's copies brought up to date from it (host_changes.h). */
#include "config.h"

#include "rules/host_changes.h"

#include <stdint.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/host_model.h"

void hc_init(struct host_changes *hc, uint64_t start_gen)
{
	memset(hc, 0, sizeof *hc);
	hc->gen = start_gen;
}

void hc_free(struct host_changes *hc)
{
	mem_free(hc->free_serials, hc->capfree * sizeof *hc->free_serials);
	hc->free_serials = NULL;
	hc->nfree = hc->capfree = 0;
}

static void unlink_entry(struct host_changes *hc, struct host_entry *e)
{
	struct hc_link *l = &e->change;
	if (l->older)
		l->older->change.newer = l->newer;
	else
		hc->oldest = l->newer;
	if (l->newer)
		l->newer->change.older = l->older;
	else
		hc->newest = l->older;
	l->older = l->newer = NULL;
	l->linked = false;
}

static void link_newest(struct host_changes *hc, struct host_entry *e)
{
	struct hc_link *l = &e->change;
	l->older = hc->newest;
	l->newer = NULL;
	if (hc->newest)
		hc->newest->change.newer = e;
	else
		hc->oldest = e;
	hc->newest = e;
	l->linked = true;
	l->gen = ++hc->gen;
}

void hc_add(struct host_changes *hc, struct host_entry *e)
{
	if (hc->nfree)
		e->change.serial = hc->free_serials[--hc->nfree];
	else
		e->change.serial = hc->next_serial++;
	link_newest(hc, e);
}

void hc_touch(struct host_changes *hc, struct host_entry *e)
{
	if (hc->cursor == e) /* a reader's place: the next older entry */
		hc->cursor = e->change.older;
	if (hc->newest == e) { /* the common case: the same entry again */
		e->change.gen = ++hc->gen;
		return;
	}
	unlink_entry(hc, e);
	link_newest(hc, e);
}

void hc_remove(struct host_changes *hc, struct host_entry *e)
{
	if (!e->change.linked)
		return;
	if (hc->cursor == e)
		hc->cursor = e->change.older;
	unlink_entry(hc, e);
	struct hc_tomb *t = &hc->tombs[hc->tomb_next];
	if (hc->ntombs == HC_TOMBS) { /* the ring is full: its oldest goes */
		hc->tombs_lost = t->gen;
		hc->lost_any = true;
	} else {
		hc->ntombs++;
	}
	t->gen = ++hc->gen;
	t->serial = e->change.serial;
	hc->tomb_next = (hc->tomb_next + 1) % HC_TOMBS;
	if (hc->nfree == hc->capfree) {
		size_t cap = hc->capfree ? hc->capfree * 2 : 64;
		hc->free_serials = xrealloc(hc->free_serials, cap * sizeof *hc->free_serials);
		mem_charge((cap - hc->capfree) * sizeof *hc->free_serials);
		hc->capfree = cap;
	}
	hc->free_serials[hc->nfree++] = e->change.serial;
}

/* --- the reader's side -------------------------------------------------------------- */

/* Room for serial s in the copies; grown by doubling, charged. */
static void mirror_reserve(struct hc_mirror *m, size_t slots)
{
	if (slots <= m->cap)
		return;
	size_t cap = m->cap ? m->cap : 256;
	while (cap < slots)
		cap *= 2;
	m->copy = xrealloc(m->copy, cap * sizeof *m->copy);
	m->present = xrealloc(m->present, cap);
	memset(m->present + m->cap, 0, cap - m->cap);
	size_t bytes = cap * (sizeof *m->copy + 1);
	mem_charge(bytes - m->charged);
	m->charged = bytes;
	m->cap = cap;
}

static void drop(struct hc_mirror *m, uint32_t serial, struct hc_sync_stats *st)
{
	if (serial < m->cap && m->present[serial]) {
		m->present[serial] = 0;
		m->n--;
		st->dropped++;
	}
}

static void take(struct hc_mirror *m, const struct host_entry *e, hc_keep_fn keep, void *ctx,
		 struct hc_sync_stats *st)
{
	uint32_t s = e->change.serial;
	if (keep && !keep(ctx, e)) {
		drop(m, s, st);
		return;
	}
	if (!m->present[s]) {
		m->present[s] = 1;
		m->n++;
	}
	m->copy[s] = *e;
	st->copied++;
}

/* A reader that missed tombstones the ring no longer holds cannot know
 * which of its copies are gone. */
static bool tombs_missed(const struct host_changes *hc, uint64_t since)
{
	return hc->lost_any && hc_after(hc->tombs_lost, since);
}

static void drop_removed(struct hc_mirror *m, const struct host_changes *hc, uint64_t since,
			 struct hc_sync_stats *st)
{
	for (size_t i = 0; i < hc->ntombs; i++) {
		const struct hc_tomb *t = &hc->tombs[i];
		if (hc_after(t->gen, since))
			drop(m, t->serial, st);
	}
}

/* The first step: a full copy starts from nothing, an update drops what
 * left since the last sync (removals first: a serial freed and given again
 * is then taken by the newer entry, whose change is after its tombstone). */
static void step_begin(struct hc_mirror *m, struct host_changes *hc, bool full,
		       struct hc_sync_stats *st)
{
	memset(st, 0, sizeof *st);
	m->all = full || !m->synced || tombs_missed(hc, m->since);
	if (m->all) {
		if (m->cap)
			memset(m->present, 0, m->cap);
		m->n = 0;
		st->full = true;
	} else {
		drop_removed(m, hc, m->since, st);
	}
	m->stepping = true;
	hc->cursor = hc->newest;
}

bool hc_mirror_step(struct hc_mirror *m, struct host_changes *hc, hc_keep_fn keep, void *ctx,
		    bool full, size_t max, struct hc_sync_stats *st)
{
	mirror_reserve(m, hc->next_serial);
	if (m->stepping && (full || tombs_missed(hc, m->seen))) {
		m->stepping = false; /* start again, everything */
		full = true;
	}
	if (!m->stepping) {
		step_begin(m, hc, full, st);
	} else {
		/* what changed or left while the lock was let go */
		drop_removed(m, hc, m->seen, st);
		for (const struct host_entry *e = hc->newest; e && hc_after(e->change.gen, m->seen);
		     e = e->change.older)
			take(m, e, keep, ctx, st);
	}
	size_t k = 0;
	struct host_entry *e = hc->cursor;
	for (; e && (m->all || hc_after(e->change.gen, m->since)); e = e->change.older) {
		if (k++ == max) {
			hc->cursor = e;
			m->seen = hc->gen;
			return false;
		}
		take(m, e, keep, ctx, st);
	}
	hc->cursor = NULL;
	m->since = hc->gen;
	m->synced = true;
	m->stepping = false;
	return true;
}

void hc_mirror_sync(struct hc_mirror *m, struct host_changes *hc, hc_keep_fn keep, void *ctx,
		    bool full, struct hc_sync_stats *st)
{
	hc_mirror_step(m, hc, keep, ctx, full, SIZE_MAX, st);
}

void hc_mirror_free(struct hc_mirror *m)
{
	mem_release(m->charged);
	free(m->copy);
	free(m->present);
	memset(m, 0, sizeof *m);
}
