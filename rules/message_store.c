/* message_store.c — the message table's memory (message_store.h): a pool
 * of fixed records grown by doubling up to its bound, hash indexes grown
 * with it, an LRU list, and an arena for the parts of each message so that
 * a typical message costs its real size, not the worst case of every field. */
#include "config.h"

#include "rules/message_store.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/fnv.h"

#define NIL 0u                   /* links are pool index + 1 */
#define FIRST_POOL 64
#define MIN_INDEX 128
/* The arena's budget: MT_PARTS_BUDGET a message, and at least a chunk for
 * each size class, so a small table is not emptied by its first chunks. */
#define MIN_ARENA_BUDGET ((size_t)MA_CLASSES * MA_CHUNK)

/* Every part fits one arena block (ma_alloc refuses larger ones). */
_Static_assert(MT_ATTEMPTS_MAX * sizeof(struct mt_attempt) <= MA_BLOCK_MAX, "attempts block");
_Static_assert(MT_DOMAINS_MAX * sizeof(struct mt_leg) <= MA_BLOCK_MAX, "legs block");
_Static_assert(sizeof(struct mt_dsn) <= MA_BLOCK_MAX, "DSN block");
_Static_assert(MT_ID_MAX <= MA_BLOCK_MAX && MT_ADDR_MAX <= MA_BLOCK_MAX &&
	       MT_DOMAIN_MAX <= MA_BLOCK_MAX && MT_REPLY_MAX <= MA_BLOCK_MAX, "string blocks");

/* Without case, a word at a time (rules/fnv.h): the keys of the lookups. */
uint64_t ms_hash_ci(uint64_t h, const char *s)
{
	return s && *s ? wordhash(h, s, strlen(s), 1) : h;
}

static uint32_t link_of(const struct msg_tracker *mt, const struct mt_message *m)
{
	return (uint32_t)(m - mt->pool) + 1;
}

static size_t index_bytes(const struct msg_tracker *mt)
{
	return 2 * ((size_t)mt->mask + 1) * sizeof(uint32_t);
}

void ms_init(struct msg_tracker *mt, uint32_t max_messages)
{
	mt->max = max_messages;
	mt->mask = MIN_INDEX - 1;
	mt->id_heads = xcalloc(MIN_INDEX, sizeof *mt->id_heads);
	mt->env_heads = xcalloc(MIN_INDEX, sizeof *mt->env_heads);
	size_t budget = (size_t)max_messages * MT_PARTS_BUDGET;
	ma_init(&mt->arena, budget < MIN_ARENA_BUDGET ? MIN_ARENA_BUDGET : budget);
	idm_init(&mt->read_upto);
	mem_charge(sizeof *mt + index_bytes(mt));
}

void ms_free(struct msg_tracker *mt)
{
	mem_release(sizeof *mt + index_bytes(mt) + (size_t)mt->cap * sizeof *mt->pool);
	ma_free_all(&mt->arena);
	free(mt->pool);
	free(mt->id_heads);
	free(mt->env_heads);
	free(mt->sorted);
	idm_free(&mt->read_upto);
}

/* --- indexes ------------------------------------------------------------------------ */

void ms_id_insert(struct msg_tracker *mt, struct mt_message *m)
{
	if (!m->message_id[0])
		return;
	m->id_key = ms_hash_ci(MS_HASH0, m->message_id);
	uint32_t *h = &mt->id_heads[m->id_key & mt->mask];
	m->id_next = *h;
	*h = link_of(mt, m);
}

static void id_remove(struct msg_tracker *mt, struct mt_message *m)
{
	if (!m->message_id[0])
		return;
	uint32_t me = link_of(mt, m);
	for (uint32_t *p = &mt->id_heads[m->id_key & mt->mask]; *p; p = &ms_at(mt, *p)->id_next) {
		if (*p == me) {
			*p = m->id_next;
			return;
		}
	}
}

uint32_t ms_id_chain(const struct msg_tracker *mt, uint64_t key)
{
	return mt->id_heads[key & mt->mask];
}

/* Envelope entries are (message, leg): link = (pool index * MT_DOMAINS_MAX + leg) + 1. */
struct mt_leg *ms_env_leg(struct msg_tracker *mt, uint32_t e, struct mt_message **m)
{
	*m = &mt->pool[(e - 1) / MT_DOMAINS_MAX];
	return &(*m)->legs[(e - 1) % MT_DOMAINS_MAX];
}

static uint32_t env_link(const struct msg_tracker *mt, const struct mt_message *m,
			 const struct mt_leg *l)
{
	return (uint32_t)(m - mt->pool) * MT_DOMAINS_MAX + (uint32_t)(l - m->legs) + 1;
}

uint64_t ms_env_key(const char *from, const char *domain)
{
	return ms_hash_ci(ms_hash_ci(MS_HASH0, from) ^ 0x9e37u, domain);
}

static void env_link_in(struct msg_tracker *mt, struct mt_message *m, struct mt_leg *l)
{
	uint32_t *h = &mt->env_heads[l->env_key & mt->mask];
	l->env_next = *h;
	*h = env_link(mt, m, l);
}

void ms_env_insert(struct msg_tracker *mt, struct mt_message *m, struct mt_leg *l)
{
	if (l->in_env_index)
		return;
	l->env_key = ms_env_key(m->mail_from, l->domain);
	env_link_in(mt, m, l);
	l->in_env_index = true;
}

void ms_env_remove(struct msg_tracker *mt, struct mt_message *m, struct mt_leg *l)
{
	if (!l->in_env_index)
		return;
	uint32_t me = env_link(mt, m, l);
	struct mt_message *om;
	for (uint32_t *p = &mt->env_heads[l->env_key & mt->mask]; *p;
	     p = &ms_env_leg(mt, *p, &om)->env_next) {
		if (*p == me) {
			*p = l->env_next;
			break;
		}
	}
	l->in_env_index = false;
}

uint32_t ms_env_chain(const struct msg_tracker *mt, uint64_t key)
{
	return mt->env_heads[key & mt->mask];
}

/* Twice as many heads as pool slots: rebuilt from the live messages (the
 * lookups choose among a chain by sequence number, so the chains' new
 * order changes no answer). */
static void rehash(struct msg_tracker *mt, uint32_t want)
{
	uint32_t n = mt->mask + 1;
	while (n < want && n < (1u << 30))
		n <<= 1;
	if (n == mt->mask + 1)
		return;
	mem_release(index_bytes(mt));
	free(mt->id_heads);
	free(mt->env_heads);
	mt->mask = n - 1;
	mt->id_heads = xcalloc(n, sizeof *mt->id_heads);
	mt->env_heads = xcalloc(n, sizeof *mt->env_heads);
	mem_charge(index_bytes(mt));
	for (uint32_t i = 0; i < mt->fresh; i++) {
		struct mt_message *m = &mt->pool[i];
		if (!m->used)
			continue;
		ms_id_insert(mt, m);
		for (uint32_t k = 0; k < m->nlegs; k++)
			if (m->legs[k].in_env_index)
				env_link_in(mt, m, &m->legs[k]);
	}
}

/* --- pool and LRU ---------------------------------------------------------------------- */

static void lru_unlink(struct msg_tracker *mt, struct mt_message *m)
{
	uint32_t me = link_of(mt, m);
	if (m->lru_prev)
		ms_at(mt, m->lru_prev)->lru_next = m->lru_next;
	else if (mt->lru_head == me)
		mt->lru_head = m->lru_next;
	if (m->lru_next)
		ms_at(mt, m->lru_next)->lru_prev = m->lru_prev;
	else if (mt->lru_tail == me)
		mt->lru_tail = m->lru_prev;
	m->lru_prev = m->lru_next = NIL;
}

static void lru_append(struct msg_tracker *mt, struct mt_message *m)
{
	uint32_t me = link_of(mt, m);
	m->lru_prev = mt->lru_tail;
	m->lru_next = NIL;
	if (mt->lru_tail)
		ms_at(mt, mt->lru_tail)->lru_next = me;
	else
		mt->lru_head = me;
	mt->lru_tail = me;
}

void ms_touch(struct msg_tracker *mt, struct mt_message *m, int64_t ts)
{
	if (ts > m->last_touch)
		m->last_touch = ts;
	lru_unlink(mt, m);
	lru_append(mt, m);
}

/* Gives m's parts back to the arena. */
static void release_parts(struct msg_tracker *mt, struct mt_message *m)
{
	struct msg_arena *a = &mt->arena;
	ma_str_release(a, m->message_id);
	ma_str_release(a, m->mail_from);
	for (uint32_t i = 0; i < m->nlegs; i++)
		ma_str_release(a, m->legs[i].domain);
	if (m->legs_cap)
		ma_release(a, m->legs, m->legs_cap * sizeof *m->legs);
	for (uint32_t i = 0; i < m->nattempts; i++)
		if (!m->attempts[i].text_shared)
			ma_str_release(a, m->attempts[i].text);
	if (m->attempts_cap)
		ma_release(a, m->attempts, m->attempts_cap * sizeof *m->attempts);
	if (m->dsn)
		ma_release(a, m->dsn, sizeof *m->dsn);
}

static void release(struct msg_tracker *mt, struct mt_message *m)
{
	id_remove(mt, m);
	for (uint32_t i = 0; i < m->nlegs; i++)
		ms_env_remove(mt, m, &m->legs[i]);
	lru_unlink(mt, m);
	release_parts(mt, m);
	m->used = false;
	m->id_next = mt->free_head;
	mt->free_head = link_of(mt, m);
	mt->st.live--;
}

/* Drops the least recently touched message other than keep; false if none. */
static bool evict_one(struct msg_tracker *mt, const struct mt_message *keep)
{
	uint32_t v = mt->lru_head;
	if (v && ms_at(mt, v) == keep)
		v = ms_at(mt, v)->lru_next;
	if (!v)
		return false;
	release(mt, ms_at(mt, v));
	mt->st.evicted++;
	return true;
}

/* Grows the pool by doubling (indices stay valid), within max and --memcap. */
static bool grow(struct msg_tracker *mt)
{
	if (mt->cap >= mt->max)
		return false;
	uint32_t ncap = mt->cap ? mt->cap * 2 : FIRST_POOL;
	if (ncap > mt->max)
		ncap = mt->max;
	size_t add = (size_t)(ncap - mt->cap) * sizeof *mt->pool;
	if (mem_would_exceed(add))
		return false;
	mt->pool = xrealloc(mt->pool, (size_t)ncap * sizeof *mt->pool);
	mem_charge(add);
	mt->cap = ncap;
	rehash(mt, 2 * ncap);
	return true;
}

struct mt_message *ms_alloc_msg(struct msg_tracker *mt, int64_t ts)
{
	if (!mt->free_head && mt->fresh == mt->cap && !grow(mt) && !evict_one(mt, NULL))
		return NULL;
	struct mt_message *m;
	if (mt->free_head) {
		m = ms_at(mt, mt->free_head);
		mt->free_head = m->id_next;
	} else {
		m = &mt->pool[mt->fresh++];
	}
	memset(m, 0, sizeof *m);
	m->message_id = m->mail_from = ma_empty;
	m->used = true;
	m->seq = ++mt->next_seq;
	m->first_seen = m->last_touch = ts;
	lru_append(mt, m);
	mt->st.messages++;
	mt->st.live++;
	return m;
}

/* --- parts ----------------------------------------------------------------------------- */

/* A block for a part of m: while the arena is at its budget, the least
 * recently touched other messages go; with none left, past the budget. */
static void *part(struct msg_tracker *mt, const struct mt_message *m, size_t n)
{
	void *p;
	while (!(p = ma_alloc(&mt->arena, n, false)))
		if (!evict_one(mt, m))
			return ma_alloc(&mt->arena, n, true);
	return p;
}

const char *ms_str(struct msg_tracker *mt, struct mt_message *m, const char *s, size_t max,
		   bool first_line)
{
	const char *p;
	while (!(p = ma_strdup(&mt->arena, s, max, first_line, false)))
		if (!evict_one(mt, m))
			return ma_strdup(&mt->arena, s, max, first_line, true);
	return p;
}

void ms_set_str(struct msg_tracker *mt, struct mt_message *m, const char **field, const char *s,
		size_t max)
{
	const char *old = *field;
	size_t k = ma_cut_len(s, max, false);
	if (strlen(old) == k && memcmp(old, s ? s : "", k) == 0)
		return; /* the same (cut) text: keep the block */
	*field = ma_empty;
	ma_str_release(&mt->arena, old);
	*field = ms_str(mt, m, s, max, false);
}

/* Moves an array part of m to a block with room for ncap elements. */
static void *regrow(struct msg_tracker *mt, struct mt_message *m, void *old, size_t elem,
		    uint32_t n, uint32_t oldcap, uint32_t ncap)
{
	void *p = part(mt, m, ncap * elem);
	if (n)
		memcpy(p, old, n * elem);
	if (oldcap)
		ma_release(&mt->arena, old, oldcap * elem);
	return p;
}

struct mt_leg *ms_new_leg(struct msg_tracker *mt, struct mt_message *m, const char *domain)
{
	if (m->nlegs >= MT_DOMAINS_MAX)
		return NULL;
	if (m->nlegs == m->legs_cap) {
		uint32_t ncap = m->legs_cap ? 2u * m->legs_cap : 1u;
		if (ncap > MT_DOMAINS_MAX)
			ncap = MT_DOMAINS_MAX;
		m->legs = regrow(mt, m, m->legs, sizeof *m->legs, m->nlegs, m->legs_cap, ncap);
		m->legs_cap = (uint8_t)ncap;
	}
	struct mt_leg *l = &m->legs[m->nlegs];
	memset(l, 0, sizeof *l);
	l->domain = ma_empty;
	m->nlegs++;
	l->domain = ms_str(mt, m, domain, MT_DOMAIN_MAX, false);
	return l;
}

struct mt_attempt *ms_new_attempt(struct msg_tracker *mt, struct mt_message *m)
{
	struct mt_attempt *a;
	if (m->nattempts < MT_ATTEMPTS_MAX) {
		if (m->nattempts == m->attempts_cap) {
			uint32_t ncap = m->attempts_cap ? 2u * m->attempts_cap : 1u;
			if (ncap > MT_ATTEMPTS_MAX)
				ncap = MT_ATTEMPTS_MAX;
			m->attempts = regrow(mt, m, m->attempts, sizeof *m->attempts, m->nattempts,
					     m->attempts_cap, ncap);
			m->attempts_cap = (uint8_t)ncap;
		}
		a = &m->attempts[m->nattempts++];
	} else { /* keep the first ones and the latest */
		m->attempts_dropped++;
		a = &m->attempts[MT_ATTEMPTS_MAX - 1];
		if (!a->text_shared)
			ma_str_release(&mt->arena, a->text);
	}
	memset(a, 0, sizeof *a);
	a->text = ma_empty;
	return a;
}

void ms_attempt_text(struct msg_tracker *mt, struct mt_message *m, struct mt_attempt *a,
		     const char *text)
{
	size_t k = ma_cut_len(text, MT_REPLY_MAX, true);
	const struct mt_attempt *prev = a > m->attempts ? a - 1 : NULL;
	if (prev && k && strlen(prev->text) == k && memcmp(prev->text, text, k) == 0) {
		a->text = prev->text;
		a->text_shared = true;
		return;
	}
	a->text = ms_str(mt, m, text, MT_REPLY_MAX, true);
	a->text_shared = false;
}

struct mt_dsn *ms_dsn(struct msg_tracker *mt, struct mt_message *m)
{
	if (!m->dsn) {
		m->dsn = part(mt, m, sizeof *m->dsn);
		memset(m->dsn, 0, sizeof *m->dsn);
	}
	return m->dsn;
}
