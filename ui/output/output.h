/* output.h — what an output is to the program: a table of operations on the
 * events of the analysis.  JSON lines, the text report, the metrics file,
 * the dashboard's model, the evidence pcaps and the --bundle store are each
 * one table; ui/pipeline.c calls the registered tables in order, and a new
 * output is one file with its table plus one output_add() line where the
 * program is wired (ui/main.c; the fuzz harness wires its own).
 * Every operation may be NULL. */
#ifndef SMTPSCOPE_OUTPUT_H
#define SMTPSCOPE_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "decode/smtp_session.h"
#include "rules/host_model.h"
#include "rules/message_track.h"
#include "rules/queue.h"

struct alert;
struct gateway;
struct evidence_stats;
struct full_capture_stats;

/* The state of the run, for periodic and final records. */
struct run_summary {
	const char *source;        /* "file samples/x.pcap" */
	const char *linktype;      /* "EN10MB" */
	const char *gateway_arg;   /* --gateway as given, NULL when inferred */
	const struct cap_stats *cap;
	const struct cap_stats *inputs; /* several -r or -i: each one's; NULL for one */
	size_t ninputs;
	const struct dec_stats *dec;
	struct host_model *hm;
	size_t memory_used, memory_peak, memcap;
	uint64_t hosts_dropped;
	uint64_t alerts;
	uint64_t rule_groups_evicted;
	bool triplets_used;            /* a deferral started the triplet table (rules/envelope_attempts.h) */
	uint32_t triplets_tracked;     /* deferred triplets not yet delivered */
	uint64_t triplets_evicted;     /* pushed out of the full table */
	const struct evidence_stats *evidence;         /* -w, NULL without */
	const struct full_capture_stats *full_capture; /* --write-all, NULL without */
	bool final;                /* the end of the run (else a periodic snapshot) */
	int64_t sessions_stalled;  /* live: open sessions silent past IDLE_STALLED_US; -1 from a file */
	bool interrupted;          /* SIGINT/SIGTERM stopped the reading of a file */
	struct msg_tracker *mt;    /* the messages through the gateway, NULL with --no-queue */
	struct mq *mq;             /* the queue per domain (refreshed to `now`), NULL likewise */
	int64_t now;               /* capture time of the latest packet */
};

struct output_ops {
	const char *name;
	void (*session_start)(void *self, const struct smtp_session *s);
	/* A finished session, after the host model and the rules saw it.
	 * Returning true keeps it: the output now owns s, and the outputs
	 * registered after it do not see it (register keepers last). */
	bool (*session_end)(void *self, struct smtp_session *s);
	/* verb: the command answered ("BANNER" for the greeting) */
	void (*reply)(void *self, const struct smtp_session *s, const struct smtp_reply *r,
		      const char *verb);
	void (*txn_end)(void *self, const struct smtp_session *s, const struct smtp_txn *t);
	void (*alert)(void *self, const struct alert *al);
	/* The provisional gateway decision changed (live, stdin past its
	 * look-ahead; rules/gateway.h): records already written may name an
	 * address that is now the gateway's. */
	void (*gateway_changed)(void *self, const struct gateway *g, int64_t ts_us);
	/* A remote host changed status (host_model's hook), or its last error
	 * gained the cause a rule found for its failed session. */
	void (*host_status)(void *self, const struct host_entry *e);
	/* Every frame of a tracked session (only outputs that ask: wants_packets). */
	void (*packet)(void *self, const struct smtp_session *s, int64_t ts_us, const uint8_t *frame,
		       uint32_t caplen, uint32_t wirelen);
	bool wants_packets;
	/* Live: the timer (a few times a second, and on an idle link). */
	void (*tick)(void *self, int64_t now_us, const struct run_summary *sum);
	/* Periodic (live --stats-interval) or final (sum->final) records.
	 * 0, or 2 when they could not be written. */
	int (*state)(void *self, const struct run_summary *sum);
	/* Flush, close, free.  0, or 2 when anything could not be written. */
	int (*close)(void *self);
};

#define OUTPUTS_MAX 12

struct outputs {
	struct {
		const struct output_ops *ops;
		void *self;
	} v[OUTPUTS_MAX];
	size_t n;
	bool wants_packets;
};

/* Registers an output (at most OUTPUTS_MAX: a wiring bug aborts). */
void output_add(struct outputs *o, const struct output_ops *ops, void *self);

#endif
