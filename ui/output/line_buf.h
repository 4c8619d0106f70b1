/* line_buf.h — text built in memory and handed to stdio in one fwrite per
 * line (or per 4 KiB): the CSV rows and the text report's host table are
 * written once per session or host, and printf's format parsing and
 * stdio's per-call work were most of their cost.  The same text as the
 * printf conversions named below, byte for byte. */
#ifndef SMTPSCOPE_LINE_BUF_H
#define SMTPSCOPE_LINE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ui/output/digits.h"

#define LB_SIZE 4096

struct line_buf {
	FILE *out;
	size_t len;
	char buf[LB_SIZE];
};

void lb_init(struct line_buf *l, FILE *out);
/* Gives the buffered text to out (fwrite, not fflush). */
void lb_flush(struct line_buf *l);

/* Room for n bytes (n <= LB_SIZE); where they go.  The caller writes them
 * and sets l->len past them (lb_done). */
static inline char *lb_room(struct line_buf *l, size_t n)
{
	if (LB_SIZE - l->len < n)
		lb_flush(l);
	return l->buf + l->len;
}

static inline void lb_done(struct line_buf *l, const char *end)
{
	l->len = (size_t)(end - l->buf);
}

/* n bytes of any length. */
void lb_put(struct line_buf *l, const char *s, size_t n);
void lb_str(struct line_buf *l, const char *s);
static inline void lb_ch(struct line_buf *l, char c)
{
	char *o = lb_room(l, 1);
	*o = c;
	lb_done(l, o + 1);
}

/* "%" PRIu64 */
static inline void lb_u64(struct line_buf *l, uint64_t v)
{
	lb_done(l, digits_u64(lb_room(l, 20), v));
}

/* "%*" PRIu64: right-aligned in width columns (wider numbers stay whole;
 * a negative width aligns left, as printf's). */
void lb_u64_right(struct line_buf *l, uint64_t v, int width);
/* "%-*s": s left-aligned, spaces after it up to width (longer stays whole). */
void lb_str_left(struct line_buf *l, const char *s, int width);
/* "%*s" with "": |width| spaces. */
void lb_spaces(struct line_buf *l, int width);

#endif
