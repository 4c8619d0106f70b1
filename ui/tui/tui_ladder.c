/* tui_ladder.c — a session drawn as a ladder diagram (client lane on the left,
 * server lane on the right, one arrow per command, reply, message content or
 * TCP event, as sngrep draws SIP call flows; 't' swaps in the raw transcript,
 * tui_transcript.c), then its messages and alerts.  RFC 5321 replies are
 * coloured by class. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "ui/tui/tui_view.h"

static void push(struct drow **rows, size_t *cap, size_t *n, int kind, uint32_t idx, int sub)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*rows = xrealloc(*rows, *cap * sizeof **rows);
	}
	(*rows)[(*n)++] = (struct drow){ .kind = (uint8_t)kind, .idx = idx, .sub = (uint16_t)sub };
}

static int reply_lines(const struct tr_entry *e)
{
	int n = 1;
	for (uint16_t i = 0; i < e->len && i < TR_TEXT_MAX; i++)
		n += e->text[i] == '\n';
	return n;
}

size_t ladder_rows(const struct detail_view *v, struct drow **rows, size_t *cap)
{
	size_t n = 0;
	const struct smtp_session *s = &v->s;
	if (!v->transcript) {
		if (s->partial_start)
			push(rows, cap, &n, DR_MIDSTREAM, 0, 0);
		if (s->syn_seen && !s->partial_start)
			push(rows, cap, &n, DR_SYN, 0, 0);
		if (s->synack_seen && !s->partial_start)
			push(rows, cap, &n, DR_SYNACK, 0, 0);
	}
	if (v->tr_disabled)
		push(rows, cap, &n, DR_NOTRANSCRIPT, 0, 0);
	for (uint32_t i = 0; i < v->ntr; i++) {
		if (i == v->tr_head && v->tr_omitted)
			push(rows, cap, &n, DR_OMITTED, 0, 0);
		int lines = v->transcript && v->tr[i].kind == TR_REPLY ? reply_lines(&v->tr[i]) : 1;
		for (int k = 0; k < lines; k++)
			push(rows, cap, &n, DR_ENTRY, i, k);
	}
	if (!v->transcript && s->end_reason != END_QUIT && s->end_reason != END_RST &&
	    s->end_reason != END_FIN)
		push(rows, cap, &n, DR_END, 0, 0);
	if (v->ntx) {
		push(rows, cap, &n, DR_BLANK, 0, 0);
		push(rows, cap, &n, DR_TXNHEAD, 0, 0);
		for (uint32_t i = 0; i < v->ntx; i++)
			push(rows, cap, &n, DR_TXN, i, 0);
	}
	push(rows, cap, &n, DR_BLANK, 0, 0);
	push(rows, cap, &n, DR_ALERTHEAD, 0, 0);
	if (!v->nal)
		push(rows, cap, &n, DR_NOALERT, 0, 0);
	for (size_t i = 0; i < v->nal; i++)
		push(rows, cap, &n, DR_ALERT, (uint32_t)i, 0);
	return n;
}

/* --- geometry --------------------------------------------------------------------- */

struct lanes {
	int tw;      /* time column */
	int xl, xr;  /* client and server lanes */
	int xn, wn;  /* notes to the right of the server lane */
};

static void lanes_for(const struct detail_view *v, int w, struct lanes *L)
{
	L->tw = v->abs_time ? 12 : 9;
	int avail = w - L->tw - 1;
	int notes = avail >= 70 ? 24 : avail >= 50 ? 20 : 0;
	int lane = avail - notes - 2;
	if (lane > 72)
		lane = 72;
	if (lane < 10)
		lane = 10;
	L->xl = L->tw + 1;
	L->xr = L->xl + lane + 1;
	L->xn = L->xr + 2;
	L->wn = w - L->xn;
}

static void draw_time(const struct detail_view *v, int y, int64_t ts, const struct lanes *L)
{
	char b[32];
	if (!ts)
		return;
	if (v->abs_time)
		fmt_hms_ms(b, sizeof b, ts);
	else
		fmt_rel(b, sizeof b, ts - v->s.start_ts);
	draw_text_right(y, 0, L->tw, b, STY_DIM);
}

static void draw_lanes(int y, const struct lanes *L)
{
	draw_text(y, L->xl, 1, tui_g.vline, STY_DIM);
	draw_text(y, L->xr, 1, tui_g.vline, STY_DIM);
}

/* Repeats glyph g n times into out. */
static void repeat(char *out, size_t outsz, const char *g, int n)
{
	size_t gl = strlen(g), o = 0;
	for (int i = 0; i < n && o + gl < outsz; i++, o += gl)
		memcpy(out + o, g, gl);
	out[o] = '\0';
}

/* An arrow between the lanes with a label on it (label already clean). */
static void arrow(int y, const struct lanes *L, bool to_server, const char *label, int style,
		  const char *line, const char *head)
{
	int x0 = L->xl + 1, span = L->xr - L->xl - 1;
	if (span < 3)
		return;
	char buf[1024];
	repeat(buf, sizeof buf, line, span - 1);
	draw_text(y, to_server ? x0 : x0 + 1, span - 1, buf, style);
	draw_text(y, to_server ? L->xr - 1 : x0, 1, head, style);
	char text[600];
	snprintf(text, sizeof text, " %s ", label);
	int room = span - 5, tw = text_width(text);
	if (room < 4)
		return;
	if (tw > room)
		tw = room;
	draw_text(y, to_server ? x0 + 2 : L->xr - 2 - tw, room, text, style);
}

/* The transaction whose content an entry at ts belongs to, or NULL. */
static const struct det_txn *txn_at(const struct detail_view *v, int64_t ts)
{
	const struct det_txn *best = NULL;
	for (uint32_t i = 0; i < v->ntx; i++) {
		int64_t from = v->tx[i].data_ts ? v->tx[i].data_ts : v->tx[i].start_ts;
		if (from && from <= ts)
			best = &v->tx[i];
	}
	return best;
}

static void data_label(const struct detail_view *v, uint32_t i, char *out, size_t n)
{
	const struct tr_entry *e = &v->tr[i];
	const struct det_txn *x = txn_at(v, e->ts_us);
	int64_t end = i + 1 < v->ntr ? v->tr[i + 1].ts_us : v->s.end_ts;
	if (e->complete && x && x->eod_ts >= e->ts_us)
		end = x->eod_ts;
	char size[32], dur[32];
	format_size(size, sizeof size, e->bytes);
	format_duration(dur, sizeof dur, end > e->ts_us ? end - e->ts_us : 0);
	snprintf(out, n, "message content %s in %s%s", size, dur,
		 e->complete ? "" : ", incomplete");
}

static void tcp_words(const struct tr_entry *e, bool from_server, char *label, size_t ln,
		      char *note, size_t nn, int *style)
{
	const char *who = from_server ? "server" : "client";
	*style = STY_WARN;
	if (e->len == 3 && memcmp(e->text, "rst", 3) == 0) {
		snprintf(label, ln, "RST");
		snprintf(note, nn, "%sRST from %s", from_server ? "<-- " : "", who);
		*style = STY_RST;
	} else if (e->len == 3 && memcmp(e->text, "fin", 3) == 0) {
		snprintf(label, ln, "FIN");
		snprintf(note, nn, "FIN from %s", who);
		*style = STY_DIM;
	} else if (e->len == 14 && memcmp(e->text, "retransmit_run", 14) == 0) {
		snprintf(label, ln, "retransmitting, %" PRIu64 " in a row", e->bytes);
		snprintf(note, nn, "%s not ACKed", who);
	} else if (e->len == 11 && memcmp(e->text, "zero_window", 11) == 0) {
		snprintf(label, ln, "zero window");
		snprintf(note, nn, "%s cannot take more", who);
	} else {
		char clean[TR_TEXT_MAX + 1];
		tui_clean(clean, sizeof clean, e->text, e->len, true);
		snprintf(label, ln, "TCP %s", clean);
		note[0] = '\0';
	}
}

static void ladder_entry(const struct detail_view *v, uint32_t i, int y, int w,
			 const struct lanes *L)
{
	const struct tr_entry *e = &v->tr[i];
	char label[600], clean[TR_TEXT_MAX * 2], note[64] = "";
	bool from_server = e->dir == 'S';
	int style = from_server ? STY_SERVER : STY_CLIENT;
	const char *line = tui_g.hline, *head = from_server ? tui_g.arrow_l : tui_g.arrow_r;
	draw_time(v, y, e->ts_us, L);
	draw_lanes(y, L);
	switch (e->kind) {
	case TR_COMMAND:
		tui_clean(label, sizeof label, e->text, e->len, true);
		break;
	case TR_REPLY: {
		tui_clean(clean, sizeof clean, e->text, e->len, true);
		int more = reply_lines(e) - 1;
		char extra[32] = "";
		if (more > 0)
			snprintf(extra, sizeof extra, " (+%d line%s)", more, more > 1 ? "s" : "");
		snprintf(label, sizeof label, "%u %s%s", e->code, clean, extra);
		style = reply_style(e->code);
		break;
	}
	case TR_DATA:
		data_label(v, i, label, sizeof label);
		line = tui_g.data_line;
		break;
	case TR_GAP:
		snprintf(label, sizeof label, "%" PRIu64 " bytes not captured", e->bytes);
		snprintf(note, sizeof note, "gap from %s", from_server ? "server" : "client");
		style = STY_WARN;
		head = tui_g.lost;
		break;
	default:
		tcp_words(e, from_server, label, sizeof label, note, sizeof note, &style);
		break;
	}
	if (note[0] && L->wn < 12) {
		/* no room for notes: say it on the arrow */
		strncat(label, " - ", sizeof label - strlen(label) - 1);
		strncat(label, note, sizeof label - strlen(label) - 1);
		note[0] = '\0';
	}
	arrow(y, L, !from_server, label, style, line, head);
	if (note[0])
		draw_text(y, L->xn, w - L->xn, note, style == STY_RST ? STY_BAD : style);
}

static void centred(int y, const struct lanes *L, const char *text, int style)
{
	int span = L->xr - L->xl - 1, tw = text_width(text);
	int x = L->xl + 1 + (span > tw ? (span - tw) / 2 : 0);
	draw_lanes(y, L);
	draw_text(y, x, span, text, style);
}

static void end_row(const struct detail_view *v, int y, const struct lanes *L)
{
	const char *what;
	switch (v->s.end_reason) {
	case END_NONE: what = "... still open ..."; break;
	case END_TIMEOUT: what = "silence: idle timeout"; break;
	case END_CAPTURE_END: what = "capture ended here"; break;
	case END_EVICTED: what = "dropped to stay under --memcap"; break;
	default: what = "end"; break;
	}
	draw_time(v, y, v->s.end_ts, L);
	centred(y, L, what, v->s.end_reason == END_TIMEOUT ? STY_BAD : STY_DIM);
}

/* --- messages and alerts ---------------------------------------------------------- */

static void txn_row(const struct detail_view *v, uint32_t i, int y, int w)
{
	const struct det_txn *x = &v->tx[i];
	char b[700], size[32], more[24] = "", reply[200] = "no final reply";
	int used = draw_text(y, 2, 9, outcome_name(x->outcome), outcome_style(x->outcome)) + 2;
	if (x->nrcpt > 1)
		snprintf(more, sizeof more, " +%u", x->nrcpt - 1);
	format_size(size, sizeof size, x->bytes);
	if (x->has_reply) {
		char clean[200];
		tui_clean(clean, sizeof clean, x->reply, strlen(x->reply), true);
		snprintf(reply, sizeof reply, "%u %.190s", x->code, clean);
	}
	char raw[600], clean[600];
	snprintf(raw, sizeof raw, "  <%s> -> %s%s  %s  %s%s%s", x->from, x->nrcpt ? x->rcpt : "?",
		 more, x->data_ts || x->bytes ? size : "no content", reply, x->msgid[0] ? "  " : "",
		 x->msgid);
	tui_clean(clean, sizeof clean, raw, strlen(raw), true);
	str_copy(b, sizeof b, clean);
	draw_text(y, used < 11 ? 11 : used, w - 11, b, STY_NORMAL);
}

static void alert_row(const struct detail_view *v, uint32_t i, int y, int w)
{
	const struct det_alert *a = &v->al[i];
	char t[24], b[400], clean[400];
	fmt_hms(t, sizeof t, a->ts);
	draw_text(y, 2, 8, t, STY_DIM);
	draw_text(y, 11, 9, severity_name(a->severity), tui_severity_style(a->severity));
	if (a->count > 1)
		snprintf(b, sizeof b, "%s  %s (x%" PRIu64 ")", a->rule, a->message, a->count);
	else
		snprintf(b, sizeof b, "%s  %s", a->rule, a->message);
	tui_clean(clean, sizeof clean, b, strlen(b), true);
	draw_text(y, 21, w - 21, clean, STY_NORMAL);
}

void ladder_lanes(const struct detail_view *v, int y, int w)
{
	struct lanes L;
	lanes_for(v, w, &L);
	char c[ADDR_STRLEN], s[ADDR_STRLEN], b[300], clean[300];
	addr_format(&v->s.client, c);
	addr_format(&v->s.server, s);
	draw_fill(y, 0, w, STY_COLHEAD);
	draw_text(y, 0, L.tw, v->abs_time ? "TIME (UTC)" : "TIME (s)", STY_COLHEAD);
	snprintf(b, sizeof b, "client %s%s%s%s", c, v->helo[0] ? " (" : "", v->helo,
		 v->helo[0] ? ")" : "");
	tui_clean(clean, sizeof clean, b, strlen(b), true);
	char sclean[300];
	snprintf(b, sizeof b, "server %s%s%s%s", s, v->server_name[0] ? " (" : "", v->server_name,
		 v->server_name[0] ? ")" : "");
	tui_clean(sclean, sizeof sclean, b, strlen(b), true);
	/* the client over its lane, the server ending over its own (or after
	 * the client's label when the lanes are too close) */
	int span = L.xr - L.xl + 1, cw = text_width(clean), sw = text_width(sclean);
	if (cw + 2 + sw > span && cw + 2 + sw > w - L.xl)
		cw = (w - L.xl) / 2 - 1;
	int used = draw_text(y, L.xl, cw, clean, STY_COLHEAD);
	int sx = L.xr + 1 - sw;
	if (sx < L.xl + used + 2)
		sx = L.xl + used + 2;
	draw_text(y, sx, w - sx, sclean, STY_COLHEAD);
}

void ladder_draw_row(const struct detail_view *v, const struct drow *r, int y, int w)
{
	struct lanes L;
	lanes_for(v, w, &L);
	char b[200];
	switch (r->kind) {
	case DR_ENTRY:
		if (v->transcript)
			transcript_draw_entry(v, r, y, w);
		else
			ladder_entry(v, r->idx, y, w, &L);
		break;
	case DR_OMITTED:
		snprintf(b, sizeof b, "%s %" PRIu64 " entries not kept %s", tui_g.ellipsis,
			 v->tr_omitted, tui_g.ellipsis);
		if (v->transcript)
			draw_text(y, 2, w - 2, b, STY_DIM);
		else
			centred(y, &L, b, STY_DIM);
		break;
	case DR_SYN:
		draw_time(v, y, v->s.start_ts, &L);
		draw_lanes(y, &L);
		arrow(y, &L, true, "SYN", STY_DIM, tui_g.hline, tui_g.arrow_r);
		break;
	case DR_SYNACK:
		draw_lanes(y, &L);
		arrow(y, &L, false, "SYN-ACK", STY_DIM, tui_g.hline, tui_g.arrow_l);
		break;
	case DR_MIDSTREAM:
		draw_time(v, y, v->s.start_ts, &L);
		centred(y, &L, "picked up mid-stream: no handshake seen", STY_DIM);
		break;
	case DR_END:
		end_row(v, y, &L);
		break;
	case DR_TXNHEAD:
		snprintf(b, sizeof b, "Messages (%u)", v->ntx);
		draw_text(y, 0, w, b, STY_PROMPT);
		break;
	case DR_TXN:
		txn_row(v, r->idx, y, w);
		break;
	case DR_ALERTHEAD:
		snprintf(b, sizeof b, "Alerts for this session (%zu)", v->alerts_total);
		draw_text(y, 0, w, b, STY_PROMPT);
		break;
	case DR_NOALERT:
		draw_text(y, 2, w - 2, "(none raised)", STY_DIM);
		break;
	case DR_ALERT:
		alert_row(v, r->idx, y, w);
		break;
	case DR_NOTRANSCRIPT:
		draw_text(y, 2, w - 2, "(no transcript kept for this session)", STY_DIM);
		break;
	default:
		break;
	}
}
