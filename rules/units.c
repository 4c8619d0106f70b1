/* units.c — durations and sizes written the one way people read them in
 * smtpscope's messages, reports and dashboard (see units.h).  The steps follow
 * what an operator compares at a glance: latencies in ms, timers in s, queue
 * ages in minutes and hours, expiry in days (Exchange counts two days). */
#include "config.h"

#include "rules/units.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#define US_PER_MS 1000ULL
#define US_PER_S 1000000ULL
#define US_PER_MIN (60 * US_PER_S)
#define US_PER_H (60 * US_PER_MIN)

/* v / unit, rounded half up (unsigned: v + unit/2 cannot overflow for any
 * v <= INT64_MAX). */
static uint64_t div_round(uint64_t v, uint64_t unit)
{
	return (v + unit / 2) / unit;
}

void format_duration(char *out, size_t sz, int64_t us)
{
	if (us < 0) {
		snprintf(out, sz, "-");
		return;
	}
	uint64_t u = (uint64_t)us;
	uint64_t tenths = div_round(u, US_PER_S / 10), s = div_round(u, US_PER_S);
	uint64_t min = div_round(u, US_PER_MIN), h = div_round(u, US_PER_H);
	if (u == 0)
		snprintf(out, sz, "0 s");
	else if (u < US_PER_MS)
		snprintf(out, sz, "%" PRIu64 " us", u);
	else if (div_round(u, US_PER_MS) < 1000)
		snprintf(out, sz, "%" PRIu64 " ms", div_round(u, US_PER_MS));
	else if (tenths < 100)
		snprintf(out, sz, "%" PRIu64 ".%" PRIu64 " s", tenths / 10, tenths % 10);
	else if (s < 120)
		snprintf(out, sz, "%" PRIu64 " s", s);
	else if (s < 3600)
		snprintf(out, sz, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (min < 24 * 60)
		snprintf(out, sz, "%" PRIu64 "h%02" PRIu64 "m", min / 60, min % 60);
	else
		snprintf(out, sz, "%" PRIu64 "d%02" PRIu64 "h", h / 24, h % 24);
}

void format_duration_s(char *out, size_t sz, double seconds)
{
	if (!(seconds >= 0)) { /* negative or NaN: unknown */
		snprintf(out, sz, "-");
		return;
	}
	double us = seconds * 1e6;
	format_duration(out, sz, us >= 9.2e18 ? INT64_MAX : (int64_t)llround(us));
}

void format_size(char *out, size_t sz, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KB", "MB", "GB", "TB", "PB", "EB" };
	if (bytes < 1024) {
		snprintf(out, sz, "%" PRIu64 " B", bytes);
		return;
	}
	size_t i = 1;
	double v = (double)bytes / 1024;
	/* rint: ties to even, as printf's %.1f always did here */
	while (rint(v * 10) >= 10240 && i + 1 < sizeof unit / sizeof unit[0]) {
		v /= 1024;
		i++;
	}
	double t = rint(v * 10);
	snprintf(out, sz, "%.0f.%.0f %s", floor(t / 10), fmod(t, 10), unit[i]);
}

void format_size_exact(char *out, size_t sz, uint64_t bytes)
{
	snprintf(out, sz, "%" PRIu64 " B", bytes);
}
