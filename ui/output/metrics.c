/* metrics.c — Prometheus metrics (doc/metrics.md): counted from sink
 * events, taken as snapshots (metrics_snapshot.h) for the file writer and
 * the HTTP listener, both in the decoder's thread; the listener's thread
 * only copies the published snapshot under a mutex. */
#include "config.h"

#include "ui/output/metrics.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/mem.h"
#include "ui/output/metrics_snapshot.h"
#include "rules/session_verdict.h"

/* Entries listed at the previous snapshot, sorted by (role, address), to
 * keep host="other" monotonic (carry_other). */
struct listed {
	struct ip_addr addr;
	enum host_role role;
	uint64_t c[EC__COUNT];
};

struct entry_track {
	struct listed *prev, *cur;    /* cap each; swapped after every snapshot */
	size_t nprev;
	uint64_t raw_prev[2][EC__COUNT]; /* the entries not listed, summed, last time */
	uint64_t other[2][EC__COUNT];    /* what is exposed as "other" (carry_other) */
};

struct metrics {
	char *path;
	unsigned interval_s, top_hosts;
	int64_t next_us;
	struct metrics_counts c;      /* the decoder's thread only */
	struct rule_count *rules;
	size_t nrules;
	struct entry_track track_hosts, track_domains;
	struct metrics_snapshot work; /* the decoder's thread only */
	struct prom text;             /* the file's text, reused */
	/* shared with the HTTP listener */
	pthread_mutex_t lock;
	pthread_cond_t published;
	struct metrics_snapshot pub;
	uint64_t generation;          /* 0: nothing published yet */
	atomic_bool wanted;           /* the listener waits for a fresh snapshot */
};

static void track_init(struct entry_track *t, size_t top)
{
	t->prev = xcalloc(top ? top : 1, sizeof *t->prev);
	t->cur = xcalloc(top ? top : 1, sizeof *t->cur);
}

static void track_free(struct entry_track *t)
{
	free(t->prev);
	free(t->cur);
}

struct metrics *metrics_new(const char *path, unsigned interval_s, unsigned top_hosts)
{
	struct metrics *m = xcalloc(1, sizeof *m);
	m->path = path ? xstrdup(path) : NULL;
	m->interval_s = interval_s ? interval_s : 15;
	m->top_hosts = top_hosts;
	track_init(&m->track_hosts, top_hosts);
	track_init(&m->track_domains, top_hosts);
	snapshot_init(&m->work, top_hosts);
	snapshot_init(&m->pub, top_hosts);
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->published, NULL);
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nrules; i++)
		free(m->rules[i].rule);
	free(m->rules);
	free(m->path);
	track_free(&m->track_hosts);
	track_free(&m->track_domains);
	snapshot_release(&m->work);
	snapshot_release(&m->pub);
	prom_release(&m->text);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->published);
	free(m);
}

/* --- histograms ------------------------------------------------------------------ */

/* Session durations: from a rejected connection (well under a second) to
 * a stuck DATA phase at the servers' 10 minute timeout and beyond. */
const struct hist_def metrics_hist_defs[HIST__COUNT] = {
	[HIST_DURATION] = { "smtpscope_session_duration_seconds",
			    "SMTP sessions finished, by duration (first packet to the end).",
			    12, { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800 } },
	[HIST_SIZE] = { "smtpscope_message_size_bytes",
			"Message content sent (DATA/BDAT, dot-unstuffed), per transaction that sent one.",
			10, { 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 10485760,
			      26214400, 52428800 } },
};
/* Relay delay: seconds for a direct relay, hours for a queue that waits
 * for a failing host. */
const struct hist_def metrics_relay_def = {
	"smtpscope_relay_delay_seconds",
	"Delivered messages by relay delay (accepted out minus accepted in).",
	11, { 1, 5, 15, 30, 60, 300, 900, 3600, 14400, 43200, 86400 },
};

void hist_observe(struct hist *h, const struct hist_def *d, double v)
{
	size_t i = 0;
	while (i < d->nbounds && v > d->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

/* --- events ------------------------------------------------------------------ */

void metrics_session_end(struct metrics *m, const struct smtp_session *s, bool outbound)
{
	unsigned r = (unsigned)s->end_reason < END__COUNT ? (unsigned)s->end_reason : END_NONE;
	enum verdict v = session_verdict(s);
	unsigned dir = outbound ? DIR_OUTBOUND : DIR_INBOUND;
	m->c.sessions[r][(unsigned)v < METRICS_VERDICTS ? (unsigned)v : V_NEUTRAL][dir]++;
	/* reset while the message content was flowing: the outage signature */
	if (s->end_reason == END_RST && (s->state == ST_BODY || s->state == ST_BDAT) &&
	    (s->end_by == SIDE_CLIENT || s->end_by == SIDE_SERVER))
		m->c.resets_mid_data[dir][s->end_by]++;
	if (s->end_ts >= s->start_ts)
		hist_observe(&m->c.hist[HIST_DURATION][dir], &metrics_hist_defs[HIST_DURATION],
			     (double)(s->end_ts - s->start_ts) / 1e6);
	/* the transactions here, not as each ends: only now is the session's
	 * direction known when the gateway is inferred from the sessions */
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		if ((unsigned)t->outcome < OUT__COUNT)
			m->c.txns[t->outcome][dir]++;
		/* a size only where it is known: content seen from its start */
		if (t->data_started && !t->data_partial)
			hist_observe(&m->c.hist[HIST_SIZE][dir], &metrics_hist_defs[HIST_SIZE],
				     (double)t->data_bytes);
	}
}

void metrics_reply(struct metrics *m, const struct smtp_reply *r)
{
	if (r->code >= METRICS_CODE_MIN && r->code <= METRICS_CODE_MAX)
		m->c.replies[r->code]++;
	else
		m->c.replies_other++;
}

void metrics_relay_delay(struct metrics *m, double seconds)
{
	if (seconds >= 0)
		hist_observe(&m->c.relay, &metrics_relay_def, seconds);
}

void metrics_alert(struct metrics *m, const char *rule, enum severity severity)
{
	rule = rule ? rule : "";
	for (size_t i = 0; i < m->nrules; i++) {
		if (strcmp(m->rules[i].rule, rule) == 0 && m->rules[i].severity == severity) {
			m->rules[i].n++;
			return;
		}
	}
	if (m->nrules == METRICS_MAX_RULES) {
		m->c.alerts_other++;
		return;
	}
	if ((m->nrules & (m->nrules - 1)) == 0) /* 0, 1, 2, 4, ...: grow */
		m->rules = xrealloc(m->rules, (m->nrules ? m->nrules * 2 : 8) * sizeof *m->rules);
	m->rules[m->nrules++] = (struct rule_count){ xstrdup(rule), severity, 1 };
}

/* --- snapshots ------------------------------------------------------------------- */

void snapshot_init(struct metrics_snapshot *s, size_t top)
{
	memset(s, 0, sizeof *s);
	s->hosts.cap = s->domains.cap = top;
	s->hosts.top = xcalloc(top ? top : 1, sizeof *s->hosts.top);
	s->domains.top = xcalloc(top ? top : 1, sizeof *s->domains.top);
}

void snapshot_release(struct metrics_snapshot *s)
{
	free(s->hosts.top);
	free(s->domains.top);
	s->hosts.top = s->domains.top = NULL;
}

static void list_copy(struct entry_list *dst, const struct entry_list *src)
{
	struct host_entry *top = dst->top;
	size_t cap = dst->cap;
	*dst = *src;
	dst->top = top;
	dst->cap = cap;
	memcpy(dst->top, src->top, src->ntop * sizeof *src->top);
}

void snapshot_copy(struct metrics_snapshot *dst, const struct metrics_snapshot *src)
{
	struct entry_list h = dst->hosts, d = dst->domains;
	/* everything but the two lists in one go, then the lists */
	memcpy(dst, src, sizeof *dst);
	dst->hosts = h;
	dst->domains = d;
	list_copy(&dst->hosts, &src->hosts);
	list_copy(&dst->domains, &src->domains);
}

static void counters_of(const struct host_entry *e, uint64_t c[EC__COUNT])
{
#define X(f, h) c[EC_##f] = e->f;
	ENTRY_COUNTERS(X)
#undef X
}

static int listed_cmp(const void *x, const void *y)
{
	const struct listed *a = x, *b = y;
	if (a->role != b->role)
		return a->role < b->role ? -1 : 1;
	return memcmp(&a->addr, &b->addr, sizeof a->addr);
}

/* host="other" must be a counter (never going down) although entries
 * move in and out of the listed ones, and a plain sum of the entries not
 * listed would drop whenever one enters the list.  So "other" is
 * accumulated, from one snapshot to the next:
 *  - entries that left the list add what they counted since they were last
 *    listed (the listed copy of the previous snapshot says how much);
 *  - the others not listed add their growth: their sum now, less the sum of
 *    the entries not listed last time -- which also held the entries that
 *    have entered the list since, so that growth is a lower bound, never
 *    below 0 (an entry entering the list is not counted twice, a new entry
 *    listed at once never in "other" at all).
 * The first snapshot's "other" is exactly the sum of the entries not listed.
 * raw[] holds that sum now; left_now[] and left_prev[] the entries that left. */
static void carry_other(struct entry_track *t, struct entry_list *out, const uint64_t left_now[2][EC__COUNT],
			const uint64_t left_prev[2][EC__COUNT])
{
	for (int r = 0; r < 2; r++)
		for (int k = 0; k < EC__COUNT; k++) {
			uint64_t raw = out->other[r].c[k];
			uint64_t stay = raw - left_now[r][k];
			uint64_t growth = stay > t->raw_prev[r][k] ? stay - t->raw_prev[r][k] : 0;
			if (left_now[r][k] > left_prev[r][k])
				growth += left_now[r][k] - left_prev[r][k];
			t->other[r][k] += growth;
			t->raw_prev[r][k] = raw;
			out->other[r].c[k] = t->other[r][k];
		}
}

/* The listed entries, sorted, become the previous ones of the next call. */
static void remember_listed(struct entry_track *t, const struct host_entry **all, size_t ntop, bool by_role)
{
	for (size_t i = 0; i < ntop; i++) {
		memset(&t->cur[i], 0, sizeof t->cur[i]);
		t->cur[i].addr = all[i]->addr;
		t->cur[i].role = by_role ? all[i]->role : ROLE_SERVER;
		counters_of(all[i], t->cur[i].c);
	}
	qsort(t->cur, ntop, sizeof *t->cur, listed_cmp);
	struct listed *swap = t->prev;
	t->prev = t->cur;
	t->cur = swap;
	t->nprev = ntop;
}

static void take_entries(struct entry_track *t, struct entry_list *out, const struct host_entry **all,
			 size_t n, bool by_role)
{
	size_t top = n < out->cap ? n : out->cap;
	uint64_t left_now[2][EC__COUNT], left_prev[2][EC__COUNT];
	memset(left_now, 0, sizeof left_now);
	memset(left_prev, 0, sizeof left_prev);
	memset(out->other, 0, sizeof out->other);
	memset(out->by_status, 0, sizeof out->by_status);
	out->ntop = top;
	for (size_t i = 0; i < n; i++) {
		const struct host_entry *e = all[i];
		unsigned st = (unsigned)e->status < HS__COUNT ? (unsigned)e->status : HS_READY;
		out->by_status[st]++;
		if (i < top) {
			out->top[i] = *e;
			out->top[i].priv = NULL; /* never followed outside the model */
			continue;
		}
		int r = by_role && e->role == ROLE_CLIENT;
		struct entry_sum *o = &out->other[r];
		uint64_t c[EC__COUNT];
		counters_of(e, c);
		for (int k = 0; k < EC__COUNT; k++)
			o->c[k] += c[k];
		o->pending += e->pending;
		o->status[st]++;
		/* listed last time, not now: it left the list */
		struct listed key;
		memset(&key, 0, sizeof key);
		key.addr = e->addr;
		key.role = r ? ROLE_CLIENT : ROLE_SERVER;
		const struct listed *was = t->nprev ? bsearch(&key, t->prev, t->nprev, sizeof *t->prev, listed_cmp)
						    : NULL;
		if (was)
			for (int k = 0; k < EC__COUNT; k++) {
				left_now[r][k] += c[k];
				left_prev[r][k] += was->c[k];
			}
	}
	carry_other(t, out, (const uint64_t (*)[EC__COUNT])left_now, (const uint64_t (*)[EC__COUNT])left_prev);
	remember_listed(t, all, top, by_role);
}

static void take(struct metrics *m, const struct metrics_view *v)
{
	struct metrics_snapshot *s = &m->work;
	s->c = m->c;
	s->nrules = m->nrules;
	if (m->nrules) /* m->rules is NULL before the first alert */
		memcpy(s->rules, m->rules, m->nrules * sizeof *m->rules);
	s->dec = *v->dec;
	s->have_cap = v->cap != NULL;
	if (v->cap)
		s->cap = *v->cap;
	s->memory_used = v->memory_used;
	s->memory_peak = v->memory_peak;
	s->memcap = v->memcap;
	s->hosts_dropped = v->hosts_dropped;
	const struct host_entry **all = NULL;
	size_t n = v->hm ? hm_hosts(v->hm, &all) : 0;
	take_entries(&m->track_hosts, &s->hosts, all, n, true);
	n = v->hm ? hm_domains(v->hm, &all) : 0;
	take_entries(&m->track_domains, &s->domains, all, n, false);
	metrics_queue_take(&s->queue, v->mq, v->now, metrics_top(m));
}

int metrics_write(struct metrics *m, const struct metrics_view *v, char *err, size_t errlen)
{
	take(m, v);
	prom_reset(&m->text);
	metrics_render(&m->text, &m->work);
	return prom_write_file(m->path, m->text.buf, m->text.len, err, errlen);
}

void metrics_publish(struct metrics *m, const struct metrics_view *v)
{
	take(m, v);
	pthread_mutex_lock(&m->lock);
	snapshot_copy(&m->pub, &m->work);
	m->generation++;
	atomic_store(&m->wanted, false);
	pthread_cond_broadcast(&m->published);
	pthread_mutex_unlock(&m->lock);
}

bool metrics_publish_due(struct metrics *m)
{
	/* only when asked: a snapshot sorts the host table */
	return atomic_load(&m->wanted);
}

bool metrics_latest(struct metrics *m, struct metrics_snapshot *out, int wait_ms)
{
	pthread_mutex_lock(&m->lock);
	uint64_t gen = m->generation;
	atomic_store(&m->wanted, true);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (m->generation == gen)
		if (pthread_cond_timedwait(&m->published, &m->lock, &until) == ETIMEDOUT)
			break;
	bool have = m->generation != 0;
	if (have)
		snapshot_copy(out, &m->pub);
	pthread_mutex_unlock(&m->lock);
	return have;
}

bool metrics_due(struct metrics *m, int64_t now_us)
{
	int64_t step = (int64_t)m->interval_s * 1000000;
	if (m->next_us == 0)
		m->next_us = now_us + step;
	if (now_us < m->next_us)
		return false;
	m->next_us = now_us + step;
	return true;
}

size_t metrics_top(const struct metrics *m)
{
	return m->top_hosts;
}
