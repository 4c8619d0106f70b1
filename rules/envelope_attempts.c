/* envelope_attempts.c — attempts matched by (client, sender, recipient):
 * greylisting's own key (the "triplet" of Harris's greylisting paper, 2003;
 * RFC 6647).  See envelope_attempts.h. */
#include "config.h"

#include "rules/envelope_attempts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/fnv.h"

#define WAYS 8
#define NBUCKETS (EA_SLOTS / WAYS)
#define TEXT_MAX 128 /* of the deferral's text: "<rcpt>: Recipient address rejected: Greylisted..." */

struct triplet {
	uint64_t key;             /* 0: free */
	int64_t first_deferral_ts;
	int64_t last_ts;          /* the latest attempt: LRU within the bucket */
	uint32_t attempts;        /* deferred attempts so far */
	uint16_t code;            /* the first deferral's */
	char enhanced[16];
	char text[TEXT_MAX];
};

/* The keys ea_lookup computed for a transaction's first recipients, taken
 * again by ea_note on the same transaction (the pipeline calls the two in
 * turn around the rules): each key is hashed once per transaction. */
#define KEY_CACHE 8

struct env_attempts {
	struct triplet *slot;     /* NBUCKETS * WAYS, NULL until the first deferral */
	uint32_t tracked;
	uint64_t evicted;
	const struct smtp_txn *keys_of; /* the transaction keys[] belong to, or NULL */
	uint32_t nkeys;
	uint64_t keys[KEY_CACHE];
};

struct env_attempts *ea_new(void)
{
	struct env_attempts *ea = xcalloc(1, sizeof *ea);
	mem_charge(sizeof *ea);
	return ea;
}

void ea_free(struct env_attempts *ea)
{
	if (!ea)
		return;
	if (ea->slot)
		mem_release((size_t)EA_SLOTS * sizeof *ea->slot);
	mem_release(sizeof *ea);
	free(ea->slot);
	free(ea);
}

/* Addresses compare without case: greylisting databases fold them.  A
 * missing sender (NULL) counts as an empty one. */
static uint64_t hash_fold(uint64_t h, const char *s)
{
	return s ? wordhash(h, s, strlen(s), 1) : wordhash(h, "", 0, 1);
}

/* The part of the key every recipient of t shares: server, client and
 * sender.  Per remote host: its greylisting state is its own (an MX pool
 * with one shared database would let a retry pass at another MX; without
 * the server in the key, any delivery of the same pair anywhere would be
 * taken for that retry, and the alert would name the wrong host). */
static uint64_t txn_prefix(const struct smtp_session *s, const struct smtp_txn *t)
{
	uint64_t h = wordhash(FNV64_OFFSET, s->server.b, sizeof s->server.b, 0);
	h = wordhash(h, s->client.b, sizeof s->client.b, 0);
	return hash_fold(h, t->mail_from);
}

static uint64_t triplet_key(uint64_t prefix, const char *rcpt)
{
	uint64_t h = hash_fold(prefix, rcpt);
	return h ? h : 1;
}

struct prefix {
	uint64_t h;
	bool set;                 /* h computed (at the first recipient that needs it) */
};

/* The key of t's i-th recipient: cached by ea_lookup, else computed. */
static uint64_t rcpt_key(const struct env_attempts *ea, const struct smtp_session *s,
			 const struct smtp_txn *t, uint32_t i, const char *rcpt, struct prefix *p)
{
	if (ea->keys_of == t && i < ea->nkeys)
		return ea->keys[i];
	if (!p->set) {
		p->h = txn_prefix(s, t);
		p->set = true;
	}
	return triplet_key(p->h, rcpt);
}

static struct triplet *bucket(const struct env_attempts *ea, uint64_t key)
{
	return &ea->slot[(key >> 17) % NBUCKETS * WAYS];
}

static struct triplet *find(const struct env_attempts *ea, uint64_t key)
{
	if (!ea->slot)
		return NULL;
	struct triplet *b = bucket(ea, key);
	for (int w = 0; w < WAYS; w++)
		if (b[w].key == key)
			return &b[w];
	return NULL;
}

static bool accepted(uint16_t code)
{
	return code >= 200 && code < 300;
}

void ea_lookup(struct env_attempts *ea, const struct smtp_session *s, const struct smtp_txn *t,
	       struct msg_history *h)
{
	if (!ea)
		return;
	ea->keys_of = NULL;
	if (!ea->slot || t->outcome != OUT_ACCEPTED)
		return;
	const struct triplet *best = NULL;
	struct prefix prefix = { 0, false };
	uint32_t i = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next, i++) {
		bool cached = i < KEY_CACHE; /* every recipient's, for ea_note */
		if (!cached && !accepted(r->code))
			continue;
		uint64_t key = rcpt_key(ea, s, t, i, r->addr, &prefix);
		if (cached) {
			ea->keys[i] = key;
			ea->nkeys = i + 1;
		}
		if (!accepted(r->code))
			continue;
		const struct triplet *k = find(ea, key);
		if (k && (!best || k->first_deferral_ts < best->first_deferral_ts))
			best = k;
	}
	ea->keys_of = t;
	if (!best)
		return;
	h->triplet_known = true;
	h->triplet_attempts = best->attempts;
	h->triplet_deferral_code = best->code;
	memcpy(h->triplet_deferral_enhanced, best->enhanced, sizeof h->triplet_deferral_enhanced);
	memcpy(h->triplet_deferral_text, best->text, sizeof h->triplet_deferral_text);
	h->triplet_deferral_ts = best->first_deferral_ts;
}

/* The slot for a new triplet: a free way, else the least recently attempted. */
static struct triplet *take(struct env_attempts *ea, uint64_t key)
{
	struct triplet *b = bucket(ea, key), *old = &b[0];
	for (int w = 0; w < WAYS; w++) {
		if (!b[w].key)
			return &b[w];
		if (b[w].last_ts < old->last_ts)
			old = &b[w];
	}
	ea->evicted++;
	ea->tracked--;
	return old;
}

/* A 4xx for this recipient: its RCPT's own, or the message's (after DATA). */
static void deferred(struct env_attempts *ea, uint64_t key, const struct smtp_txn *t, uint16_t code,
		     int64_t ts)
{
	if (!ea->slot) {
		size_t need = (size_t)EA_SLOTS * sizeof *ea->slot;
		if (mem_would_exceed(need)) { /* --memcap: not remembered, and said so */
			ea->evicted++;
			return;
		}
		ea->slot = xcalloc(EA_SLOTS, sizeof *ea->slot);
		mem_charge(need);
	}
	struct triplet *k = find(ea, key);
	if (!k) {
		k = take(ea, key);
		memset(k, 0, sizeof *k);
		k->key = key;
		k->code = code;
		k->first_deferral_ts = ts;
		/* the transaction keeps one failing reply: its text goes with
		 * the code it carries (RCPT replies keep only their code) */
		if (t->has_reply && t->reply.code == code) {
			memcpy(k->enhanced, t->reply.enhanced, sizeof k->enhanced);
			k->enhanced[sizeof k->enhanced - 1] = '\0';
			snprintf(k->text, sizeof k->text, "%.*s", (int)sizeof k->text - 1, t->reply.text);
		}
		ea->tracked++;
	}
	k->attempts++;
	k->last_ts = ts;
}

void ea_note(struct env_attempts *ea, const struct smtp_session *s, const struct smtp_txn *t)
{
	if (!ea)
		return;
	bool msg_deferred = t->outcome == OUT_DEFERRED && t->has_reply && t->reply.code / 100 == 4;
	int64_t ts = t->end_ts;
	struct prefix prefix = { 0, false };
	uint32_t i = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next, i++) {
		bool delivered = accepted(r->code) && !msg_deferred && t->outcome == OUT_ACCEPTED;
		if (r->code / 100 != 4 && !(accepted(r->code) && msg_deferred) &&
		    !(delivered && ea->slot))
			continue; /* nothing to remember, nothing to forget */
		uint64_t key = rcpt_key(ea, s, t, i, r->addr, &prefix);
		if (r->code / 100 == 4) {
			deferred(ea, key, t, r->code, ts);
		} else if (accepted(r->code) && msg_deferred) {
			deferred(ea, key, t, t->reply.code, ts);
		} else {
			struct triplet *k = find(ea, key);
			if (k) { /* delivered: the greylisting, if any, is over */
				memset(k, 0, sizeof *k);
				ea->tracked--;
			}
		}
	}
	ea->keys_of = NULL;
}

uint32_t ea_tracked(const struct env_attempts *ea)
{
	return ea ? ea->tracked : 0;
}

uint64_t ea_evicted(const struct env_attempts *ea)
{
	return ea ? ea->evicted : 0;
}

bool ea_used(const struct env_attempts *ea)
{
	return ea && (ea->slot || ea->evicted);
}
