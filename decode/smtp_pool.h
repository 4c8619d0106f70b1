/* smtp_pool.h — parser states kept for reuse across sessions (issue 13).
 *
 * Every SMTP session needs a parser (struct smtp_parser) with a pending-
 * command ring, two line buffers and, while a message header is read, a
 * header scanner: five allocations per session, most of them a few KB.  A
 * pool keeps the parsers of finished sessions, with those buffers attached,
 * and hands them to new sessions, so a steady stream of short sessions
 * allocates nothing once the pool is warm.
 *
 * Memory accounting (mem.h) follows decode/flow.c's free list: a parser is
 * charged while a session uses it and not while it waits in the pool; its
 * spare buffers are charged when the session first needs them, by the size
 * and at the moment a new allocation would have been, so --memcap decisions
 * do not depend on the pool.  The
 * pool holds at most `max` parsers, and never more than were in use at once,
 * so what it keeps is bounded by the peak that --memcap allowed.
 *
 * One thread: the decoder's.  A session's parser is dropped
 * (smtp_session_shrink) by the decoder before the session is handed on.
 */
#ifndef SMTPSCOPE_SMTP_POOL_H
#define SMTPSCOPE_SMTP_POOL_H

#include <stdbool.h>
#include <stddef.h>

struct smtp_pool;
struct smtp_parser;

struct smtp_pool *smtp_pool_new(size_t max);
void smtp_pool_free(struct smtp_pool *pool);   /* frees the parsers it holds */

/* A parser from the pool, its buffers kept, every other field zero; NULL
 * when the pool is empty.  The caller charges it (smtp_parser_bytes). */
struct smtp_parser *smtp_pool_take(struct smtp_pool *pool);
/* Keeps p (already released from the accounting); false when the pool is
 * full and the caller must free p. */
bool smtp_pool_give(struct smtp_pool *pool, struct smtp_parser *p);

/* Parsers handed out from the pool / allocated because it was empty. */
size_t smtp_pool_reused(const struct smtp_pool *pool);

#endif
