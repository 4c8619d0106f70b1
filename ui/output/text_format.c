/* text_format.c — the text report's building blocks: strings from the wire
 * made safe for a terminal, lines broken to the width, times and endpoints
 * in the one form the report uses for each (durations and sizes: rules/units.h). */
#include "config.h"

#include "ui/output/text_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "decode/utf8.h"

/* --- sanitising ------------------------------------------------------------ */

/* Code points a terminal would act on rather than show: C1 controls (8-bit
 * CSI), bidirectional overrides that reorder what is displayed. */
static bool dangerous(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

/* Renders n bytes of s for a terminal into out (NUL-terminated), at most
 * max_cols columns; a cut is marked with "…".  Control bytes become \xNN,
 * invalid UTF-8 and display-reordering characters U+FFFD.  Returns columns. */
size_t txt_sanitize(char *out, size_t outsz, const char *str, size_t n, size_t max_cols)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len = 0, cols = 0, mark = 0, mark_cols = 0;
	out[0] = '\0';
	if (max_cols == 0 || outsz < 4)
		return 0;
	while (i < n) {
		char r[8];
		size_t rl, used = 1, rc = 1;
		uint32_t cp = 0;
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			r[0] = (char)s[i];
			rl = 1;
		} else if (s[i] == '\t') {
			r[0] = ' ';
			rl = 1;
		} else if (s[i] < 0x80) {
			rl = (size_t)snprintf(r, sizeof r, "\\x%02x", s[i]);
			rc = rl;
		} else if ((used = utf8_decode(s + i, n - i, &cp)) != 0 && !dangerous(cp)) {
			memcpy(r, s + i, used);
			rl = used;
		} else {
			used = used ? used : 1;
			memcpy(r, "\xef\xbf\xbd", 3);
			rl = 3;
		}
		if (cols + rc > max_cols || len + rl + 4 > outsz) {
			memcpy(out + mark, "\xe2\x80\xa6", 4); /* "…" and the NUL */
			return mark_cols + 1;
		}
		memcpy(out + len, r, rl);
		len += rl;
		cols += rc;
		out[len] = '\0';
		if (cols < max_cols) { /* room left for the cut mark after this */
			mark = len;
			mark_cols = cols;
		}
		i += used;
	}
	return cols;
}

/* Columns taken by UTF-8 text (one per code point). */
size_t txt_cols(const char *s)
{
	size_t c = 0;
	for (; *s; s++)
		c += ((unsigned char)*s & 0xc0) != 0x80;
	return c;
}

/* The unit words of rules/units.h. */
static bool is_unit(const char *w, size_t n)
{
	static const char *const units[] = { "us", "ms", "s", "B", "KB", "MB", "GB", "TB", "PB", "EB" };
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i]) == n && memcmp(units[i], w, n) == 0)
			return true;
	return false;
}

/* Bytes of the word at p, wl long, and of the unit after it when the word
 * ends in a digit ("18.4 KB)", "8 ms,"): a figure is never split from its
 * unit at the end of a line. */
static size_t figure_len(const char *p, size_t wl)
{
	if (wl == 0 || p[wl] != ' ' || p[wl - 1] < '0' || p[wl - 1] > '9')
		return wl;
	const char *u = p + wl + 1;
	size_t ul = strcspn(u, " "), letters = 0;
	while (letters < ul && ((u[letters] >= 'a' && u[letters] <= 'z') ||
				(u[letters] >= 'A' && u[letters] <= 'Z')))
		letters++;
	if (!is_unit(u, letters) || strspn(u + letters, ",;:.)]") != ul - letters)
		return wl;
	return wl + 1 + ul;
}

/* Writes already sanitised text after `lead`, broken at spaces so no line
 * passes TXT_WIDTH; continuation lines start with `indent` spaces. */
void txt_wrapped(FILE *out, const char *lead, size_t indent, const char *text)
{
	size_t col = txt_cols(lead);
	fputs(lead, out);
	const char *p = text;
	bool first = true;
	while (*p) {
		size_t wl = figure_len(p, strcspn(p, " ")), wc = 0;
		for (size_t k = 0; k < wl; k++)
			wc += ((unsigned char)p[k] & 0xc0) != 0x80;
		if (!first && col + 1 + wc > TXT_WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			putc(' ', out);
			col++;
		}
		fwrite(p, 1, wl, out);
		col += wc;
		first = false;
		p += wl;
		p += strspn(p, " ");
	}
	putc('\n', out);
}

/* --- numbers and times ------------------------------------------------------ */

/* "2026-11-20 03:00:00" (UTC), with ".123" when millis. */
void txt_time(char *out, size_t sz, int64_t ts_us, bool millis)
{
	int64_t sec = ts_us / 1000000, us = ts_us % 1000000;
	if (us < 0) {
		us += 1000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, sz, "?");
		return;
	}
	size_t n = strftime(out, sz, "%Y-%m-%d %H:%M:%S", &tm);
	if (millis && n)
		snprintf(out + n, sz - n, ".%03d", (int)(us / 1000));
}

/* Just the clock when on the capture's first day, else date and clock. */
void txt_clock(char *out, size_t sz, int64_t ts_us, int64_t day_of)
{
	char full[40], ref[40];
	txt_time(full, sizeof full, ts_us, false);
	txt_time(ref, sizeof ref, day_of ? day_of : ts_us, false);
	if (strncmp(full, ref, 10) == 0)
		snprintf(out, sz, "%s", full + 11);
	else
		snprintf(out, sz, "%s", full);
}

void txt_endpoint(char *out, size_t sz, const struct ip_addr *a, uint16_t port)
{
	char t[ADDR_STRLEN];
	addr_format(a, t);
	snprintf(out, sz, addr_is_v4(a) ? "%s:%u" : "[%s]:%u", t, port);
}
