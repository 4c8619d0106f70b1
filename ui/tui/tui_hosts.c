/* tui_hosts.c — the home screen: one row per remote host (or, toggled with
 * 'd', per recipient domain) like a mail-queue viewer built from the wire,
 * worst first, with a sparkline of session outcomes over the last minutes. */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/gateway.h"
#include "rules/session_verdict.h"
#include "ui/tui/tui_view.h"

enum {
	HC_HOST, HC_NAME, HC_ROLE, HC_STATUS, HC_SINCE, HC_SESS, HC_MSGS, HC_ACC, HC_DEF, HC_REJ,
	HC_ABRT, HC_RETRY, HC_PEND, HC_ERROR, HC_LAST, HC_NEXT, HC_SPARK, HC__N
};

/* The domain table uses the same columns; HOST holds the domain, NAME and
 * ROLE are left out. */
static const struct tbl_col host_cols[HC__N] = {
	[HC_HOST] = { "HOST", 13, 39, 39, 0, false, false, false },
	[HC_NAME] = { "NAME", 12, 20, 28, 4, false, false, false },
	[HC_ROLE] = { "DIR", 3, 3, 3, 10, false, false, false },
	[HC_STATUS] = { "STATUS", 7, 8, 8, 0, false, true, false }, /* 8: "rejected" */
	[HC_SINCE] = { "SINCE", 8, 8, 8, 3, false, true, false },
	[HC_SESS] = { "SESS", 5, 6, 6, 4, true, true, false },
	[HC_MSGS] = { "MSGS", 5, 6, 6, 9, true, true, false },
	[HC_ACC] = { "ACC", 4, 6, 6, 8, true, true, false },
	[HC_DEF] = { "DEF", 4, 6, 6, 8, true, true, false },
	[HC_REJ] = { "REJ", 4, 6, 6, 8, true, true, false },
	[HC_ABRT] = { "ABRT", 5, 6, 6, 8, true, true, false },
	[HC_RETRY] = { "RETRY", 5, 6, 6, 6, true, true, false },
	[HC_PEND] = { "PEND", 4, 6, 6, 6, true, true, false },
	[HC_ERROR] = { "LAST ERROR", 24, 32, 400, 1, false, false, false, true },
	[HC_LAST] = { "LAST TRY", 8, 8, 8, 5, false, true, false },
	[HC_NEXT] = { "NEXT TRY", 11, 11, 11, 2, false, true, false },
	[HC_SPARK] = { "LAST 12 MIN", 12, 12, 12, 2, false, false, true },
};

static const struct tbl_col domain_cols[HC__N] = {
	[HC_HOST] = { "DOMAIN", 16, 30, 40, 0, false, false, false },
	[HC_NAME] = { "", 0, 0, 0, 99, false, false, false },
	[HC_ROLE] = { "", 0, 0, 0, 99, false, false, false },
	[HC_STATUS] = { "STATUS", 7, 8, 8, 0, false, true, false }, /* 8: "rejected" */
	[HC_SINCE] = { "SINCE", 8, 8, 8, 3, false, true, false },
	[HC_SESS] = { "SESS", 5, 6, 6, 4, true, true, false },
	[HC_MSGS] = { "MSGS", 5, 6, 6, 4, true, true, false },
	[HC_ACC] = { "ACC", 4, 6, 6, 8, true, true, false },
	[HC_DEF] = { "DEF", 4, 6, 6, 8, true, true, false },
	[HC_REJ] = { "REJ", 4, 6, 6, 8, true, true, false },
	[HC_ABRT] = { "ABRT", 5, 6, 6, 8, true, true, false },
	[HC_RETRY] = { "RETRY", 5, 6, 6, 6, true, true, false },
	[HC_PEND] = { "PEND", 4, 6, 6, 6, true, true, false },
	[HC_ERROR] = { "LAST ERROR", 24, 32, 400, 1, false, false, false, true },
	[HC_LAST] = { "LAST TRY", 8, 8, 8, 5, false, true, false },
	[HC_NEXT] = { "NEXT TRY", 11, 11, 11, 2, false, true, false },
	[HC_SPARK] = { "LAST 12 MIN", 12, 12, 12, 2, false, false, true },
};

void hosts_init(struct hosts_view *v)
{
	memset(v, 0, sizeof *v);
	tbl_init(&v->hosts, host_cols, HC__N, HC_STATUS, true);
	tbl_init(&v->doms, domain_cols, HC__N, HC_STATUS, true);
	v->hosts.empty = "(no SMTP sessions seen yet)";
	v->doms.empty = "(no recipient seen yet)";
}

/* Under the model lock: the copies are charged to its memory account. */
void hosts_free(struct hosts_view *v)
{
	tbl_free(&v->hosts);
	tbl_free(&v->doms);
	hc_mirror_free(&v->h);
	hc_mirror_free(&v->d);
	mem_release(v->ord_charged);
	free(v->hord);
	free(v->dord);
}

static uint64_t domain_id(const char *name)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = name; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		h = (h ^ (unsigned char)c) * 1099511628211ULL;
	}
	return h;
}

/* Entries copied per taking of the model lock: about a millisecond. */
#define HOSTS_COPY_STEP 2048

/* The remote hosts the screen lists: not the gateway's own addresses. */
static bool remote_host(void *ctx, const struct host_entry *e)
{
	return !hm_is_gateway(ctx, &e->addr);
}

/* What decides which host entries are the gateway's: when it moved, every
 * copy is filtered again (a full copy, rare: the inference settles early). */
static uint64_t gateway_mark(const struct host_model *hm)
{
	const struct gateway *g = hm_gateway(hm);
	if (gw_given(g))
		return 0;
	struct gw_member first;
	return gw_changes(g) * 2 + (gw_members(g, &first, 1) > 0);
}

/* Room for the sort orders of every copy, made under the lock so that the
 * memory account (the decoder's) sees it. */
static void reserve_orders(struct hosts_view *v)
{
	if (v->h.n > v->caphord) {
		v->caphord = v->h.n + v->h.n / 4;
		v->hord = xrealloc(v->hord, v->caphord * sizeof *v->hord);
	}
	if (v->d.n > v->capdord) {
		v->capdord = v->d.n + v->d.n / 4;
		v->dord = xrealloc(v->dord, v->capdord * sizeof *v->dord);
	}
	size_t bytes = (v->caphord + v->capdord) * sizeof *v->hord;
	mem_charge(bytes - v->ord_charged);
	v->ord_charged = bytes;
}

/* Lock released: the copies present, worst first, as hm_hosts and
 * hm_domains order them, by pointer (an entry is a few hundred bytes). */
static size_t sort_copies(const struct host_entry **ord, const struct hc_mirror *m,
			  int (*cmp)(const void *, const void *))
{
	size_t n = 0;
	for (size_t i = 0; i < m->cap && n < m->n; i++)
		if (m->present[i])
			ord[n++] = &m->copy[i];
	if (n > 1)
		qsort(ord, n, sizeof *ord, cmp);
	return n;
}

/* Under the lock: only the entries changed since the last snapshot are
 * copied (rules/host_changes.h); the sorting is done in hosts_build, after
 * the decoder got the lock back. */
static void hosts_snap(struct tui *t)
{
	struct hosts_view *v = &t->hv;
	struct host_model *hm = t->m->hm;
	uint64_t gw = gateway_mark(hm);
	bool refilter = gw != v->gw_changes;
	v->gw_changes = gw;
	/* the orders point into the copies: sorted again when these move */
	const struct host_entry *h0 = v->h.copy, *d0 = v->d.copy;
	/* a burst of changes (thousands of new hosts) in steps, the lock let
	 * go between them: the decoder waits for one step at most */
	while (!hc_mirror_step(&v->h, hm_host_changes(hm), remote_host, hm, refilter,
			       HOSTS_COPY_STEP, &v->last_h))
		tui_lock_breathe(t);
	while (!hc_mirror_step(&v->d, hm_domain_changes(hm), NULL, NULL, false, HOSTS_COPY_STEP,
			       &v->last_d))
		tui_lock_breathe(t);
	reserve_orders(v);
	v->now = t->hdr.now;
	if (v->last_h.copied || v->last_h.dropped || v->last_d.copied || v->last_d.dropped ||
	    v->h.copy != h0 || v->d.copy != d0)
		v->fresh = true;
}

/* --- rows ---------------------------------------------------------------------- */

static void num(struct tbl *tb, int col, uint64_t x, int style)
{
	char b[24];
	snprintf(b, sizeof b, "%" PRIu64, x);
	tbl_cell(tb, col, (double)x, x ? style : STY_NORMAL, b);
}

static void time_cell(struct tbl *tb, int col, int64_t ts, const char *prefix)
{
	char b[24], c[32];
	fmt_hms(b, sizeof b, ts);
	snprintf(c, sizeof c, "%s%s", ts ? prefix : "", b);
	tbl_cell(tb, col, (double)ts, ts ? STY_NORMAL : STY_DIM, c);
}

/* "~03:06:00", or "overdue 4m" once the capture's clock (now: the last
 * packet of a file, the wall clock live) passed the estimate with no new
 * attempt: the gateway stopped retrying (its queue stuck, the host given up
 * on) or the capture misses that traffic -- either way worth a look. */
static void next_cell(struct tbl *tb, int64_t est, int64_t now)
{
	if (!hm_overdue(est, now)) {
		time_cell(tb, HC_NEXT, est, "~");
		return;
	}
	long long s = (long long)((now - est) / 1000000);
	char b[32];
	if (s < 60)
		snprintf(b, sizeof b, "overdue %llds", s);
	else if (s < 3600)
		snprintf(b, sizeof b, "overdue %lldm", s / 60);
	else if (s < 48 * 3600)
		snprintf(b, sizeof b, "overdue %lldh", s / 3600);
	else
		snprintf(b, sizeof b, "overdue %lldd", s / 86400);
	tbl_cell(tb, HC_NEXT, (double)est, STY_WARN, b);
}

static void add_row(struct tbl *tb, const struct hosts_view *v, const struct host_entry *e,
		    size_t rank, size_t total, bool domain)
{
	char b[ADDR_STRLEN];
	uint64_t id = domain ? domain_id(e->name) : host_row_id(&e->addr, e->role);
	tbl_add(tb, id);
	if (domain) {
		tbl_cell(tb, HC_HOST, 0, STY_NORMAL, e->name);
	} else {
		addr_format(&e->addr, b);
		tbl_cell(tb, HC_HOST, 0, STY_NORMAL, b);
		tbl_cell(tb, HC_NAME, 0, STY_NORMAL, e->name);
		tbl_cell(tb, HC_ROLE, 0, STY_NORMAL, role_word(e->role));
	}
	int sst = status_style(e->status);
	tbl_cell(tb, HC_STATUS, (double)(total - rank), sst, host_status_name(e->status));
	time_cell(tb, HC_SINCE, e->failing_since, "");
	num(tb, HC_SESS, e->sessions, STY_NORMAL);
	num(tb, HC_MSGS, e->messages, STY_NORMAL);
	num(tb, HC_ACC, e->accepted, STY_GOOD);
	num(tb, HC_DEF, e->deferred, STY_WARN);
	num(tb, HC_REJ, e->rejected, STY_BAD);
	num(tb, HC_ABRT, e->aborted, STY_BAD);
	num(tb, HC_RETRY, e->retries, STY_WARN);
	num(tb, HC_PEND, e->pending, STY_WARN);
	tbl_cell(tb, HC_ERROR, (double)e->last_error_ts,
		 e->status == HS_READY ? STY_DIM : sst == STY_BAD ? STY_BAD : STY_NORMAL,
		 e->last_error);
	time_cell(tb, HC_LAST, e->last_attempt, "");
	next_cell(tb, e->next_retry_estimate, v->now);
	char codes[HOST_SPARK_MINUTES + 1];
	spark_codes(&e->spark, v->now, codes); /* counted by the host model as sessions end */
	size_t fails = 0;
	for (const char *p = codes; *p; p++)
		fails += *p >= 'A' && *p <= 'H';
	tbl_cell(tb, HC_SPARK, (double)fails, STY_NORMAL, codes);
}

static bool unhealthy(const struct host_entry *e)
{
	return e->status == HS_RETRY || e->status == HS_FAILING;
}

static void hosts_build(struct tui *t)
{
	struct hosts_view *v = &t->hv;
	if (v->fresh) { /* a new snapshot: sorted once, not at every key */
		v->nh = sort_copies(v->hord, &v->h, hm_cmp_hosts);
		v->nd = sort_copies(v->dord, &v->d, hm_cmp_domains);
		v->fresh = false;
	}
	tbl_clear(&v->hosts);
	for (size_t i = 0; i < v->nh; i++)
		if (!v->unhealthy_only || unhealthy(v->hord[i]))
			add_row(&v->hosts, v, v->hord[i], i, v->nh, false);
	tbl_finish(&v->hosts);
	tbl_clear(&v->doms);
	for (size_t i = 0; i < v->nd; i++)
		if (!v->unhealthy_only || unhealthy(v->dord[i]))
			add_row(&v->doms, v, v->dord[i], i, v->nd, true);
	tbl_finish(&v->doms);
}

static struct tbl *hosts_table(struct tui *t)
{
	return t->hv.domains ? &t->hv.doms : &t->hv.hosts;
}

static void hosts_draw(struct tui *t, int y, int h, int w)
{
	struct hosts_view *v = &t->hv;
	struct tbl *tb = hosts_table(t);
	size_t failing = 0, total = v->domains ? v->nd : v->nh;
	const struct host_entry **src = v->domains ? v->dord : v->hord;
	for (size_t i = 0; i < total; i++)
		failing += unhealthy(src[i]);
	char title[256];
	snprintf(title, sizeof title, "%s (%zu, %zu in trouble)%s%s%s%s",
		 v->domains ? "Recipient domains" : "Remote hosts", total, failing,
		 v->unhealthy_only ? "  [unhealthy only]" : "", tb->filter[0] ? "  [filter: " : "",
		 tb->filter, tb->filter[0] ? "]" : "");
	char clean[256];
	tui_clean(clean, sizeof clean, title, strlen(title), true);
	draw_text(y, 0, w, clean, STY_PROMPT);
	tbl_draw(tb, y + 1, h - 1, w);
}

static const struct host_entry *selected_entry(struct tui *t)
{
	struct hosts_view *v = &t->hv;
	const struct tbl_row *r = tbl_selected(hosts_table(t));
	if (!r)
		return NULL;
	const struct host_entry **src = v->domains ? v->dord : v->hord;
	size_t n = v->domains ? v->nd : v->nh;
	for (size_t i = 0; i < n; i++) {
		uint64_t id = v->domains ? domain_id(src[i]->name)
					 : host_row_id(&src[i]->addr, src[i]->role);
		if (id == r->id)
			return src[i];
	}
	return NULL;
}

static int hosts_key(struct tui *t, int ch)
{
	struct hosts_view *v = &t->hv;
	int a = tbl_key(hosts_table(t), ch);
	if (a != ACT_UNHANDLED)
		return a;
	const struct host_entry *e;
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		e = selected_entry(t);
		if (!e)
			return ACT_NONE;
		if (v->domains)
			sessions_open_domain(t, e->name);
		else
			sessions_open_host(t, &e->addr, e->role, e->name);
		return ACT_RESNAP;
	case 'u':
		v->unhealthy_only = !v->unhealthy_only;
		return ACT_REBUILD;
	case 'd': case '\t':
		v->domains = !v->domains;
		return ACT_REDRAW; /* both tables are built at each snapshot */
	case 'S':
		sessions_open_host(t, NULL, ROLE_SERVER, NULL);
		return ACT_RESNAP;
	default:
		return ACT_UNHANDLED;
	}
}

/* A file name from a host or domain: letters, digits, '.', '-' and '_'. */
static void pcap_name(char *out, size_t n, const char *what)
{
	char safe[96];
	size_t k = 0;
	for (const char *p = what; *p && k + 1 < sizeof safe; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '-';
		safe[k++] = ok ? c : '_';
	}
	safe[k] = '\0';
	snprintf(out, n, "smtpscope-%s.pcap", safe);
}

static size_t hosts_pcap_ids(struct tui *t, uint64_t **ids, char *name, size_t namesz)
{
	const struct host_entry *e = selected_entry(t);
	if (!e)
		return 0;
	char b[ADDR_STRLEN];
	if (t->hv.domains) {
		pcap_name(name, namesz, e->name);
	} else {
		addr_format(&e->addr, b);
		pcap_name(name, namesz, b);
	}
	size_t nd = model_done_count(t->m), n = 0;
	*ids = xcalloc(nd + t->m->open_n + 1, sizeof **ids);
	for (size_t i = 0; i < nd + t->m->open_n; i++) {
		const struct smtp_session *s = i < nd ? model_done(t->m, i) : t->m->open[i - nd];
		if (!s)
			continue; /* an ended session's hole */
		bool match = t->hv.domains ? session_matches_domain(s, e->name)
					   : session_matches_host(s, &e->addr, e->role);
		if (match)
			(*ids)[n++] = s->id;
	}
	return n;
}

static bool hosts_bundle_host(struct tui *t, struct ip_addr *host)
{
	const struct host_entry *e = selected_entry(t);
	if (!e || t->hv.domains)
		return false;
	*host = e->addr;
	return true;
}

const struct screen_ops hosts_screen = {
	.bundle_host = hosts_bundle_host,
	.name = "hosts",
	.snap = hosts_snap,
	.build = hosts_build,
	.draw = hosts_draw,
	.key = hosts_key,
	.table = hosts_table,
	.pcap_ids = hosts_pcap_ids,
	.footer = "Enter:sessions /:filter u:unhealthy d:domains s<>:sort a:alerts m:queue w:pcap "
		  "b:bundle p:pause ?:help q:quit",
};
