/* tui_alerts.c — what the rule engine raised, newest first, grouped by rule
 * and host with counts ('g' lists every alert); Enter opens the session of
 * the (latest) alert. */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "ui/tui/tui_view.h"

enum { AC_TIME, AC_SEV, AC_RULE, AC_HOST, AC_COUNT, AC_SESS, AC_MSG, AC__N };

static const struct tbl_col cols[AC__N] = {
	[AC_TIME] = { "LAST", 8, 8, 8, 0, false, true, false },
	[AC_SEV] = { "SEVERITY", 8, 8, 8, 2, false, true, false },
	[AC_RULE] = { "RULE", 12, 20, 28, 0, false, false, false },
	[AC_HOST] = { "HOST", 15, 15, 39, 1, false, false, false },
	[AC_COUNT] = { "COUNT", 6, 6, 8, 0, true, true, false },
	[AC_SESS] = { "SESSION", 7, 7, 9, 3, true, true, false },
	[AC_MSG] = { "MESSAGE", 20, 40, 400, 1, false, false, false },
};

void alerts_init(struct alerts_view *v)
{
	memset(v, 0, sizeof *v);
	tbl_init(&v->tbl, cols, AC__N, AC_TIME, true);
	v->tbl.empty = "(no alert raised: nothing matched the rules so far)";
}

void alerts_free(struct alerts_view *v)
{
	tbl_free(&v->tbl);
	free(v->v);
	free(v->order);
}

static void alerts_snap(struct tui *t)
{
	struct alerts_view *v = &t->av;
	/* new alerts and alerts that grew (their count and message change) */
	uint64_t changes = t->m->alerts_total + t->m->alert_updates;
	if (changes == v->seen_total && v->n == model_alert_count(t->m))
		return;
	v->seen_total = changes;
	size_t n = model_alert_count(t->m);
	if (n > v->cap) {
		v->cap = n;
		v->v = xrealloc(v->v, n * sizeof *v->v);
	}
	for (size_t i = 0; i < n; i++) {
		const struct alert_rec *a = model_alert(t->m, i);
		struct alert_copy *c = &v->v[i];
		c->seq = a->seq;
		c->session_id = a->session_id;
		c->count = a->count ? a->count : 1;
		c->ts = a->ts_us;
		str_copy(c->rule, sizeof c->rule, a->rule);
		c->severity = a->severity;
		str_copy(c->host, sizeof c->host, a->host);
		str_copy(c->message, sizeof c->message, a->message);
	}
	v->n = n;
}

static void add_row(struct tbl *tb, const struct alert_copy *c, enum severity sev, size_t alerts)
{
	char b[64];
	tbl_add(tb, c->seq);
	fmt_hms(b, sizeof b, c->ts);
	tbl_cell(tb, AC_TIME, (double)c->ts, STY_NORMAL, b);
	tbl_cell(tb, AC_SEV, (double)sev, tui_severity_style(sev), severity_name(sev));
	tbl_cell(tb, AC_RULE, 0, STY_NORMAL, c->rule);
	tbl_cell(tb, AC_HOST, 0, STY_NORMAL, c->host);
	snprintf(b, sizeof b, "%zu", alerts);
	tbl_cell(tb, AC_COUNT, (double)alerts, STY_NORMAL, b);
	if (c->session_id)
		snprintf(b, sizeof b, "#%" PRIu64, c->session_id);
	else
		snprintf(b, sizeof b, "-");
	tbl_cell(tb, AC_SESS, (double)c->session_id, STY_DIM, b);
	/* an aggregating rule counted events into one alert: say how many */
	char msg[260];
	if (c->count > 1)
		snprintf(msg, sizeof msg, "%s (x%" PRIu64 ")", c->message, c->count);
	else
		str_copy(msg, sizeof msg, c->message);
	tbl_cell(tb, AC_MSG, 0, STY_NORMAL, msg);
}

static const struct alert_copy *grouping;

/* By rule, then host, newest first within a group. */
static int cmp_group(const void *a, const void *b)
{
	const struct alert_copy *x = &grouping[*(const size_t *)a];
	const struct alert_copy *y = &grouping[*(const size_t *)b];
	int d = strcmp(x->rule, y->rule);
	if (!d)
		d = strcmp(x->host, y->host);
	return d ? d : (x->seq < y->seq) - (x->seq > y->seq);
}

static void build_groups(struct alerts_view *v)
{
	if (v->n > v->caporder) {
		v->caporder = v->n;
		v->order = xrealloc(v->order, v->n * sizeof *v->order);
	}
	for (size_t i = 0; i < v->n; i++)
		v->order[i] = i;
	grouping = v->v;
	qsort(v->order, v->n, sizeof *v->order, cmp_group);
	grouping = NULL;
	for (size_t i = 0; i < v->n;) {
		const struct alert_copy *first = &v->v[v->order[i]];
		enum severity sev = first->severity;
		size_t j = i;
		for (; j < v->n; j++) {
			const struct alert_copy *c = &v->v[v->order[j]];
			if (strcmp(c->rule, first->rule) || strcmp(c->host, first->host))
				break;
			if (c->severity > sev)
				sev = c->severity;
		}
		add_row(&v->tbl, first, sev, j - i);
		i = j;
	}
}

static void alerts_build(struct tui *t)
{
	struct alerts_view *v = &t->av;
	tbl_clear(&v->tbl);
	if (v->flat) {
		for (size_t i = 0; i < v->n; i++)
			add_row(&v->tbl, &v->v[i], v->v[i].severity, 1);
	} else {
		build_groups(v);
	}
	tbl_finish(&v->tbl);
}

static struct tbl *alerts_table(struct tui *t)
{
	return &t->av.tbl;
}

static void alerts_draw(struct tui *t, int y, int h, int w)
{
	struct alerts_view *v = &t->av;
	char title[300], clean[300];
	snprintf(title, sizeof title, "Alerts: %zu raised (%" PRIu64 " in all), %s%s%s%s",
		 v->n, v->seen_total,
		 v->flat ? "one row each, newest first" : "grouped by rule and host, newest first",
		 v->tbl.filter[0] ? "  [filter: " : "", v->tbl.filter, v->tbl.filter[0] ? "]" : "");
	tui_clean(clean, sizeof clean, title, strlen(title), true);
	draw_text(y, 0, w, clean, STY_PROMPT);
	tbl_draw(&v->tbl, y + 1, h - 1, w);
}

static uint64_t selected_session(struct tui *t)
{
	const struct tbl_row *r = tbl_selected(&t->av.tbl);
	if (!r)
		return 0;
	for (size_t i = 0; i < t->av.n; i++)
		if (t->av.v[i].seq == r->id)
			return t->av.v[i].session_id;
	return 0;
}

static int alerts_key(struct tui *t, int ch)
{
	/* before the table's keys, where 'g' is Home (top row): here it
	 * switches between groups and one row per alert (Home still goes up) */
	if (ch == 'g') {
		t->av.flat = !t->av.flat;
		return ACT_REBUILD;
	}
	int a = tbl_key(&t->av.tbl, ch);
	if (a != ACT_UNHANDLED)
		return a;
	uint64_t id;
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		if (!tbl_selected(&t->av.tbl))
			return ACT_NONE;
		id = selected_session(t);
		if (!id) {
			tui_message(t, true, "this alert is not about one session");
			return ACT_REDRAW;
		}
		detail_open(t, id);
		return ACT_RESNAP;
	case KEY_LEFT: case 'h':
		tui_pop(t);
		return ACT_RESNAP;
	default:
		return ACT_UNHANDLED;
	}
}

static size_t alerts_pcap_ids(struct tui *t, uint64_t **ids, char *name, size_t namesz)
{
	uint64_t id = selected_session(t);
	if (!id)
		return 0;
	*ids = xcalloc(1, sizeof **ids);
	(*ids)[0] = id;
	snprintf(name, namesz, "smtpscope-session-%" PRIu64 ".pcap", id);
	return 1;
}

const struct screen_ops alerts_screen = {
	.name = "alerts",
	.snap = alerts_snap,
	.build = alerts_build,
	.draw = alerts_draw,
	.key = alerts_key,
	.table = alerts_table,
	.pcap_ids = alerts_pcap_ids,
	.footer = "Enter:session g:group/flat /:filter s<>:sort w:pcap ?:help q/Esc:back",
};
