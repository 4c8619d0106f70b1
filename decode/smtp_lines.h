/* smtp_lines.h — splits a byte stream into capped lines (RFC 5321 4.5.3.1:
 * 512-byte command lines, 1000-byte text lines; we keep up to a configurable
 * cap and count the rest as cut).
 *
 * A line that lies entirely inside the input is returned as a pointer into it
 * (no copy); only a line split across segments is assembled in the splitter's
 * own buffer, which never grows beyond the cap.  CRLF and bare LF both end a
 * line (bare LF is reported so it can be counted).
 */
#ifndef SMTPSCOPE_SMTP_LINES_H
#define SMTPSCOPE_SMTP_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct line {
	const char *s;   /* without the line ending */
	size_t len;
	bool cut;        /* longer than the cap: s holds the first cap bytes */
	bool bare_lf;    /* ended by LF alone */
};

struct line_splitter {
	char *buf;       /* partial line, cap bytes, allocated on first use; while not
			  * charged, a spare kept from an earlier session (smtp_pool.h) */
	uint32_t len;    /* bytes held in buf */
	uint32_t cap;
	bool cut;        /* the held line already overflowed */
	bool cr;         /* the held line's last byte was CR (not kept in buf) */
	bool skipping;   /* discarding up to the next LF (resynchronising) */
	bool charged;    /* buf is in use and charged to mem.h */
};

void lines_init(struct line_splitter *ls, uint32_t cap);
void lines_free(struct line_splitter *ls);
/* Like lines_free, but keeps the buffer as the spare for the next user of
 * this splitter (released from the accounting all the same). */
void lines_retire(struct line_splitter *ls);

/* Consumes input up to and including the next LF.  Returns the number of
 * bytes consumed; *out is filled and true returned through *complete when a
 * line ended, otherwise the bytes were held (or discarded while skipping). */
size_t lines_take(struct line_splitter *ls, const uint8_t *p, size_t n, struct line *out,
		  bool *complete);

/* A line that starts with binary bytes (a SOCKS or proxy preamble glued to
 * the first SMTP line): *out is what follows the last control byte.  False
 * if there is no control byte or nothing after it. */
bool line_after_binary(const struct line *l, struct line *out);

/* Drops a held partial line.  With resync, also discards input up to the
 * next LF: after a gap, the first partial line is unreliable. */
void lines_reset(struct line_splitter *ls, bool resync);

/* True while a partial line is held. */
static inline bool lines_pending(const struct line_splitter *ls)
{
	return ls->len > 0 || ls->cut || ls->cr;
}

#endif
