/* json_writer.c — streaming JSON lines (RFC 8259), UTF-8 enforced (RFC 3629).
 *
 * Every byte goes into the writer's own buffer (struct jw.buf) and a record
 * reaches stdio in one fwrite at jw_record_end.  Numbers and escapes are
 * formatted by hand: on a capture of many short sessions, fprintf's format
 * parsing and stdio's per-call locking and bookkeeping cost more than all the
 * rest of the JSON output (doc/performance.md).
 */
#include "config.h"

#include "ui/output/json_writer.h"

#include <string.h>

#include "decode/utf8.h"

/* ---- the record buffer ------------------------------------------------- */

void jw_flush(struct jw *w)
{
	if (w->len) {
		fwrite(w->buf, 1, w->len, w->out);
		w->len = 0;
	}
}

static void put(struct jw *w, const void *p, size_t n)
{
	if (n > JW_BUF - w->len) {
		jw_flush(w);
		if (n > JW_BUF) { /* a long string: straight through */
			fwrite(p, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void putch(struct jw *w, char c)
{
	if (w->len == JW_BUF)
		jw_flush(w);
	w->buf[w->len++] = c;
}

/* A string literal: its length is known at compile time. */
#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

/* ---- structure --------------------------------------------------------- */

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
	w->len = 0;
}

static void sep(struct jw *w)
{
	if (!w->first[w->depth])
		putch(w, ',');
	w->first[w->depth] = false;
}

static void open(struct jw *w, char c)
{
	sep(w);
	putch(w, c);
	if (w->depth + 1 < JW_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
	putch(w, c);
	if (w->depth > 0)
		w->depth--;
}

void jw_object_begin(struct jw *w) { open(w, '{'); }
void jw_object_end(struct jw *w) { close_(w, '}'); }
void jw_array_begin(struct jw *w) { open(w, '['); }
void jw_array_end(struct jw *w) { close_(w, ']'); }

void jw_record_end(struct jw *w)
{
	putch(w, '\n');
	jw_flush(w);
	w->depth = 0;
	w->first[0] = true;
}

void jw_keyn(struct jw *w, const char *key, size_t n)
{
	sep(w);
	if (n + 3 <= JW_BUF - w->len) { /* the usual case: one copy */
		char *o = w->buf + w->len;
		o[0] = '"';
		memcpy(o + 1, key, n);
		o[n + 1] = '"';
		o[n + 2] = ':';
		w->len += n + 3;
	} else {
		putch(w, '"');
		put(w, key, n);
		PUT_LIT(w, "\":");
	}
	/* the value that follows must not write another comma */
	w->first[w->depth] = true;
}

/* ---- strings ----------------------------------------------------------- */

/* Bytes that go out as they are: printable ASCII but the quote and the
 * backslash. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Whether any of the 8 bytes in x is not plain (SWAR: "Bit Twiddling Hacks",
 * determine if a word has a byte less than n / equal to n).  Exact as a yes
 * or no, which is all the scan needs. */
static inline bool word_needs_care(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7f);
	uint64_t lt20 = (x - ones * 0x20) & ~x;
	uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b, zd = (d - ones) & ~d;
	return ((lt20 | zq | zb | zd) & highs) != 0 || (x & highs) != 0;
}

/* Copies runs of plain bytes in one put each, finding their end 8 bytes at a
 * time; only the bytes that need escaping or UTF-8 checking go one by one. */
static void escape(struct jw *w, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (n - run >= 8) {
			uint64_t x;
			memcpy(&x, s + run, 8);
			if (word_needs_care(x))
				break;
			run += 8;
		}
		while (run < n && plain(s[run]))
			run++;
		if (run > i) {
			put(w, s + i, run - i);
			i = run;
			if (i == n)
				break;
		}
		unsigned char c = s[i];
		switch (c) {
		case '"': PUT_LIT(w, "\\\""); i++; continue;
		case '\\': PUT_LIT(w, "\\\\"); i++; continue;
		case '\n': PUT_LIT(w, "\\n"); i++; continue;
		case '\r': PUT_LIT(w, "\\r"); i++; continue;
		case '\t': PUT_LIT(w, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			put(w, u, sizeof(u));
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			PUT_LIT(w, "\\ufffd");
			i++;
			continue;
		}
		put(w, s + i, len);
		i += len;
	}
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	putch(w, '"');
	escape(w, s, n);
	putch(w, '"');
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

/* ---- numbers ----------------------------------------------------------- */

/* Decimal digits of v ending at end; returns where they start (at most 20
 * bytes before end). */
static char *u64_digits(char *end, uint64_t v)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static void put_u64(struct jw *w, uint64_t v)
{
	char buf[20];
	char *p = u64_digits(buf + sizeof(buf), v);
	put(w, p, (size_t)(buf + sizeof(buf) - p));
}

static void put_i64(struct jw *w, int64_t v)
{
	if (v < 0) {
		putch(w, '-');
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
		put_u64(w, 0 - (uint64_t)v);
	} else {
		put_u64(w, (uint64_t)v);
	}
}

void jw_int(struct jw *w, int64_t v)
{
	sep(w);
	put_i64(w, v);
}

void jw_uint(struct jw *w, uint64_t v)
{
	sep(w);
	put_u64(w, v);
}

void jw_bool(struct jw *w, bool v)
{
	sep(w);
	if (v)
		PUT_LIT(w, "true");
	else
		PUT_LIT(w, "false");
}

void jw_null(struct jw *w)
{
	sep(w);
	PUT_LIT(w, "null");
}

void jw_time(struct jw *w, int64_t ts_us)
{
	if (ts_us == 0) {
		jw_null(w);
		return;
	}
	sep(w);
	int64_t sec = ts_us / 1000000, usec = ts_us % 1000000;
	if (usec < 0) {
		usec += 1000000;
		sec--;
	}
	/* seconds, '.', always six digits of microseconds */
	char frac[7];
	frac[0] = '.';
	for (int i = 6; i >= 1; i--, usec /= 10)
		frac[i] = (char)('0' + usec % 10);
	put_i64(w, sec);
	put(w, frac, sizeof(frac));
}

/* Still snprintf: exact decimal rounding of a binary double is printf's job,
 * and this is written once per host record, not per field of a session. */
void jw_double(struct jw *w, double v, int decimals)
{
	char buf[64];
	sep(w);
	int n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	if (n > 0)
		put(w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
