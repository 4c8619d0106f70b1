/* json_out.h — the JSON-lines records of DESIGN.md: session, host, stats.
 * Field names only grow; unknown values are null, never made up. */
#ifndef SMTPSCOPE_JSON_OUT_H
#define SMTPSCOPE_JSON_OUT_H

#include <stdbool.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "decode/smtp_session.h"
#include "rules/host_model.h"
#include "rules/message_track.h"
#include "rules/queue.h"
#include "ui/output/json_writer.h"

void json_session(struct jw *w, const struct smtp_session *s, bool with_transcript);
/* now_us: the capture's current time, for next_retry_overdue (0: unknown). */
void json_host(struct jw *w, const struct host_entry *h, int64_t now_us);
/* The per-recipient-domain view (hm_domains). */
/* ...with its queue figures at `now` from q (nulls without). */
void json_domain(struct jw *w, const struct host_entry *d, const struct mq *q, int64_t now);

/* json_queue.c: a message record, and the queue figures of a domain record */
void json_message(struct jw *w, const struct mt_message *m, const struct mq *q);
void json_domain_queue(struct jw *w, const struct mq *q, const char *domain, int64_t now);

struct alert;
struct evidence_stats;
struct full_capture_stats;
void json_alert(struct jw *w, const struct alert *a);

struct stats_view {
	const char *source;
	const char *linktype;
	const struct cap_stats *cap;
	const struct cap_stats *inputs; /* several -r or -i: each one's ("sources"); NULL for one */
	size_t ninputs;
	const struct dec_stats *dec;
	size_t memory_used, memory_peak, memcap;
	uint64_t hosts_dropped;
	uint64_t alerts;
	uint64_t rule_groups_evicted;
	bool triplets_used;            /* a deferral started the triplet table */
	uint32_t triplets_tracked;     /* deferred triplets not yet delivered */
	uint64_t triplets_evicted;     /* pushed out of the full table */
	const struct mt_stats *messages;               /* message tracking, NULL with --no-queue */
	const struct evidence_stats *evidence;         /* -w, NULL without */
	const struct full_capture_stats *full_capture; /* --write-all, NULL without */
	int64_t sessions_stalled;   /* live: open sessions silent past IDLE_STALLED_US; -1 from a file */
	bool interrupted;          /* SIGINT/SIGTERM stopped the reading of a file */
	const struct gateway *gateway;                 /* the decision and its evidence */
};

void json_stats(struct jw *w, const struct stats_view *v);

/* json_gateway.c: the stats record's "gateway" object, and the live
 * "gateway" record written when the inferred set changes. */
struct gateway;
void json_gateway_fields(struct jw *w, const struct gateway *g);
void json_gateway(struct jw *w, const struct gateway *g, int64_t ts_us);

#endif
