/* rule_fields_queue.c — what the queue and dsn events let a rule see: the
 * per-domain queue figures at a queue tick (queue.h) and one recipient entry
 * of a delivery status notification (RFC 3464, message_track.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "rules/rule_fields.h"

#define QU RF_EV(EV_QUEUE)
#define DS RF_EV(EV_DSN)

#define GETTER(fn) static bool fn(const struct rule_event *ev, struct rf_value *v, char *buf, size_t n)
#define UNUSED_SCRATCH (void)buf, (void)n

static bool num(struct rf_value *v, double x)
{
	v->num = x;
	return true;
}

static bool text(struct rf_value *v, const char *s)
{
	if (!s || !s[0])
		return false;
	v->str = s;
	return true;
}

/* seconds, null when negative (not applicable) */
static bool secs_or_null(struct rf_value *v, double s)
{
	return s < 0 ? false : num(v, s);
}

GETTER(g_domain) { UNUSED_SCRATCH; return text(v, ev->domain); }

/* --- queue ---------------------------------------------------------------- */

GETTER(g_queued) { UNUSED_SCRATCH; return num(v, ev->queue->queued); }
GETTER(g_never_attempted) { UNUSED_SCRATCH; return num(v, ev->queue->never_attempted); }
GETTER(g_oldest_age) { UNUSED_SCRATCH; return secs_or_null(v, ev->qfig->oldest_age); }
GETTER(g_unattempted_for) { UNUSED_SCRATCH; return secs_or_null(v, ev->qfig->unattempted_for); }
GETTER(g_growing_for) { UNUSED_SCRATCH; return secs_or_null(v, ev->qfig->growing_for); }
GETTER(g_growth) { UNUSED_SCRATCH; return num(v, (double)ev->qfig->growth); }
GETTER(g_grow_delivered)
{
	UNUSED_SCRATCH;
	return ev->qfig->growing_for < 0 ? false : num(v, (double)ev->queue->grow_delivered);
}
GETTER(g_grow_failed)
{
	UNUSED_SCRATCH;
	return ev->qfig->growing_for < 0 ? false : num(v, (double)ev->queue->grow_failed);
}
GETTER(g_in_rate) { UNUSED_SCRATCH; return num(v, ev->qfig->in_rate); }
GETTER(g_out_rate) { UNUSED_SCRATCH; return num(v, ev->qfig->out_rate); }
GETTER(g_velocity) { UNUSED_SCRATCH; return num(v, ev->qfig->velocity); }
GETTER(g_p50) { UNUSED_SCRATCH; return ev->qfig->have_delays ? num(v, ev->qfig->p50) : false; }
GETTER(g_p95) { UNUSED_SCRATCH; return ev->qfig->have_delays ? num(v, ev->qfig->p95) : false; }
GETTER(g_q_delivered) { UNUSED_SCRATCH; return num(v, (double)ev->queue->delivered); }
GETTER(g_q_failed) { UNUSED_SCRATCH; return num(v, (double)ev->queue->failed_attempts); }
GETTER(g_last_attempt_ago)
{
	UNUSED_SCRATCH;
	return ev->queue->last_attempt ? num(v, (double)(ev->ts_us - ev->queue->last_attempt) / 1e6) : false;
}
GETTER(g_expires_in)
{
	UNUSED_SCRATCH;
	return ev->queue->next_expiry ? num(v, (double)(ev->queue->next_expiry - ev->ts_us) / 1e6) : false;
}

/* --- dsn ---------------------------------------------------------------------- */

GETTER(g_dsn_kind) { UNUSED_SCRATCH; return text(v, ev->dsn->kind); }
GETTER(g_dsn_action) { UNUSED_SCRATCH; return text(v, dsn_action_name(ev->dsn->rcpt->action)); }
GETTER(g_dsn_status) { UNUSED_SCRATCH; return text(v, ev->dsn->rcpt->status); }
GETTER(g_final_rcpt) { UNUSED_SCRATCH; return text(v, ev->dsn->rcpt->final_rcpt); }
GETTER(g_diagnostic) { UNUSED_SCRATCH; return text(v, ev->dsn->rcpt->diagnostic); }
GETTER(g_reporting_mta) { UNUSED_SCRATCH; return text(v, ev->dsn->report->reporting_mta); }
GETTER(g_orig_id) { UNUSED_SCRATCH; return text(v, ev->dsn->report->orig_message_id); }
GETTER(g_dsn_session) { UNUSED_SCRATCH; return num(v, (double)ev->dsn->session->id); }
GETTER(g_orig_tracked) { UNUSED_SCRATCH; v->b = ev->dsn->original != NULL; return true; }
GETTER(g_orig_sender)
{
	UNUSED_SCRATCH;
	return ev->dsn->original ? text(v, ev->dsn->original->mail_from) : false;
}
GETTER(g_orig_state)
{
	UNUSED_SCRATCH;
	return ev->dsn->original ? text(v, mt_state_name(ev->dsn->original->state)) : false;
}
GETTER(g_queued_for)
{
	UNUSED_SCRATCH;
	const struct mt_message *m = ev->dsn->original;
	return m && m->accepted_in ? num(v, (double)(ev->ts_us - m->accepted_in) / 1e6) : false;
}

#define N RF_NUM
#define S RF_STR
#define B RF_BOOL
#define F(name, type, unit, ev, get, doc) { name, type, unit, ev, get, doc }

static const struct rule_field fields[] = {
	F("domain", S, RU_NONE, QU | DS, g_domain, "the recipient domain (next hop)"),

	/* queue */
	F("queued", N, RU_NONE, QU, g_queued, "messages queued for the domain (queued + deferred)"),
	F("never_attempted", N, RU_NONE, QU, g_never_attempted, "of which no attempt to the domain carried yet"),
	F("oldest_age", N, RU_SECONDS, QU, g_oldest_age, "age of the oldest queued message (null if none)"),
	F("unattempted_for", N, RU_SECONDS, QU, g_unattempted_for, "age of the oldest queued message accepted after the domain's last attempt (null if none)"),
	F("growing_for", N, RU_SECONDS, QU, g_growing_for, "how long the queue has stayed above its level of then (null if not growing)"),
	F("growth", N, RU_NONE, QU, g_growth, "queued now minus queued when it started growing"),
	F("delivered_while_growing", N, RU_NONE, QU, g_grow_delivered, "deliveries to the domain while it grew"),
	F("failed_while_growing", N, RU_NONE, QU, g_grow_failed, "failed attempts to the domain while it grew"),
	F("in_rate", N, RU_NONE, QU, g_in_rate, "messages accepted in per minute (last 10 min)"),
	F("out_rate", N, RU_NONE, QU, g_out_rate, "messages delivered out per minute (last 10 min)"),
	F("velocity", N, RU_NONE, QU, g_velocity, "in_rate - out_rate"),
	F("relay_delay_p50", N, RU_SECONDS, QU, g_p50, "median relay delay (accepted out - accepted in)"),
	F("relay_delay_p95", N, RU_SECONDS, QU, g_p95, "95th percentile relay delay"),
	F("delivered", N, RU_NONE, QU, g_q_delivered, "messages delivered to the domain so far"),
	F("failed_attempts", N, RU_NONE, QU, g_q_failed, "attempts to the domain that failed so far"),
	F("last_attempt_ago", N, RU_SECONDS, QU, g_last_attempt_ago, "since the last attempt to the domain (null if never)"),
	F("expires_in", N, RU_SECONDS, QU, g_expires_in, "until the first queued message expires (--expire-after)"),

	/* dsn */
	F("dsn_kind", S, RU_NONE, DS, g_dsn_kind, "expired (failed, 4.x.x), failed (5.x.x), delayed"),
	F("dsn_action", S, RU_NONE, DS, g_dsn_action, "Action: failed or delayed"),
	F("dsn_status", S, RU_NONE, DS, g_dsn_status, "Status (RFC 3463), e.g. 4.4.7"),
	F("final_recipient", S, RU_NONE, DS, g_final_rcpt, "Final-Recipient address"),
	F("diagnostic", S, RU_NONE, DS, g_diagnostic, "Diagnostic-Code text"),
	F("reporting_mta", S, RU_NONE, DS, g_reporting_mta, "Reporting-MTA"),
	F("original_message_id", S, RU_NONE, DS, g_orig_id, "Message-ID of the returned message"),
	F("original_tracked", B, RU_NONE, DS, g_orig_tracked, "the original message is in the message table"),
	F("original_sender", S, RU_NONE, DS, g_orig_sender, "its envelope sender"),
	F("original_state", S, RU_NONE, DS, g_orig_state, "its state after the DSN: queued, deferred, delivered, bounced"),
	F("queued_for", N, RU_SECONDS, DS, g_queued_for, "from the original's acceptance to the DSN"),
	F("dsn_session", N, RU_NONE, DS, g_dsn_session, "id of the session that carried the DSN"),
};

size_t rf_queue_count(void)
{
	return sizeof fields / sizeof fields[0];
}

const struct rule_field *rf_queue_at(size_t i)
{
	return i < rf_queue_count() ? &fields[i] : NULL;
}
