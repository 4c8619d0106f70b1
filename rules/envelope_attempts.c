/* envelope_attempts.c — attempts matched by (client, sender, recipient):
 * greylisting's own key (the "triplet" of Harris's greylisting paper, 2003;
 * RFC 6647).  See envelope_attempts.h. */
#include "config.h"

#include "rules/envelope_attempts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

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

struct env_attempts {
	struct triplet *slot;     /* NBUCKETS * WAYS, NULL until the first deferral */
	uint32_t tracked;
	uint64_t evicted;
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

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

/* Addresses compare without case: greylisting databases fold them. */
static uint64_t fnv1a_fold(uint64_t h, const char *s)
{
	for (; s && *s; s++) {
		uint8_t c = (uint8_t)*s;
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		h = (h ^ c) * 1099511628211ULL;
	}
	return (h ^ 0xff) * 1099511628211ULL; /* separator: "ab"+"c" differs from "a"+"bc" */
}

static uint64_t triplet_key(const struct smtp_session *s, const struct smtp_txn *t,
			    const char *rcpt)
{
	/* per remote host: its greylisting state is its own (an MX pool with
	 * one shared database would let a retry pass at another MX; without
	 * the server in the key, any delivery of the same pair anywhere would
	 * be taken for that retry, and the alert would name the wrong host) */
	uint64_t h = fnv1a(14695981039346656037ULL, s->server.b, sizeof s->server.b);
	h = fnv1a(h, s->client.b, sizeof s->client.b);
	h = fnv1a_fold(fnv1a_fold(h, t->mail_from), rcpt);
	return h ? h : 1;
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

void ea_lookup(const struct env_attempts *ea, const struct smtp_session *s,
	       const struct smtp_txn *t, struct msg_history *h)
{
	if (!ea || !ea->slot || t->outcome != OUT_ACCEPTED)
		return;
	const struct triplet *best = NULL;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		if (!accepted(r->code))
			continue;
		const struct triplet *k = find(ea, triplet_key(s, t, r->addr));
		if (k && (!best || k->first_deferral_ts < best->first_deferral_ts))
			best = k;
	}
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
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		uint64_t key = triplet_key(s, t, r->addr);
		if (r->code / 100 == 4) {
			deferred(ea, key, t, r->code, ts);
		} else if (accepted(r->code) && msg_deferred) {
			deferred(ea, key, t, t->reply.code, ts);
		} else if (accepted(r->code) && t->outcome == OUT_ACCEPTED) {
			struct triplet *k = find(ea, key);
			if (k) { /* delivered: the greylisting, if any, is over */
				memset(k, 0, sizeof *k);
				ea->tracked--;
			}
		}
	}
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
