/* line_buf.c — lines of text built in memory, one fwrite each (line_buf.h). */
#include "config.h"

#include "ui/output/line_buf.h"

#include <string.h>

void lb_init(struct line_buf *l, FILE *out)
{
	l->out = out;
	l->len = 0;
}

void lb_flush(struct line_buf *l)
{
	if (l->len) {
		fwrite(l->buf, 1, l->len, l->out);
		l->len = 0;
	}
}

void lb_put(struct line_buf *l, const char *s, size_t n)
{
	if (n > LB_SIZE - l->len) {
		lb_flush(l);
		if (n > LB_SIZE) { /* longer than the buffer: straight through */
			fwrite(s, 1, n, l->out);
			return;
		}
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void lb_str(struct line_buf *l, const char *s)
{
	lb_put(l, s, strlen(s));
}

void lb_spaces(struct line_buf *l, int width)
{
	if (width < 0) /* as printf: a negative width is a width */
		width = -width;
	while (width > 0) {
		int k = width < 64 ? width : 64;
		char *o = lb_room(l, (size_t)k);
		memset(o, ' ', (size_t)k);
		lb_done(l, o + k);
		width -= k;
	}
}

/* printf's padding: width - n spaces when the text is shorter; a negative
 * width pads on the right ("%-*"). */
static int pad(int width, size_t n)
{
	int w = width < 0 ? -width : width;
	return (size_t)w > n ? w - (int)n : 0;
}

void lb_u64_right(struct line_buf *l, uint64_t v, int width)
{
	int p = pad(width, digits_len(v));
	if (width > 0)
		lb_spaces(l, p);
	lb_u64(l, v);
	if (width < 0)
		lb_spaces(l, p);
}

void lb_str_left(struct line_buf *l, const char *s, int width)
{
	size_t n = strlen(s);
	lb_put(l, s, n);
	lb_spaces(l, pad(width, n));
}
