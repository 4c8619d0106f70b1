/* message_track.h — the gateway's queue, rebuilt from the wire: each message
 * the gateway accepted from a client (inbound), followed to the outbound
 * attempts that carried it on, per recipient domain (the gateway splits a
 * message's recipients per next hop), and the delivery status notifications
 * seen for it (DESIGN.md "message (queue view)").
 *
 * Identity: the Message-ID header when seen; else the envelope sender, a
 * recipient and the size, where an outbound copy may be up to
 * MT_SIZE_GROWTH bytes larger (the gateway adds Received, DKIM-Signature,
 * ... headers) or MT_SIZE_SHRINK bytes smaller than the inbound one.
 *
 * States: `queued` (accepted in, no attempt to a domain yet), `deferred`
 * (attempted, every attempt failed so far), `delivered` (accepted out by
 * every domain), `bounced` (a domain refused it with 5xx, or a DSN said
 * Action: failed).  A message is the worst of its domains: queued or
 * deferred while any domain still holds it, then bounced, then delivered.
 *
 * Memory: a pool of at most max_messages fixed records (from --memcap) and
 * an arena for their variable parts, bounded by max_messages times
 * MT_PARTS_BUDGET bytes, both charged to mem_acct; when either is full the
 * least recently touched message is evicted and counted.  No allocation
 * per message once the pool and the arena have grown.
 *
 * Readers (ui/, the TUI under the model lock): mt_messages(), mt_stats(),
 * and the per-domain queue figures in queue.h.  Writers: the decoder thread.
 */
#ifndef SMTPSCOPE_MESSAGE_TRACK_H
#define SMTPSCOPE_MESSAGE_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/addr.h"
#include "decode/dsn.h"
#include "decode/smtp_session.h"

#define MT_ID_MAX 128
#define MT_ADDR_MAX 96
#define MT_DOMAIN_MAX 64
#define MT_DOMAINS_MAX 4     /* next hops kept per message; more are counted */
#define MT_ATTEMPTS_MAX 6    /* outbound attempts kept per message (first ones and the last) */
#define MT_RCPTS_MAX 8       /* recipient hashes kept for envelope matching */
#define MT_REPLY_MAX 72
#define MT_PARTS_BUDGET 320  /* arena bytes per message on average (a typical one takes ~250) */
#define MT_SIZE_GROWTH 8192  /* outbound copy may grow by this much (added headers) */
#define MT_SIZE_SHRINK 64    /* ... or shrink by this much (line endings) */

enum mt_state { MS_QUEUED, MS_DEFERRED, MS_DELIVERED, MS_BOUNCED, MS__COUNT };

struct mt_attempt {
	uint64_t session;
	int64_t ts;                 /* the transaction's end (final reply) */
	struct ip_addr host;        /* the next hop's server */
	const char *text;           /* first line of the reply, cut (arena; "" if none) */
	uint8_t outcome;            /* enum smtp_outcome */
	uint8_t domain;             /* index into legs[] of the first domain it carried */
	uint16_t code;              /* the deciding reply, 0 if none */
	bool text_shared;           /* text is the previous attempt's (a retry's same reply) */
	char enhanced[16];
};

/* One next hop (recipient domain) of a message. */
struct mt_leg {
	const char *domain;         /* lower case, cut to MT_DOMAIN_MAX - 1 (arena) */
	enum mt_state state;
	uint32_t attempts, failures;
	int64_t last_attempt;       /* 0: never attempted */
	int64_t delivered;          /* accepted out (or bounced), 0 if not */
	uint64_t env_key;           /* envelope index key (sender + domain) */
	uint32_t env_next;          /* envelope index chain (pool index + 1, 0 = end) */
	bool in_env_index;
};

/* The DSN seen for a message (the last one that concerned it); rare, so
 * kept whole in one block when seen. */
struct mt_dsn {
	enum dsn_action action;
	char status[16];
	char final_rcpt[MT_ADDR_MAX];
	char diagnostic[DSN_TEXT_MAX];
	int64_t ts;
	uint64_t session;
	uint32_t count;             /* DSN recipient entries that concerned this message */
};

/* A tracked message: this record (fixed, in the pool) and its parts in the
 * tracker's arena (rules/msg_arena.h), each the size it needs: strings of
 * their real length, legs[] and attempts[] grown as domains and attempts
 * come.  Strings are never NULL ("" when unknown). */
struct mt_message {
	uint64_t seq;               /* creation order, 1-based */
	const char *message_id;     /* "" if none; cut to MT_ID_MAX - 1 */
	const char *mail_from;      /* cut to MT_ADDR_MAX - 1 */
	uint64_t size;              /* inbound content bytes (else the first outbound copy's) */
	uint64_t inbound_session;   /* 0: the inbound leg was not seen */
	int64_t accepted_in;        /* 0: not seen */
	struct ip_addr client;      /* who handed it to the gateway */
	int64_t first_seen, last_touch;
	int64_t delivered;          /* the last domain's acceptance, 0 until all delivered */
	struct mt_leg *legs;        /* nlegs of them (room for legs_cap) */
	struct mt_attempt *attempts; /* nattempts (room for attempts_cap) */
	struct mt_dsn *dsn;         /* NULL: no DSN seen */
	uint32_t legs_dropped, attempts_dropped;
	uint32_t rcpt_hash[MT_RCPTS_MAX];
	uint8_t nlegs, legs_cap, nattempts, attempts_cap, nrcpt_hash;
	enum mt_state state;
	/* pool links (private) */
	uint64_t id_key;
	uint32_t id_next, lru_prev, lru_next;
	bool used;
};

struct mq;

struct mt_config {
	uint32_t max_messages;      /* pool bound (0: 1000) */
	struct mq *queue;           /* per-domain figures to feed (queue.h); not owned, may be NULL */
};

struct mt_stats {
	uint64_t messages;          /* created */
	uint64_t live;              /* in the table now */
	uint64_t evicted;           /* dropped to stay within max_messages / --memcap */
	uint64_t dsns;              /* DSN recipient entries read */
	uint64_t matched_by_id, matched_by_envelope;
	uint64_t legs_dropped;      /* domains beyond MT_DOMAINS_MAX */
};

/* One DSN recipient entry as the tracker saw it (for the dsn-* rules). */
struct mt_dsn_event {
	const struct dsn_report *report;
	const struct dsn_rcpt *rcpt;
	const char *domain;         /* the failed recipient's domain, lower case */
	const char *kind;           /* "expired", "failed", "delayed" */
	const struct mt_message *original; /* NULL if not tracked */
	const struct smtp_session *session; /* the session that carried the DSN */
	int64_t ts;
};

struct msg_tracker;

/* Called for each new DSN recipient entry with Action failed or delayed. */
typedef void (*mt_dsn_fn)(void *ctx, const struct mt_dsn_event *ev);

struct msg_tracker *mt_new(const struct mt_config *cfg);
void mt_free(struct msg_tracker *mt);

/* A transaction that just got its outcome, in a session whose client
 * (outbound) or server (inbound) is the gateway.  Reading each transaction
 * as it ends keeps the order of the wire: a message is accepted in before
 * the gateway relays it, even when the client's session stays open for more
 * messages. */
void mt_txn(struct msg_tracker *mt, const struct smtp_session *s, const struct smtp_txn *t,
	    bool outbound, mt_dsn_fn on_dsn, void *ctx);
/* A finished session: reads the transactions mt_txn has not read (the
 * gateway may have been unknown when they ended) and forgets the session. */
void mt_session(struct msg_tracker *mt, const struct smtp_session *s, bool outbound,
		mt_dsn_fn on_dsn, void *ctx);
/* The session ended without being a gateway session: forget it. */
void mt_forget(struct msg_tracker *mt, uint64_t session_id);

/* The messages in the table, oldest first; the array is owned by the
 * tracker and valid until the next mt_ call that changes it. */
size_t mt_messages(struct msg_tracker *mt, const struct mt_message ***out);
/* Direct walk without sorting (pool order), for queue figures. */
size_t mt_pool_size(const struct msg_tracker *mt);
const struct mt_message *mt_pool_at(const struct msg_tracker *mt, size_t i); /* NULL if unused */
void mt_get_stats(const struct msg_tracker *mt, struct mt_stats *out);
/* Bytes the table holds now: records, indexes and the arena's blocks in use
 * (0 parts once every message is gone); and what it has charged. */
size_t mt_bytes_in_use(const struct msg_tracker *mt);
size_t mt_bytes_charged(const struct msg_tracker *mt);

/* Bytes one message costs on average: its record, its share of the
 * indexes and MT_PARTS_BUDGET (for sizing max_messages from --memcap). */
size_t mt_message_cost(void);

const char *mt_state_name(enum mt_state s);
/* "user@Example.NET" -> "example.net" into out; false if no domain. */
bool mt_domain_of(const char *addr, char *out, size_t outsz);

#endif
