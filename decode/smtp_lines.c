/* smtp_lines.c — capped, mostly zero-copy line splitting (RFC 5321 4.5.3.1). */
#include "config.h"

#include "decode/smtp_lines.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

void lines_init(struct line_splitter *ls, uint32_t cap)
{
	memset(ls, 0, sizeof *ls);
	ls->cap = cap ? cap : 1;
}

void lines_free(struct line_splitter *ls)
{
	lines_retire(ls);
	free(ls->buf);
	ls->buf = NULL;
}

void lines_retire(struct line_splitter *ls)
{
	if (ls->charged)
		mem_release(ls->cap);
	ls->charged = false;
	ls->len = 0;
}

bool line_after_binary(const struct line *l, struct line *out)
{
	size_t last = SIZE_MAX;
	for (size_t i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			last = i;
	}
	if (last == SIZE_MAX)
		return false;
	/* binary preambles also carry bytes >= 0x80 (a port number, say) */
	size_t from = last + 1;
	while (from < l->len && (unsigned char)l->s[from] >= 0x80)
		from++;
	if (from >= l->len)
		return false;
	*out = *l;
	out->s = l->s + from;
	out->len = l->len - from;
	return true;
}

void lines_reset(struct line_splitter *ls, bool resync)
{
	ls->len = 0;
	ls->cut = false;
	ls->cr = false;
	ls->skipping = resync;
}

/* Appends to the held partial line, cutting at the cap.  A trailing CR is
 * remembered rather than stored so that "...\r" + "\n" ends the line cleanly. */
static void hold(struct line_splitter *ls, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (!ls->charged) { /* first use: a spare, or a new buffer */
		if (!ls->buf)
			ls->buf = xmalloc(ls->cap);
		mem_charge(ls->cap);
		ls->charged = true;
	}
	if (ls->cr) {
		/* the CR was not the end of the line after all */
		if (ls->len < ls->cap)
			ls->buf[ls->len++] = '\r';
		else
			ls->cut = true;
		ls->cr = false;
	}
	if (p[n - 1] == '\r') {
		ls->cr = true;
		n--;
	}
	size_t room = ls->cap - ls->len;
	if (n > room) {
		ls->cut = true;
		n = room;
	}
	memcpy(ls->buf + ls->len, p, n);
	ls->len += (uint32_t)n;
}

size_t lines_take(struct line_splitter *ls, const uint8_t *p, size_t n, struct line *out,
		  bool *complete)
{
	*complete = false;
	const uint8_t *lf = memchr(p, '\n', n);
	if (ls->skipping) {
		if (!lf)
			return n;
		ls->skipping = false;
		return (size_t)(lf - p) + 1;
	}
	if (!lf) {
		hold(ls, p, n);
		return n;
	}
	size_t body = (size_t)(lf - p); /* bytes before the LF */
	size_t used = body + 1;
	*complete = true;
	if (!lines_pending(ls)) {
		/* the whole line is in this segment: hand it out in place */
		bool crlf = body > 0 && p[body - 1] == '\r';
		size_t len = crlf ? body - 1 : body;
		out->s = (const char *)p;
		out->bare_lf = !crlf;
		out->cut = len > ls->cap;
		out->len = out->cut ? ls->cap : len;
		return used;
	}
	bool crlf;
	if (body == 0) {
		crlf = ls->cr;
		ls->cr = false;
	} else {
		crlf = p[body - 1] == '\r';
		hold(ls, p, crlf ? body - 1 : body);
		/* hold() may have set cr if the data ended in CR twice ("\r\r\n"); keep it as data */
		if (ls->cr) {
			ls->cr = false;
			if (ls->len < ls->cap)
				ls->buf[ls->len++] = '\r';
			else
				ls->cut = true;
		}
	}
	out->s = ls->buf ? ls->buf : "";
	out->len = ls->len;
	out->cut = ls->cut;
	out->bare_lf = !crlf;
	/* the caller reads out->s before the next call; reset for the next line */
	ls->len = 0;
	ls->cut = false;
	return used;
}
