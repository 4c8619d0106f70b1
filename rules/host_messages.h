/* host_messages.h — the messages one host-model entry remembers: message
 * identity for retries (Message-ID, else envelope + size class), attempts,
 * and which messages are still pending (the client will try them again).
 * Private to the host model (rules/host_model.c). */
#ifndef SMTPSCOPE_HOST_MESSAGES_H
#define SMTPSCOPE_HOST_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/host_model.h"
#include "decode/smtp_session.h"

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
	uint64_t mid;             /* FNV-1a of the Message-ID, 0 if none seen */
	uint64_t env;             /* FNV-1a of MAIL FROM + sorted RCPT TO list */
	uint64_t size_class;      /* SIZE= or content rounded up to a power of two, 0 unknown */
	uint8_t way;              /* enum msg_way of its attempts */
	uint32_t attempts;
	uint32_t failures;        /* attempts deferred, rejected or cut off */
	bool accepted;
	bool refused;             /* the last attempt got a 5xx: the client gives up on it */
	int64_t first_ts, last_ts;
	uint16_t first_deferral_code;
	char first_deferral_enhanced[16];
	int64_t first_deferral_ts;
};


struct msg_memory {
	struct msg_key *msgs;     /* up to MSG_MEMORY, least recently attempted evicted */
	uint32_t nmsgs, cap;
	int64_t key_interval;     /* between the last two attempts of the last retried message */
};

/* One transaction that was an attempt to deliver its message: counts a
 * retry when the message was attempted before, and keeps e->pending (the
 * messages neither accepted nor refused with a 5xx) up to date. */
void msgs_note(struct msg_memory *mm, struct host_entry *e, const struct smtp_txn *t,
	       enum msg_way way);
/* The remembered message t belongs to, or NULL. */
const struct msg_key *msgs_find(const struct msg_memory *mm, const struct smtp_txn *t);
void msgs_free(struct msg_memory *mm);
/* Bytes of the first block of keys an entry allocates. */
size_t msgs_first_block_cost(void);

#endif
