/* json_writer.c — streaming JSON lines (RFC 8259), UTF-8 enforced (RFC 3629). */
#include "config.h"

#include "ui/output/json_writer.h"

#include "decode/utf8.h"

/* One thread writes a stream at a time: the _unlocked stdio calls (GNU)
 * spare a lock per character. */

#include <inttypes.h>
#include <string.h>

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
}

static void sep(struct jw *w)
{
	if (!w->first[w->depth])
		putc_unlocked(',', w->out);
	w->first[w->depth] = false;
}

static void open(struct jw *w, char c)
{
	sep(w);
	putc_unlocked(c, w->out);
	if (w->depth + 1 < JW_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
	putc_unlocked(c, w->out);
	if (w->depth > 0)
		w->depth--;
}

void jw_object_begin(struct jw *w) { open(w, '{'); }
void jw_object_end(struct jw *w) { close_(w, '}'); }
void jw_array_begin(struct jw *w) { open(w, '['); }
void jw_array_end(struct jw *w) { close_(w, ']'); }

void jw_record_end(struct jw *w)
{
	putc_unlocked('\n', w->out);
	w->depth = 0;
	w->first[0] = true;
}

void jw_key(struct jw *w, const char *key)
{
	sep(w);
	putc_unlocked('"', w->out);
	fputs_unlocked(key, w->out);
	fputs_unlocked("\":", w->out);
	/* the value that follows must not write another comma */
	w->first[w->depth] = true;
}

/* Bytes that go out as they are: printable ASCII but the quote and the
 * backslash. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Writes runs of plain bytes with one fwrite each instead of a putc per
 * byte; only the bytes that need escaping or UTF-8 checking go one by one. */
void jw_escape(FILE *out, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && plain(s[run]))
			run++;
		if (run > i) {
			fwrite_unlocked(s + i, 1, run - i, out);
			i = run;
			if (i == n)
				break;
		}
		unsigned char c = s[i];
		switch (c) {
		case '"': fputs_unlocked("\\\"", out); i++; continue;
		case '\\': fputs_unlocked("\\\\", out); i++; continue;
		case '\n': fputs_unlocked("\\n", out); i++; continue;
		case '\r': fputs_unlocked("\\r", out); i++; continue;
		case '\t': fputs_unlocked("\\t", out); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			fwrite_unlocked(u, 1, sizeof(u), out);
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			fputs_unlocked("\\ufffd", out);
			i++;
			continue;
		}
		fwrite_unlocked(s + i, 1, len, out);
		i += len;
	}
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	putc_unlocked('"', w->out);
	jw_escape(w->out, s, n);
	putc_unlocked('"', w->out);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

/* Decimal digits of v at the end of buf[JW_U64_DIGITS]; returns where they
 * start.  Hand-rolled because fprintf's format parsing is most of the cost
 * of a number in a JSON line. */
#define JW_U64_DIGITS 20
static char *u64_digits(char *end, uint64_t v)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static void put_u64(FILE *out, uint64_t v)
{
	char buf[JW_U64_DIGITS];
	char *p = u64_digits(buf + sizeof(buf), v);
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), out);
}

static void put_i64(FILE *out, int64_t v)
{
	if (v < 0) {
		putc_unlocked('-', out);
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
		put_u64(out, 0 - (uint64_t)v);
	} else {
		put_u64(out, (uint64_t)v);
	}
}

void jw_int(struct jw *w, int64_t v)
{
	sep(w);
	put_i64(w->out, v);
}

void jw_uint(struct jw *w, uint64_t v)
{
	sep(w);
	put_u64(w->out, v);
}

void jw_bool(struct jw *w, bool v)
{
	sep(w);
	fputs_unlocked(v ? "true" : "false", w->out);
}

void jw_null(struct jw *w)
{
	sep(w);
	fputs_unlocked("null", w->out);
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
	/* "%lld.%06lld" by hand: the fraction is always six digits */
	char frac[7];
	frac[0] = '.';
	for (int i = 6; i >= 1; i--, usec /= 10)
		frac[i] = (char)('0' + usec % 10);
	put_i64(w->out, sec);
	fwrite_unlocked(frac, 1, sizeof(frac), w->out);
}

/* Still fprintf: exact decimal rounding of a binary double is printf's job,
 * and this is written once per host record, not per field of a session. */
void jw_double(struct jw *w, double v, int decimals)
{
	sep(w);
	fprintf(w->out, "%.*f", decimals, v);
}
