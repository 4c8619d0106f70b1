/* lock_hist.h — how long the model lock is held or waited for, as a
 * histogram (a bench figure for doc/performance.md, issue 13): 10 µs
 * buckets up to a quarter of a second, the exact maximum beside them.
 * Each histogram is written by one thread only; read once both are done. */
#ifndef SMTPSCOPE_LOCK_HIST_H
#define SMTPSCOPE_LOCK_HIST_H

#include <stdint.h>
#include <stdio.h>

#define LOCK_HIST_BUCKET_US 10
#define LOCK_HIST_BUCKETS 25000

struct lock_hist {
	uint64_t count, total_us, max_us;
	uint32_t bucket[LOCK_HIST_BUCKETS]; /* the last one counts everything longer */
};

/* A monotonic clock in microseconds (cheap: vDSO). */
int64_t lock_hist_now_us(void);
void lock_hist_add(struct lock_hist *h, int64_t us);
/* The smallest duration (bucket end) that q (0..1) of the samples do not exceed. */
uint64_t lock_hist_quantile(const struct lock_hist *h, double q);
/* One line: "NAME: N times, mean X us, p50 .. p99 .. max .. us". */
void lock_hist_print(const struct lock_hist *h, const char *name, FILE *f);

#endif
