/* json_queue.c — the queue view as JSON lines: `message` records and the
 * queue figures of `domain` records (doc/json.md). */
#include "config.h"

#include "ui/output/json_out.h"

#include "decode/smtp_session.h"

static void secs_or_null(struct jw *w, struct jw_key key, double s, bool known)
{
	jw_key_put(w, key);
	if (known)
		jw_double(w, s, 3);
	else
		jw_null(w);
}

/* Domain records carry the queue figures at top level (DESIGN.md); all
 * null when the domain has no queue entry (or with --no-queue). */
void json_domain_queue(struct jw *w, const struct mq *q, const char *domain, int64_t now)
{
	static const char *const keys[] = {
		"queued", "never_attempted", "oldest_queued_age", "accepted_in", "delivered",
		"bounced", "attempts", "failed_attempts", "in_rate", "out_rate", "velocity",
		"relay_delay_p50", "relay_delay_p95", "relay_delay_p99", "bytes_per_s",
		"queue_ages", "next_retry", "next_delay_dsn", "next_expiry",
	};
	const struct mq_domain *d = q ? mq_find(q, domain) : NULL;
	if (!d) {
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			jw_key_str(w, keys[i]);
			jw_null(w);
		}
		return;
	}
	struct mq_figures f;
	mq_figures(q, d, now, &f);
	jw_kuint(w, "queued", d->queued);
	jw_kuint(w, "never_attempted", d->never_attempted);
	secs_or_null(w, JW_KEY("oldest_queued_age"), f.oldest_age, f.oldest_age >= 0);
	jw_kuint(w, "accepted_in", d->accepted_in);
	jw_kuint(w, "delivered", d->delivered);
	jw_kuint(w, "bounced", d->bounced);
	jw_kuint(w, "attempts", d->attempts);
	jw_kuint(w, "failed_attempts", d->failed_attempts);
	jw_key(w, "in_rate");
	jw_double(w, f.in_rate, 2);
	jw_key(w, "out_rate");
	jw_double(w, f.out_rate, 2);
	jw_key(w, "velocity");
	jw_double(w, f.velocity, 2);
	secs_or_null(w, JW_KEY("relay_delay_p50"), f.p50, f.have_delays);
	secs_or_null(w, JW_KEY("relay_delay_p95"), f.p95, f.have_delays);
	secs_or_null(w, JW_KEY("relay_delay_p99"), f.p99, f.have_delays);
	jw_key(w, "bytes_per_s");
	jw_double(w, f.bytes_per_s, 1);
	jw_kobject_begin(w, "queue_ages");
	for (int i = 0; i < MQ_AGE_BUCKETS; i++) {
		jw_key_str(w, mq_bucket_name(i));
		jw_uint(w, d->age_bucket[i]);
	}
	jw_object_end(w);
	jw_ktime(w, "next_retry", d->next_retry);
	jw_ktime(w, "next_delay_dsn", d->next_delay_dsn);
	jw_ktime(w, "next_expiry", d->next_expiry);
}

static void attempt(struct jw *w, const struct mt_message *m, const struct mt_attempt *a)
{
	char buf[ADDR_STRLEN];
	jw_object_begin(w);
	jw_kuint(w, "session", a->session);
	addr_format(&a->host, buf);
	jw_kstr(w, "host", buf);
	jw_kstr(w, "domain", a->domain < m->nlegs ? m->legs[a->domain].domain : NULL);
	jw_ktime(w, "ts", a->ts);
	jw_kstr(w, "outcome", outcome_name((enum smtp_outcome)a->outcome));
	jw_key(w, "reply");
	if (a->code) {
		jw_object_begin(w);
		jw_kint(w, "code", a->code);
		jw_kstr(w, "enhanced", a->enhanced[0] ? a->enhanced : NULL);
		jw_kstr(w, "text", a->text);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	jw_object_end(w);
}

static void leg(struct jw *w, const struct mq *q, const struct mt_message *m, const struct mt_leg *l)
{
	jw_object_begin(w);
	jw_kstr(w, "domain", l->domain);
	jw_kstr(w, "state", mt_state_name(l->state));
	jw_kuint(w, "attempts", l->attempts);
	jw_ktime(w, "last_attempt", l->last_attempt);
	jw_ktime(w, "delivered", l->state == MS_DELIVERED ? l->delivered : 0);
	secs_or_null(w, JW_KEY("relay_delay"), (double)(l->delivered - m->accepted_in) / 1e6,
		     l->state == MS_DELIVERED && m->accepted_in && l->delivered);
	jw_ktime(w, "bounced", l->state == MS_BOUNCED ? l->delivered : 0);
	int64_t retry = 0, dsn = 0, exp = 0;
	if (q)
		mq_forecast(q, m, l, &retry, &dsn, &exp);
	jw_ktime(w, "next_retry", retry);
	jw_ktime(w, "delay_dsn_due", dsn);
	jw_ktime(w, "expires", exp);
	jw_object_end(w);
}

static void dsn(struct jw *w, const struct mt_dsn *d)
{
	jw_key(w, "dsn");
	if (!d) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_kstr(w, "action", dsn_action_name(d->action));
	jw_kstr(w, "status", d->status[0] ? d->status : NULL);
	jw_kstr(w, "final_recipient", d->final_rcpt[0] ? d->final_rcpt : NULL);
	jw_kstr(w, "diagnostic", d->diagnostic[0] ? d->diagnostic : NULL);
	jw_ktime(w, "ts", d->ts);
	jw_kuint(w, "session", d->session);
	jw_object_end(w);
}

void json_message(struct jw *w, const struct mt_message *m, const struct mq *q)
{
	char buf[ADDR_STRLEN];
	jw_object_begin(w);
	jw_kstr(w, "type", "message");
	jw_kstr(w, "message_id", m->message_id[0] ? m->message_id : NULL);
	jw_kstr(w, "mail_from", m->mail_from);
	jw_karray_begin(w, "rcpt_domains");
	for (uint32_t i = 0; i < m->nlegs; i++)
		jw_str(w, m->legs[i].domain);
	jw_array_end(w);
	jw_kuint(w, "size", m->size);
	jw_key(w, "inbound_session");
	if (m->inbound_session)
		jw_uint(w, m->inbound_session);
	else
		jw_null(w);
	if (m->accepted_in) {
		addr_format(&m->client, buf);
		jw_kstr(w, "client", buf);
	} else {
		jw_knull(w, "client");
	}
	jw_ktime(w, "accepted_in", m->accepted_in);
	jw_karray_begin(w, "attempts");
	for (uint32_t i = 0; i < m->nattempts; i++)
		attempt(w, m, &m->attempts[i]);
	jw_array_end(w);
	jw_kuint(w, "attempts_dropped", m->attempts_dropped);
	jw_kstr(w, "state", mt_state_name(m->state));
	jw_ktime(w, "delivered", m->delivered);
	secs_or_null(w, JW_KEY("relay_delay"), (double)(m->delivered - m->accepted_in) / 1e6,
		     m->delivered && m->accepted_in);
	jw_karray_begin(w, "domains");
	for (uint32_t i = 0; i < m->nlegs; i++)
		leg(w, q, m, &m->legs[i]);
	jw_array_end(w);
	jw_kuint(w, "domains_dropped", m->legs_dropped);
	dsn(w, m->dsn);
	jw_object_end(w);
	jw_record_end(w);
}
