/* host_changes.h — which host-model entries changed since a reader last
 * looked, so that a reader beside the decoder (the dashboard) copies under
 * the model lock only what changed, not every host (issue 13).
 *
 * The writer keeps the entries of one table on a list ordered by their last
 * change, each stamped with a generation (a counter of changes): a change
 * moves the entry to the newest end, a few pointer writes and no
 * allocation.  A reader remembers the generation it copied up to and walks
 * the list back from the newest end until it reaches entries older than
 * that: O(what changed).  Entries taken out of a table leave a tombstone
 * (their serial and the generation) in a bounded ring; a reader that fell
 * further behind than the ring reaches copies everything again.
 *
 * Many changes at once (a burst of new hosts) are copied in steps of a
 * bounded number of entries, the lock let go between steps, so that the
 * decoder never waits long: one reader (the dashboard) keeps its place on
 * the list between steps, and the writer moves that place on when the
 * entry there changes or leaves.
 *
 * Generations compare modulo 2^64 (a - b as a signed number), so a counter
 * that wraps still orders changes less than 2^63 apart.
 */
#ifndef SMTPSCOPE_HOST_CHANGES_H
#define SMTPSCOPE_HOST_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct host_entry;

/* In each entry (struct host_entry.change); the list's own. */
struct hc_link {
	struct host_entry *older, *newer;
	uint64_t gen;             /* the generation of its last change */
	uint32_t serial;          /* dense, reused after a removal: a reader's index */
	bool linked;
};

#define HC_TOMBS 1024

struct hc_tomb {
	uint64_t gen;
	uint32_t serial;
};

struct host_changes {
	struct host_entry *oldest, *newest;
	uint64_t gen;             /* the last generation handed out */
	uint32_t next_serial;     /* serials 0..next_serial-1 were handed out */
	uint32_t *free_serials;   /* of removed entries, for reuse (charged) */
	size_t nfree, capfree;
	struct hc_tomb tombs[HC_TOMBS]; /* removals, a ring */
	size_t ntombs, tomb_next;
	uint64_t tombs_lost;      /* the newest tombstone overwritten in the ring */
	bool lost_any;
	/* the reader's place in a sync done in steps: the next entry to copy
	 * (older than those copied), NULL when none is under way */
	struct host_entry *cursor;
};

/* start_gen: the first generation handed out is start_gen + 1 (0 in the
 * program; the unit test starts near the wrap). */
void hc_init(struct host_changes *hc, uint64_t start_gen);
void hc_free(struct host_changes *hc);
/* A new entry (its link zeroed): given a serial and marked changed. */
void hc_add(struct host_changes *hc, struct host_entry *e);
/* e changed: the newest change. */
void hc_touch(struct host_changes *hc, struct host_entry *e);
/* e leaves the table (before it is freed): a tombstone, its serial freed. */
void hc_remove(struct host_changes *hc, struct host_entry *e);
/* True if generation a is after b (modulo 2^64). */
static inline bool hc_after(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) > 0;
}

/* --- a reader's copy ------------------------------------------------------------- */

/* The copies of one table's entries, indexed by serial: a reader keeps one
 * and brings it up to date under the writer's lock with hc_mirror_sync. */
struct hc_mirror {
	struct host_entry *copy;  /* by serial; valid where present[serial] */
	uint8_t *present;
	size_t cap;               /* slots in copy and present */
	size_t n;                 /* present copies */
	uint64_t since;           /* the generation copied up to */
	bool synced;              /* since is meaningful */
	bool stepping;            /* a sync in steps under way (host_changes.cursor) */
	bool all;                 /* ... copying every entry (a full sync) */
	uint64_t seen;            /* ... the writer's generation at its last step */
	size_t charged;           /* bytes charged to decode/mem.h for copy and present */
};

/* Which entries the reader keeps (a remote host, not the gateway); NULL:
 * all of them. */
typedef bool (*hc_keep_fn)(void *ctx, const struct host_entry *e);

struct hc_sync_stats {
	size_t copied, dropped;   /* entries copied, copies dropped */
	bool full;                /* everything was copied again */
};

/* Under the writer's lock: copies the entries changed since the last sync
 * (all of them when `full`, at the first sync, or when the tombstones the
 * reader needed were lost), drops the copies of removed entries and of
 * those keep() refuses.  Grows the copy arrays (charged to decode/mem.h).
 * At most `max` entries of the backlog per call (plus what changed since
 * the previous step): false when more remain, then call again, the lock
 * let go in between; true when the copies are up to date.  st adds up
 * over the steps of one sync. */
bool hc_mirror_step(struct hc_mirror *m, struct host_changes *hc, hc_keep_fn keep, void *ctx,
		    bool full, size_t max, struct hc_sync_stats *st);
/* The whole sync in one step. */
void hc_mirror_sync(struct hc_mirror *m, struct host_changes *hc, hc_keep_fn keep, void *ctx,
		    bool full, struct hc_sync_stats *st);
/* Releases the arrays and their charge (under the same lock as the sync:
 * the account is the writer's). */
void hc_mirror_free(struct hc_mirror *m);

#endif
