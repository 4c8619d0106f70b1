/* msg_arena.h — the message table's variable parts (strings cut to their
 * real length, domain legs, attempts, DSN records) in blocks of 16-byte
 * size classes, carved from 16 KiB chunks.
 *
 * Why not malloc: a tracked message owns a handful of small parts and lives
 * for minutes; one malloc each would cost time on the hot path and its
 * headers in memory.  Here a block is reused through its class's free list,
 * chunks never move (a block's address stays valid until it is released),
 * and memory is charged to mem_acct by chunk.  Chunks are only returned by
 * ma_free_all.
 *
 * Bound: ma_alloc returns NULL instead of taking a new chunk that would
 * pass the arena's budget (or --memcap); the owner then frees something (the
 * message table evicts its least recently touched message) and asks again,
 * or forces the allocation when it has nothing left to free.
 */
#ifndef SMTPSCOPE_MSG_ARENA_H
#define SMTPSCOPE_MSG_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#define MA_GRAIN 16                         /* block sizes are multiples of this */
#define MA_BLOCK_MAX 512                    /* largest block */
#define MA_CLASSES (MA_BLOCK_MAX / MA_GRAIN)
#define MA_CHUNK 16384                      /* bytes taken from malloc at a time */

struct ma_chunk;

struct msg_arena {
	void *free_list[MA_CLASSES];        /* released blocks, linked through their first bytes */
	char *carve[MA_CLASSES];            /* the class's current chunk: next block never used */
	size_t carve_left[MA_CLASSES];      /* blocks left to carve there */
	struct ma_chunk *chunks;            /* every chunk, for ma_free_all */
	size_t charged;                     /* chunk bytes charged to mem_acct */
	size_t in_use;                      /* bytes of the blocks handed out */
	size_t budget;                      /* charged may not pass it (0: no budget) */
};

/* The empty string, never allocated: ma_strdup returns it for "" and
 * ma_str_release ignores it. */
extern const char ma_empty[];

void ma_init(struct msg_arena *a, size_t budget);
/* Returns every chunk (and its charge); the arena is empty and usable again. */
void ma_free_all(struct msg_arena *a);

/* A block of at least n bytes (1..MA_BLOCK_MAX), uninitialised.  NULL when
 * it would need a new chunk past the budget or --memcap, unless `force`. */
void *ma_alloc(struct msg_arena *a, size_t n, bool force);
/* Gives back a block; n must be the size it was asked for (or any size of
 * the same class). */
void ma_release(struct msg_arena *a, void *p, size_t n);

/* A copy of s cut to at most max - 1 bytes (and at the first '\n' when
 * `first_line`), in a block of its real length; ma_empty for NULL or "".
 * NULL as ma_alloc. */
const char *ma_strdup(struct msg_arena *a, const char *s, size_t max, bool first_line, bool force);
/* The length ma_strdup keeps of s. */
size_t ma_cut_len(const char *s, size_t max, bool first_line);
/* Releases a string from ma_strdup (its block size follows from its length). */
void ma_str_release(struct msg_arena *a, const char *s);

/* The block size that n bytes take (for accounting in tests). */
size_t ma_block_size(size_t n);

#endif
