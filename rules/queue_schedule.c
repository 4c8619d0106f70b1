/* queue_schedule.c — when the gateway will retry a queued message, send a
 * delay DSN and give up (RFC 5321 4.5.4.1 leaves the schedule to the MTA;
 * the defaults are Exchange's: 4 "glitch" retries a minute apart, then every
 * 10 minutes, a delay DSN after 4 hours, expiry after 2 days). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/queue.h"

#define US 1000000LL

void mq_default_schedule(struct mq_schedule *s)
{
	memset(s, 0, sizeof *s);
	for (int i = 0; i < 4; i++)
		s->step_us[i] = 60 * US;
	s->step_us[4] = 600 * US;
	s->nsteps = 5;
	s->delay_dsn_us = 4 * 3600 * US;
	s->expire_us = 2 * 86400 * US;
}

/* digits and an optional unit s, m, h, d; [s, end) only */
static bool parse_dur(const char *s, const char *end, int64_t *us)
{
	int64_t v = 0;
	const char *p = s;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v > 100000000)
			return false;
	}
	if (p == s)
		return false;
	int64_t unit = US;
	if (p < end) {
		switch (*p++) {
		case 's': unit = US; break;
		case 'm': unit = 60 * US; break;
		case 'h': unit = 3600 * US; break;
		case 'd': unit = 86400 * US; break;
		default: return false;
		}
	}
	if (p != end || v == 0)
		return false;
	*us = v * unit;
	return true;
}

bool mq_parse_duration(const char *s, int64_t *us)
{
	return s && parse_dur(s, s + strlen(s), us);
}

bool mq_parse_retry(const char *s, struct mq_schedule *out)
{
	uint32_t n = 0;
	int64_t steps[MQ_RETRY_STEPS];
	while (s && *s) {
		const char *comma = strchr(s, ',');
		const char *end = comma ? comma : s + strlen(s);
		const char *x = memchr(s, 'x', (size_t)(end - s));
		long times = 1;
		const char *d = s;
		if (x) {
			char *e;
			times = strtol(s, &e, 10);
			if (e != x || times < 1 || times > MQ_RETRY_STEPS)
				return false;
			d = x + 1;
		}
		int64_t us;
		if (!parse_dur(d, end, &us))
			return false;
		for (long i = 0; i < times; i++) {
			if (n == MQ_RETRY_STEPS)
				return false;
			steps[n++] = us;
		}
		s = comma ? comma + 1 : NULL;
	}
	if (n == 0)
		return false;
	out->nsteps = n;
	memcpy(out->step_us, steps, n * sizeof steps[0]);
	return true;
}

static void fmt_dur(int64_t us, char *out, size_t n)
{
	int64_t s = us / US;
	if (s % 86400 == 0)
		snprintf(out, n, "%" PRId64 "d", s / 86400);
	else if (s % 3600 == 0)
		snprintf(out, n, "%" PRId64 "h", s / 3600);
	else if (s % 60 == 0)
		snprintf(out, n, "%" PRId64 "m", s / 60);
	else
		snprintf(out, n, "%" PRId64 "s", s);
}

void mq_format_retry(const struct mq_schedule *s, char *out, size_t outsz)
{
	size_t len = 0;
	out[0] = '\0';
	for (uint32_t i = 0; i < s->nsteps && len < outsz;) {
		uint32_t run = 1;
		while (i + run < s->nsteps && s->step_us[i + run] == s->step_us[i])
			run++;
		char d[24];
		fmt_dur(s->step_us[i], d, sizeof d);
		int k = run > 1 ? snprintf(out + len, outsz - len, "%s%ux%s", len ? "," : "", run, d)
				: snprintf(out + len, outsz - len, "%s%s", len ? "," : "", d);
		if (k < 0)
			return;
		len += (size_t)k;
		i += run;
	}
}

void mq_forecast(const struct mq *q, const struct mt_message *m, const struct mt_leg *l,
		 int64_t *next_retry, int64_t *delay_dsn, int64_t *expires)
{
	*next_retry = *delay_dsn = *expires = 0;
	if (l->state != MS_QUEUED && l->state != MS_DEFERRED)
		return;
	const struct mq_schedule *s = mq_schedule_of(q);
	if (l->last_attempt && s->nsteps) {
		uint32_t k = l->attempts ? l->attempts - 1 : 0;
		if (k >= s->nsteps)
			k = s->nsteps - 1;
		*next_retry = l->last_attempt + s->step_us[k];
	}
	if (m->accepted_in) {
		*delay_dsn = m->accepted_in + s->delay_dsn_us;
		*expires = m->accepted_in + s->expire_us;
	}
}
