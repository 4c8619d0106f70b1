/* text_queue.c — the "Queue" section of the text report: per next-hop
 * domain what the gateway holds, how old, how fast it comes and goes, how
 * long relaying takes and when the first queued message expires (the
 * columns of a queue viewer: count, velocity, next retry, expiry). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rules/session_verdict.h"
#include "rules/units.h"
#include "ui/output/text_report.h"

#define QUEUE_DOMAINS_SHOWN 15

/* "11-22 03:00" UTC, "-" for none. */
static void when(char *out, size_t n, int64_t ts_us)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;
	if (!ts_us || !gmtime_r(&t, &tm) || !strftime(out, n, "%m-%d %H:%M", &tm))
		snprintf(out, n, "-");
}

static bool relayed_anything(const struct mq_domain *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->accepted_in || v[i]->queued)
			return true;
	return false;
}

/* qshape's buckets of what is queued (messages whose inbound copy was
 * seen: the others have no known age). */
static void put_ages(FILE *out, const struct mq_domain *d)
{
	uint32_t known = 0;
	for (int i = 0; i < MQ_AGE_BUCKETS; i++)
		known += d->age_bucket[i];
	if (!known)
		return;
	fprintf(out, "  %-23s ages:", "");
	for (int i = 0; i < MQ_AGE_BUCKETS; i++)
		if (d->age_bucket[i])
			fprintf(out, " %s %u", mq_bucket_name(i), d->age_bucket[i]);
	fputc('\n', out);
}

void rep_queue(FILE *out, struct mq *q, int64_t now)
{
	const struct mq_domain **v;
	size_t n = q ? mq_domains(q, &v) : 0;
	if (!relayed_anything(v, n))
		return;
	char retry[32];
	mq_format_retry(mq_schedule_of(q), retry, sizeof retry);
	fprintf(out, "\nQueue per next hop (retry %s, expiry after ", retry);
	char e[24];
	format_duration(e, sizeof e, mq_schedule_of(q)->expire_us);
	fprintf(out, "%s; times UTC)\n", e);
	/* 100 columns, the text report's limit (tests/text-report.py) */
	fprintf(out, "DOMAIN               QUEUED OLDEST  IN/MIN OUT/MIN VELOCITY P50     P95     "
		"NEXT RETRY   EXPIRES\n");
	for (size_t i = 0; i < n && i < QUEUE_DOMAINS_SHOWN; i++) {
		const struct mq_domain *d = v[i];
		struct mq_figures f;
		mq_figures(q, d, now, &f);
		char oldest[24], p50[24], p95[24], nr[24], ex[24], name[MT_DOMAIN_MAX];
		format_duration_s(oldest, sizeof oldest, f.oldest_age);
		format_duration_s(p50, sizeof p50, f.have_delays ? f.p50 : -1);
		format_duration_s(p95, sizeof p95, f.have_delays ? f.p95 : -1);
		when(nr, sizeof nr, d->next_retry);
		when(ex, sizeof ex, d->next_expiry);
		size_t k = 0;
		for (const char *c = d->domain; *c && k < 20; c++) /* printable only */
			name[k++] = (*c > 32 && *c < 127) ? *c : '?';
		name[k] = '\0';
		fprintf(out, "%-20s %6u %-7s %6.1f %7.1f %+8.1f %-7s %-7s %-12s %s\n", name, d->queued,
			oldest, f.in_rate, f.out_rate, f.velocity, p50, p95, nr, ex);
		put_ages(out, d);
	}
	if (n > QUEUE_DOMAINS_SHOWN)
		fprintf(out, "... and %zu more domains\n", n - QUEUE_DOMAINS_SHOWN);
}
