/* text_format.h — building blocks of the text report (ui/output/text_report.c). */
#ifndef SMTPSCOPE_TEXT_FORMAT_H
#define SMTPSCOPE_TEXT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "decode/addr.h"

#define TXT_WIDTH 100   /* no line of the report is longer */

/* Renders n bytes of str for a terminal into out (NUL-terminated), at most
 * max_cols columns; a cut is marked with "…".  Control bytes become \xNN,
 * invalid UTF-8 and display-reordering characters U+FFFD.  Returns columns. */
size_t txt_sanitize(char *out, size_t outsz, const char *str, size_t n, size_t max_cols);
/* Columns taken by UTF-8 text (one per code point). */
size_t txt_cols(const char *s);
/* Writes already sanitised text after `lead`, broken at spaces so no line
 * passes TXT_WIDTH; continuation lines start with `indent` spaces.  A figure
 * stays on the line of its unit ("18.4 KB", "8 ms,"). */
void txt_wrapped(FILE *out, const char *lead, size_t indent, const char *text);
/* "2026-11-20 03:00:00" (UTC), with ".123" when millis. */
void txt_time(char *out, size_t sz, int64_t ts_us, bool millis);
/* Just the clock when on the day of day_of, else date and clock. */
void txt_clock(char *out, size_t sz, int64_t ts_us, int64_t day_of);
/* "192.0.2.1:25", "[2001:db8::1]:25". */
void txt_endpoint(char *out, size_t sz, const struct ip_addr *a, uint16_t port);

#endif
