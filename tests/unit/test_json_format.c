/* test_json_format.c — the hand-made formatting of the JSON writer against
 * slow, obvious references written here: printf for integers and for
 * "%.Nf" (the writer rounds from the binary value itself), floor division
 * and printf for times, and a byte-at-a-time escaper for strings (the rules
 * the writer had before its scans went 8 and 16 bytes wide).  Edge values
 * by hand, then many generated ones from a fixed seed; strings go through
 * both scans (SSE2 and the portable one) and through records that cross
 * the writer's buffer (JW_BUF) and its long-string pieces. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/utf8.h"
#include "ui/output/json_escape.h"
#include "ui/output/json_writer.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void) /* xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* ---- records in memory ------------------------------------------------ */

typedef void fill_fn(struct jw *w, const void *arg);

/* The record fill(w, arg) writes; returns it (malloc'd), length in *len. */
static char *record(fill_fn *fill, const void *arg, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct jw *w = malloc(sizeof *w);
	jw_init(w, f);
	fill(w, arg);
	jw_record_end(w);
	free(w);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

/* ---- integers ---------------------------------------------------------- */

static void fill_uint(struct jw *w, const void *arg)
{
	jw_object_begin(w);
	jw_kuint(w, "u", *(const uint64_t *)arg);
	jw_key(w, "v");
	jw_uint(w, *(const uint64_t *)arg);
	jw_object_end(w);
}

static void fill_int(struct jw *w, const void *arg)
{
	jw_array_begin(w);
	jw_int(w, *(const int64_t *)arg);
	jw_object_begin(w);
	jw_kint(w, "i", *(const int64_t *)arg);
	jw_object_end(w);
	jw_array_end(w);
}

static int uint_wrong(uint64_t v)
{
	char want[96];
	snprintf(want, sizeof want, "{\"u\":%" PRIu64 ",\"v\":%" PRIu64 "}\n", v, v);
	char *r = record(fill_uint, &v, NULL);
	int bad = strcmp(r, want) != 0;
	if (bad)
		fprintf(stderr, "uint %" PRIu64 ": %s", v, r);
	free(r);
	return bad;
}

static int int_wrong(int64_t v)
{
	char want[96];
	snprintf(want, sizeof want, "[%" PRId64 ",{\"i\":%" PRId64 "}]\n", v, v);
	char *r = record(fill_int, &v, NULL);
	int bad = strcmp(r, want) != 0;
	if (bad)
		fprintf(stderr, "int %" PRId64 ": %s", v, r);
	free(r);
	return bad;
}

static void integers(void)
{
	int bad = 0;
	/* every power of ten, one below and one above it */
	for (uint64_t p = 1;; p *= 10) {
		bad += uint_wrong(p - 1) + uint_wrong(p) + uint_wrong(p + 1);
		bad += int_wrong((int64_t)(p - 1)) + int_wrong(-(int64_t)(p - 1));
		if (p > UINT64_MAX / 10)
			break;
	}
	bad += uint_wrong(UINT64_MAX) + uint_wrong(UINT64_MAX - 1) + uint_wrong(1ull << 63);
	bad += int_wrong(INT64_MIN) + int_wrong(INT64_MIN + 1) + int_wrong(INT64_MAX);
	/* random values of every length: a random number of low bits */
	for (int i = 0; i < 20000; i++) {
		uint64_t v = next() >> (next() % 64);
		bad += uint_wrong(v) + int_wrong((int64_t)v) + int_wrong(-(int64_t)(v >> 1));
	}
	CHECK_EQ_INT(bad, 0);
}

/* ---- times ------------------------------------------------------------- */

static void fill_time(struct jw *w, const void *arg)
{
	int64_t ts = *(const int64_t *)arg;
	jw_object_begin(w);
	jw_ktime(w, "t", ts);
	jw_key(w, "u");
	jw_time(w, ts);
	jw_object_end(w);
}

/* Seconds rounded down (floor), then the microseconds after them. */
static void ref_time(char *out, size_t sz, int64_t ts)
{
	if (ts == 0) {
		snprintf(out, sz, "null");
		return;
	}
	int64_t s = ts / 1000000 - (ts % 1000000 < 0);
	uint64_t us = (uint64_t)ts - (uint64_t)s * 1000000u; /* mod 2^64: no overflow */
	snprintf(out, sz, "%" PRId64 ".%06" PRIu64, s, us);
}

static int time_wrong(int64_t ts)
{
	char t[64], want[160];
	ref_time(t, sizeof t, ts);
	snprintf(want, sizeof want, "{\"t\":%s,\"u\":%s}\n", t, t);
	char *r = record(fill_time, &ts, NULL);
	int bad = strcmp(r, want) != 0;
	if (bad)
		fprintf(stderr, "time %" PRId64 ": %s instead of %s", ts, r, want);
	free(r);
	return bad;
}

static void times(void)
{
	static const int64_t edge[] = {
		0, 1, -1, 999999, -999999, 1000000, -1000000, 1000001, -1000001,
		999999999999999, 1000000000000000, 1000000000000001, /* 10 digits start at 1e9 s */
		9999999999999999, 10000000000000000, 10000000000000001,
		1795143600000000, 1795143600999999, 1795143600000001,
		INT64_MAX, INT64_MIN, INT64_MIN + 1, -1795143600123456,
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
		bad += time_wrong(edge[i]);
	CHECK_EQ_INT(bad, 0);
	/* the writer's own words: -1 us is the second before 1970 plus 999999 */
	char *r = record(fill_time, &(int64_t){ -1 }, NULL);
	CHECK_EQ_STR(r, "{\"t\":-1.999999,\"u\":-1.999999}\n");
	free(r);
	for (int i = 0; i < 20000; i++) {
		int64_t ts = (int64_t)(next() >> (next() % 64));
		if (i % 3 == 0)
			ts = 1700000000000000 + (int64_t)(next() % 200000000000000ull); /* 2023-2029 */
		bad += time_wrong(i % 2 ? ts : -ts);
	}
	CHECK_EQ_INT(bad, 0);
}

/* ---- doubles ----------------------------------------------------------- */

struct dbl {
	double v;
	int decimals;
};

static void fill_double(struct jw *w, const void *arg)
{
	const struct dbl *d = arg;
	jw_array_begin(w);
	jw_double(w, d->v, d->decimals);
	jw_array_end(w);
}

static int double_wrong(double v, int decimals)
{
	char want[600];
	snprintf(want, sizeof want, "[%.*f]\n", decimals, v);
	struct dbl d = { v, decimals };
	char *r = record(fill_double, &d, NULL);
	int bad = strcmp(r, want) != 0;
	if (bad)
		fprintf(stderr, "double %a %%.%df: %s instead of %s", v, decimals, r, want);
	free(r);
	return bad;
}

static void doubles(void)
{
	static const double edge[] = {
		0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 0.375, -0.125, 0.0625, 0.03125,
		0.0005, 0.0015, 0.0025, 1.0005, 2.675, 1.005, 0.045, 1e-300, -1e-300,
		4.9e-324, -4.9e-324, 2.2250738585072014e-308, 0.1, 0.2, 0.3, 27.566, 1e9,
		9007199254740992.0, 9007199254740993.0, 1e15, 1e16, 1e17, 9.2e15, 1e18, 1e19,
		1e300, -1e300, 123456789.0125, 0.9995, 0.99949999, 99.995, 9.9995,
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
		for (int d = 0; d <= 6; d++)
			bad += double_wrong(edge[i], d);
	/* exact ties at every scale: k + 1/2 units of the last decimal */
	for (int d = 0; d <= 3; d++)
		for (int k = -2000; k <= 2000; k++) {
			double unit = d == 0 ? 1 : d == 1 ? 0.1 : d == 2 ? 0.01 : 0.001;
			bad += double_wrong(((double)k + 0.5) * unit, d);
			bad += double_wrong((double)k * 0.0625, d); /* exact binary fractions */
		}
	/* random bit patterns (finite ones), and random rates and delays */
	for (int i = 0; i < 20000; i++) {
		uint64_t bits = next();
		double v;
		memcpy(&v, &bits, sizeof v);
		if (isfinite(v))
			bad += double_wrong(v, (int)(next() % 5));
		v = (double)(next() % 100000000) / (double)(1 + next() % 100000);
		bad += double_wrong(v, (int)(next() % 4));
		bad += double_wrong(-v, (int)(next() % 4));
	}
	CHECK_EQ_INT(bad, 0);
	/* not JSON, but what the writer has always done with them */
	CHECK_EQ_INT(double_wrong(NAN, 3), 0);
	CHECK_EQ_INT(double_wrong(INFINITY, 1), 0);
	CHECK_EQ_INT(double_wrong(-INFINITY, 2), 0);
}

/* ---- strings ----------------------------------------------------------- */

/* The escaping rules one byte at a time: printable ASCII as it is, \" \\ \n
 * \r \t, other control bytes and DEL as \u00XX, valid UTF-8 characters as
 * they are, every other byte as \ufffd. */
static size_t ref_escape(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			out[o++] = (char)c;
			i++;
		} else if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)sprintf(out + o, "\\u%04x", c);
			i++;
		} else if ((len = utf8_decode(s + i, n - i, &cp)) != 0) {
			memcpy(out + o, s + i, len);
			o += len;
			i += len;
		} else {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			i++;
		}
	}
	out[o] = '\0';
	return o;
}

/* Mostly plain bytes, with the ones that need care sprinkled in: each
 * special, and pieces of valid and broken UTF-8. */
static void random_text(unsigned char *s, size_t n)
{
	static const unsigned char care[] = { '"', '\\', '\n', '\r', '\t', 0, 1, 0x1f, 0x7f, 0x80,
					      0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf8, 0xff };
	static const char *const utf8[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x93\xa7",
					    "\xed\xa0\x80" /* a surrogate: invalid */,
					    "\xc0\xaf" /* overlong */ };
	unsigned rate = 1 + (unsigned)(next() % 40); /* one special in `rate` bytes */
	for (size_t i = 0; i < n;) {
		uint64_t r = next();
		if (r % rate) {
			s[i++] = (unsigned char)(0x20 + (r >> 8) % 0x5f);
		} else if ((r >> 8) % 3) {
			s[i++] = care[(r >> 16) % sizeof care];
		} else {
			const char *u = utf8[(r >> 16) % (sizeof utf8 / sizeof utf8[0])];
			for (size_t k = 0; u[k] && i < n; k++)
				s[i++] = (unsigned char)u[k];
		}
	}
}

/* jw_escape and jw_escape_portable straight into a buffer (with a
 * guard area after the room they were promised). */
static int escapers_wrong(const unsigned char *s, size_t n, const char *want, size_t wl)
{
	char *(*const fn[2])(char *, const unsigned char *, size_t, size_t, size_t *) = {
		jw_escape, jw_escape_portable
	};
	int bad = 0;
	size_t room = 6 * n + 4;
	char *out = malloc(room + 64);
	for (int k = 0; k < 2; k++) {
		memset(out, '#', room + 64);
		size_t used = 0;
		char *end = fn[k](out, s, n, n, &used);
		size_t got = (size_t)(end - out);
		int guard_ok = 1;
		for (size_t i = room; i < room + 64; i++)
			guard_ok &= out[i] == '#';
		if (used != n || got != wl || memcmp(out, want, wl) != 0 || !guard_ok) {
			fprintf(stderr, "escaper %d, %zu bytes: got %.*s\n", k, n, (int)got, out);
			bad++;
		}
	}
	free(out);
	return bad;
}

struct str {
	const unsigned char *s;
	size_t n;
	size_t pad; /* bytes written before it, to move it across JW_BUF */
};

static void fill_str(struct jw *w, const void *arg)
{
	const struct str *a = arg;
	static char pad[2 * JW_BUF];
	memset(pad, 'p', sizeof pad);
	jw_object_begin(w);
	if (a->pad) {
		jw_key(w, "p");
		jw_strn(w, pad, a->pad);
	}
	jw_key(w, "s");
	jw_strn(w, (const char *)a->s, a->n);
	jw_kstr(w, "z", "end");
	jw_object_end(w);
}

/* The string in a record, after pad bytes of another one. */
static int record_wrong(const unsigned char *s, size_t n, size_t pad, const char *want, size_t wl)
{
	struct str a = { s, n, pad };
	size_t len;
	char *r = record(fill_str, &a, &len);
	size_t head = pad ? strlen("{\"p\":\"\",") + pad : 1;
	const char *tail = "\",\"z\":\"end\"}\n";
	int bad = len != head + strlen("\"s\":\"") + wl + strlen(tail) ||
		  memcmp(r + head, "\"s\":\"", 5) != 0 || memcmp(r + head + 5, want, wl) != 0 ||
		  strcmp(r + head + 5 + wl, tail) != 0;
	if (bad)
		fprintf(stderr, "record of a %zu-byte string after %zu: wrong\n", n, pad);
	free(r);
	return bad;
}

static void strings(void)
{
	enum { MAXLEN = 3 * JW_BUF };
	unsigned char *s = malloc(MAXLEN);
	char *want = malloc(6 * MAXLEN + 1);
	int bad = 0;
	/* every length up to 80 bytes (the scans' short, overlapping and
	 * wide paths), many random strings of each */
	for (size_t n = 0; n <= 80; n++)
		for (int i = 0; i < 300; i++) {
			random_text(s, n);
			size_t wl = ref_escape(s, n, want);
			bad += escapers_wrong(s, n, want, wl);
			if (i % 30 == 0)
				bad += record_wrong(s, n, (size_t)(next() % (JW_BUF + 64)), want, wl);
		}
	/* one byte that needs care at every position of an otherwise plain
	 * string, for every such byte */
	static const unsigned char care[] = { '"', '\\', '\n', 0, 0x1f, 0x7f, 0x80, 0xc3, 0xff };
	for (size_t n = 1; n <= 40; n++)
		for (size_t pos = 0; pos < n; pos++)
			for (size_t c = 0; c < sizeof care; c++) {
				memset(s, 'a', n);
				s[pos] = care[c];
				size_t wl = ref_escape(s, n, want);
				bad += escapers_wrong(s, n, want, wl);
			}
	/* strings longer than the writer escapes in one piece: UTF-8
	 * characters across every piece boundary it could pick */
	for (int i = 0; i < 60; i++) {
		size_t n = JW_BUF / 6 + (size_t)(next() % (MAXLEN - JW_BUF / 6));
		random_text(s, n);
		size_t wl = ref_escape(s, n, want);
		bad += record_wrong(s, n, (size_t)(next() % JW_BUF), want, wl);
	}
	for (size_t n = 1300; n <= 1420; n++) { /* around the one-piece limit */
		for (size_t k = 0; k < n; k++)
			s[k] = k % 7 == 6 ? 0xe2 : k % 7 == 0 && k ? 0x82 : k % 7 == 1 && k > 1 ? 0xac : 'x';
		size_t wl = ref_escape(s, n, want);
		bad += record_wrong(s, n, 0, want, wl);
	}
	CHECK_EQ_INT(bad, 0);
	free(s);
	free(want);
}

/* ---- structure --------------------------------------------------------- */

static void fill_nested(struct jw *w, const void *arg)
{
	(void)arg;
	jw_object_begin(w);
	jw_karray_begin(w, "a");
	jw_object_begin(w);
	jw_kuint(w, "b", 1);
	jw_object_end(w);
	jw_object_begin(w);
	jw_karray_begin(w, "c");
	jw_array_end(w);
	jw_knull(w, "n");
	jw_object_end(w);
	jw_array_begin(w);
	jw_array_end(w);
	jw_null(w);
	jw_bool(w, false);
	jw_array_end(w);
	jw_kobject_begin(w, "d");
	jw_object_end(w);
	jw_kbool(w, "t", true);
	jw_key_str(w, "dyn");
	jw_time(w, 0);
	jw_kstr(w, "s", NULL);
	jw_object_end(w);
}

int main(void)
{
	integers();
	times();
	doubles();
	strings();
	char *r = record(fill_nested, NULL, NULL);
	CHECK_EQ_STR(r, "{\"a\":[{\"b\":1},{\"c\":[],\"n\":null},[],null,false],\"d\":{},"
		     "\"t\":true,\"dyn\":null,\"s\":null}\n");
	free(r);
	CHECK_DONE();
}
