/* tui_transcript.c — the raw transcript of a session ('t' on the ladder): one
 * line per command and per reply line as on the wire (a multi-line reply
 * keeps its "250-" continuation marks, RFC 5321 section 4.2.1), the message
 * content and TCP events as bracketed notes. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ui/tui/tui_view.h"

void transcript_draw_entry(const struct detail_view *v, const struct drow *r, int y, int w)
{
	const struct tr_entry *e = &v->tr[r->idx];
	int tw = v->abs_time ? 15 : 9;
	char b[TR_TEXT_MAX * 2 + 64], clean[TR_TEXT_MAX * 2], size[32];
	if (r->sub == 0) {
		/* microseconds, as the capture has them */
		if (v->abs_time) {
			char hms[24];
			fmt_hms_ms(hms, sizeof hms, e->ts_us);
			snprintf(b, sizeof b, "%s%03d", hms, (int)(e->ts_us % 1000));
			draw_text(y, 0, tw, b, STY_DIM);
		} else {
			fmt_rel(b, sizeof b, e->ts_us - v->s.start_ts);
			draw_text_right(y, 0, tw, b, STY_DIM);
		}
	}
	bool srv = e->dir == 'S';
	int x = tw + 2;
	draw_text(y, x, 3, srv ? "S:" : "C:", srv ? STY_SERVER : STY_CLIENT);
	x += 3;
	int style = STY_NORMAL;
	switch (e->kind) {
	case TR_REPLY: {
		/* line r->sub of a multi-line reply, as it was on the wire */
		const char *p = e->text, *end = e->text + (e->len < TR_TEXT_MAX ? e->len : TR_TEXT_MAX);
		for (int k = 0; k < r->sub && p < end; k++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		tui_clean(clean, sizeof clean, p, (size_t)((nl ? nl : end) - p), true);
		snprintf(b, sizeof b, "%u%c%s", e->code, nl ? '-' : ' ', clean);
		style = reply_style(e->code);
		break;
	}
	case TR_DATA:
		format_size(size, sizeof size, e->bytes);
		snprintf(b, sizeof b, "[message content: %s, %s]", size,
			 e->complete ? "complete" : "incomplete");
		style = STY_DIM;
		break;
	case TR_GAP:
		format_size(size, sizeof size, e->bytes);
		snprintf(b, sizeof b, "[%s missing from the capture]", size);
		style = STY_WARN;
		break;
	case TR_TCP:
		tui_clean(clean, sizeof clean, e->text, e->len, true);
		if (e->bytes)
			snprintf(b, sizeof b, "[TCP %s %" PRIu64 "]", clean, e->bytes);
		else
			snprintf(b, sizeof b, "[TCP %s]", clean);
		style = strcmp(clean, "rst") == 0 ? STY_RST : STY_WARN;
		break;
	default:
		tui_clean(b, sizeof b, e->text, e->len, true);
		break;
	}
	if (e->cut)
		strncat(b, " [cut]", sizeof b - strlen(b) - 1);
	draw_text(y, x, w - x, b, style);
}
