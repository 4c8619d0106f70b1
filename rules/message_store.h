/* message_store.h — where the message table keeps its messages: the pool
 * of fixed records, the two hash indexes (Message-ID; envelope sender +
 * domain of the legs still queued), the LRU list for eviction, and the
 * arena that holds each message's parts (strings, legs, attempts, DSN).
 * Private to rules/message_track.c, which decides what a message is;
 * this file only decides where it lives and what goes when memory is full.
 */
#ifndef SMTPSCOPE_MESSAGE_STORE_H
#define SMTPSCOPE_MESSAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/id_map.h"
#include "rules/message_track.h"
#include "rules/msg_arena.h"

#define MS_DSN_SEEN_RING 64  /* recent DSN identities, so a retried DSN is read once */

struct msg_tracker {
	struct mt_message *pool;
	uint32_t cap, max;       /* allocated, bound */
	uint32_t fresh;          /* slots [fresh, cap) never used: not touched, so not resident */
	uint32_t free_head;      /* released slots, through id_next */
	uint32_t lru_head, lru_tail; /* least / most recently touched */
	uint32_t *id_heads, *env_heads;
	uint32_t mask;           /* index sizes - 1 (grown with the pool) */
	uint64_t next_seq;
	struct mt_stats st;
	struct mq *queue;
	struct msg_arena arena;  /* the messages' parts */
	uint64_t dsn_seen[MS_DSN_SEEN_RING];
	uint32_t dsn_seen_next;
	const struct mt_message **sorted;
	size_t sorted_cap;
	struct id_map read_upto;  /* open session id -> transactions read (index + 1) */
};

uint64_t ms_hash_ci(uint64_t h, const char *s);
#define MS_HASH0 0xcbf29ce484222325ULL

void ms_init(struct msg_tracker *mt, uint32_t max_messages);
void ms_free(struct msg_tracker *mt);

static inline struct mt_message *ms_at(struct msg_tracker *mt, uint32_t link)
{
	return &mt->pool[link - 1];
}

/* A new message (touched at ts, strings ""), evicting the least recently
 * touched one when the pool is full; NULL only if nothing can be had. */
struct mt_message *ms_alloc_msg(struct msg_tracker *mt, int64_t ts);
/* Moves m to the most recently touched end (and its last_touch to ts). */
void ms_touch(struct msg_tracker *mt, struct mt_message *m, int64_t ts);

/* Message-ID index: m->message_id must be set before ms_id_insert. */
void ms_id_insert(struct msg_tracker *mt, struct mt_message *m);
uint32_t ms_id_chain(const struct msg_tracker *mt, uint64_t key);

/* Envelope index of (message, leg) entries. */
uint64_t ms_env_key(const char *from, const char *domain);
void ms_env_insert(struct msg_tracker *mt, struct mt_message *m, struct mt_leg *l);
void ms_env_remove(struct msg_tracker *mt, struct mt_message *m, struct mt_leg *l);
uint32_t ms_env_chain(const struct msg_tracker *mt, uint64_t key);
struct mt_leg *ms_env_leg(struct msg_tracker *mt, uint32_t e, struct mt_message **m);

/* Parts of m.  Each may evict other messages (never m) to stay within the
 * arena's budget: pointers to other messages do not survive these calls.
 * ms_str: a copy of s cut to max - 1 bytes (and to its first line); ms_set_str
 * replaces *field with such a copy, keeping the block when the text is the same. */
const char *ms_str(struct msg_tracker *mt, struct mt_message *m, const char *s, size_t max,
		   bool first_line);
void ms_set_str(struct msg_tracker *mt, struct mt_message *m, const char **field, const char *s,
		size_t max);
/* legs[] with room for one more leg (NULL when MT_DOMAINS_MAX are there). */
struct mt_leg *ms_new_leg(struct msg_tracker *mt, struct mt_message *m, const char *domain);
/* The slot for a new attempt, zeroed (text ""): a new one while fewer than
 * MT_ATTEMPTS_MAX, else the last one (the first ones and the latest are
 * kept), its text released and attempts_dropped counted. */
struct mt_attempt *ms_new_attempt(struct msg_tracker *mt, struct mt_message *m);
/* Sets a's reply text: the previous attempt's when equal (a retry's same
 * reply is kept once), else a copy. */
void ms_attempt_text(struct msg_tracker *mt, struct mt_message *m, struct mt_attempt *a,
		     const char *text);
/* m's DSN record, created empty when absent. */
struct mt_dsn *ms_dsn(struct msg_tracker *mt, struct mt_message *m);

#endif
