/* metrics_output.h — --metrics-file as an output (output.h): the counters
 * follow the events, the file is rewritten every --metrics-interval (live)
 * and at the end of the run. */
#ifndef SMTPSCOPE_METRICS_OUTPUT_H
#define SMTPSCOPE_METRICS_OUTPUT_H

#include <stddef.h>

#include "ui/output/output.h"

extern const struct output_ops metrics_output_ops;

struct metrics_output;

/* Opens the metrics and writes the file once with zero figures, so a path
 * that cannot be written stops the run at once (before -Z drops
 * privileges).  NULL with the reason in err. */
struct metrics_output *metrics_output_open(const char *path, unsigned interval_s, unsigned top_hosts,
					   size_t memcap, char *err, size_t errlen);

#endif
