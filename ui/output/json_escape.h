/* json_escape.h — the body of a JSON string (RFC 8259 section 7): bytes
 * escaped and forced to valid UTF-8 (RFC 3629; an invalid byte becomes
 * U+FFFD), for the JSON writer (json_writer.c). */
#ifndef SMTPSCOPE_JSON_ESCAPE_H
#define SMTPSCOPE_JSON_ESCAPE_H

#include <stddef.h>

/* Escapes the first n bytes of s to o, which has room for 6 * n + 4 bytes
 * (no byte grows past 6, and a character that starts before n may end up to
 * 3 bytes after it; wide copies never store past the run they copy);
 * avail >= n bytes are readable at s, so such a character is judged whole.
 * Returns the end of the output and, in *used, the bytes of s consumed
 * (n, or up to 3 more). */
char *jw_escape(char *o, const unsigned char *s, size_t n, size_t avail, size_t *used);
/* The same with the scan that needs no vector instructions: what jw_escape
 * is where SSE2 is missing; exported so the unit test checks it on every
 * machine. */
char *jw_escape_portable(char *o, const unsigned char *s, size_t n, size_t avail, size_t *used);

#endif
