/* tui_fmt.c — the dashboard's small words: times (UTC, as the text report),
 * sizes, durations, model states to styles, and which sessions belong to a
 * remote host or a recipient domain. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ui/tui/tui_view.h"

static bool utc(int64_t ts_us, struct tm *tm)
{
	time_t t = (time_t)(ts_us / 1000000);
	return ts_us > 0 && gmtime_r(&t, tm) != NULL;
}

void str_copy(char *dst, size_t n, const char *src)
{
	if (n == 0)
		return;
	size_t len = src ? strlen(src) : 0;
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--; /* do not end inside a UTF-8 sequence */
	}
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

void fmt_hms(char *out, size_t n, int64_t ts_us)
{
	struct tm tm;
	if (!utc(ts_us, &tm))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void fmt_hms_ms(char *out, size_t n, int64_t ts_us)
{
	struct tm tm;
	if (!utc(ts_us, &tm))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(ts_us % 1000000 / 1000));
}

void fmt_datetime(char *out, size_t n, int64_t ts_us)
{
	struct tm tm;
	if (!utc(ts_us, &tm))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void fmt_rel(char *out, size_t n, int64_t us)
{
	double s = (double)us / 1e6;
	if (s < 1000)
		snprintf(out, n, "+%.3f", s);
	else
		snprintf(out, n, "+%.0f", s);
}

void fmt_count(char *out, size_t n, double v)
{
	if (v < 1000)
		snprintf(out, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(out, n, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(out, n, "%.1fM", v / 1e6);
	else
		snprintf(out, n, "%.1fG", v / 1e9);
}

const char *role_word(enum host_role r)
{
	/* a remote server receives our mail: outbound; a remote client: inbound */
	return r == ROLE_CLIENT ? "in" : "out";
}

int status_style(enum host_status s)
{
	switch (s) {
	case HS_READY: return STY_GOOD;
	case HS_ACTIVE: return STY_ACTIVE;
	case HS_RETRY: return STY_WARN;
	case HS_FAILING: return STY_BAD;
	case HS_REJECTED: return STY_WARN;
	default: return STY_NORMAL;
	}
}

int reply_style(unsigned code)
{
	switch (code / 100) {
	case 2: return STY_GOOD;
	case 3: return STY_ACTIVE;
	case 4: return STY_WARN;
	case 5: return STY_BAD;
	default: return STY_NORMAL;
	}
}

int outcome_style(enum smtp_outcome o)
{
	switch (o) {
	case OUT_ACCEPTED: return STY_GOOD;
	case OUT_DEFERRED: return STY_WARN;
	case OUT_REJECTED:
	case OUT_ABORTED: return STY_BAD;
	default: return STY_ACTIVE;
	}
}

bool session_matches_host(const struct smtp_session *s, const struct ip_addr *a,
			  enum host_role role)
{
	return addr_eq(role == ROLE_CLIENT ? &s->client : &s->server, a);
}

bool session_matches_domain(const struct smtp_session *s, const char *domain)
{
	size_t dn = strlen(domain);
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
			const char *at = strrchr(r->addr, '@');
			if (at && strlen(at + 1) == dn && strncasecmp(at + 1, domain, dn) == 0)
				return true;
		}
	}
	return false;
}

uint64_t host_row_id(const struct ip_addr *a, enum host_role role)
{
	uint64_t h = 1469598103934665603ULL;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 1099511628211ULL;
	return (h ^ (uint64_t)role) * 1099511628211ULL;
}

void fmt_until(char *out, size_t n, int64_t ts, int64_t now)
{
	char d[32];
	if (!ts) {
		snprintf(out, n, "-");
		return;
	}
	/* a forecast the capture's clock already passed did not happen on the wire */
	format_duration_s(d, sizeof d, (double)(ts >= now ? ts - now : now - ts) / 1e6);
	snprintf(out, n, "%s%s", ts >= now ? "in " : "overdue ", d);
}
