/* metrics_queue.c — the gateway's queue per recipient domain as Prometheus
 * gauges (doc/metrics.md): taken into the snapshot on the decoder's thread
 * for the --metrics-hosts domains holding the most, domain="other" for the
 * rest (counts summed; ages and delays their worst), so the label set stays
 * bounded; rendered from the snapshot for the file and the HTTP listener. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "ui/output/metrics_snapshot.h"

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void row_of(struct queue_row *r, const struct mq *q, const struct mq_domain *d, int64_t now)
{
	struct mq_figures f;
	mq_figures(q, d, now, &f);
	memset(r, 0, sizeof *r);
	size_t k = strlen(d->domain);
	if (k >= sizeof r->domain)
		k = sizeof r->domain - 1;
	memcpy(r->domain, d->domain, k);
	r->queued = d->queued;
	r->have_oldest = f.oldest_age >= 0;
	r->oldest = r->have_oldest ? f.oldest_age : 0;
	r->in_rate = f.in_rate;
	r->out_rate = f.out_rate;
	r->have_delays = f.have_delays;
	r->p50 = f.p50;
	r->p95 = f.p95;
}

static void add_row(struct queue_row *sum, const struct queue_row *r)
{
	sum->queued += r->queued;
	sum->in_rate += r->in_rate;
	sum->out_rate += r->out_rate;
	if (r->have_oldest && r->oldest > sum->oldest)
		sum->oldest = r->oldest;
	if (r->have_delays) {
		sum->p50 = r->p50 > sum->p50 ? r->p50 : sum->p50;
		sum->p95 = r->p95 > sum->p95 ? r->p95 : sum->p95;
	}
}

void metrics_queue_take(struct queue_snap *q, struct mq *mq, int64_t now, size_t top)
{
	memset(&q->other, 0, sizeof q->other);
	memcpy(q->other.domain, "other", 6);
	q->n = 0;
	q->present = mq != NULL;
	if (!mq)
		return;
	const struct mq_domain **v;
	size_t n = mq_domains(mq, &v); /* most queued first */
	if (top > QUEUE_ROWS_MAX)
		top = QUEUE_ROWS_MAX;
	for (size_t i = 0; i < n; i++) {
		struct queue_row r;
		row_of(&r, mq, v[i], now);
		if (i < top)
			q->rows[q->n++] = r;
		else
			add_row(&q->other, &r);
	}
}

/* One gauge family: the listed domains that have the figure, then "other"
 * (always, 0 when nothing). */
static void family(struct prom *p, const struct queue_snap *q, const char *name, const char *help,
		   size_t off, size_t have_off)
{
	prom_family(p, name, "gauge", help);
	for (uint32_t i = 0; i <= q->n; i++) {
		const struct queue_row *r = i < q->n ? &q->rows[i] : &q->other;
		const char *base = (const char *)r;
		bool have = have_off == (size_t)-1 || *(const bool *)(base + have_off) || i == q->n;
		if (have)
			prom_f64(p, name, L("domain", r->domain), *(const double *)(base + off));
	}
}

#define OFF(f) offsetof(struct queue_row, f)
#define ALWAYS ((size_t)-1)

void metrics_queue_render(struct prom *p, const struct queue_snap *q)
{
	if (!q->present)
		return;
	family(p, q, "smtpscope_queue_messages",
	       "Messages queued for the recipient domain (accepted in, not yet out); domain=\"other\": the rest.",
	       OFF(queued), ALWAYS);
	family(p, q, "smtpscope_queue_oldest_age_seconds",
	       "Age of the oldest queued message; domain=\"other\": the oldest among the rest.",
	       OFF(oldest), OFF(have_oldest));
	family(p, q, "smtpscope_queue_in_per_minute",
	       "Messages accepted in per minute (last 10 min); domain=\"other\": the rest summed.",
	       OFF(in_rate), ALWAYS);
	family(p, q, "smtpscope_queue_out_per_minute",
	       "Messages delivered out per minute (last 10 min); domain=\"other\": the rest summed.",
	       OFF(out_rate), ALWAYS);
	const char *name = "smtpscope_queue_relay_delay_seconds";
	prom_family(p, name, "gauge", "Relay delay (accepted out - accepted in) percentiles; "
		    "domain=\"other\": the worst of the rest.");
	for (uint32_t i = 0; i <= q->n; i++) {
		const struct queue_row *r = i < q->n ? &q->rows[i] : &q->other;
		if (!r->have_delays && i < q->n)
			continue;
		/* "percentile", not "quantile": a gauge, not a Prometheus summary */
		prom_f64(p, name, L("domain", r->domain, "percentile", "50"), r->p50);
		prom_f64(p, name, L("domain", r->domain, "percentile", "95"), r->p95);
	}
}
