/* arena.h — a per-session bump allocator for small strings.
 *
 * A session's envelope addresses, HELO name, Message-ID and Subject live
 * exactly as long as the session, so they come from one arena that is freed
 * in one call.  The arena has a byte cap: a hostile session (a million
 * recipients) cannot grow without bound; allocation then fails and the caller
 * counts what it dropped.
 */
#ifndef SMTPSCOPE_ARENA_H
#define SMTPSCOPE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *chunks;
	size_t used;  /* bytes handed out plus chunk overhead */
	size_t cap;   /* 0 = unlimited */
	struct arena_chunk *spare; /* a first-size chunk kept by arena_retire for
				    * the next session (smtp_pool.h); not charged
				    * until arena_alloc takes it */
};

/* Empties the arena; a spare it holds is kept. */
void arena_init(struct arena *a, size_t cap);
/* NULL when the cap would be exceeded. */
void *arena_alloc(struct arena *a, size_t n);
/* Copies n bytes and a NUL; NULL when the cap would be exceeded. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* Frees every chunk, the spare included. */
void arena_free(struct arena *a);
/* Like arena_free, but keeps one first-size chunk as the spare (released
 * from the accounting all the same): a session record going back to the
 * pool keeps it for the next session's strings. */
void arena_retire(struct arena *a);
/* Frees the spare, if any (it was never charged). */
void arena_drop_spare(struct arena *a);

#endif
