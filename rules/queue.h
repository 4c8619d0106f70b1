/* queue.h — the gateway's queue per next hop (recipient domain), as a
 * queue viewer would show it: what is queued and for how long, how fast it
 * comes in and goes out, how long relaying takes, and when the MTA will give
 * up on what it holds (Exchange's defaults: retries 4 x 1 min then every
 * 10 min, a delay DSN after 4 h, expiry after 2 days; all options).
 *
 * Fed by the message tracker (message_track.c): acceptances in, attempts
 * out.  The queued figures are recomputed from the message table by
 * mq_refresh (each queue tick, and before reporting); the rates, latencies
 * and growth are kept as events arrive.  Readers: ui/ under the model lock.
 */
#ifndef SMTPSCOPE_QUEUE_H
#define SMTPSCOPE_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/message_track.h"

#define MQ_AGE_BUCKETS 7        /* qshape: 0-5, 5-10, 10-20, 20-40, 40-80, 80-160, >160 min */
#define MQ_RATE_MINUTES 10      /* in/out rates: per minute over the last 10 min */
#define MQ_DELAYS_KEPT 256      /* relay delays kept per domain for percentiles */
#define MQ_RETRY_STEPS 8

/* When the MTA retries and gives up (--retry-schedule, --delay-dsn-after,
 * --expire-after). */
struct mq_schedule {
	uint32_t nsteps;                     /* retry intervals; the last repeats */
	int64_t step_us[MQ_RETRY_STEPS];
	int64_t delay_dsn_us;                /* a delay DSN this long after acceptance */
	int64_t expire_us;                   /* the message expires (4.4.7 NDR) */
};

struct mq_domain {
	char domain[MT_DOMAIN_MAX];
	/* from the message table at the last refresh */
	uint32_t queued;                     /* queued + deferred */
	uint32_t never_attempted;            /* queued with no attempt to the domain since accepted */
	int64_t oldest_accepted;             /* of what is queued, 0 if none (or unknown) */
	int64_t oldest_unattempted;          /* oldest queued message accepted after the last attempt */
	int64_t next_retry;                  /* earliest forecast retry, 0 if none */
	int64_t next_delay_dsn;              /* earliest delay DSN due, 0 if none */
	int64_t next_expiry;                 /* earliest expiry, 0 if none */
	uint32_t age_bucket[MQ_AGE_BUCKETS];
	/* kept as events arrive */
	uint64_t accepted_in, delivered, bounced, attempts, failed_attempts;
	int64_t last_attempt;                /* last outbound attempt to the domain, 0 never */
	int64_t first_activity;
	int64_t last_in_ts;
	uint32_t in_per_min[MQ_RATE_MINUTES], out_per_min[MQ_RATE_MINUTES];
	int64_t rate_minute;                 /* minute number of in/out_per_min[rate_minute % N] */
	uint32_t delays_n, delays_next;
	float delay_s[MQ_DELAYS_KEPT];       /* ring of relay delays, seconds */
	uint64_t bytes_out;                  /* content bytes accepted out */
	/* growth (queue-backlog) */
	int64_t grow_since;                  /* 0: not growing */
	uint32_t grow_base;                  /* queued count at grow_since */
	uint64_t grow_delivered, grow_failed; /* outbound results since grow_since */
};

/* Figures computed for reading (rates, percentiles) at `now`. */
struct mq_figures {
	double in_rate, out_rate, velocity;  /* messages per minute */
	bool have_delays;
	double p50, p95, p99;                /* relay delay, seconds */
	double oldest_age;                   /* seconds, < 0 if nothing queued */
	double unattempted_for;              /* seconds, < 0 if none */
	double growing_for;                  /* seconds, < 0 if not growing */
	int64_t growth;                      /* queued now - at grow_since */
	double bytes_per_s;                  /* content accepted out over the domain's active span */
};

struct mq;

struct mq *mq_new(uint32_t max_domains, const struct mq_schedule *sched);
void mq_free(struct mq *q);
void mq_default_schedule(struct mq_schedule *s);

/* Writers (the tracker). */
void mq_note_in(struct mq *q, const char *domain, int64_t ts);
/* An outbound attempt's result for the domain; `first_final` when it took
 * the message out of the queue (not a duplicate of a delivered one). */
void mq_note_attempt(struct mq *q, const char *domain, int64_t ts, enum mt_state result,
		     bool first_final, int64_t relay_delay_us, uint64_t bytes);
void mq_note_bounced(struct mq *q, const char *domain);
/* A relay delay learnt late: the outbound copy was seen before the inbound one. */
void mq_note_delay(struct mq *q, const char *domain, int64_t relay_delay_us);

/* Recomputes the queued figures from the message table at `now` and
 * advances the growth tracking. */
void mq_refresh(struct mq *q, const struct msg_tracker *mt, int64_t now);

/* Domains with any queue activity, most queued first (then oldest, name);
 * owned by q, valid until the next mq_ call. */
size_t mq_domains(struct mq *q, const struct mq_domain ***out);
const struct mq_domain *mq_find(const struct mq *q, const char *domain);
void mq_figures(const struct mq *q, const struct mq_domain *d, int64_t now, struct mq_figures *f);
uint64_t mq_domains_dropped(const struct mq *q);

/* The forecast for one queued message at one domain: next retry, when a
 * delay DSN is due, when it expires (0 when not queued there). */
void mq_forecast(const struct mq *q, const struct mt_message *m, const struct mt_leg *l,
		 int64_t *next_retry, int64_t *delay_dsn, int64_t *expires);
const struct mq_schedule *mq_schedule_of(const struct mq *q);
/* "90", "15m", "4h", "2d" -> microseconds; false on a malformed value. */
bool mq_parse_duration(const char *s, int64_t *us);
/* "4x1m,10m" -> schedule steps; false on a malformed value. */
bool mq_parse_retry(const char *s, struct mq_schedule *out);
/* the schedule as text ("4x1m,10m") */
void mq_format_retry(const struct mq_schedule *s, char *out, size_t outsz);

const char *mq_bucket_name(int i); /* "0-5m", ..., ">160m" */

#endif
