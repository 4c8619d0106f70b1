/* metrics_snapshot.h — internal to ui/metrics*.c: every figure of one
 * exposition, as plain data.  The decoder's thread fills one (taking it
 * costs a copy of the counters and of the listed hosts and domains); the
 * file writer and the HTTP listener render one with metrics_render, so
 * both give the same text.  Nothing in it points into the decoder's state
 * except the rule names, which live as long as the struct metrics. */
#ifndef SMTPSCOPE_METRICS_SNAPSHOT_H
#define SMTPSCOPE_METRICS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "rules/host_model.h"
#include "ui/output/metrics.h"
#include "ui/output/prom.h"
#include "decode/smtp_session.h"
#include "rules/rule_lang.h"

#define METRICS_CODE_MIN 100
#define METRICS_CODE_MAX 599
enum { METRICS_VERDICTS = 3 };            /* enum verdict: neutral, success, failure */
enum { DIR_INBOUND = 0, DIR_OUTBOUND = 1, DIR__COUNT };

/* A histogram with fixed upper bounds (doc/metrics.md); counts[i] is the
 * number of observations <= bounds[i] and above bounds[i-1] (not yet
 * cumulative), counts[nbounds] those above the last bound. */
#define HIST_MAX_BOUNDS 14
struct hist {
	uint64_t counts[HIST_MAX_BOUNDS + 1];
	uint64_t count;
	double sum;
};
enum { HIST_DURATION, HIST_SIZE, HIST__COUNT };
struct hist_def {
	const char *name, *help;
	size_t nbounds;
	double bounds[HIST_MAX_BOUNDS];
};
extern const struct hist_def metrics_hist_defs[HIST__COUNT];
extern const struct hist_def metrics_relay_def;
void hist_observe(struct hist *h, const struct hist_def *d, double v);

/* The host model's cumulative per-entry figures, exposed as counters. */
#define ENTRY_COUNTERS(X)                                                          \
	X(sessions, "Sessions")                                                        \
	X(messages, "Message attempts (transactions)")                                 \
	X(accepted, "Messages accepted (2xx final reply)")                             \
	X(deferred, "Messages deferred (4xx)")                                         \
	X(rejected, "Messages rejected (5xx)")                                         \
	X(aborted, "Messages cut off before a final reply")                            \
	X(resets, "Sessions ended by a TCP reset")                                     \
	X(timeouts, "Sessions that went silent (idle timeout)")                        \
	X(retries, "Attempts of a message already attempted before")
enum {
#define X(f, h) EC_##f,
	ENTRY_COUNTERS(X)
#undef X
	EC__COUNT
};

/* What is summed for the entries beyond the listed ones. */
struct entry_sum {
	uint64_t c[EC__COUNT];      /* counters: monotonic (metrics.c, carry_other) */
	uint64_t pending;           /* gauge */
	uint64_t status[HS__COUNT]; /* gauge: entries in each status */
};

/* Hosts (by role) or recipient domains: the worst N copied, the rest summed. */
struct entry_list {
	struct host_entry *top;     /* cap entries, allocated once */
	size_t ntop, cap;
	struct entry_sum other[2];  /* by role (domains: [ROLE_SERVER] only) */
	uint64_t by_status[HS__COUNT]; /* all entries */
};

struct rule_count {
	char *rule;                 /* owned by struct metrics */
	enum severity severity;
	uint64_t n;
};

/* What sink events counted (only the decoder's thread changes these). */
struct metrics_counts {
	uint64_t sessions[END__COUNT][METRICS_VERDICTS][DIR__COUNT];
	uint64_t txns[OUT__COUNT][DIR__COUNT];
	uint64_t replies[METRICS_CODE_MAX + 1];
	uint64_t replies_other;
	uint64_t resets_mid_data[DIR__COUNT][2]; /* [dir][end_by: client, server] */
	struct hist hist[HIST__COUNT][DIR__COUNT];
	struct hist relay;
	uint64_t alerts_other;
};

/* The gateway's queue per recipient domain (metrics_queue.c): the domains
 * holding the most, copied; the rest summed (counts) or their worst (ages,
 * delays) into `other`. */
#define QUEUE_ROWS_MAX 64
struct queue_row {
	char domain[64];
	double queued, oldest, in_rate, out_rate, p50, p95;
	bool have_oldest, have_delays;
};
struct queue_snap {
	bool present;               /* false with --no-queue */
	uint32_t n;
	struct queue_row rows[QUEUE_ROWS_MAX];
	struct queue_row other;
};
void metrics_queue_take(struct queue_snap *q, struct mq *mq, int64_t now, size_t top);
void metrics_queue_render(struct prom *p, const struct queue_snap *q);

struct metrics_snapshot {
	struct metrics_counts c;
	struct rule_count rules[METRICS_MAX_RULES]; /* the names point into struct metrics */
	size_t nrules;
	struct dec_stats dec;
	bool have_cap;
	struct cap_stats cap;
	size_t memory_used, memory_peak, memcap;
	uint64_t hosts_dropped;
	struct entry_list hosts, domains;
	struct queue_snap queue;
};

/* Allocates the lists for up to top entries each; snapshot_copy needs
 * both sides made with the same top. */
void snapshot_init(struct metrics_snapshot *s, size_t top);
void snapshot_release(struct metrics_snapshot *s);
void snapshot_copy(struct metrics_snapshot *dst, const struct metrics_snapshot *src);

/* metrics_render.c: the whole exposition. */
void metrics_render(struct prom *p, const struct metrics_snapshot *s);

/* --metrics-hosts: what snapshot_init needs for a snapshot of m. */
size_t metrics_top(const struct metrics *m);

/* For the HTTP listener (metrics_http.c): the latest snapshot, fresh —
 * asks the decoder's thread for one and waits up to wait_ms for it, else
 * the last one published.  Returns false before anything was published. */
bool metrics_latest(struct metrics *m, struct metrics_snapshot *out, int wait_ms);

#endif
