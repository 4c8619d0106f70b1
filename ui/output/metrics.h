/* metrics.h — Prometheus metrics for node_exporter's textfile collector
 * (--metrics-file): what the sink saw (sessions, transactions, replies,
 * alerts) counted as it happens, and the capture, memory and per-host
 * figures read when the file is written.  Names, types and labels are in
 * doc/metrics.md.  Label cardinality is bounded: per-host series only for
 * the --metrics-hosts worst hosts plus host="other", reply codes 100-599
 * (others are code="other"), alert rules as many as the rule set has (at
 * most METRICS_MAX_RULES, then rule="other"). */
#ifndef SMTPSCOPE_METRICS_H
#define SMTPSCOPE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "rules/host_model.h"
#include "decode/smtp_session.h"
#include "rules/rule_lang.h"

#define METRICS_MAX_RULES 256

struct metrics;

struct metrics *metrics_new(const char *path, unsigned interval_s, unsigned top_hosts);
void metrics_free(struct metrics *m);

/* Events (ui/output/metrics_output.c). */
void metrics_session_end(struct metrics *m, const struct smtp_session *s);
void metrics_txn_end(struct metrics *m, const struct smtp_txn *t);
void metrics_reply(struct metrics *m, const struct smtp_reply *r);
void metrics_alert(struct metrics *m, const char *rule, enum severity severity);

/* What is read when the file is written. */
struct metrics_view {
	const struct dec_stats *dec;
	const struct cap_stats *cap;       /* NULL if unknown */
	struct host_model *hm;             /* NULL if none */
	size_t memory_used, memory_peak, memcap;
	uint64_t hosts_dropped;
};

/* Writes the file now; 0, or -1 with the reason in err. */
int metrics_write(struct metrics *m, const struct metrics_view *v, char *err, size_t errlen);

/* Live: true when the interval has passed since the last write (the first
 * call starts the clock). */
bool metrics_due(struct metrics *m, int64_t now_us);

#endif
