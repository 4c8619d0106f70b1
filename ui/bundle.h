/* bundle.h — the incident bundle: everything about one remote host in one
 * folder, DIR/<host>/, to attach to a ticket or send to the host's admins:
 * evidence.pcap (its sessions' packets, re-read from the capture file),
 * report.txt (the text report limited to the host) and records.json (its
 * session, alert and host records).  --bundle DIR writes one per troubled
 * host after a batch run; the TUI calls bundle_write_host for the host on
 * screen. */
#ifndef SMTPSCOPE_BUNDLE_H
#define SMTPSCOPE_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "decode/addr.h"
#include "decode/smtp_session.h"
#include "ui/output/output.h"

struct app;

/* How many finished sessions and alerts a batch run keeps for --bundle
 * (the TUI's model keeps its own); older ones are counted as not kept. */
#define BUNDLE_KEEP_SESSIONS 20000
#define BUNDLE_KEEP_ALERTS 10000

/* Writes DIR/<host>/ (both folders created as needed; the three files
 * replaced).  Reads the model (the TUI's, or the batch run's bundle store)
 * under its lock when decoding runs beside the caller: call it without
 * holding that lock.  evidence.pcap needs -r FILE (not stdin): live, it is
 * left out and the call fails after writing the other two files.  Returns 0,
 * or -1 with a one-line reason. */
int bundle_write_host(struct app *a, const struct ip_addr *host, const char *dir, char *err,
		      size_t errlen);

/* Batch, after the analysis: a bundle for each --bundle-host, or else for
 * every remote host whose status is retry or failing.  Returns the exit
 * status (2 if a bundle could not be written). */
int bundle_write_all(struct app *a);

/* Batch with --bundle: is this finished session / this alert kept for the
 * bundles (all, or only those of the --bundle-host hosts)? */
bool bundle_keeps_session(const struct app *a, const struct smtp_session *s);
bool bundle_keeps_alert(const struct app *a, const char *host);

/* Batch --bundle: keeps those sessions and alerts in a->bundle_model (self:
 * the struct app; register it last, it keeps sessions). */
extern const struct output_ops bundle_output_ops;

#endif
