/* tui_messages.c — the messages the gateway took in and carried on ('M', or
 * Enter on a queue domain): one row per message of the tracker
 * (rules/message_track.h) with its state, age, outbound attempts, next hops,
 * sender, Message-ID and the last reply it got; Enter lists the sessions that
 * carried it (the inbound one, the outbound attempts, a DSN about it).
 *
 * Under the lock: one walk of the tracker's pool in pool order (no sort),
 * copying only what a row shows; the table sorts the copy afterwards. */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/mem.h"
#include "ui/tui/tui_view.h"

/* Red when the first expiry is this close (as on the queue screen). */
#define EXPIRING_WITHIN_US (3600LL * 1000000)

enum {
	MC_SEQ, MC_STATE, MC_AGE, MC_ATTEMPTS, MC_DOMAINS, MC_FROM, MC_MSGID, MC_REPLY, MC_RETRY,
	MC_EXPIRES, MC__N
};

/* At 80 columns: STATE, AGE, ATT, DOMAIN(S) and the last reply; the sender
 * and the Message-ID from 100; the forecast and the number at 200. */
static const struct tbl_col cols[MC__N] = {
	[MC_SEQ] = { "#", 4, 6, 6, 5, true, true, false },
	[MC_STATE] = { "STATE", 9, 9, 9, 0, false, false, false },
	[MC_AGE] = { "AGE", 7, 7, 7, 0, true, true, false },
	[MC_ATTEMPTS] = { "ATT", 3, 3, 4, 0, true, true, false },
	[MC_DOMAINS] = { "DOMAIN(S)", 12, 18, 40, 0, false, false, false },
	[MC_FROM] = { "FROM", 12, 22, 40, 2, false, false, false },
	[MC_MSGID] = { "MESSAGE-ID", 12, 28, 60, 3, false, false, false },
	[MC_REPLY] = { "LAST REPLY", 14, 30, 400, 1, false, false, false },
	[MC_RETRY] = { "NEXT RETRY", 11, 13, 15, 4, false, true, false },
	[MC_EXPIRES] = { "EXPIRES", 9, 9, 13, 4, false, true, false },
};

void messages_init(struct messages_view *v)
{
	memset(v, 0, sizeof *v);
	tbl_init(&v->tbl, cols, MC__N, MC_SEQ, false);
	v->tbl.empty = "(no message tracked yet)";
}

void messages_free(struct messages_view *v)
{
	tbl_free(&v->tbl);
	free(v->v);
}

void messages_open(struct tui *t, const char *domain)
{
	struct messages_view *v = &t->mv;
	str_copy(v->domain, sizeof v->domain, domain ? domain : "");
	v->tbl.filter[0] = '\0';
	v->tbl.have_sel = false;
	v->tbl.sel = v->tbl.top = 0;
	v->n = 0;
	tbl_clear(&v->tbl);
	tbl_finish(&v->tbl);
	tui_push(t, SCR_MESSAGES);
}

/* --- the copy (under the lock) --------------------------------------------------- */

static bool has_leg(const struct mt_message *m, const char *domain)
{
	for (uint32_t i = 0; i < m->nlegs; i++)
		if (strcasecmp(m->legs[i].domain, domain) == 0)
			return true;
	return false;
}

static void add_id(struct msg_copy *c, uint64_t id)
{
	if (!id || c->nids == SESS_IDS_MAX)
		return;
	for (size_t i = 0; i < c->nids; i++)
		if (c->ids[i] == id)
			return;
	c->ids[c->nids++] = id;
}

/* The latest reply: the last outbound attempt's, or the DSN when it came after. */
static void last_reply(struct msg_copy *c, const struct mt_message *m)
{
	const struct mt_attempt *a = m->nattempts ? &m->attempts[m->nattempts - 1] : NULL;
	const struct mt_dsn *d = m->dsn;
	if (d && (!a || d->ts >= a->ts)) {
		snprintf(c->last_reply, sizeof c->last_reply, "DSN %s %s",
			 dsn_action_name(d->action), d->status);
		c->last_code = d->status[0] == '5' ? 550 : d->status[0] == '4' ? 450 : 250;
		return;
	}
	if (!a)
		return;
	c->last_code = a->code;
	/* the text usually starts with the enhanced code already */
	bool enh = a->enhanced[0] && strncmp(a->text, a->enhanced, strlen(a->enhanced)) != 0;
	if (a->code)
		snprintf(c->last_reply, sizeof c->last_reply, "%u %s%s%s", a->code,
			 enh ? a->enhanced : "", enh ? " " : "", a->text);
	else
		snprintf(c->last_reply, sizeof c->last_reply, "(no reply: %s)",
			 outcome_name((enum smtp_outcome)a->outcome));
}

static void copy_message(struct msg_copy *c, const struct mt_message *m, const struct mq *q)
{
	memset(c, 0, sizeof *c);
	c->seq = m->seq;
	c->state = m->state;
	c->accepted_in = m->accepted_in;
	c->first_seen = m->first_seen;
	c->delivered = m->delivered;
	c->nlegs = m->nlegs + m->legs_dropped;
	size_t k = 0;
	for (uint32_t i = 0; i < m->nlegs; i++) {
		const struct mt_leg *l = &m->legs[i];
		c->attempts += l->attempts;
		if (k + 1 < sizeof c->domains)
			k += (size_t)snprintf(c->domains + k, sizeof c->domains - k, "%s%s",
					      i ? ", " : "", l->domain);
		int64_t retry = 0, dsn = 0, exp = 0;
		if (q)
			mq_forecast(q, m, l, &retry, &dsn, &exp);
		if (retry && (!c->next_retry || retry < c->next_retry))
			c->next_retry = retry;
		if (exp && (!c->expires || exp < c->expires))
			c->expires = exp;
	}
	if (m->legs_dropped && k + 1 < sizeof c->domains)
		snprintf(c->domains + k, sizeof c->domains - k, " +%u", m->legs_dropped);
	str_copy(c->mail_from, sizeof c->mail_from, m->mail_from);
	str_copy(c->message_id, sizeof c->message_id, m->message_id);
	last_reply(c, m);
	c->dsn = m->dsn != NULL;
	add_id(c, m->inbound_session);
	for (uint32_t i = 0; i < m->nattempts; i++)
		add_id(c, m->attempts[i].session);
	if (m->dsn)
		add_id(c, m->dsn->session);
}

static void messages_snap(struct tui *t)
{
	struct messages_view *v = &t->mv;
	struct msg_tracker *mt = t->m->mt;
	v->enabled = mt != NULL;
	v->n = 0;
	v->now = t->hdr.now;
	if (!mt)
		return;
	struct mt_stats st;
	mt_get_stats(mt, &st);
	v->live = st.live;
	v->evicted = st.evicted;
	size_t pool = mt_pool_size(mt);
	for (size_t i = 0; i < pool; i++) {
		const struct mt_message *m = mt_pool_at(mt, i);
		if (!m || (v->domain[0] && !has_leg(m, v->domain)))
			continue;
		if (v->n == v->cap) {
			v->cap = v->cap ? v->cap * 2 : 256;
			v->v = xrealloc(v->v, v->cap * sizeof *v->v);
		}
		copy_message(&v->v[v->n++], m, t->m->mq);
	}
}

/* --- rows ------------------------------------------------------------------------ */

static int state_style(const struct msg_copy *c, int64_t now)
{
	switch (c->state) {
	case MS_DELIVERED: return STY_GOOD;
	case MS_BOUNCED: return STY_BAD;
	case MS_DEFERRED:
	case MS_QUEUED:
		if (c->expires && c->expires - now <= EXPIRING_WITHIN_US)
			return STY_BAD;
		return c->state == MS_DEFERRED ? STY_WARN : STY_ACTIVE;
	default: return STY_NORMAL;
	}
}

static void add_row(struct messages_view *v, const struct msg_copy *c)
{
	struct tbl *tb = &v->tbl;
	char b[200], clean[200];
	tbl_add(tb, c->seq);
	snprintf(b, sizeof b, "%" PRIu64, c->seq);
	tbl_cell(tb, MC_SEQ, (double)c->seq, STY_DIM, b);
	tbl_cell(tb, MC_STATE, c->state, state_style(c, v->now), mt_state_name(c->state));
	/* age in the gateway: since it came in (or was first seen going out) */
	int64_t since = c->accepted_in ? c->accepted_in : c->first_seen;
	double age = since && v->now >= since ? (double)(v->now - since) / 1e6 : -1;
	format_duration_s(b, sizeof b, age);
	tbl_cell(tb, MC_AGE, age, c->accepted_in ? STY_NORMAL : STY_DIM, b);
	snprintf(b, sizeof b, "%u", c->attempts);
	tbl_cell(tb, MC_ATTEMPTS, c->attempts, c->attempts > 1 ? STY_WARN : STY_NORMAL, b);
	tui_clean(clean, sizeof clean, c->domains, strlen(c->domains), true);
	tbl_cell(tb, MC_DOMAINS, 0, STY_NORMAL, clean);
	snprintf(b, sizeof b, "<%s>", c->mail_from);
	tui_clean(clean, sizeof clean, b, strlen(b), true);
	tbl_cell(tb, MC_FROM, 0, STY_NORMAL, clean);
	tui_clean(clean, sizeof clean, c->message_id, strlen(c->message_id), true);
	tbl_cell(tb, MC_MSGID, 0, c->message_id[0] ? STY_NORMAL : STY_DIM,
		 c->message_id[0] ? clean : "(none)");
	tui_clean(clean, sizeof clean, c->last_reply, strlen(c->last_reply), true);
	tbl_cell(tb, MC_REPLY, c->last_code, c->last_reply[0] ? reply_style(c->last_code) : STY_DIM,
		 c->last_reply[0] ? clean : "-");
	fmt_until(b, sizeof b, c->next_retry, v->now);
	tbl_cell(tb, MC_RETRY, (double)c->next_retry, c->next_retry ? STY_NORMAL : STY_DIM, b);
	fmt_until(b, sizeof b, c->expires, v->now);
	tbl_cell(tb, MC_EXPIRES, (double)c->expires, c->expires ? state_style(c, v->now) : STY_DIM,
		 b);
}

static void messages_build(struct tui *t)
{
	struct messages_view *v = &t->mv;
	v->tbl.empty = !v->enabled ? "(the queue view is off: --no-queue)" :
		       v->domain[0] ? "(no message for this domain is kept)" :
				      "(no message tracked yet)";
	tbl_clear(&v->tbl);
	for (size_t i = 0; i < v->n; i++)
		add_row(v, &v->v[i]);
	tbl_finish(&v->tbl);
}

static struct tbl *messages_table(struct tui *t)
{
	return &t->mv.tbl;
}

static void messages_draw(struct tui *t, int y, int h, int w)
{
	struct messages_view *v = &t->mv;
	size_t held = 0;
	for (size_t i = 0; i < v->n; i++)
		held += v->v[i].state == MS_QUEUED || v->v[i].state == MS_DEFERRED;
	char title[400], clean[400], of[48] = "", ev[48] = "";
	if (v->tbl.nvis != v->n)
		snprintf(of, sizeof of, " of %zu", v->n);
	if (v->evicted)
		snprintf(ev, sizeof ev, " (%" PRIu64 " evicted)", v->evicted);
	snprintf(title, sizeof title, "Messages%s%s: %zu%s, %zu queued or deferred%s%s%s%s",
		 v->domain[0] ? " for " : "", v->domain, v->tbl.nvis, of, held, ev,
		 v->tbl.filter[0] ? "  [filter: " : "", v->tbl.filter, v->tbl.filter[0] ? "]" : "");
	tui_clean(clean, sizeof clean, title, strlen(title), true);
	draw_text(y, 0, w, clean, STY_PROMPT);
	tbl_draw(&v->tbl, y + 1, h - 1, w);
}

static const struct msg_copy *selected_message(struct tui *t)
{
	const struct tbl_row *r = tbl_selected(&t->mv.tbl);
	if (!r)
		return NULL;
	for (size_t i = 0; i < t->mv.n; i++)
		if (t->mv.v[i].seq == r->id)
			return &t->mv.v[i];
	return NULL;
}

static int messages_key(struct tui *t, int ch)
{
	int a = tbl_key(&t->mv.tbl, ch);
	if (a != ACT_UNHANDLED)
		return a;
	const struct msg_copy *c;
	char what[160];
	switch (ch) {
	case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: case 'l':
		c = selected_message(t);
		if (!c)
			return ACT_NONE;
		if (!c->nids) {
			tui_message(t, true, "no session of this message is known");
			return ACT_REDRAW;
		}
		snprintf(what, sizeof what, "Sessions of message #%" PRIu64 " %.100s", c->seq,
			 c->message_id);
		sessions_open_ids(t, c->ids, c->nids, what);
		return ACT_RESNAP;
	case KEY_LEFT: case 'h':
		tui_pop(t);
		return ACT_RESNAP;
	default:
		return ACT_UNHANDLED;
	}
}

/* 'w': the sessions that carried the selected message. */
static size_t messages_pcap_ids(struct tui *t, uint64_t **ids, char *name, size_t namesz)
{
	const struct msg_copy *c = selected_message(t);
	if (!c || !c->nids)
		return 0;
	*ids = xcalloc(c->nids, sizeof **ids);
	memcpy(*ids, c->ids, c->nids * sizeof **ids);
	snprintf(name, namesz, "smtpscope-message-%" PRIu64 ".pcap", c->seq);
	return c->nids;
}

const struct screen_ops messages_screen = {
	.name = "messages",
	.snap = messages_snap,
	.build = messages_build,
	.draw = messages_draw,
	.key = messages_key,
	.table = messages_table,
	.pcap_ids = messages_pcap_ids,
	.footer = "Enter:sessions /:filter s<>:sort w:pcap m:queue a:alerts ?:help q/Esc:back",
};
