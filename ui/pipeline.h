/* pipeline.h — the one place decode/'s events go: the host model first
 * (the rules read it), then the rule engine, then every registered output
 * (ui/output/output.h).  The program (ui/main.c) and the fuzz harness
 * (tests/fuzz/fuzz_capture.c) wire the same pipeline. */
#ifndef SMTPSCOPE_PIPELINE_H
#define SMTPSCOPE_PIPELINE_H

#include "decode/decoder.h"
#include "rules/host_model.h"
#include "rules/message_track.h"
#include "rules/queue.h"
#include "ui/output/output.h"

struct rule_set;
struct env_attempts;
struct path_memory;
struct rule_event;

struct pipeline {
	struct host_model *hm;
	struct rule_set *rules;     /* NULL: no rules; replaced on SIGHUP */
	struct env_attempts *triplets; /* attempts by envelope triplet (greylisting); may be NULL */
	struct path_memory *paths;  /* full-size segments ACKed per path (pmtu-blackhole); may be NULL */
	const struct decoder *dec;  /* for the time of TCP events; set after dec_new */
	struct outputs outs;
	uint64_t alerts;            /* raised so far */
	uint64_t gw_changes_told;   /* gateway decisions announced so far */
	struct dec_sink sink;       /* what pipeline_sink() hands the decoder */
	/* the gateway's queue (pipeline_queue.c); NULL with --no-queue */
	struct msg_tracker *mt;
	struct mq *mq;
	int64_t next_queue_tick;    /* capture time of the next queue tick */
	int64_t last_ts;            /* capture time of the latest packet */
	int64_t last_refresh;       /* capture time of the last mq_refresh */
};

/* The decoder's callbacks, pointing at p, for dec_new (call after the
 * outputs are registered: the packet hook is set only when one wants
 * packets). */
const struct dec_sink *pipeline_sink(struct pipeline *p);

/* The host model's status hook (host_model_config.on_status, ctx = p). */
void pipeline_host_status(void *ctx, const struct host_entry *e, enum host_status old);

/* sum: NULL when no output reads it (beside the dashboard without a
 * metrics output, ui/main.c does not build it). */
void pipeline_tick(struct pipeline *p, int64_t now_us, const struct run_summary *sum);
/* Every output's periodic or final records; 0, or 2 if one failed. */
int pipeline_state(struct pipeline *p, const struct run_summary *sum);
/* Closes every output; 0, or 2 if one failed. */
int pipeline_close(struct pipeline *p);
/* Runs the rules on one event (the queue's events come from outside
 * decode/: pipeline_queue.c). */
void pipeline_eval(struct pipeline *p, const struct rule_event *ev);

/* pipeline_queue.c: message tracking (rules/message_track.h) and the queue
 * per domain (rules/queue.h), fed like the host model; queue events once a
 * minute of capture time, dsn events as DSNs are read. */
void pipeline_queue_init(struct pipeline *p, size_t memcap, const struct mq_schedule *sched);
void pipeline_queue_free(struct pipeline *p);
void pipeline_queue_txn_end(struct pipeline *p, const struct smtp_session *s, const struct smtp_txn *t);
void pipeline_queue_session_end(struct pipeline *p, const struct smtp_session *s);
/* Capture time advanced (every packet; live: the timer too). */
void pipeline_queue_time(struct pipeline *p, int64_t ts);
/* The end of the capture: a last tick at the latest packet's time. */
void pipeline_queue_finish(struct pipeline *p);
/* The queued figures recomputed for readers: at most once a second of
 * capture time (the timer asks several times a second), or now if `force`. */
void pipeline_queue_refresh(struct pipeline *p, bool force);

#endif
