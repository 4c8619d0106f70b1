/* tui_detail.c — one session in detail: a summary (endpoints, HELO, banner,
 * how it ended and, for a failed one, why in words), then the ladder diagram
 * or, with 't', the raw transcript, the messages (RFC 5321 transactions) and
 * the alerts raised for it.  The session is copied under the lock; when the
 * model lets it go (evicted), the last copy stays on screen. */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "ui/tui/tui_view.h"

void detail_free(struct detail_view *v)
{
	free(v->tr);
	free(v->tx);
	free(v->al);
	free(v->rows);
}

void detail_open(struct tui *t, uint64_t session_id)
{
	struct detail_view *v = &t->dv;
	v->id = session_id;
	v->have = v->gone = false;
	v->top = 0;
	v->ntr = v->ntx = 0;
	v->nal = v->alerts_total = 0;
	tui_push(t, SCR_DETAIL);
}

static void copy_transcript(struct detail_view *v, const struct transcript *tr)
{
	v->tr_disabled = tr == NULL;
	v->ntr = 0;
	v->tr_head = 0;
	v->tr_omitted = 0;
	if (!tr)
		return;
	uint32_t n = tr_kept(tr);
	if (n > v->captr) {
		v->captr = n;
		v->tr = xrealloc(v->tr, n * sizeof *v->tr);
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct tr_entry *e = tr_get(tr, i);
		if (e)
			v->tr[v->ntr++] = *e;
	}
	v->tr_head = tr_head_count(tr);
	v->tr_omitted = tr_omitted(tr);
}

static void copy_txn(struct det_txn *d, const struct smtp_txn *x)
{
	memset(d, 0, sizeof *d);
	d->start_ts = x->start_ts;
	d->data_ts = x->data_ts;
	d->body_ts = x->body_ts;
	d->eod_ts = x->eod_ts;
	d->end_ts = x->end_ts;
	d->bytes = x->data_bytes;
	d->complete = x->data_complete;
	d->outcome = x->outcome;
	d->has_reply = x->has_reply;
	d->code = x->has_reply ? x->reply.code : 0;
	str_copy(d->from, sizeof d->from, x->mail_from ? x->mail_from : "");
	str_copy(d->msgid, sizeof d->msgid, x->message_id ? x->message_id : "");
	str_copy(d->reply, sizeof d->reply, x->has_reply ? x->reply.text : "");
	for (const struct smtp_rcpt *r = x->rcpts.head; r; r = r->next) {
		if (!d->nrcpt)
			str_copy(d->rcpt, sizeof d->rcpt, r->addr);
		d->nrcpt++;
	}
}

static void copy_txns(struct detail_view *v, const struct smtp_session *s)
{
	v->ntx = 0;
	for (const struct smtp_txn *x = s->txn_head; x; x = x->next) {
		if (v->ntx == v->captx) {
			v->captx = v->captx ? v->captx * 2 : 8;
			v->tx = xrealloc(v->tx, v->captx * sizeof *v->tx);
		}
		copy_txn(&v->tx[v->ntx++], x);
	}
}

#define DETAIL_ALERTS_MAX 100

static void copy_alerts(struct detail_view *v, const struct model *m)
{
	v->nal = v->alerts_total = 0;
	for (size_t i = model_alert_count(m); i-- > 0;) {
		const struct alert_rec *a = model_alert(m, i);
		if (a->session_id != v->id)
			continue;
		v->alerts_total++;
		if (v->nal == DETAIL_ALERTS_MAX)
			continue;
		if (v->nal == v->capal) {
			v->capal = v->capal ? v->capal * 2 : 8;
			v->al = xrealloc(v->al, v->capal * sizeof *v->al);
		}
		struct det_alert *d = &v->al[v->nal++];
		d->ts = a->ts_us;
		d->count = a->count;
		str_copy(d->rule, sizeof d->rule, a->rule);
		d->severity = a->severity;
		str_copy(d->message, sizeof d->message, a->message);
	}
}

static void detail_snap(struct tui *t)
{
	struct detail_view *v = &t->dv;
	const struct smtp_session *s = model_find_session(t->m, v->id);
	if (!s) {
		v->gone = v->have;
		return;
	}
	v->have = true;
	v->gone = false;
	v->s = *s;
	/* keep the scalars only: what the pointers own stays with the model */
	v->s.helo = NULL;
	v->s.txn_head = v->s.txn_tail = NULL;
	v->s.transcript = NULL;
	v->s.parser = NULL;
	memset(&v->s.arena, 0, sizeof v->s.arena);
	str_copy(v->helo, sizeof v->helo, s->helo ? s->helo : "");
	v->failure[0] = '\0';
	if (s->end_reason != END_NONE)
		hm_describe_failure(s, v->failure, sizeof v->failure);
	size_t n = s->has_banner ? strcspn(s->banner.text, " \n") : 0;
	if (n >= sizeof v->server_name)
		n = sizeof v->server_name - 1;
	memcpy(v->server_name, s->banner.text, n);
	v->server_name[n] = '\0';
	copy_transcript(v, s->transcript);
	copy_txns(v, s);
	copy_alerts(v, t->m);
}

static void detail_build(struct tui *t)
{
	(void)t;
}

/* --- summary -------------------------------------------------------------------- */

static void line(int y, int w, const char *text, int style)
{
	char clean[512];
	tui_clean(clean, sizeof clean, text, strlen(text), true);
	draw_text(y, 0, w, clean, style);
}

static void ended_words(const struct smtp_session *s, char *out, size_t n)
{
	const char *by = side_name(s->end_by);
	switch (s->end_reason) {
	case END_NONE:
		snprintf(out, n, "open, in state %s", smtp_state_name(s->state));
		break;
	case END_QUIT:
		snprintf(out, n, "ended politely (QUIT)");
		break;
	case END_RST:
		snprintf(out, n, "RST from %s in state %s", by ? by : "?", smtp_state_name(s->state));
		break;
	case END_FIN:
		snprintf(out, n, "closed (FIN) by %s without QUIT, in state %s", by ? by : "?",
			 smtp_state_name(s->state));
		break;
	default:
		snprintf(out, n, "ended: %s, in state %s", end_reason_name(s->end_reason),
			 smtp_state_name(s->state));
		break;
	}
}

static int ended_style(const struct smtp_session *s)
{
	switch (s->end_reason) {
	case END_NONE: return STY_ACTIVE;
	case END_QUIT: return STY_GOOD;
	case END_RST: return STY_RST;
	case END_TIMEOUT: return STY_BAD;
	default: return STY_WARN;
	}
}

/* "retransmits client 6" style words for a per-side counter, "" if zero. */
static void per_side(char *out, size_t n, const char *what, uint64_t c, uint64_t s)
{
	out[0] = '\0';
	if (c && s)
		snprintf(out, n, "  %s client %" PRIu64 " server %" PRIu64, what, c, s);
	else if (c || s)
		snprintf(out, n, "  %s %s %" PRIu64, what, c ? "client" : "server", c ? c : s);
}

static void tcp_line(const struct smtp_session *s, char *out, size_t n)
{
	const struct tcp_dir_stats *tc = &s->tcp[SIDE_CLIENT], *ts = &s->tcp[SIDE_SERVER];
	char rtx[80], gaps[80], zw[80];
	per_side(rtx, sizeof rtx, "retransmits", tc->retransmits, ts->retransmits);
	per_side(gaps, sizeof gaps, "gaps", tc->gaps, ts->gaps);
	per_side(zw, sizeof zw, "zero windows", tc->zero_windows, ts->zero_windows);
	snprintf(out, n, "TCP  packets %" PRIu64 " (client %" PRIu64 ", server %" PRIu64 ")%s%s%s%s"
		 "  TLS %s%s", tc->packets + ts->packets, tc->packets, ts->packets, rtx, gaps, zw,
		 rtx[0] || gaps[0] || zw[0] ? "" : "  no retransmission, gap or zero window",
		 s->tls ? "yes" : "no", s->partial_start ? "  (picked up mid-stream)" : "");
}

/* Draws the summary from y; returns the lines used. */
static int summary(struct tui *t, int y, int w)
{
	const struct detail_view *v = &t->dv;
	const struct smtp_session *s = &v->s;
	char b[600], c[ADDR_STRLEN], d[ADDR_STRLEN], when[32], dur[32];
	addr_format(&s->client, c);
	addr_format(&s->server, d);
	fmt_datetime(when, sizeof when, s->start_ts);
	format_duration(dur, sizeof dur, (s->end_ts ? s->end_ts : t->hdr.now) - s->start_ts);
	snprintf(b, sizeof b, "Session #%" PRIu64 "  %s:%u -> %s:%u  %s UTC  lasted %s%s", s->id, c,
		 s->client_port, d, s->server_port, when, dur,
		 v->gone ? "  [no longer in memory: last copy]" : "");
	line(y, w, b, STY_PROMPT);
	ended_words(s, b, sizeof b);
	int used = draw_text(y + 1, 0, w, b, ended_style(s));
	char rest[600];
	snprintf(rest, sizeof rest, "   HELO %s   banner %u %s", v->helo[0] ? v->helo : "-",
		 s->has_banner ? s->banner.code : 0, s->has_banner ? s->banner.text : "(none)");
	char clean[600];
	tui_clean(clean, sizeof clean, rest, strlen(rest), true);
	draw_text(y + 1, used, w - used, clean, STY_NORMAL);
	int n = 2;
	if (v->failure[0]) {
		snprintf(b, sizeof b, "! %s", v->failure);
		line(y + n++, w, b, STY_BAD);
	}
	tcp_line(s, b, sizeof b);
	line(y + n++, w, b, STY_DIM);
	return n;
}

static void detail_draw(struct tui *t, int y, int h, int w)
{
	struct detail_view *v = &t->dv;
	if (!v->have) {
		draw_text(y, 0, w, "This session is no longer kept in memory.", STY_WARN);
		return;
	}
	int n = summary(t, y, w);
	y += n;
	h -= n;
	if (h < 2)
		return;
	int head = y;
	if (!v->transcript) {
		ladder_lanes(v, y, w);
	} else {
		draw_fill(y, 0, w, STY_COLHEAD);
		draw_text(y, 0, w, v->abs_time ? "TIME (UTC)       DIR  RAW TRANSCRIPT"
					       : "TIME (s)    DIR  RAW TRANSCRIPT", STY_COLHEAD);
	}
	y++;
	h--;
	size_t total = ladder_rows(v, &v->rows, &v->caprows);
	size_t page = (size_t)(h > 0 ? h : 1);
	if (v->top + page > total)
		v->top = total > page ? total - page : 0;
	for (int i = 0; i < h && v->top + (size_t)i < total; i++)
		ladder_draw_row(v, &v->rows[v->top + (size_t)i], y + i, w);
	if (total > page) {
		/* where we are, on the column header line */
		char more[48];
		snprintf(more, sizeof more, " %zu-%zu/%zu ", v->top + 1,
			 v->top + page < total ? v->top + page : total, total);
		int mw = text_width(more);
		draw_fill(head, w - mw, mw, STY_COLSORT);
		draw_text(head, w - mw, mw, more, STY_COLSORT);
	}
	v->nlines = total > page ? total - page + 1 : 1; /* scroll positions */
}

static void scroll_by(struct detail_view *v, long delta)
{
	long top = (long)v->top + delta;
	if (top >= (long)v->nlines)
		top = (long)v->nlines - 1;
	v->top = top < 0 ? 0 : (size_t)top;
}

static int detail_key(struct tui *t, int ch)
{
	struct detail_view *v = &t->dv;
	switch (ch) {
	case KEY_UP: case 'k': scroll_by(v, -1); return ACT_REDRAW;
	case KEY_DOWN: case 'j': scroll_by(v, 1); return ACT_REDRAW;
	case KEY_PPAGE: case 'b' & 0x1f: scroll_by(v, -(LINES - 8)); return ACT_REDRAW;
	case KEY_NPAGE: case 'f' & 0x1f: case ' ': scroll_by(v, LINES - 8); return ACT_REDRAW;
	case KEY_HOME: case 'g': v->top = 0; return ACT_REDRAW;
	case KEY_END: case 'G': scroll_by(v, 1L << 30); return ACT_REDRAW;
	case 't':
		v->transcript = !v->transcript;
		v->top = 0;
		return ACT_REDRAW;
	case 'r':
		v->abs_time = !v->abs_time;
		return ACT_REDRAW;
	case KEY_LEFT: case 'h':
		tui_pop(t);
		return ACT_RESNAP;
	default:
		return ACT_UNHANDLED;
	}
}

static size_t detail_pcap_ids(struct tui *t, uint64_t **ids, char *name, size_t namesz)
{
	if (!t->dv.have)
		return 0;
	*ids = xcalloc(1, sizeof **ids);
	(*ids)[0] = t->dv.id;
	snprintf(name, namesz, "smtpscope-session-%" PRIu64 ".pcap", t->dv.id);
	return 1;
}

const struct screen_ops detail_screen = {
	.name = "session",
	.snap = detail_snap,
	.build = detail_build,
	.draw = detail_draw,
	.key = detail_key,
	.table = NULL,
	.pcap_ids = detail_pcap_ids,
	.footer = "t:transcript/ladder r:time abs/rel arrows:scroll w:pcap a:alerts ?:help q/Esc:back",
};
