/* host_messages.c — message identity for retries and the pending count of
 * one host-model entry (host_messages.h). */
#include "config.h"

#include "rules/host_messages.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/fnv.h"

#define MSG_FIRST_BLOCK 8
#define NO_SLOT UINT32_MAX

/* A missing string (NULL) counts as an empty one. */
static uint64_t hash_str(uint64_t h, const char *s)
{
	return s ? wordhash(h, s, strlen(s), 0) : wordhash(h, "", 0, 0);
}

/* MAIL FROM and the set of RCPT TO addresses, whatever their order.  Each
 * recipient is hashed alone and the hashes summed (order does not matter
 * to a sum), so no sorted copy of the list is allocated per transaction. */
static uint64_t envelope_hash(const struct smtp_txn *t)
{
	uint64_t h = hash_str(FNV64_OFFSET, t->mail_from);
	uint64_t sum = 0, n = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next, n++)
		sum += hash_str(FNV64_OFFSET, r->addr);
	if (n == 0)
		return h;
	h = wordhash_step(h, n);
	return wordhash_step(h, sum);
}

static uint64_t size_class(const struct smtp_txn *t)
{
	if (t->size_param)
		return t->size_param;
	if (!t->data_complete || t->data_bytes == 0)
		return 0;
	uint64_t p = 1;
	while (p < t->data_bytes && p < (1ULL << 63))
		p <<= 1;
	return p;
}

void msgs_ident(const struct smtp_txn *t, struct msg_key *k)
{
	memset(k, 0, sizeof *k);
	if (t->message_id && t->message_id[0])
		k->mid = wordhash(FNV64_OFFSET, t->message_id, strlen(t->message_id), 0) | 1;
	k->env = envelope_hash(t);
	k->size_class = size_class(t);
}

/* Same message: equal Message-IDs; or, when one side has none, the same
 * envelope with a compatible size class; and not its copy the other way
 * through the gateway. */
static bool same_message(const struct msg_key *a, const struct msg_key *b)
{
	if (a->way != b->way && a->way != WAY_ANY && b->way != WAY_ANY)
		return false;
	if (a->mid && b->mid)
		return a->mid == b->mid;
	return a->env == b->env &&
	       (a->size_class == b->size_class || !a->size_class || !b->size_class);
}

/* --- the index: chains by envelope and by Message-ID ---------------------------- */

/* The hashes are mixed already; folding the high half in as well spreads
 * them over the few low bits a bucket number uses. */
static uint32_t bucket_of(const struct msg_memory *mm, uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32) ^ (h >> 17)) & (mm->cap - 1);
}

static uint16_t *env_head(const struct msg_memory *mm, uint64_t env)
{
	return &mm->heads[bucket_of(mm, env)];
}

static uint16_t *mid_head(const struct msg_memory *mm, uint64_t mid)
{
	return &mm->heads[mm->cap + bucket_of(mm, mid)];
}

static void link_env(struct msg_memory *mm, uint32_t slot)
{
	uint16_t *h = env_head(mm, mm->msgs[slot].env);
	mm->msgs[slot].next_env = *h;
	*h = (uint16_t)(slot + 1);
}

static void link_mid(struct msg_memory *mm, uint32_t slot)
{
	uint16_t *h = mid_head(mm, mm->msgs[slot].mid);
	mm->msgs[slot].next_mid = *h;
	*h = (uint16_t)(slot + 1);
}

static void unlink_env(struct msg_memory *mm, uint32_t slot)
{
	uint16_t *p = env_head(mm, mm->msgs[slot].env);
	while (*p != slot + 1)
		p = &mm->msgs[*p - 1].next_env;
	*p = mm->msgs[slot].next_env;
}

static void unlink_mid(struct msg_memory *mm, uint32_t slot)
{
	uint16_t *p = mid_head(mm, mm->msgs[slot].mid);
	while (*p != slot + 1)
		p = &mm->msgs[*p - 1].next_mid;
	*p = mm->msgs[slot].next_mid;
}

/* An earlier attempt with this very envelope comes first: a recipient
 * deferred at RCPT (no content, no Message-ID seen) and delivered later is
 * that attempt's retry, not the earlier delivery of the same Message-ID to
 * the other recipients.  Among several, the lowest slot (the order a scan
 * of the keys would meet them in). */
static uint32_t find_slot(const struct msg_memory *mm, const struct msg_key *id)
{
	if (!mm->nmsgs)
		return NO_SLOT;
	uint32_t by_env = NO_SLOT, by_id = NO_SLOT;
	for (uint16_t s = *env_head(mm, id->env); s; s = mm->msgs[s - 1].next_env) {
		const struct msg_key *k = &mm->msgs[s - 1];
		if (k->env == id->env && same_message(k, id) && s - 1u < by_env)
			by_env = s - 1u;
	}
	if (by_env != NO_SLOT || !id->mid)
		return by_env;
	for (uint16_t s = *mid_head(mm, id->mid); s; s = mm->msgs[s - 1].next_mid) {
		const struct msg_key *k = &mm->msgs[s - 1];
		if (k->mid == id->mid && same_message(k, id) && s - 1u < by_id)
			by_id = s - 1u;
	}
	return by_id;
}

/* --- the eviction heap: least recently attempted on top ------------------------- */

/* Each key is in the heap once, with the last_ts it had when it went in: a
 * retry only moves a key's last_ts forward and leaves the heap alone.  The
 * top is checked when a key must go: if its last_ts moved since, it goes
 * back in with the new one and the next top is checked.  A top that has
 * not moved is the least recently attempted key, ties to the lower slot as
 * the scan this replaces had it: every other key's own (last_ts, slot) is
 * at least its entry's, which is at least the top's. */
struct heap_item {
	int64_t ts;               /* the key's last_ts when it went in */
	uint32_t slot;
};

static bool item_less(const struct heap_item *a, const struct heap_item *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->slot < b->slot);
}

static void heap_up(struct msg_memory *mm, uint32_t pos)
{
	struct heap_item it = mm->heap[pos];
	while (pos > 0) {
		uint32_t parent = (pos - 1) / 2;
		if (!item_less(&it, &mm->heap[parent]))
			break;
		mm->heap[pos] = mm->heap[parent];
		pos = parent;
	}
	mm->heap[pos] = it;
}

static void heap_down(struct msg_memory *mm, uint32_t pos)
{
	struct heap_item it = mm->heap[pos];
	for (;;) {
		uint32_t c = 2 * pos + 1;
		if (c >= mm->nmsgs)
			break;
		if (c + 1 < mm->nmsgs && item_less(&mm->heap[c + 1], &mm->heap[c]))
			c++;
		if (!item_less(&mm->heap[c], &it))
			break;
		mm->heap[pos] = mm->heap[c];
		pos = c;
	}
	mm->heap[pos] = it;
}

/* The least recently attempted key's slot (the heap's top, brought up to
 * date first). */
static uint32_t oldest_slot(struct msg_memory *mm)
{
	for (;;) {
		struct heap_item *top = &mm->heap[0];
		int64_t now = mm->msgs[top->slot].last_ts;
		if (top->ts == now)
			return top->slot;
		top->ts = now;
		heap_down(mm, 0);
	}
}

/* --- keys ----------------------------------------------------------------------- */

static size_t block_bytes(uint32_t cap)
{
	return cap * (sizeof(struct msg_key) + sizeof(struct heap_item) + 2 * sizeof(uint16_t));
}

/* Room for twice the keys: one new block, the keys copied, the chains
 * rebuilt for the larger bucket count; the heap keeps its order (the slots
 * do not move). */
static void grow(struct msg_memory *mm)
{
	uint32_t cap = mm->cap ? mm->cap * 2 : MSG_FIRST_BLOCK;
	/* not zeroed: keys and heap items past nmsgs are written before read */
	struct msg_key *keys = xmalloc(block_bytes(cap));
	mem_charge(block_bytes(cap));
	struct heap_item *heap = (struct heap_item *)(keys + cap);
	uint16_t *heads = (uint16_t *)(heap + cap);
	memset(heads, 0, 2 * cap * sizeof *heads);
	if (mm->nmsgs) {
		memcpy(keys, mm->msgs, mm->nmsgs * sizeof *keys);
		memcpy(heap, mm->heap, mm->nmsgs * sizeof *heap);
	}
	mem_release(block_bytes(mm->cap));
	free(mm->msgs);
	mm->msgs = keys;
	mm->heads = heads;
	mm->heap = heap;
	mm->cap = cap;
	for (uint32_t s = 0; s < mm->nmsgs; s++) {
		link_env(mm, s);
		if (mm->msgs[s].mid)
			link_mid(mm, s);
	}
}

/* Not waiting for a retry: delivered, or refused for good. */
static bool key_settled(const struct msg_key *k)
{
	return k->accepted || k->refused;
}

/* A new key for id, first attempted at ts: a free slot, else the least
 * recently attempted key's (a pending message forgotten leaves the count). */
static struct msg_key *add_key(struct msg_memory *mm, struct host_entry *e, const struct msg_key *id,
			       int64_t ts)
{
	uint32_t slot, pos;
	if (mm->nmsgs == MSG_MEMORY) {
		slot = oldest_slot(mm);
		pos = 0;
		struct msg_key *old = &mm->msgs[slot];
		if (!key_settled(old) && e->pending)
			e->pending--;
		unlink_env(mm, slot);
		if (old->mid)
			unlink_mid(mm, slot);
	} else {
		if (mm->nmsgs == mm->cap)
			grow(mm);
		slot = pos = mm->nmsgs++;
	}
	struct msg_key *k = &mm->msgs[slot];
	*k = *id;
	k->next_env = k->next_mid = 0;
	k->first_ts = k->last_ts = ts;
	link_env(mm, slot);
	if (k->mid)
		link_mid(mm, slot);
	mm->heap[pos] = (struct heap_item){ ts, slot };
	if (pos == 0)
		heap_down(mm, 0);
	else
		heap_up(mm, pos);
	return k;
}

void msgs_note(struct msg_memory *p, struct host_entry *e, const struct smtp_txn *t,
	       const struct msg_key *ident, enum msg_way way)
{
	struct msg_key way_id = *ident;
	way_id.way = (uint8_t)way;
	const struct msg_key *id = &way_id;
	uint32_t slot = find_slot(p, id);
	struct msg_key *k;
	if (slot != NO_SLOT) {
		k = &p->msgs[slot];
		e->retries++;
		if (t->start_ts > k->last_ts) {
			p->key_interval = t->start_ts - k->last_ts;
			k->last_ts = t->start_ts; /* the heap learns it at eviction */
		}
		k->attempts++;
		if (!k->mid && id->mid) {
			k->mid = id->mid;
			link_mid(p, slot);
		}
		if (!k->size_class)
			k->size_class = id->size_class;
	} else {
		k = add_key(p, e, id, t->start_ts);
		k->attempts = 1;
		e->pending++;
	}
	if (t->outcome != OUT_ACCEPTED)
		k->failures++;
	if (t->outcome == OUT_DEFERRED && !k->first_deferral_code && t->has_reply) {
		k->first_deferral_code = t->reply.code;
		memcpy(k->first_deferral_enhanced, t->reply.enhanced, sizeof k->first_deferral_enhanced);
		k->first_deferral_ts = t->reply.ts_us ? t->reply.ts_us : t->end_ts;
	}
	/* pending: the messages the client will try again; a 5xx ends the
	 * message's life here (the client bounces it), a later temporary
	 * failure of the same message brings it back */
	bool was_settled = key_settled(k);
	if (!k->accepted)
		k->refused = t->outcome == OUT_REJECTED;
	if (t->outcome == OUT_ACCEPTED)
		k->accepted = true;
	if (!was_settled && key_settled(k) && e->pending)
		e->pending--;
	else if (was_settled && !key_settled(k))
		e->pending++;
}

const struct msg_key *msgs_find(const struct msg_memory *mm, const struct msg_key *id)
{
	uint32_t slot = find_slot(mm, id);
	return slot == NO_SLOT ? NULL : &mm->msgs[slot];
}

void msgs_free(struct msg_memory *mm)
{
	mem_release(block_bytes(mm->cap));
	free(mm->msgs);
	memset(mm, 0, sizeof *mm);
}

size_t msgs_first_block_cost(void)
{
	return block_bytes(MSG_FIRST_BLOCK);
}
