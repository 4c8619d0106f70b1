/* sink.c — where decode/ events go: the host model first (rules read it),
 * then the rule engine, then the model the TUI reads or the batch outputs. */
#include "config.h"

#include <string.h>

#include "ui/app.h"
#include "ui/output/bundle.h"
#include "capture/evidence.h"
#include "ui/output/json_out.h"
#include "ui/output/metrics.h"
#include "rules/rule_lang.h"
#include "decode/smtp_session.h"

/* --- rules ------------------------------------------------------------------ */

static void on_alert(void *ctx, const struct alert *al)
{
	struct app *a = ctx;
	a->alerts++;
	if (a->metrics)
		metrics_alert(a->metrics, al->rule, al->severity);
	if (a->evidence)
		evidence_alert(a->evidence, al->session_id, al->host, al->ts_us);
	if (a->bundle_model && bundle_keeps_alert(a, al->host))
		model_add_alert(a->bundle_model, al->rule, al->severity, al->ts_us, al->host,
				al->session_id, al->message, al->count, al->first_ts_us);
	if (a->model)
		model_add_alert(a->model, al->rule, al->severity, al->ts_us, al->host, al->session_id,
				al->message, al->count, al->first_ts_us);
	else if (a->json) {
		json_alert(&a->jw, al);
		if (a->live)
			fflush(a->out);
	} else {
		rep_alert(a->report, al->rule, al->severity, al->ts_us, al->host, al->message, al->count);
	}
}

/* Outbound when the gateway is the client (the remote host is the server
 * we deliver to); inbound when the gateway is the server. */
static void event_for(struct app *a, struct rule_event *ev, enum rule_event_type type, int64_t ts,
		      const struct smtp_session *s)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->ts_us = ts;
	ev->session = s;
	if (!s)
		return;
	ev->outbound = !hm_is_gateway(a->hm, &s->server);
	ev->host = ev->outbound ? hm_find(a->hm, &s->server, ROLE_SERVER)
				: hm_find(a->hm, &s->client, ROLE_CLIENT);
}

static void eval(struct app *a, const struct rule_event *ev)
{
	if (a->rules)
		rules_eval(a->rules, ev, on_alert, a);
}

static void on_reply(void *ctx, const struct smtp_session *s, const struct smtp_reply *r,
		     const char *verb, int64_t cmd_ts)
{
	struct app *a = ctx;
	struct rule_event ev;
	if (a->metrics)
		metrics_reply(a->metrics, r);
	event_for(a, &ev, EV_REPLY, r->ts_us, s);
	ev.reply = r;
	ev.verb = verb;
	ev.latency_us = cmd_ts ? r->ts_us - cmd_ts : 0;
	eval(a, &ev);
}

static void on_txn_end(void *ctx, const struct smtp_session *s, const struct smtp_txn *t)
{
	struct app *a = ctx;
	struct rule_event ev;
	struct msg_history hist;
	if (a->metrics)
		metrics_txn_end(a->metrics, t);
	event_for(a, &ev, EV_TXN_END, t->end_ts, s);
	hm_message_history(a->hm, s, t, &hist);
	ev.txn = t;
	ev.msg = &hist;
	eval(a, &ev);
}

static void on_tcp(void *ctx, const struct smtp_session *s, const char *what, enum side side,
		   uint64_t value)
{
	struct app *a = ctx;
	struct rule_event ev;
	event_for(a, &ev, EV_TCP, dec_get_stats(a->dec)->last_ts, s);
	ev.tcp_what = what;
	ev.tcp_side = side;
	ev.tcp_value = value;
	eval(a, &ev);
}

/* --- sessions ----------------------------------------------------------------- */

static void on_session_start(void *ctx, const struct smtp_session *s)
{
	struct app *a = ctx;
	hm_session_start(a->hm, s);
	if (a->model)
		model_session_start(a->model, s);
}

static bool on_session_end(void *ctx, struct smtp_session *s)
{
	struct app *a = ctx;
	hm_session_end(a->hm, s);
	if (a->metrics)
		metrics_session_end(a->metrics, s);
	struct rule_event ev;
	event_for(a, &ev, EV_SESSION_END, s->end_ts, s);
	eval(a, &ev);
	if (a->evidence) /* after the rules: an alert at the end still flags it */
		evidence_session_end(a->evidence, s->id);
	if (a->model) {
		model_session_end(a->model, s);
		return true;
	}
	if (a->json) {
		json_session(&a->jw, s, a->opt.transcript);
		if (a->live)
			fflush(a->out);
	} else {
		rep_session_end(a->report, s);
	}
	if (a->bundle_model && bundle_keeps_session(a, s)) {
		model_session_end(a->bundle_model, s); /* kept for --bundle: ours now */
		return true;
	}
	return false;
}

/* Live JSON: a host record on every status change, as it happens. */
void app_host_status(void *ctx, const struct host_entry *e, enum host_status old)
{
	struct app *a = ctx;
	if (hm_is_gateway(a->hm, &e->addr))
		return;
	struct rule_event ev;
	event_for(a, &ev, EV_HOST_STATUS, e->last_attempt, NULL);
	ev.host = e;
	ev.outbound = e->role == ROLE_SERVER;
	ev.old_status = old;
	ev.new_status = e->status;
	eval(a, &ev);
	if (!a->json || !a->live)
		return;
	json_host(&a->jw, e);
	fflush(a->out);
}

/* Every frame of a tracked session: -w buffers it until an alert flags
 * the session. */
static void on_packet(void *ctx, const struct smtp_session *s, int64_t ts_us, const uint8_t *frame,
		      uint32_t caplen, uint32_t wirelen)
{
	struct app *a = ctx;
	evidence_packet(a->evidence, s->id, ts_us, frame, caplen, wirelen);
}

void app_init_sink(struct app *a)
{
	memset(&a->sink, 0, sizeof a->sink);
	a->sink.ctx = a;
	a->sink.session_start = on_session_start;
	a->sink.session_end = on_session_end;
	a->sink.reply = on_reply;
	a->sink.txn_end = on_txn_end;
	a->sink.tcp = on_tcp;
	if (a->evidence)
		a->sink.packet = on_packet;
}
