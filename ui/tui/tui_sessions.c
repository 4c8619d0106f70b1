/* tui_sessions.c — the sessions of one remote host, one recipient domain, or
 * all of them: when, who, the envelope, the size, the outcome and how the
 * connection ended (RFC 5321 terms), newest first; filters by outcome ('o')
 * and by end reason ('e'); space tags sessions for 'w'. */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/flow_idle.h"
#include "decode/mem.h"
#include "ui/tui/tui_view.h"

enum {
	SC_TAG, SC_ID, SC_START, SC_PEERS, SC_HELO, SC_FROM, SC_RCPT, SC_SIZE, SC_OUT, SC_END, SC_DUR,
	SC__N
};

/* The tag mark has a column of its own that is never dropped: on the
 * narrow screens where the # column goes, a tagged session must still
 * show before 'w' writes it. */
static const struct tbl_col cols[SC__N] = {
	[SC_TAG] = { "*", 1, 1, 1, 0, false, true, false },
	[SC_ID] = { "#", 5, 8, 8, 5, true, true, false },
	[SC_START] = { "START", 12, 12, 12, 0, false, true, false },
	[SC_PEERS] = { "CLIENT -> SERVER", 20, 36, 50, 1, false, false, false },
	[SC_HELO] = { "HELO", 10, 20, 30, 6, false, false, false },
	[SC_FROM] = { "MAIL FROM", 12, 24, 40, 3, false, false, false },
	[SC_RCPT] = { "RCPT TO", 12, 24, 40, 4, false, false, false },
	[SC_SIZE] = { "SIZE", 8, 9, 9, 2, true, true, false },
	[SC_OUT] = { "OUTCOME", 8, 8, 8, 0, false, false, false },
	[SC_END] = { "ENDED", 10, 22, 30, 0, false, false, false },
	[SC_DUR] = { "DURATION", 8, 8, 8, 2, true, true, false },
};

/* Filter choices, cycled by 'o' (OUT__COUNT: any failure) and 'e'. */
static const int outcome_cycle[] = { -1, OUT_ACCEPTED, OUT_DEFERRED, OUT_REJECTED, OUT_ABORTED,
				     OUT__COUNT, OUT_OPEN };
static const int end_cycle[] = { -1, END_QUIT, END_FIN, END_RST, END_TIMEOUT, END_CAPTURE_END,
				 END_EVICTED, END_NONE };

void sessions_init(struct sessions_view *v)
{
	memset(v, 0, sizeof *v);
	tbl_init(&v->tbl, cols, SC__N, SC_START, true);
	v->outcome_filter = -1;
	v->end_filter = -1;
	v->tbl.empty = "(no session of this host is kept)";
}

void sessions_free(struct sessions_view *v)
{
	tbl_free(&v->tbl);
	free(v->v);
	free(v->marks);
}

static void retarget(struct tui *t)
{
	struct sessions_view *v = &t->sv;
	v->outcome_filter = -1;
	v->end_filter = -1;
	v->nmarks = 0;
	v->tbl.filter[0] = '\0';
	v->tbl.have_sel = false;
	v->tbl.sel = v->tbl.top = 0;
	v->n = v->first = v->ndone = 0;
	v->done_seen = 0; /* the finished sessions are looked at again */
	tbl_clear(&v->tbl);
	tbl_finish(&v->tbl);
	tui_push(t, SCR_SESSIONS);
}

void sessions_open_host(struct tui *t, const struct ip_addr *a, enum host_role role,
			const char *name)
{
	struct sessions_view *v = &t->sv;
	if (!a) {
		v->target = TGT_ALL;
		snprintf(v->title, sizeof v->title, "All sessions");
	} else {
		char b[ADDR_STRLEN];
		addr_format(a, b);
		v->target = TGT_HOST;
		v->addr = *a;
		v->role = role;
		snprintf(v->title, sizeof v->title, "Sessions %s %s%s%.64s%s",
			 role == ROLE_CLIENT ? "from" : "to", b, name && *name ? " (" : "",
			 name ? name : "", name && *name ? ")" : "");
	}
	retarget(t);
}

void sessions_open_domain(struct tui *t, const char *domain)
{
	struct sessions_view *v = &t->sv;
	v->target = TGT_DOMAIN;
	str_copy(v->domain, sizeof v->domain, domain);
	snprintf(v->title, sizeof v->title, "Sessions with recipients at %s", domain);
	retarget(t);
}

void sessions_open_ids(struct tui *t, const uint64_t *ids, size_t n, const char *what)
{
	struct sessions_view *v = &t->sv;
	v->target = TGT_IDS;
	v->nids = n < SESS_IDS_MAX ? n : SESS_IDS_MAX;
	memcpy(v->ids, ids, v->nids * sizeof *ids);
	str_copy(v->title, sizeof v->title, what);
	retarget(t);
}

/* --- the copy ------------------------------------------------------------------- */

static int outcome_rank(enum smtp_outcome o)
{
	static const int rank[OUT__COUNT] = { [OUT_ACCEPTED] = 1, [OUT_OPEN] = 2,
					      [OUT_DEFERRED] = 3, [OUT_ABORTED] = 4,
					      [OUT_REJECTED] = 5 };
	return (unsigned)o < OUT__COUNT ? rank[o] : 0;
}

static void copy_session(struct sess_copy *c, const struct smtp_session *s, bool open)
{
	memset(c, 0, sizeof *c);
	c->id = s->id;
	c->start = s->start_ts;
	c->client = s->client;
	c->server = s->server;
	c->cport = s->client_port;
	c->sport = s->server_port;
	str_copy(c->helo, sizeof c->helo, s->helo ? s->helo : "");
	c->outcome = OUT_OPEN;
	int best = -1;
	for (const struct smtp_txn *x = s->txn_head; x; x = x->next) {
		c->ntxn++;
		c->size += x->data_bytes;
		c->outcomes |= (uint8_t)(1u << x->outcome);
		if (outcome_rank(x->outcome) > best) {
			best = outcome_rank(x->outcome);
			c->outcome = x->outcome;
		}
		if (!c->from[0] && x->mail_from)
			snprintf(c->from, sizeof c->from, "<%s>", x->mail_from);
		for (const struct smtp_rcpt *r = x->rcpts.head; r; r = r->next) {
			if (!c->rcpt[0])
				str_copy(c->rcpt, sizeof c->rcpt, r->addr);
			c->nrcpt++;
		}
	}
	c->end = open ? 0 : s->end_ts;
	c->why = open ? END_NONE : s->end_reason;
	c->end_by = s->end_by;
	c->state = s->state;
	c->open = open;
	c->last = s->last_ts;
}

static bool wanted(const struct sessions_view *v, const struct smtp_session *s)
{
	switch (v->target) {
	case TGT_HOST: return session_matches_host(s, &v->addr, v->role);
	case TGT_DOMAIN: return session_matches_domain(s, v->domain);
	case TGT_IDS:
		for (size_t i = 0; i < v->nids; i++)
			if (v->ids[i] == s->id)
				return true;
		return false;
	default: return true;
	}
}

static struct sess_copy *keep(struct sessions_view *v, const struct smtp_session *s, bool open)
{
	if (v->n == v->cap) {
		if (v->first > v->cap / 2) { /* finished copies gone from the front: squeeze */
			memmove(v->v, v->v + v->first, (v->n - v->first) * sizeof *v->v);
			v->n -= v->first;
			v->first = 0;
		} else {
			v->cap = v->cap ? v->cap * 2 : 256;
			v->v = xrealloc(v->v, v->cap * sizeof *v->v);
		}
	}
	struct sess_copy *c = &v->v[v->n++];
	copy_session(c, s, open);
	return c;
}

/* Under the lock: the finished sessions are copied once (only those that
 * ended since the last snapshot), the copies of those the model's ring let
 * go are dropped; the open ones, which change with every packet, are
 * copied again. */
static void sessions_snap(struct tui *t)
{
	struct sessions_view *v = &t->sv;
	const struct model *m = t->m;
	uint64_t oldest = m->done_dropped, end = oldest + model_done_count(m);
	while (v->ndone && v->v[v->first].done_seq < oldest) {
		v->first++;
		v->ndone--;
	}
	if (!v->ndone)
		v->first = 0;
	v->n = v->first + v->ndone; /* the open copies go */
	if (v->done_seen < oldest)
		v->done_seen = oldest;
	for (; v->done_seen < end; v->done_seen++) {
		const struct smtp_session *s = model_done(m, (size_t)(v->done_seen - oldest));
		if (s && wanted(v, s)) {
			keep(v, s, false)->done_seq = v->done_seen;
			v->ndone++;
		}
	}
	for (size_t i = 0; i < m->open_n; i++)
		if (m->open[i] && wanted(v, m->open[i]))
			keep(v, m->open[i], true);
}

/* --- rows ----------------------------------------------------------------------- */

static bool passes(const struct sessions_view *v, const struct sess_copy *c)
{
	if (v->outcome_filter == OUT__COUNT) {
		unsigned bad = 1u << OUT_DEFERRED | 1u << OUT_REJECTED | 1u << OUT_ABORTED;
		if (!(c->outcomes & bad) && !(c->why == END_RST || c->why == END_TIMEOUT))
			return false;
	} else if (v->outcome_filter >= 0 && !(c->outcomes & (1u << v->outcome_filter))) {
		return false;
	}
	return v->end_filter < 0 || (int)c->why == v->end_filter;
}

static bool marked(const struct sessions_view *v, uint64_t id)
{
	for (size_t i = 0; i < v->nmarks; i++)
		if (v->marks[i] == id)
			return true;
	return false;
}

/* An open session silent for a minute: the peer, the path or the other
 * side's timer is holding it (RFC 5321 4.5.3.2 allows minutes). */
static bool stalled(const struct sess_copy *c, int64_t now)
{
	return c->open && c->last && now - c->last > IDLE_STALLED_US;
}

static void ended_text(char *out, size_t n, const struct sess_copy *c, int64_t now)
{
	if (stalled(c, now)) {
		char d[UNITS_STRLEN];
		format_duration(d, sizeof d, now - c->last);
		snprintf(out, n, "stalled %s (%s)", d, smtp_state_name(c->state));
		return;
	}
	if (c->open) {
		snprintf(out, n, "open (%s)", smtp_state_name(c->state));
		return;
	}
	const char *why = end_reason_name(c->why), *by = side_name(c->end_by);
	if (c->why == END_QUIT)
		snprintf(out, n, "quit");
	else if (by && (c->why == END_RST || c->why == END_FIN))
		snprintf(out, n, "%s by %s in %s", why ? why : "?", by, smtp_state_name(c->state));
	else
		snprintf(out, n, "%s in %s", why ? why : "?", smtp_state_name(c->state));
}

static int ended_style(const struct sess_copy *c, int64_t now)
{
	if (stalled(c, now))
		return STY_WARN;
	if (c->open)
		return STY_ACTIVE;
	switch (c->why) {
	case END_QUIT: return STY_GOOD;
	case END_RST: case END_TIMEOUT: return STY_BAD;
	case END_FIN: return c->state == ST_QUIT || c->state == ST_READY ? STY_NORMAL : STY_WARN;
	default: return STY_DIM;
	}
}

static void add_row(struct sessions_view *v, const struct sess_copy *c, int64_t now)
{
	char b[160], x[ADDR_STRLEN], y[ADDR_STRLEN];
	struct tbl *tb = &v->tbl;
	tbl_add(tb, c->id);
	bool tagged = marked(v, c->id);
	tbl_cell(tb, SC_TAG, tagged, STY_WARN, tagged ? "*" : "");
	snprintf(b, sizeof b, "%" PRIu64, c->id);
	tbl_cell(tb, SC_ID, (double)c->id, tagged ? STY_WARN : STY_DIM, b);
	fmt_hms_ms(b, sizeof b, c->start);
	tbl_cell(tb, SC_START, (double)c->start, STY_NORMAL, b);
	addr_format(&c->client, x);
	addr_format(&c->server, y);
	snprintf(b, sizeof b, "%s:%u -> %s:%u", x, c->cport, y, c->sport);
	tbl_cell(tb, SC_PEERS, 0, STY_NORMAL, b);
	tbl_cell(tb, SC_HELO, 0, STY_NORMAL, c->helo);
	tbl_cell(tb, SC_FROM, 0, STY_NORMAL, c->from);
	if (c->nrcpt > 1)
		snprintf(b, sizeof b, "%.90s +%u", c->rcpt, c->nrcpt - 1);
	else
		str_copy(b, sizeof b, c->rcpt);
	tbl_cell(tb, SC_RCPT, 0, STY_NORMAL, b);
	if (c->ntxn)
		format_size(b, sizeof b, c->size);
	else
		snprintf(b, sizeof b, "-");
	tbl_cell(tb, SC_SIZE, (double)c->size, STY_NORMAL, b);
	if (!c->ntxn)
		tbl_cell(tb, SC_OUT, -1, STY_DIM, "no mail");
	else
		tbl_cell(tb, SC_OUT, c->outcome, outcome_style(c->outcome), outcome_name(c->outcome));
	ended_text(b, sizeof b, c, now);
	tbl_cell(tb, SC_END, 0, ended_style(c, now), b);
	int64_t dur = (c->open ? now : c->end) - c->start;
	format_duration(b, sizeof b, dur);
	tbl_cell(tb, SC_DUR, (double)dur, STY_NORMAL, b);
}

static void sessions_build(struct tui *t)
{
	struct sessions_view *v = &t->sv;
	v->tbl.empty = v->outcome_filter >= 0 || v->end_filter >= 0 ?
		       "(no session passes the filters: o and e change them)" :
		       v->target == TGT_ALL ? "(no session seen yet)" :
		       v->target == TGT_IDS ? "(the sessions of this message are no longer kept)" :
		       "(no session of this host is kept)";
	tbl_clear(&v->tbl);
	for (size_t i = v->first; i < v->n; i++)
		if (passes(v, &v->v[i]))
			add_row(v, &v->v[i], t->hdr.now);
	tbl_finish(&v->tbl);
}

static struct tbl *sessions_table(struct tui *t)
{
	return &t->sv.tbl;
}

static void sessions_draw(struct tui *t, int y, int h, int w)
{
	struct sessions_view *v = &t->sv;
	char title[400], clean[400], of[96] = "";
	if (v->tbl.nvis != v->n - v->first)
		snprintf(of, sizeof of, " of %zu", v->n - v->first);
	if (v->nmarks) /* tags outlive the filters: say how many 'w' will write */
		snprintf(of + strlen(of), sizeof of - strlen(of), ", %zu tagged", v->nmarks);
	const char *oname = v->outcome_filter == OUT__COUNT ? "failed" :
			    v->outcome_filter >= 0 ? outcome_name(v->outcome_filter) : NULL;
	const char *ename = v->end_filter == END_NONE ? "open" :
			    v->end_filter >= 0 ? end_reason_name(v->end_filter) : NULL;
	snprintf(title, sizeof title, "%s: %zu session%s%s%s%s%s%s%s%s%s%s", v->title, v->tbl.nvis,
		 v->tbl.nvis == 1 ? "" : "s", of, oname ? "  [outcome: " : "", oname ? oname : "",
		 oname ? "]" : "", ename ? "  [ended: " : "", ename ? ename : "", ename ? "]" : "",
		 v->tbl.filter[0] ? "  [filter: " : "", v->tbl.filter[0] ? v->tbl.filter : "");
	if (v->tbl.filter[0])
		strncat(title, "]", sizeof title - strlen(title) - 1);
	tui_clean(clean, sizeof clean, title, strlen(title), true);
	draw_text(y, 0, w, clean, STY_PROMPT);
	tbl_draw(&v->tbl, y + 1, h - 1, w);
}

static int cycle(int cur, const int *choices, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (choices[i] == cur)
			return choices[(i + 1) % n];
	return choices[0];
}

static void toggle_mark(struct sessions_view *v, uint64_t id)
{
	for (size_t i = 0; i < v->nmarks; i++) {
		if (v->marks[i] == id) {
			v->marks[i] = v->marks[--v->nmarks];
			return;
		}
	}
	if (v->nmarks == v->capmarks) {
		v->capmarks = v->capmarks ? v->capmarks * 2 : 16;
		v->marks = xrealloc(v->marks, v->capmarks * sizeof *v->marks);
	}
	v->marks[v->nmarks++] = id;
}

static int sessions_key(struct tui *t, int ch)
{
	struct sessions_view *v = &t->sv;
	int a = tbl_key(&v->tbl, ch);
	if (a != ACT_UNHANDLED)
		return a;
	const struct tbl_row *r = tbl_selected(&v->tbl);
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		if (!r)
			return ACT_NONE;
		detail_open(t, r->id);
		return ACT_RESNAP;
	case 'o':
		v->outcome_filter = cycle(v->outcome_filter, outcome_cycle,
					  sizeof outcome_cycle / sizeof *outcome_cycle);
		return ACT_REBUILD;
	case 'e':
		v->end_filter = cycle(v->end_filter, end_cycle, sizeof end_cycle / sizeof *end_cycle);
		return ACT_REBUILD;
	case ' ':
		if (r) {
			toggle_mark(v, r->id);
			tbl_key(&v->tbl, KEY_DOWN);
		}
		return ACT_REBUILD;
	case 'c':
		v->nmarks = 0;
		return ACT_REBUILD;
	case KEY_LEFT: case 'h':
		tui_pop(t);
		return ACT_RESNAP;
	default:
		return ACT_UNHANDLED;
	}
}

/* Under the lock: the tagged sessions, else the selected one. */
static size_t sessions_pcap_ids(struct tui *t, uint64_t **ids, char *name, size_t namesz)
{
	struct sessions_view *v = &t->sv;
	const struct tbl_row *r = tbl_selected(&v->tbl);
	size_t n = v->nmarks ? v->nmarks : r ? 1 : 0;
	if (!n)
		return 0;
	*ids = xcalloc(n, sizeof **ids);
	if (v->nmarks) {
		memcpy(*ids, v->marks, n * sizeof **ids);
		snprintf(name, namesz, "smtpscope-%zu-sessions.pcap", n);
	} else {
		(*ids)[0] = r->id;
		snprintf(name, namesz, "smtpscope-session-%" PRIu64 ".pcap", r->id);
	}
	return n;
}

const struct screen_ops sessions_screen = {
	.name = "sessions",
	.snap = sessions_snap,
	.build = sessions_build,
	.draw = sessions_draw,
	.key = sessions_key,
	.table = sessions_table,
	.pcap_ids = sessions_pcap_ids,
	.footer = "Enter:ladder o:outcome e:ended /:filter s<>:sort Space:tag w:pcap ?:help "
		  "q/Esc:back",
};
