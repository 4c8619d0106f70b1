/* json_writer.c — streaming JSON lines (RFC 8259), UTF-8 enforced (RFC 3629).
 *
 * Every byte goes into the writer's own buffer (struct jw.buf) and a record
 * reaches stdio in one fwrite at jw_record_end (in batch, once per buffer).  Numbers, times and escapes
 * are formatted by hand straight into that buffer: on a capture of many
 * short sessions, fprintf's format parsing, stdio's per-call locking and,
 * after those were gone, one call per separator and per copy were most of
 * the JSON output's cost (doc/performance.md).  A value first makes room
 * for its longest form, then writes without further checks.
 */
#include "config.h"

#include "ui/output/json_writer.h"

#include <string.h>

#include "ui/output/digits.h"
#include "ui/output/json_escape.h"

/* ---- the record buffer ------------------------------------------------- */

void jw_flush(struct jw *w)
{
	if (w->len) {
		fwrite(w->buf, 1, w->len, w->out);
		w->len = 0;
	}
}

/* n bytes of any length (a long string may not fit the buffer at all). */
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

/* A string literal: its length is known at compile time. */
#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->len = 0;
	w->comma = false;
	w->batch = false;
}

void jw_record_end(struct jw *w)
{
	char *o = jw_room_(w, 1);
	*o = '\n';
	jw_done_(w, o + 1);
	if (!w->batch)
		jw_flush(w);
	w->comma = false;
}

void jw_keyn(struct jw *w, const char *key, size_t n)
{
	if (n + 4 <= JW_BUF) { /* the usual case: one copy */
		char *o = jw_value_(w, n + 3);
		o[0] = '"';
		memcpy(o + 1, key, n);
		o[n + 1] = '"';
		o[n + 2] = ':';
		jw_done_(w, o + n + 3);
	} else {
		jw_done_(w, jw_value_(w, 0));
		put(w, "\"", 1);
		put(w, key, n);
		PUT_LIT(w, "\":");
	}
	/* the value that follows must not write another comma */
	w->comma = false;
}

void jw_key_str(struct jw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}

/* ---- numbers ----------------------------------------------------------- */

/* The microseconds after the second: '.' and six digits. */
static char *usec_at(char *o, unsigned u)
{
	o[0] = '.';
	digits_2(o + 1, u / 10000);
	digits_2(o + 3, u / 100 % 100);
	digits_2(o + 5, u % 100);
	return o + 7;
}

char *jw_time_at_(char *o, int64_t ts_us)
{
	int64_t sec = ts_us / 1000000, usec = ts_us % 1000000;
	if (usec < 0) {
		usec += 1000000;
		sec--;
	}
	if (sec >= 1000000000 && sec < 10000000000) {
		/* 2001 to 2286: ten digits as 2 + 4 + 4, in 32-bit arithmetic */
		unsigned hi = (unsigned)(sec / 100000000), rest = (unsigned)(sec % 100000000);
		unsigned mid = rest / 10000, lo = rest % 10000;
		digits_2(o, hi);
		digits_2(o + 2, mid / 100);
		digits_2(o + 4, mid % 100);
		digits_2(o + 6, lo / 100);
		digits_2(o + 8, lo % 100);
		o += 10;
	} else {
		o = digits_i64(o, sec);
	}
	return usec_at(o, (unsigned)usec);
}

/* v * 10^d rounded to an integer exactly as printf's "%.*f" rounds: from the
 * binary value itself (mantissa m, exponent e: v = m * 2^e), ties to even.
 * False when it would not fit 63 bits, or v is not finite. */
static bool scaled_exact(double v, unsigned d, uint64_t *out)
{
	static const uint64_t p10[4] = { 1, 10, 100, 1000 };
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	unsigned field = (unsigned)(bits >> 52) & 0x7ff;
	if (field == 0x7ff)
		return false;
	uint64_t m = bits & ((1ull << 52) - 1);
	if (field)
		m |= 1ull << 52;
	int e = (field ? (int)field : 1) - 1075;
	uint64_t n = m * p10[d]; /* < 2^53 * 2^10: exact */
	if (e >= 0) {
		if (e > 9 || (n >> (63 - e)) != 0)
			return false;
		*out = n << e;
		return true;
	}
	unsigned s = (unsigned)-e;
	if (s >= 64) { /* below half of one unit: n < 2^63 <= 2^(s-1) */
		*out = 0;
		return true;
	}
	uint64_t q = n >> s, r = n & ((1ull << s) - 1), half = 1ull << (s - 1);
	if (r > half || (r == half && (q & 1)))
		q++;
	*out = q;
	return true;
}

/* Up to three decimals by hand (retry intervals, rates, delays: every host
 * and domain record); anything else through snprintf, which is exact too. */
void jw_double(struct jw *w, double v, int decimals)
{
	uint64_t q;
	if (decimals >= 0 && decimals <= 3 && scaled_exact(v, (unsigned)decimals, &q)) {
		static const unsigned p10[4] = { 1, 10, 100, 1000 };
		char *o = jw_value_(w, 1 + 20 + 1 + 3);
		if (v < 0 || (v == 0 && 1 / v < 0)) /* printf keeps the sign of -0.0 */
			*o++ = '-';
		unsigned d = (unsigned)decimals;
		uint64_t ip = q / p10[d];
		unsigned fp = (unsigned)(q - ip * p10[d]);
		o = digits_u64(o, ip);
		if (d) {
			*o++ = '.';
			for (unsigned i = d; i > 0; i--, fp /= 10)
				o[i - 1] = (char)('0' + fp % 10);
			o += d;
		}
		jw_done_(w, o);
		return;
	}
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	jw_done_(w, jw_value_(w, 0));
	if (n > 0)
		put(w, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* ---- strings ----------------------------------------------------------- */

/* A string too long to escape into the buffer in one go: piece by piece. */
static void escape_long(struct jw *w, const unsigned char *s, size_t n)
{
	const size_t piece = (JW_BUF - 16) / 6;
	while (n) {
		size_t k = n <= piece ? n : piece, used;
		char *o = jw_room_(w, 6 * k + 4);
		jw_done_(w, jw_escape(o, s, k, n, &used));
		s += used;
		n -= used;
	}
}

/* A string value: into the buffer in one go when its longest escaped form
 * fits, else piece by piece. */
JW_INLINE void string(struct jw *w, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n <= (JW_BUF - 32) / 6) {
		size_t used;
		char *o = jw_value_(w, 6 * n + 4 + 2);
		*o++ = '"';
		o = jw_escape(o, u, n, n, &used);
		*o++ = '"';
		jw_done_(w, o);
		return;
	}
	char *o = jw_value_(w, 1);
	*o = '"';
	jw_done_(w, o + 1);
	escape_long(w, u, n);
	o = jw_room_(w, 1);
	*o = '"';
	jw_done_(w, o + 1);
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	string(w, s, n);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	string(w, s, strlen(s));
}
