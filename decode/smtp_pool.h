/* smtp_pool.h — parser states and session records kept for reuse across
 * sessions (issue 13).
 *
 * Every SMTP session needs a parser (struct smtp_parser) with a pending-
 * command ring, two line buffers and, while a message header is read, a
 * header scanner; and a session record (struct smtp_session) with, for most
 * sessions, a transaction record, a first arena chunk for its strings and a
 * transcript.  A pool keeps the parsers and the records of finished
 * sessions, with those buffers attached, and hands them to new sessions, so
 * a steady stream of short sessions allocates nothing once the pool is warm.
 *
 * Memory accounting (mem.h) follows decode/flow.c's free list: a parser or a
 * record is charged while a session uses it and not while it waits in the
 * pool; its spare buffers are charged when the session first needs them, by
 * the size and at the moment a new allocation would have been, so --memcap
 * decisions and the memory figures do not depend on the pool.  The pool
 * holds at most `max` parsers and `max` records, and never more than were in
 * use at once, so what it keeps is bounded by the peak that --memcap
 * allowed.  When it is empty a new one is allocated, when it is full a
 * returned one is freed: both are counted (smtp_pool_stats), not silent.
 *
 * One thread: the decoder's.  A session's parser is dropped
 * (smtp_session_shrink) by the decoder before the session is handed on, and
 * only records the decoder itself ends go back (smtp_session_recycle); a
 * record the sink kept is freed by its new owner (smtp_session_free).
 */
#ifndef SMTPSCOPE_SMTP_POOL_H
#define SMTPSCOPE_SMTP_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct smtp_pool;
struct smtp_parser;
struct smtp_session;

struct smtp_pool *smtp_pool_new(size_t max);
void smtp_pool_free(struct smtp_pool *pool);   /* frees what it holds */

/* A parser from the pool, its buffers kept, every other field zero; NULL
 * when the pool is empty.  The caller charges it (smtp_parser_bytes). */
struct smtp_parser *smtp_pool_take(struct smtp_pool *pool);
/* Keeps p (already released from the accounting); false when the pool is
 * full and the caller must free p. */
bool smtp_pool_give(struct smtp_pool *pool, struct smtp_parser *p);

/* A session record from the pool, every field zero but its uncharged
 * spares (arena.spare, txn_spare, tr_spare); NULL when the pool is empty
 * (counted).  The caller charges it. */
struct smtp_session *smtp_pool_take_session(struct smtp_pool *pool);
/* Keeps s (released from the accounting, holding nothing but spares);
 * false when the pool is full (counted) and the caller must free s. */
bool smtp_pool_give_session(struct smtp_pool *pool, struct smtp_session *s);

struct smtp_pool_stats {
	size_t parsers_reused;    /* handed out from the pool */
	size_t parsers_missed;    /* asked for while the pool was empty */
	size_t sessions_reused;
	size_t sessions_missed;
	size_t sessions_dropped;  /* given back while the pool was full: freed */
	size_t sessions_held;     /* waiting in the pool now */
};

void smtp_pool_stats(const struct smtp_pool *pool, struct smtp_pool_stats *out);
/* Parsers handed out from the pool. */
size_t smtp_pool_reused(const struct smtp_pool *pool);

#endif
