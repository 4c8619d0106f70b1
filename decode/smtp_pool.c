/* smtp_pool.c — free lists of parser states and session records with their
 * buffers (smtp_pool.h). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "decode/smtp_pool.h"

struct smtp_pool {
	struct smtp_parser *free;   /* linked through pool_next */
	size_t count, max;
	struct smtp_session **sessions; /* max slots, n_sessions used */
	size_t n_sessions;
	struct smtp_pool_stats st;
};

struct smtp_pool *smtp_pool_new(size_t max)
{
	struct smtp_pool *pool = xcalloc(1, sizeof *pool);
	pool->max = max;
	pool->sessions = xcalloc(max ? max : 1, sizeof *pool->sessions);
	return pool;
}

void smtp_pool_free(struct smtp_pool *pool)
{
	if (!pool)
		return;
	while (pool->free) {
		struct smtp_parser *p = pool->free;
		pool->free = p->pool_next;
		smtp_parser_destroy(p);
	}
	for (size_t i = 0; i < pool->n_sessions; i++) {
		struct smtp_session *s = pool->sessions[i];
		smtp_session_drop_spares(s); /* not charged */
		free(s);
	}
	free(pool->sessions);
	free(pool);
}

struct smtp_parser *smtp_pool_take(struct smtp_pool *pool)
{
	struct smtp_parser *p = pool->free;
	if (!p) {
		pool->st.parsers_missed++;
		return NULL;
	}
	pool->free = p->pool_next;
	pool->count--;
	pool->st.parsers_reused++;

	/* zero the state, keep the spares: line buffers (with the cap they
	 * fit), a first-size command ring, a header scanner; none charged */
	struct line_splitter lines[2] = { p->lines[0], p->lines[1] };
	struct pending_cmd *queue = p->queue;
	struct header_state *hs_spare = p->hs_spare;
	memset(p, 0, sizeof *p);
	for (int i = 0; i < 2; i++) {
		p->lines[i].buf = lines[i].buf;
		p->lines[i].cap = lines[i].cap;
	}
	p->queue = queue;
	p->hs_spare = hs_spare;
	return p;
}

bool smtp_pool_give(struct smtp_pool *pool, struct smtp_parser *p)
{
	if (pool->count >= pool->max)
		return false;
	/* smtp_session_shrink has released everything and left only spares */
	p->pool_next = pool->free;
	pool->free = p;
	pool->count++;
	return true;
}

struct smtp_session *smtp_pool_take_session(struct smtp_pool *pool)
{
	if (pool->n_sessions == 0) {
		pool->st.sessions_missed++;
		return NULL;
	}
	struct smtp_session *s = pool->sessions[--pool->n_sessions];
	pool->st.sessions_reused++;
	struct arena_chunk *chunk = s->arena.spare;
	struct smtp_txn *txn = s->txn_spare;
	struct transcript *tr = s->tr_spare;
	memset(s, 0, sizeof *s);
	s->arena.spare = chunk;
	s->txn_spare = txn;
	s->tr_spare = tr;
	return s;
}

bool smtp_pool_give_session(struct smtp_pool *pool, struct smtp_session *s)
{
	if (pool->n_sessions >= pool->max) {
		pool->st.sessions_dropped++;
		return false;
	}
	pool->sessions[pool->n_sessions++] = s;
	return true;
}

void smtp_pool_stats(const struct smtp_pool *pool, struct smtp_pool_stats *out)
{
	*out = pool->st;
	out->sessions_held = pool->n_sessions;
}

size_t smtp_pool_reused(const struct smtp_pool *pool)
{
	return pool->st.parsers_reused;
}
