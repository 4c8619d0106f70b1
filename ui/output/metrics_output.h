/* metrics_output.h — the Prometheus metrics as an output (output.h): the
 * counters follow the events; --metrics-file is rewritten every
 * --metrics-interval (live) and at the end of the run; --metrics-listen
 * serves the same text over HTTP (ui/output/metrics_http.h) from snapshots
 * the decoding thread publishes when a scrape asks. */
#ifndef SMTPSCOPE_METRICS_OUTPUT_H
#define SMTPSCOPE_METRICS_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/host_model.h"
#include "ui/output/output.h"

extern const struct output_ops metrics_output_ops;

struct metrics_output;

/* path: --metrics-file or NULL; listen: --metrics-listen ADDR:PORT or NULL.
 * Writes the file once with zero figures, so a path that cannot be written
 * stops the run at once, and binds the listener (both before -Z drops
 * privileges).  NULL with the reason in err. */
struct metrics_output *metrics_output_open(const char *path, const char *listen, unsigned interval_s,
					   unsigned top_hosts, size_t memcap, char *err, size_t errlen);

/* The host model, once there is one: it says which side is the gateway
 * (the direction label). */
void metrics_output_set_model(struct metrics_output *mo, struct host_model *hm);

/* True when the HTTP listener waits for a snapshot (cheap: an atomic). */
bool metrics_output_wanted(const struct metrics_output *mo);
/* Publishes a snapshot for the HTTP listener now (in the decoding thread,
 * under the model lock where there is one). */
void metrics_output_publish(struct metrics_output *mo, const struct run_summary *sum);

#endif
