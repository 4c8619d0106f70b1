/* lock_hist.c — durations of the model lock as a histogram (lock_hist.h). */
#include "config.h"

#include "rules/lock_hist.h"

#include <time.h>

int64_t lock_hist_now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

void lock_hist_add(struct lock_hist *h, int64_t us)
{
	if (us < 0)
		us = 0;
	uint64_t b = (uint64_t)us / LOCK_HIST_BUCKET_US;
	h->bucket[b < LOCK_HIST_BUCKETS ? b : LOCK_HIST_BUCKETS - 1]++;
	h->count++;
	h->total_us += (uint64_t)us;
	if ((uint64_t)us > h->max_us)
		h->max_us = (uint64_t)us;
}

uint64_t lock_hist_quantile(const struct lock_hist *h, double q)
{
	if (!h->count)
		return 0;
	uint64_t want = (uint64_t)((double)h->count * q + 0.999999), seen = 0;
	if (want == 0)
		want = 1;
	for (size_t b = 0; b < LOCK_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= want) {
			if (b == LOCK_HIST_BUCKETS - 1)
				return h->max_us; /* the overflow bucket: longer than the others */
			uint64_t end = (uint64_t)(b + 1) * LOCK_HIST_BUCKET_US;
			return end < h->max_us ? end : h->max_us;
		}
	}
	return h->max_us;
}

void lock_hist_print(const struct lock_hist *h, const char *name, FILE *f)
{
	fprintf(f, "%s: %llu times, mean %llu us, p50 %llu us, p99 %llu us, max %llu us\n", name,
		(unsigned long long)h->count,
		(unsigned long long)(h->count ? h->total_us / h->count : 0),
		(unsigned long long)lock_hist_quantile(h, 0.5),
		(unsigned long long)lock_hist_quantile(h, 0.99), (unsigned long long)h->max_us);
}
