/* host_messages.c — message identity for retries and the pending count of
 * one host-model entry (host_messages.h). */
#include "config.h"

#include "rules/host_messages.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

#define MSG_MEMORY 256 /* message keys remembered per host */
#define MSG_FIRST_BLOCK 8

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return fnv1a(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

/* MAIL FROM and the set of RCPT TO addresses, whatever their order.  Each
 * recipient is hashed alone and the hashes summed (order does not matter
 * to a sum), so no sorted copy of the list is allocated per transaction. */
static uint64_t envelope_hash(const struct smtp_txn *t)
{
	uint64_t h = hash_str(FNV_OFFSET, t->mail_from);
	uint64_t sum = 0, n = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next, n++)
		sum += hash_str(FNV_OFFSET, r->addr);
	if (n == 0)
		return h;
	h = fnv1a(h, &n, sizeof n);
	return fnv1a(h, &sum, sizeof sum);
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

static void ident_of(const struct smtp_txn *t, struct msg_key *k)
{
	memset(k, 0, sizeof *k);
	if (t->message_id && t->message_id[0])
		k->mid = fnv1a(FNV_OFFSET, t->message_id, strlen(t->message_id)) | 1;
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

/* An earlier attempt with this very envelope comes first: a recipient
 * deferred at RCPT (no content, no Message-ID seen) and delivered later is
 * that attempt's retry, not the earlier delivery of the same Message-ID to
 * the other recipients. */
static struct msg_key *find_key(const struct msg_memory *mm, const struct msg_key *id)
{
	struct msg_key *by_id = NULL;
	for (uint32_t i = 0; i < mm->nmsgs; i++) {
		struct msg_key *k = &mm->msgs[i];
		if (!same_message(k, id))
			continue;
		if (k->env == id->env)
			return k;
		if (!by_id)
			by_id = k;
	}
	return by_id;
}

/* Not waiting for a retry: delivered, or refused for good. */
static bool key_settled(const struct msg_key *k)
{
	return k->accepted || k->refused;
}

static struct msg_key *add_key(struct msg_memory *p, struct host_entry *e, const struct msg_key *id)
{
	if (p->nmsgs == MSG_MEMORY) {
		uint32_t old = 0;
		for (uint32_t i = 1; i < p->nmsgs; i++)
			if (p->msgs[i].last_ts < p->msgs[old].last_ts)
				old = i;
		if (!key_settled(&p->msgs[old]) && e->pending)
			e->pending--;
		p->msgs[old] = *id;
		return &p->msgs[old];
	}
	if (p->nmsgs == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : MSG_FIRST_BLOCK;
		p->msgs = xrealloc(p->msgs, cap * sizeof *p->msgs);
		mem_charge((cap - p->cap) * sizeof *p->msgs);
		p->cap = cap;
	}
	p->msgs[p->nmsgs] = *id;
	return &p->msgs[p->nmsgs++];
}

void msgs_note(struct msg_memory *p, struct host_entry *e, const struct smtp_txn *t,
	       enum msg_way way)
{
	struct msg_key id;
	ident_of(t, &id);
	id.way = (uint8_t)way;
	struct msg_key *k = find_key(p, &id);
	if (k) {
		e->retries++;
		if (t->start_ts > k->last_ts) {
			p->key_interval = t->start_ts - k->last_ts;
			k->last_ts = t->start_ts;
		}
		k->attempts++;
		if (!k->mid)
			k->mid = id.mid;
		if (!k->size_class)
			k->size_class = id.size_class;
	} else {
		k = add_key(p, e, &id);
		k->attempts = 1;
		k->first_ts = k->last_ts = t->start_ts;
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


const struct msg_key *msgs_find(const struct msg_memory *mm, const struct smtp_txn *t)
{
	struct msg_key id;
	ident_of(t, &id);
	return find_key(mm, &id);
}

void msgs_free(struct msg_memory *mm)
{
	mem_release(mm->cap * sizeof *mm->msgs);
	free(mm->msgs);
	mm->msgs = NULL;
	mm->nmsgs = mm->cap = 0;
}

size_t msgs_first_block_cost(void)
{
	return MSG_FIRST_BLOCK * sizeof(struct msg_key);
}
