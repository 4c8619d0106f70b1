/* queue.c — per-domain queue figures (the "next hop" view of a mail queue,
 * as Exchange's queue viewer or Postfix's qshape show it), kept from the
 * message tracker's events and recomputed from its table on refresh. */
#include "config.h"

#include "rules/queue.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

#define US_PER_MIN 60000000LL

struct mq {
	struct mq_domain *dom;
	uint32_t n, cap, max;
	uint32_t *slots;            /* open addressing: pool index + 1, 0 = empty */
	uint32_t mask;
	uint64_t dropped;
	struct mq_schedule sched;
	const struct mq_domain **sorted;
	size_t sorted_cap;
};

static uint64_t hash_name(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

struct mq *mq_new(uint32_t max_domains, const struct mq_schedule *sched)
{
	struct mq *q = xcalloc(1, sizeof *q);
	q->max = max_domains ? max_domains : 1024;
	uint32_t n = 16;
	while (n < 2 * q->max && n < (1u << 30))
		n <<= 1;
	q->mask = n - 1;
	q->slots = xcalloc(n, sizeof *q->slots);
	mem_charge(sizeof *q + (size_t)n * sizeof *q->slots);
	if (sched)
		q->sched = *sched;
	else
		mq_default_schedule(&q->sched);
	return q;
}

void mq_free(struct mq *q)
{
	if (!q)
		return;
	mem_release(sizeof *q + ((size_t)q->mask + 1) * sizeof *q->slots + (size_t)q->cap * sizeof *q->dom);
	free(q->dom);
	free(q->slots);
	free(q->sorted);
	free(q);
}

uint64_t mq_domains_dropped(const struct mq *q)
{
	return q->dropped;
}

const struct mq_schedule *mq_schedule_of(const struct mq *q)
{
	return &q->sched;
}

static uint32_t *slot_of(const struct mq *q, const char *name)
{
	for (uint64_t i = hash_name(name);; i++) {
		uint32_t *s = &q->slots[i & q->mask];
		if (!*s || strcmp(q->dom[*s - 1].domain, name) == 0)
			return s;
	}
}

const struct mq_domain *mq_find(const struct mq *q, const char *domain)
{
	uint32_t *s = slot_of(q, domain);
	return *s ? &q->dom[*s - 1] : NULL;
}

/* The domain's entry, created on first use (NULL beyond max_domains). */
static struct mq_domain *get(struct mq *q, const char *domain)
{
	uint32_t *s = slot_of(q, domain);
	if (*s)
		return &q->dom[*s - 1];
	if (q->n >= q->max) {
		q->dropped++;
		return NULL;
	}
	if (q->n == q->cap) {
		uint32_t ncap = q->cap ? q->cap * 2 : 16;
		if (ncap > q->max)
			ncap = q->max;
		q->dom = xrealloc(q->dom, (size_t)ncap * sizeof *q->dom);
		mem_charge((size_t)(ncap - q->cap) * sizeof *q->dom);
		q->cap = ncap;
	}
	struct mq_domain *d = &q->dom[q->n];
	memset(d, 0, sizeof *d);
	size_t k = strlen(domain);
	if (k >= sizeof d->domain)
		k = sizeof d->domain - 1;
	memcpy(d->domain, domain, k);
	*s = ++q->n;
	return d;
}

/* --- rates ------------------------------------------------------------------------- */

static void rate_add(struct mq_domain *d, uint32_t *ring, int64_t ts)
{
	int64_t m = ts / US_PER_MIN;
	if (m > d->rate_minute) {
		int64_t gap = m - d->rate_minute;
		for (int64_t i = 1; i <= gap && i <= MQ_RATE_MINUTES; i++) {
			d->in_per_min[(d->rate_minute + i) % MQ_RATE_MINUTES] = 0;
			d->out_per_min[(d->rate_minute + i) % MQ_RATE_MINUTES] = 0;
		}
		d->rate_minute = m;
	}
	if (m > d->rate_minute - MQ_RATE_MINUTES) /* a late event still inside the window */
		ring[m % MQ_RATE_MINUTES]++;
}

/* Messages per minute over the last MQ_RATE_MINUTES minutes before now (or
 * the domain's active span, when shorter; at least one minute). */
static double rate_of(const struct mq_domain *d, const uint32_t *ring, int64_t now)
{
	int64_t nowm = now / US_PER_MIN;
	uint64_t sum = 0;
	for (int64_t m = d->rate_minute; m > d->rate_minute - MQ_RATE_MINUTES && m >= 0; m--)
		if (m > nowm - MQ_RATE_MINUTES && m <= nowm)
			sum += ring[m % MQ_RATE_MINUTES];
	double span = (double)(now - d->first_activity) / (double)US_PER_MIN;
	if (span > MQ_RATE_MINUTES)
		span = MQ_RATE_MINUTES;
	if (span < 1)
		span = 1;
	return (double)sum / span;
}

static void activity(struct mq_domain *d, int64_t ts)
{
	if (!d->first_activity || ts < d->first_activity)
		d->first_activity = ts;
}

/* --- writers ------------------------------------------------------------------------- */

void mq_note_in(struct mq *q, const char *domain, int64_t ts)
{
	struct mq_domain *d = get(q, domain);
	if (!d)
		return;
	activity(d, ts);
	d->accepted_in++;
	if (ts > d->last_in_ts)
		d->last_in_ts = ts;
	rate_add(d, d->in_per_min, ts);
}

static void add_delay(struct mq_domain *d, int64_t us)
{
	if (us < 0)
		return;
	d->delay_s[d->delays_next] = (float)((double)us / 1e6);
	d->delays_next = (d->delays_next + 1) % MQ_DELAYS_KEPT;
	if (d->delays_n < MQ_DELAYS_KEPT)
		d->delays_n++;
}

void mq_note_attempt(struct mq *q, const char *domain, int64_t ts, enum mt_state result,
		     bool first_final, int64_t relay_delay_us, uint64_t bytes)
{
	struct mq_domain *d = get(q, domain);
	if (!d)
		return;
	activity(d, ts);
	d->attempts++;
	if (ts > d->last_attempt)
		d->last_attempt = ts;
	bool failed = result == MS_DEFERRED;
	if (failed)
		d->failed_attempts++;
	if (d->grow_since && ts >= d->grow_since) {
		if (failed)
			d->grow_failed++;
		else if (result == MS_DELIVERED)
			d->grow_delivered++;
	}
	if (!first_final)
		return;
	if (result == MS_BOUNCED) {
		d->bounced++;
		return;
	}
	d->delivered++;
	d->bytes_out += bytes;
	rate_add(d, d->out_per_min, ts);
	add_delay(d, relay_delay_us);
}

void mq_note_bounced(struct mq *q, const char *domain)
{
	struct mq_domain *d = get(q, domain);
	if (d)
		d->bounced++;
}

void mq_note_delay(struct mq *q, const char *domain, int64_t relay_delay_us)
{
	struct mq_domain *d = get(q, domain);
	if (d)
		add_delay(d, relay_delay_us);
}

/* --- refresh from the message table ------------------------------------------------- */

static int age_bucket(int64_t age_us)
{
	static const int64_t upper_min[MQ_AGE_BUCKETS - 1] = { 5, 10, 20, 40, 80, 160 };
	for (int i = 0; i < MQ_AGE_BUCKETS - 1; i++)
		if (age_us < upper_min[i] * US_PER_MIN)
			return i;
	return MQ_AGE_BUCKETS - 1;
}

const char *mq_bucket_name(int i)
{
	static const char *const names[MQ_AGE_BUCKETS] = {
		"0-5m", "5-10m", "10-20m", "20-40m", "40-80m", "80-160m", ">160m",
	};
	return i >= 0 && i < MQ_AGE_BUCKETS ? names[i] : "?";
}

static void min_time(int64_t *slot, int64_t t)
{
	if (t && (!*slot || t < *slot))
		*slot = t;
}

static void count_leg(struct mq *q, const struct mt_message *m, const struct mt_leg *l, int64_t now)
{
	struct mq_domain *d = get(q, l->domain);
	if (!d)
		return;
	d->queued++;
	if (m->accepted_in) {
		d->age_bucket[age_bucket(now - m->accepted_in)]++;
		min_time(&d->oldest_accepted, m->accepted_in);
		if (!l->last_attempt)
			d->never_attempted++;
		if (m->accepted_in > d->last_attempt)
			min_time(&d->oldest_unattempted, m->accepted_in);
	}
	int64_t retry, dsn, exp;
	mq_forecast(q, m, l, &retry, &dsn, &exp);
	min_time(&d->next_retry, retry);
	min_time(&d->next_delay_dsn, dsn);
	min_time(&d->next_expiry, exp);
}

/* Growth: the baseline restarts whenever the queue is back at (or below)
 * where it was, so growing_for is how long it has stayed above that. */
static void track_growth(struct mq_domain *d, int64_t now)
{
	if (d->queued == 0) {
		d->grow_since = 0;
		return;
	}
	if (!d->grow_since || d->queued <= d->grow_base) {
		d->grow_since = now;
		d->grow_base = d->queued;
		d->grow_delivered = d->grow_failed = 0;
	}
}

void mq_refresh(struct mq *q, const struct msg_tracker *mt, int64_t now)
{
	for (uint32_t i = 0; i < q->n; i++) {
		struct mq_domain *d = &q->dom[i];
		d->queued = d->never_attempted = 0;
		d->oldest_accepted = d->oldest_unattempted = 0;
		d->next_retry = d->next_delay_dsn = d->next_expiry = 0;
		memset(d->age_bucket, 0, sizeof d->age_bucket);
	}
	size_t n = mt_pool_size(mt);
	for (size_t i = 0; i < n; i++) {
		const struct mt_message *m = mt_pool_at(mt, i);
		if (!m || (m->state != MS_QUEUED && m->state != MS_DEFERRED))
			continue;
		for (uint32_t k = 0; k < m->nlegs; k++)
			if (m->legs[k].state == MS_QUEUED || m->legs[k].state == MS_DEFERRED)
				count_leg(q, m, &m->legs[k], now);
	}
	for (uint32_t i = 0; i < q->n; i++)
		track_growth(&q->dom[i], now);
}

/* --- reading --------------------------------------------------------------------------- */

static int cmp_domain(const void *pa, const void *pb)
{
	const struct mq_domain *a = *(const struct mq_domain *const *)pa;
	const struct mq_domain *b = *(const struct mq_domain *const *)pb;
	if (a->queued != b->queued)
		return a->queued > b->queued ? -1 : 1;
	if (a->oldest_accepted != b->oldest_accepted)
		return a->oldest_accepted < b->oldest_accepted ? -1 : 1;
	return strcmp(a->domain, b->domain);
}

size_t mq_domains(struct mq *q, const struct mq_domain ***out)
{
	if (q->sorted_cap < q->n) {
		q->sorted = xrealloc(q->sorted, (size_t)q->n * sizeof *q->sorted);
		q->sorted_cap = q->n;
	}
	for (uint32_t i = 0; i < q->n; i++)
		q->sorted[i] = &q->dom[i];
	if (q->n)
		qsort(q->sorted, q->n, sizeof *q->sorted, cmp_domain);
	*out = q->sorted;
	return q->n;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const float *v, uint32_t n, double p)
{
	uint32_t k = (uint32_t)(p * n + 0.999999);
	if (k < 1)
		k = 1;
	return v[k - 1];
}

void mq_figures(const struct mq *q, const struct mq_domain *d, int64_t now, struct mq_figures *f)
{
	(void)q;
	memset(f, 0, sizeof *f);
	f->in_rate = rate_of(d, d->in_per_min, now);
	f->out_rate = rate_of(d, d->out_per_min, now);
	f->velocity = f->in_rate - f->out_rate;
	if (d->delays_n) {
		float v[MQ_DELAYS_KEPT];
		memcpy(v, d->delay_s, d->delays_n * sizeof v[0]);
		qsort(v, d->delays_n, sizeof v[0], cmp_float);
		f->have_delays = true;
		f->p50 = pct(v, d->delays_n, 0.50);
		f->p95 = pct(v, d->delays_n, 0.95);
		f->p99 = pct(v, d->delays_n, 0.99);
	}
	f->oldest_age = d->oldest_accepted ? (double)(now - d->oldest_accepted) / 1e6 : -1;
	f->unattempted_for = d->oldest_unattempted ? (double)(now - d->oldest_unattempted) / 1e6 : -1;
	f->growing_for = d->grow_since && d->queued > d->grow_base ? (double)(now - d->grow_since) / 1e6 : -1;
	f->growth = d->grow_since ? (int64_t)d->queued - (int64_t)d->grow_base : 0;
	double span = (double)(now - d->first_activity) / 1e6;
	f->bytes_per_s = span > 0 ? (double)d->bytes_out / span : 0;
}
