/* host_spark.c — per-minute session outcomes of a host, for sparklines. */
#include "config.h"

#include "rules/host_spark.h"

#define MINUTE_US (60LL * 1000000)

static int64_t minute_of(int64_t ts_us)
{
	/* + 1: minute 0 (the epoch's first) stays distinct from "unused" */
	return (ts_us >= 0 ? ts_us / MINUTE_US : 0) + 1;
}

void spark_note(struct host_spark *sp, int64_t ts_us, bool failed)
{
	int64_t m = minute_of(ts_us);
	int i = (int)(m % HOST_SPARK_MINUTES);
	if (sp->minute[i] != m) {
		if (sp->minute[i] > m)
			return; /* older than what the slot counts now: out of the window */
		sp->minute[i] = m;
		sp->ok[i] = sp->bad[i] = 0;
	}
	uint16_t *c = failed ? &sp->bad[i] : &sp->ok[i];
	if (*c < UINT16_MAX)
		(*c)++;
}

void spark_codes(const struct host_spark *sp, int64_t now_us, char out[HOST_SPARK_MINUTES + 1])
{
	int64_t last = minute_of(now_us);
	uint32_t n[HOST_SPARK_MINUTES], max = 1;
	bool bad[HOST_SPARK_MINUTES];
	for (int k = 0; k < HOST_SPARK_MINUTES; k++) {
		int64_t m = last - (HOST_SPARK_MINUTES - 1) + k;
		int i = (int)(((m % HOST_SPARK_MINUTES) + HOST_SPARK_MINUTES) % HOST_SPARK_MINUTES);
		bool here = m > 0 && sp->minute[i] == m;
		n[k] = here ? (uint32_t)sp->ok[i] + sp->bad[i] : 0;
		bad[k] = here && sp->bad[i];
		if (n[k] > max)
			max = n[k];
	}
	for (int k = 0; k < HOST_SPARK_MINUTES; k++) {
		int level = n[k] ? (int)((n[k] * 8 + max - 1) / max) : 0;
		out[k] = !n[k] ? '.' : bad[k] ? (char)('A' + level - 1) : (char)('0' + level);
	}
	out[HOST_SPARK_MINUTES] = '\0';
}
