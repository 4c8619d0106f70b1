/* model.h — everything the screens and reporters read, in one place: the
 * host model, the sessions (open and finished), the alerts and the capture
 * figures.  decode/ and rules/ write it; ui/ reads it and never parses
 * packets.
 *
 * Live, decoding runs in its own thread and the TUI in another.  Both take
 * the model lock: the decoder around each batch of packets, the TUI only
 * while it copies what it is about to draw (never while drawing), so a slow
 * terminal cannot stall the capture.  `version` grows on every change, so a
 * screen knows when it must refresh.
 */
#ifndef SMTPSCOPE_MODEL_H
#define SMTPSCOPE_MODEL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/smtp_session.h"
#include "rules/host_model.h"
#include "rules/message_track.h"
#include "rules/queue.h"
#include "rules/rule_lang.h"

/* One alert as the rule engine raised it (strings owned by the model). */
struct alert_rec {
	uint64_t seq;          /* 1-based, in the order raised */
	char *rule;
	enum severity severity;
	int64_t ts_us;
	char *host;            /* remote host address, or "" */
	uint64_t session_id;   /* 0 if none */
	char *message;
	uint64_t count;        /* events counted by an aggregating rule (1 otherwise); the
				* latest count when the alert grew */
	int64_t first_ts_us;   /* the oldest of them (ts_us without aggregation) */
	uint64_t id;           /* the rule engine's alert id */
	uint64_t updates;      /* times it grew after it was raised */
};

/* Capture figures for the header line. */
struct model_stats {
	char source[128];      /* "interface eth0", "file x.pcap" */
	bool live;
	bool finished;         /* the capture ended (files) */
	uint64_t packets, bytes;
	uint64_t dropped_kernel, dropped_iface;
	bool have_kernel_stats;
	uint64_t acked_unseen; /* holes proven by the peer's ACK: loss on the span port */
	uint64_t open_sessions;
	uint64_t sessions;
	size_t memory_used, memcap;
	int64_t capture_ts;    /* time of the last packet */
	/* a file read beside the dashboard: how far (file_read of file_size
	 * bytes, 0 of 0 unknown) and in which pass (1 of 2: deciding the
	 * gateway, ui/gateway_pass.c; 2 of 2 or 1 of 1: the analysis) */
	uint64_t file_read, file_size;
	int pass, passes;
};

struct lock_hist;

struct model {
	pthread_mutex_t lock;
	/* threads blocked in model_lock: the decoder, which holds the lock
	 * across a batch of packets, hands it over at the next packet */
	atomic_uint waiting;
	/* bench figures (SMTPSCOPE_LOCK_STATS, rules/lock_hist.h), NULL
	 * otherwise: how long the dashboard's snapshots hold the lock and
	 * wait for it, and how long the decoder waits when it is taken */
	struct lock_hist *hold_hist, *tui_wait_hist, *wait_hist;
	uint64_t version;
	struct host_model *hm;            /* owned */
	/* the queue view (message_track.h, queue.h): not owned, NULL with
	 * --no-queue; read under the lock like the rest */
	struct msg_tracker *mt;
	struct mq *mq;
	struct model_stats stats;

	/* finished sessions, oldest first; a ring bounded by count */
	struct smtp_session **done;
	size_t done_cap, done_first, done_n;
	uint64_t done_dropped;

	/* open sessions (owned by the decoder; valid under the lock), in
	 * start order; an ended one leaves a NULL hole until the list is
	 * squeezed: readers skip NULL */
	const struct smtp_session **open;
	uint64_t *open_ids;               /* their ids, for the search at the end */
	size_t open_n, open_cap, open_dead;
	bool open_unsorted;               /* a session started out of id order */

	/* alerts, oldest first; a ring bounded by count */
	struct alert_rec *alerts;
	size_t alerts_cap, alerts_first, alerts_n;
	uint64_t alerts_total;
	uint64_t alert_updates;           /* times an alert in the ring grew */
};

struct model *model_new(struct host_model *hm, size_t max_sessions, size_t max_alerts);
void model_free(struct model *m);

/* Announces the wait, so that a decoder holding the lock for a batch of
 * packets lets go of it at its next packet (ui/decoder_lock.c). */
static inline void model_lock(struct model *m)
{
	atomic_fetch_add_explicit(&m->waiting, 1, memory_order_relaxed);
	pthread_mutex_lock(&m->lock);
	atomic_fetch_sub_explicit(&m->waiting, 1, memory_order_relaxed);
}
static inline void model_unlock(struct model *m) { pthread_mutex_unlock(&m->lock); }
/* Someone waits for the lock (read by its holder). */
static inline bool model_lock_wanted(struct model *m)
{
	return atomic_load_explicit(&m->waiting, memory_order_relaxed) != 0;
}

/* Writers (decoder thread, under the lock). */
void model_session_start(struct model *m, const struct smtp_session *s);
/* Takes ownership of s (a finished session); frees the oldest when full. */
void model_session_end(struct model *m, struct smtp_session *s);
void model_add_alert(struct model *m, const char *rule, enum severity severity, int64_t ts_us,
		     const char *host, uint64_t session_id, const char *message, uint64_t count,
		     int64_t first_ts_us, uint64_t id);
/* An alert from the rule engine: a new record, or, for an update, the
 * growth of the record it has (one whose alert already left the ring is
 * kept as a record of its own). */
struct alert;
void model_take_alert(struct model *m, const struct alert *al);
/* Alert `id` grew (rule_lang.h: update): its time, session, message and
 * count become the latest; false if it is no longer in the ring. */
bool model_update_alert(struct model *m, uint64_t id, int64_t ts_us, uint64_t session_id,
			const char *message, uint64_t count);

/* Readers (under the lock).  Index 0 is the oldest. */
size_t model_done_count(const struct model *m);
const struct smtp_session *model_done(const struct model *m, size_t i);
size_t model_alert_count(const struct model *m);
const struct alert_rec *model_alert(const struct model *m, size_t i);
/* A session by id among the finished and open ones, or NULL. */
const struct smtp_session *model_find_session(const struct model *m, uint64_t id);

#endif
