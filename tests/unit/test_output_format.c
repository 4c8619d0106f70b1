/* test_output_format.c — the printf-free pieces of the CSV and text outputs
 * against printf, gmtime and strftime themselves: csv_time for every kind
 * of time (before 1970, leap days, centuries, the year 9999 and after), the
 * line buffer's "%*" PRIu64, "%-*s" and long lines, and the Prometheus
 * text's escapes and values against a byte-at-a-time reference. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ui/output/csv_output.h"
#include "ui/output/line_buf.h"
#include "ui/output/prom.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void) /* xorshift64* */
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* What the CSV writer printed before it formatted times by hand. */
static void ref_csv_time(char *out, size_t sz, int64_t ts_us)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;
	char b[32] = "";
	if (ts_us > 0 && gmtime_r(&t, &tm))
		strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, sz, "%s.%06dZ", b, (int)(ts_us % 1000000));
}

static int csv_time_wrong(int64_t ts)
{
	char got[CSV_TIME_MAX], want[CSV_TIME_MAX];
	size_t n = csv_time(got, ts);
	ref_csv_time(want, sizeof want, ts);
	int bad = strcmp(got, want) != 0 || n != strlen(want);
	if (bad)
		fprintf(stderr, "csv_time(%" PRId64 "): %s instead of %s\n", ts, got, want);
	return bad;
}

static void csv_times(void)
{
	static const int64_t edge[] = {
		0, 1, -1, -999999, -1000000, -86400000000, 999999, 1000000, 86399999999,
		86400000000, 951782400000000 /* 2000-02-29 */, 951868800000000 /* 2000-03-01 */,
		4107542400000000 /* 2100-03-01 */, 4107456000000000 /* 2100-02-28 */,
		1795143600002929, 253402300799999999 /* 9999-12-31T23:59:59.999999 */,
		253402300800000000 /* 10000-01-01 */, 253402300800000001, INT64_MAX / 1000,
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
		bad += csv_time_wrong(edge[i]);
	/* every day of four centuries around the Gregorian exceptions, at a
	 * random second, then random times up to the year 9999 */
	for (int64_t day = 0; day < 4 * 146097 && 86400000000 * day < 253402300800000000; day += 1)
		bad += csv_time_wrong(86400000000 * day + (int64_t)(next() % 86400000000));
	for (int i = 0; i < 100000; i++)
		bad += csv_time_wrong((int64_t)(next() % 253402300800000000));
	CHECK_EQ_INT(bad, 0);
	char t[CSV_TIME_MAX];
	csv_time(t, 1795143600002929);
	CHECK_EQ_STR(t, "2026-11-20T03:00:00.002929Z");
}

/* A line built with the line buffer into memory. */
static void line_buf_pieces(void)
{
	char *mem = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&mem, &n);
	struct line_buf *l = malloc(sizeof *l);
	lb_init(l, f);
	char want[65536] = "";
	size_t wl = 0;
	int widths[] = { -3, 0, 1, 3, 4, 5, 19, 20, 21, 90 };
	uint64_t values[] = { 0, 7, 10, 99, 1000, 12345, UINT64_MAX };
	for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
		for (size_t vi = 0; vi < sizeof values / sizeof values[0]; vi++) {
			lb_u64_right(l, values[vi], widths[wi]);
			wl += (size_t)sprintf(want + wl, "%*" PRIu64, widths[wi], values[vi]);
		}
		lb_str_left(l, "client", widths[wi]);
		wl += (size_t)sprintf(want + wl, "%-*s", widths[wi], "client");
		lb_spaces(l, widths[wi]);
		wl += (size_t)sprintf(want + wl, "%*s", widths[wi], "");
		lb_ch(l, '\n');
		want[wl++] = '\n';
	}
	/* more than the buffer holds, in pieces and in one */
	static char big[3 * LB_SIZE];
	memset(big, 'b', sizeof big);
	for (int i = 0; i < 9; i++) {
		lb_put(l, big, LB_SIZE / 2 + 1);
		memcpy(want + wl, big, LB_SIZE / 2 + 1);
		wl += LB_SIZE / 2 + 1;
	}
	lb_put(l, big, sizeof big);
	memcpy(want + wl, big, sizeof big);
	wl += sizeof big;
	lb_u64(l, 42);
	wl += (size_t)sprintf(want + wl, "42");
	lb_flush(l);
	fclose(f);
	CHECK_EQ_INT(n, wl);
	CHECK(n == wl && memcmp(mem, want, wl) == 0);
	free(mem);
	free(l);
}

/* The exposition format's escapes one byte at a time: \\ and \n, and \"
 * in label values. */
static size_t ref_prom_escape(char *out, const char *s, int quote)
{
	size_t o = 0;
	for (; *s; s++) {
		if (*s == '\\' || *s == '\n' || (*s == '"' && quote)) {
			out[o++] = '\\';
			out[o++] = *s == '\n' ? 'n' : *s;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return o;
}

static void prom_text(void)
{
	static const char alphabet[] = "ab\"\\\n =,{}\xc3\xa9";
	int bad = 0;
	for (int i = 0; i < 3000; i++) {
		char help[64], value[64], eh[160], ev[160], want[512];
		size_t n = (size_t)(next() % 40);
		for (size_t k = 0; k < n; k++)
			help[k] = alphabet[next() % (sizeof alphabet - 1)];
		help[n] = '\0';
		n = (size_t)(next() % 40);
		for (size_t k = 0; k < n; k++)
			value[k] = alphabet[next() % (sizeof alphabet - 1)];
		value[n] = '\0';
		uint64_t v = next() >> (next() % 64);
		ref_prom_escape(eh, help, 0);
		ref_prom_escape(ev, value, 1);
		snprintf(want, sizeof want, "# HELP m %s\n# TYPE m gauge\nm{host=\"%s\",x=\"1\"} %llu\nm %llu\n",
			 eh, ev, (unsigned long long)v, (unsigned long long)(v >> 3));
		struct prom p = { 0 };
		const char *labels[] = { "host", value, "x", "1", NULL };
		prom_family(&p, "m", "gauge", help);
		prom_u64(&p, "m", labels, v);
		prom_u64(&p, "m", NULL, v >> 3);
		if (p.len != strlen(want) || strcmp(p.buf, want) != 0) {
			fprintf(stderr, "prometheus text:\n%s\ninstead of\n%s\n", p.buf, want);
			bad++;
		}
		prom_release(&p);
	}
	CHECK_EQ_INT(bad, 0);
}

int main(void)
{
	prom_text();
	csv_times();
	line_buf_pieces();
	CHECK_DONE();
}
