/* tui_queue.c — the gateway's queue as a queue viewer shows it ('m', as in
 * mailq): one row per next-hop domain with what is queued and for how long,
 * how fast it comes in and goes out, how long relaying takes, the last
 * error, and when the MTA will retry and give up (rules/queue.h); qshape's
 * age buckets when the terminal is wide.  Enter lists the domain's messages.
 *
 * Under the lock: one sorted walk of the queue's domains (mq_domains) and
 * one of the host model's recipient domains for their last error; the rows
 * are built from the copy afterwards. */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/mem.h"
#include "ui/tui/tui_view.h"

/* A domain is stuck once its oldest never-attempted message waited this long
 * (the queue-stuck rule of rules/default.rules says the same). */
#define STUCK_AFTER_S (15 * 60)
/* ... and expiring when its first expiry is this close. */
#define EXPIRING_WITHIN_S (60 * 60)
/* ... and a backlog when it has been growing this long (queue-backlog). */
#define GROWING_FOR_S (10 * 60)

enum {
	QC_DOMAIN, QC_QUEUED, QC_OLDEST, QC_IN, QC_OUT, QC_VELOCITY, QC_P95, QC_ERROR, QC_RETRY,
	QC_EXPIRES, QC_AGE0, QC__N = QC_AGE0 + MQ_AGE_BUCKETS
};

/* At 80 columns: DOMAIN, QUEUED, OLDEST, NEXT RETRY, EXPIRES and what is
 * left of LAST ERROR; the rates and P95 from 100; qshape's buckets at 200. */
static const struct tbl_col cols[QC__N] = {
	[QC_DOMAIN] = { "DOMAIN", 14, 24, 40, 0, false, false, false },
	[QC_QUEUED] = { "QUEUED", 7, 7, 7, 0, true, true, false },
	[QC_OLDEST] = { "OLDEST", 7, 7, 7, 0, true, true, false },
	[QC_IN] = { "IN/min", 6, 6, 6, 3, true, true, false },
	[QC_OUT] = { "OUT/min", 7, 7, 7, 3, true, true, false },
	[QC_VELOCITY] = { "VELOCITY", 8, 8, 8, 2, true, true, false },
	[QC_P95] = { "P95 RELAY", 9, 9, 9, 4, true, true, false },
	[QC_ERROR] = { "LAST ERROR", 12, 20, 400, 1, false, false, false },
	[QC_RETRY] = { "NEXT RETRY", 11, 13, 15, 0, false, true, false },
	[QC_EXPIRES] = { "EXPIRES", 9, 9, 13, 0, false, true, false },
	[QC_AGE0 + 0] = { "0-5m", 5, 5, 5, 6, true, true, false },
	[QC_AGE0 + 1] = { "5-10m", 5, 5, 5, 6, true, true, false },
	[QC_AGE0 + 2] = { "10-20m", 6, 6, 6, 6, true, true, false },
	[QC_AGE0 + 3] = { "20-40m", 6, 6, 6, 6, true, true, false },
	[QC_AGE0 + 4] = { "40-80m", 6, 6, 6, 6, true, true, false },
	[QC_AGE0 + 5] = { "80-160m", 7, 7, 7, 6, true, true, false },
	[QC_AGE0 + 6] = { ">160m", 5, 5, 5, 6, true, true, false },
};

void queue_init(struct queue_view *v)
{
	memset(v, 0, sizeof *v);
	tbl_init(&v->tbl, cols, QC__N, QC_QUEUED, true);
	v->tbl.empty = "(nothing relayed by the gateway yet)";
}

void queue_free(struct queue_view *v)
{
	tbl_free(&v->tbl);
	free(v->v);
	free(v->err);
}

void queue_open(struct tui *t)
{
	tui_push(t, SCR_QUEUE);
}

/* The row id of a domain (FNV-1a, case-folded): stable across refreshes. */
static uint64_t queue_domain_id(const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = name; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		h = (h ^ (unsigned char)c) * 1099511628211ULL;
	}
	return h;
}

/* --- the copy (under the lock) --------------------------------------------------- */

static void snap_errors(struct tui *t)
{
	struct queue_view *v = &t->qv;
	const struct host_entry **e;
	size_t n = hm_domains(t->m->hm, &e), k = 0;
	if (n > v->caperr) {
		v->caperr = n;
		v->err = xrealloc(v->err, n * sizeof *v->err);
	}
	for (size_t i = 0; i < n; i++) {
		if (!e[i]->last_error[0])
			continue;
		str_copy(v->err[k].name, sizeof v->err[k].name, e[i]->name);
		str_copy(v->err[k].text, sizeof v->err[k].text, e[i]->last_error);
		k++;
	}
	v->nerr = k;
}

static void queue_snap(struct tui *t)
{
	struct queue_view *v = &t->qv;
	v->enabled = t->m->mq != NULL;
	v->n = 0;
	v->nerr = 0;
	v->now = t->hdr.now;
	if (!v->enabled)
		return;
	mq_format_retry(mq_schedule_of(t->m->mq), v->retry, sizeof v->retry);
	const struct mq_domain **d;
	size_t n = mq_domains(t->m->mq, &d);
	if (n > v->cap) {
		v->cap = n;
		v->v = xrealloc(v->v, n * sizeof *v->v);
	}
	for (size_t i = 0; i < n; i++) {
		struct queue_copy *c = &v->v[i];
		memset(c, 0, sizeof *c);
		str_copy(c->domain, sizeof c->domain, d[i]->domain);
		c->queued = d[i]->queued;
		c->never_attempted = d[i]->never_attempted;
		c->attempts = d[i]->attempts;
		c->failed_attempts = d[i]->failed_attempts;
		c->delivered = d[i]->delivered;
		c->next_retry = d[i]->next_retry;
		c->next_delay_dsn = d[i]->next_delay_dsn;
		c->next_expiry = d[i]->next_expiry;
		memcpy(c->age_bucket, d[i]->age_bucket, sizeof c->age_bucket);
		mq_figures(t->m->mq, d[i], v->now, &c->f);
	}
	v->n = n;
	snap_errors(t);
}

/* --- rows ------------------------------------------------------------------------ */

static int cmp_err(const void *a, const void *b)
{
	return strcasecmp(((const struct dom_error *)a)->name, ((const struct dom_error *)b)->name);
}

static const char *error_of(const struct queue_view *v, const char *domain)
{
	struct dom_error key;
	str_copy(key.name, sizeof key.name, domain);
	if (!v->nerr) /* v->err may be NULL: not for bsearch */
		return "";
	const struct dom_error *e = bsearch(&key, v->err, v->nerr, sizeof *v->err, cmp_err);
	return e ? e->text : "";
}

/* Red: stuck (never attempted for 15 min), held past the delay-DSN time or
 * about to expire; yellow: deferred (failed attempts) or a growing backlog. */
static int domain_style(const struct queue_copy *c, int64_t now)
{
	if (!c->queued)
		return STY_NORMAL;
	if (c->f.unattempted_for >= STUCK_AFTER_S ||
	    (c->next_delay_dsn && c->next_delay_dsn <= now) ||
	    (c->next_expiry && c->next_expiry - now <= EXPIRING_WITHIN_S * 1000000LL))
		return STY_BAD;
	if (c->failed_attempts || c->f.growing_for >= GROWING_FOR_S)
		return STY_WARN;
	return STY_ACTIVE;
}

static void rate_cell(struct tbl *tb, int col, double r, bool sign)
{
	char b[24];
	snprintf(b, sizeof b, sign ? "%+.1f" : "%.1f", r);
	int st = !sign ? STY_NORMAL : r > 0.05 ? STY_WARN : r < -0.05 ? STY_GOOD : STY_DIM;
	tbl_cell(tb, col, r, st, b);
}

static void add_row(struct queue_view *v, const struct queue_copy *c)
{
	struct tbl *tb = &v->tbl;
	char b[64], name[MT_DOMAIN_MAX];
	int st = domain_style(c, v->now);
	tbl_add(tb, queue_domain_id(c->domain));
	tui_clean(name, sizeof name, c->domain, strlen(c->domain), true);
	tbl_cell(tb, QC_DOMAIN, 0, st, name);
	snprintf(b, sizeof b, "%u", c->queued);
	tbl_cell(tb, QC_QUEUED, c->queued, c->queued ? st : STY_DIM, b);
	format_duration_s(b, sizeof b, c->f.oldest_age);
	tbl_cell(tb, QC_OLDEST, c->f.oldest_age, c->queued ? st : STY_DIM, b);
	rate_cell(tb, QC_IN, c->f.in_rate, false);
	rate_cell(tb, QC_OUT, c->f.out_rate, false);
	rate_cell(tb, QC_VELOCITY, c->f.velocity, true);
	format_duration_s(b, sizeof b, c->f.have_delays ? c->f.p95 : -1);
	tbl_cell(tb, QC_P95, c->f.have_delays ? c->f.p95 : -1, STY_NORMAL, b);
	const char *err = error_of(v, c->domain);
	char clean[HOST_ERROR_MAX];
	tui_clean(clean, sizeof clean, err, strlen(err), true);
	tbl_cell(tb, QC_ERROR, 0, c->failed_attempts ? STY_WARN : STY_DIM, clean);
	fmt_until(b, sizeof b, c->next_retry, v->now);
	tbl_cell(tb, QC_RETRY, (double)c->next_retry,
		 !c->next_retry ? STY_DIM : c->next_retry < v->now ? STY_WARN : STY_NORMAL, b);
	fmt_until(b, sizeof b, c->next_expiry, v->now);
	tbl_cell(tb, QC_EXPIRES, (double)c->next_expiry, c->next_expiry ? st : STY_DIM, b);
	for (int i = 0; i < MQ_AGE_BUCKETS; i++) {
		snprintf(b, sizeof b, "%u", c->age_bucket[i]);
		tbl_cell(tb, QC_AGE0 + i, c->age_bucket[i], c->age_bucket[i] ? st : STY_DIM, b);
	}
}

static void queue_build(struct tui *t)
{
	struct queue_view *v = &t->qv;
	if (v->nerr)
		qsort(v->err, v->nerr, sizeof *v->err, cmp_err);
	v->tbl.empty = v->enabled ? "(nothing relayed by the gateway yet)" :
				    "(the queue view is off: --no-queue)";
	tbl_clear(&v->tbl);
	for (size_t i = 0; i < v->n; i++)
		add_row(v, &v->v[i]); /* ties keep rules/queue.h's order: oldest first */
	tbl_finish(&v->tbl);
}

static struct tbl *queue_table(struct tui *t)
{
	return &t->qv.tbl;
}

static void queue_draw(struct tui *t, int y, int h, int w)
{
	struct queue_view *v = &t->qv;
	uint64_t queued = 0;
	size_t stuck = 0;
	for (size_t i = 0; i < v->n; i++) {
		queued += v->v[i].queued;
		stuck += domain_style(&v->v[i], v->now) == STY_BAD;
	}
	char title[300], clean[300];
	snprintf(title, sizeof title,
		 "Queue per next hop: %" PRIu64 " queued for %zu domain%s, %zu stuck or expiring"
		 "  (retry %s)%s%s%s",
		 queued, v->n, v->n == 1 ? "" : "s", stuck, v->retry[0] ? v->retry : "-",
		 v->tbl.filter[0] ? "  [filter: " : "", v->tbl.filter, v->tbl.filter[0] ? "]" : "");
	tui_clean(clean, sizeof clean, title, strlen(title), true);
	draw_text(y, 0, w, clean, STY_PROMPT);
	tbl_draw(&v->tbl, y + 1, h - 1, w);
}

static const struct queue_copy *selected_domain(struct tui *t)
{
	const struct tbl_row *r = tbl_selected(&t->qv.tbl);
	if (!r)
		return NULL;
	for (size_t i = 0; i < t->qv.n; i++)
		if (queue_domain_id(t->qv.v[i].domain) == r->id)
			return &t->qv.v[i];
	return NULL;
}

static int queue_key(struct tui *t, int ch)
{
	int a = tbl_key(&t->qv.tbl, ch);
	if (a != ACT_UNHANDLED)
		return a;
	const struct queue_copy *c;
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		c = selected_domain(t);
		if (!c)
			return ACT_NONE;
		messages_open(t, c->domain);
		return ACT_RESNAP;
	case KEY_LEFT: case 'h':
		tui_pop(t);
		return ACT_RESNAP;
	default:
		return ACT_UNHANDLED;
	}
}

/* 'w': the sessions with recipients at the selected domain (as the domain
 * view of the hosts screen). */
static size_t queue_pcap_ids(struct tui *t, uint64_t **ids, char *name, size_t namesz)
{
	const struct queue_copy *c = selected_domain(t);
	if (!c)
		return 0;
	char safe[MT_DOMAIN_MAX];
	size_t k = 0;
	for (const char *p = c->domain; *p && k + 1 < sizeof safe; p++) {
		char ch = *p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
		safe[k++] = ok ? ch : '_';
	}
	safe[k] = '\0';
	snprintf(name, namesz, "smtpscope-queue-%s.pcap", safe);
	size_t nd = model_done_count(t->m), n = 0;
	*ids = xcalloc(nd + t->m->open_n + 1, sizeof **ids);
	for (size_t i = 0; i < nd + t->m->open_n; i++) {
		const struct smtp_session *s = i < nd ? model_done(t->m, i) : t->m->open[i - nd];
		if (session_matches_domain(s, c->domain))
			(*ids)[n++] = s->id;
	}
	return n;
}

const struct screen_ops queue_screen = {
	.name = "queue",
	.snap = queue_snap,
	.build = queue_build,
	.draw = queue_draw,
	.key = queue_key,
	.table = queue_table,
	.pcap_ids = queue_pcap_ids,
	.footer = "Enter:messages M:all-messages /:filter s<>:sort w:pcap a:alerts ?:help "
		  "q/Esc:back",
};
