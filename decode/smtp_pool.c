/* smtp_pool.c — a free list of parser states with their buffers. */
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
	size_t reused;
};

struct smtp_pool *smtp_pool_new(size_t max)
{
	struct smtp_pool *pool = xcalloc(1, sizeof *pool);
	pool->max = max;
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
	free(pool);
}

struct smtp_parser *smtp_pool_take(struct smtp_pool *pool)
{
	struct smtp_parser *p = pool->free;
	if (!p)
		return NULL;
	pool->free = p->pool_next;
	pool->count--;
	pool->reused++;

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

size_t smtp_pool_reused(const struct smtp_pool *pool)
{
	return pool->reused;
}
