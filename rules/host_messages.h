/* host_messages.h — the messages one host-model entry remembers: message
 * identity for retries (Message-ID, else envelope + size class), attempts,
 * and which messages are still pending (the client will try them again).
 * Private to the host model (rules/host_model.c).
 *
 * Cost per attempt: the identity is computed once per transaction by the
 * caller (msgs_ident) and shared by every entry the transaction counts for
 * (server, client, each recipient domain); a lookup walks two short hash
 * chains (by envelope, by Message-ID) instead of every remembered key; the
 * least recently attempted key, evicted when MSG_MEMORY are remembered, is
 * the top of a binary heap instead of a scan (a retry does not touch the
 * heap: the top is brought up to date when a key must go). */
#ifndef SMTPSCOPE_HOST_MESSAGES_H
#define SMTPSCOPE_HOST_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/host_model.h"
#include "decode/smtp_session.h"

#define MSG_MEMORY 256 /* message keys remembered per host */

/* Which way an attempt crossed the gateway.  A message the gateway
 * received and relayed out crosses the wire twice, in then out: one
 * delivery, so its two copies are never each other's retry.  WAY_ANY (the
 * host entries, whose role fixes the way; or the gateway not known yet)
 * matches either way. */
enum msg_way { WAY_ANY, WAY_IN, WAY_OUT };

/* One message as far as retries go.  The envelope hash leaves the size out so
 * that an attempt refused at RCPT (no content, no SIZE=) still matches the
 * later attempt that carries the content; the size class is compared apart,
 * 0 meaning unknown. */
struct msg_key {
	uint64_t mid;             /* hash of the Message-ID (odd), 0 if none seen */
	uint64_t env;             /* hash of MAIL FROM + the set of RCPT TO addresses */
	uint64_t size_class;      /* SIZE= or content rounded up to a power of two, 0 unknown */
	uint8_t way;              /* enum msg_way of its attempts */
	uint32_t attempts;
	uint32_t failures;        /* attempts deferred, rejected or cut off */
	bool accepted;
	bool refused;             /* the last attempt got a 5xx: the client gives up on it */
	/* the index (host_messages.c): chain links as slot + 1 (0 ends a
	 * chain) */
	uint16_t next_env, next_mid;
	int64_t first_ts, last_ts;
	uint16_t first_deferral_code;
	char first_deferral_enhanced[16];
	int64_t first_deferral_ts;
};

/* The keys and their index live in one block (keys, then the heap of cap
 * items, then 2 * cap chain heads), grown by doubling from 8 to
 * MSG_MEMORY keys: at most six allocations in an entry's life, none per
 * attempt once it has its room. */
struct heap_item;

struct msg_memory {
	struct msg_key *msgs;     /* up to MSG_MEMORY, least recently attempted evicted */
	uint16_t *heads;          /* [0, cap): by envelope, [cap, 2 cap): by Message-ID */
	struct heap_item *heap;   /* every key once: a min-heap on (last_ts then, slot) */
	uint32_t nmsgs, cap;
	int64_t key_interval;     /* between the last two attempts of the last retried message */
};

/* The identity of t's message (mid, env, size_class; the rest zero: way
 * WAY_ANY). */
void msgs_ident(const struct smtp_txn *t, struct msg_key *id);

/* One transaction that was an attempt to deliver its message (identity id,
 * from msgs_ident(t); crossing the gateway `way`): counts a retry when the
 * message was attempted before the same way, and keeps e->pending (the
 * messages neither accepted nor refused with a 5xx) up to date. */
void msgs_note(struct msg_memory *mm, struct host_entry *e, const struct smtp_txn *t,
	       const struct msg_key *id, enum msg_way way);
/* The remembered message of identity id, or NULL.  An earlier attempt with
 * the very envelope comes first, then one with the same Message-ID; among
 * equals the key remembered in the lowest slot. */
const struct msg_key *msgs_find(const struct msg_memory *mm, const struct msg_key *id);
void msgs_free(struct msg_memory *mm);
/* Bytes of the first block of keys an entry allocates. */
size_t msgs_first_block_cost(void);

#endif
