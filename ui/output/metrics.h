/* metrics.h — Prometheus metrics: counted from what the sink sees
 * (sessions, transactions, replies, alerts), plus the capture, memory and
 * per-host and per-domain figures read when an exposition is made.  They
 * go to node_exporter's textfile collector (--metrics-file) and/or are
 * served over HTTP (--metrics-listen, ui/metrics_http.h); both carry the
 * same text.  Names, types and labels are in doc/metrics.md.  Label
 * cardinality is bounded: per-host and per-domain series only for the
 * --metrics-hosts worst plus "other", reply codes 100-599 (others are
 * code="other"), alert rules as many as the rule set has (at most
 * METRICS_MAX_RULES, then rule="other"). */
#ifndef SMTPSCOPE_METRICS_H
#define SMTPSCOPE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "decode/smtp_session.h"
#include "rules/host_model.h"
#include "rules/queue.h"
#include "rules/rule_lang.h"

#define METRICS_MAX_RULES 256

struct metrics;

/* path: --metrics-file, or NULL when only served over HTTP. */
struct metrics *metrics_new(const char *path, unsigned interval_s, unsigned top_hosts);
void metrics_free(struct metrics *m);

/* Events, from ui/output/metrics_output.c, in the decoder's thread.  outbound:
 * the gateway is the client (DESIGN.md "remote host").  A session's
 * transactions are counted with it. */
void metrics_session_end(struct metrics *m, const struct smtp_session *s, bool outbound);
void metrics_reply(struct metrics *m, const struct smtp_reply *r);
void metrics_alert(struct metrics *m, const char *rule, enum severity severity);
/* Relay delay (accepted out - accepted in, DESIGN.md "message") of one
 * delivered message, in seconds: for message tracking (rules/message_track)
 * to call.  Until it does, the histogram is exposed empty. */
void metrics_relay_delay(struct metrics *m, double seconds);

/* What is read when an exposition is made. */
struct metrics_view {
	const struct dec_stats *dec;
	const struct cap_stats *cap;       /* NULL if unknown */
	struct host_model *hm;             /* NULL if none */
	size_t memory_used, memory_peak, memcap;
	uint64_t hosts_dropped;
	struct mq *mq;                     /* the queue per domain, NULL if none */
	int64_t now;                       /* capture time of the queue figures */
};

/* Writes the file now; 0, or -1 with the reason in err. */
int metrics_write(struct metrics *m, const struct metrics_view *v, char *err, size_t errlen);
/* Takes a snapshot for the HTTP listener and wakes it. */
void metrics_publish(struct metrics *m, const struct metrics_view *v);
/* The HTTP listener waits for a fresh snapshot: publish one now. */
bool metrics_publish_due(struct metrics *m);

/* Live: true when the interval has passed since the last write (the first
 * call starts the clock). */
bool metrics_due(struct metrics *m, int64_t now_us);

#endif
