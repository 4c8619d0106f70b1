/* text_report.h — the human report for -r FILE (--format text): summary,
 * findings by host and cause newest first, remote hosts worst first, and
 * with --transcript the sessions that did not end well, each with its
 * dialogue and how it ended.  Readable in 100 columns. */
#ifndef SMTPSCOPE_TEXT_REPORT_H
#define SMTPSCOPE_TEXT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "decode/smtp_session.h"
#include "rules/host_model.h"
#include "rules/queue.h"
#include "rules/rule_lang.h"

struct report_context {
	const char *source;              /* "file samples/x.pcap" */
	const char *linktype;            /* "EN10MB" */
	const char *gateway_arg;         /* --gateway as given, NULL when inferred */
	const struct cap_stats *cap;
	const struct cap_stats *inputs; /* several -r or -i: each one's; NULL for one */
	size_t ninputs;
	const struct dec_stats *dec;
	struct host_model *hm;
	size_t memory_peak;              /* bytes */
	bool interrupted;                /* SIGINT/SIGTERM cut the reading of the file */
	/* Only this remote host (an incident bundle): its rows, no domain
	 * table; feed the report only its sessions and alerts.  NULL: all. */
	const struct ip_addr *only_host;
	struct mq *mq;                   /* the queue per domain, NULL: no Queue section */
	int64_t now;                     /* capture time the queue figures are for */
};

struct report;

struct report *rep_new(void);
void rep_free(struct report *r);
/* Whether the sessions that did not end well are printed with their
 * dialogues (--transcript; an incident bundle always).  Off: one line says
 * how many there were.  Default on; set before the first session. */
void rep_set_transcripts(struct report *r, bool on);
/* Called for every finished session: keeps totals and, for sessions that did
 * not end well, a formatted block (at most a fixed number; the rest counted). */
void rep_session_end(struct report *r, const struct smtp_session *s);
/* An alert: kept grouped by rule and host (count, first/last time, the
 * latest message).  `update`: an alert already counted grew (its message
 * now has the larger count); it replaces the message, not counted again. */
void rep_alert(struct report *r, const char *rule, enum severity severity, int64_t ts_us,
	       const char *host, const char *message, uint64_t count, bool update);
void rep_print(struct report *r, FILE *out, const struct report_context *ctx);
/* text_queue.c: the Queue section (only when the gateway took mail in). */
void rep_queue(FILE *out, struct mq *q, int64_t now);

#endif
