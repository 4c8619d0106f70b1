/* host_spark.h — the last minutes of a remote host's (or recipient
 * domain's) finished sessions, per minute of capture time, good and failed:
 * kept by the host model as sessions end (O(1) each), drawn by the
 * dashboard as a sparkline. */
#ifndef SMTPSCOPE_HOST_SPARK_H
#define SMTPSCOPE_HOST_SPARK_H

#include <stdbool.h>
#include <stdint.h>

#define HOST_SPARK_MINUTES 12

struct host_spark {
	int64_t minute[HOST_SPARK_MINUTES]; /* which minute (ts / 60 s) a slot counts, 0 unused */
	uint16_t ok[HOST_SPARK_MINUTES], bad[HOST_SPARK_MINUTES];
};

/* A session of this entry ended at ts (failed: its verdict was a failure). */
void spark_note(struct host_spark *sp, int64_t ts_us, bool failed);

/* The last HOST_SPARK_MINUTES minutes up to `now`, oldest first, as codes:
 * '.' nothing, '1'..'8' sessions (height relative to the busiest minute),
 * 'A'..'H' the same when any of them failed.  out has room for the codes
 * and a NUL. */
void spark_codes(const struct host_spark *sp, int64_t now_us, char out[HOST_SPARK_MINUTES + 1]);

#endif
