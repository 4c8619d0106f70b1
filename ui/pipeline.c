/* pipeline.c — decode/ events to the host model, the rules and the outputs. */
#include "config.h"

#include "ui/pipeline.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/envelope_attempts.h"
#include "rules/gateway.h"
#include "rules/path_memory.h"
#include "rules/rule_event.h"
#include "rules/rule_lang.h"

void output_add(struct outputs *o, const struct output_ops *ops, void *self)
{
	if (o->n == OUTPUTS_MAX) {
		fprintf(stderr, "smtpscope: more than %d outputs registered\n", OUTPUTS_MAX);
		abort();
	}
	o->v[o->n].ops = ops;
	o->v[o->n].self = self;
	o->n++;
	o->wants_packets |= ops->wants_packets;
}

/* Calls `op` of every output that has it. */
#define EACH_OUTPUT(p, op, ...)                                               \
	for (size_t i_ = 0; i_ < (p)->outs.n; i_++)                           \
		if ((p)->outs.v[i_].ops->op)                                  \
			(p)->outs.v[i_].ops->op((p)->outs.v[i_].self, __VA_ARGS__)

/* --- rules ------------------------------------------------------------------ */

static void on_alert(void *ctx, const struct alert *al)
{
	struct pipeline *p = ctx;
	if (!al->update) /* an update is the same alert grown, not one more */
		p->alerts++;
	EACH_OUTPUT(p, alert, al);
}

/* Outbound when the gateway is the client (the remote host is the server
 * we deliver to); inbound when the gateway is the server. */
static void event_for(struct pipeline *p, struct rule_event *ev, enum rule_event_type type,
		      int64_t ts, const struct smtp_session *s)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->ts_us = ts;
	ev->session = s;
	if (!s)
		return;
	ev->outbound = !hm_is_gateway(p->hm, &s->server);
	ev->host = ev->outbound ? hm_find(p->hm, &s->server, ROLE_SERVER)
				: hm_find(p->hm, &s->client, ROLE_CLIENT);
}

static void eval(struct pipeline *p, const struct rule_event *ev)
{
	if (p->rules)
		rules_eval(p->rules, ev, on_alert, p);
}

void pipeline_eval(struct pipeline *p, const struct rule_event *ev)
{
	eval(p, ev);
}

/* --- decode/'s events ---------------------------------------------------------- */

static void on_reply(void *ctx, const struct smtp_session *s, const struct smtp_reply *r,
		     const char *verb, int64_t cmd_ts)
{
	struct pipeline *p = ctx;
	struct rule_event ev;
	EACH_OUTPUT(p, reply, s, r, verb);
	event_for(p, &ev, EV_REPLY, r->ts_us, s);
	ev.reply = r;
	ev.verb = verb;
	ev.latency_us = cmd_ts ? r->ts_us - cmd_ts : 0;
	eval(p, &ev);
}

static void on_txn_end(void *ctx, const struct smtp_session *s, const struct smtp_txn *t)
{
	struct pipeline *p = ctx;
	struct rule_event ev;
	struct msg_history hist;
	EACH_OUTPUT(p, txn_end, s, t);
	event_for(p, &ev, EV_TXN_END, t->end_ts, s);
	hm_message_history(p->hm, s, t, &hist);
	ea_lookup(p->triplets, s, t, &hist);
	pipeline_queue_txn_end(p, s, t);
	ev.txn = t;
	ev.msg = &hist;
	eval(p, &ev);
	ea_note(p->triplets, s, t); /* after the rules: history is what came before */
}

static void on_tcp(void *ctx, const struct smtp_session *s, enum tcp_anomaly what,
		   enum side side, uint64_t value)
{
	struct pipeline *p = ctx;
	struct rule_event ev;
	event_for(p, &ev, EV_TCP, dec_get_stats(p->dec)->last_ts, s);
	ev.tcp_what = what;
	ev.tcp_side = side;
	ev.tcp_value = value;
	eval(p, &ev);
}

/* Provisional mode (live, stdin past its look-ahead): the decision changed
 * since it was last told.  Host records are filtered when they are read, so
 * they follow by themselves; alerts already written cannot be taken back,
 * so the change is said once on stderr and handed to the outputs (a JSON
 * "gateway" record; the dashboard re-attributes its alerts). */
static void gateway_check(struct pipeline *p, int64_t ts)
{
	const struct gateway *g = hm_gateway(p->hm);
	if (gw_changes(g) == p->gw_changes_told)
		return;
	p->gw_changes_told = gw_changes(g);
	struct gw_member m[GW_MAX_MEMBERS];
	size_t n = gw_members(g, m, GW_MAX_MEMBERS);
	char list[256] = "", addr[ADDR_STRLEN];
	for (size_t i = 0; i < n; i++) {
		addr_format(&m[i].addr, addr);
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", addr);
	}
	fprintf(stderr, "smtpscope: gateway now inferred as %s (after %" PRIu64 " sessions); "
		"earlier alerts may name it as a remote host\n", list, gw_sessions(g));
	EACH_OUTPUT(p, gateway_changed, g, ts);
}

static void on_session_start(void *ctx, const struct smtp_session *s)
{
	struct pipeline *p = ctx;
	hm_session_start(p->hm, s);
	gateway_check(p, s->start_ts);
	EACH_OUTPUT(p, session_start, s);
}

/* An alert about the session that just ended: the host model may name its
 * cause (a path-MTU black hole, a middlebox) in the hosts' last error; the
 * outputs then get the host again, as on a status change (live JSON writes
 * the record anew). */
struct ending_session {
	struct pipeline *p;
	const struct smtp_session *s;
};

static void on_session_alert(void *ctx, const struct alert *al)
{
	struct ending_session *es = ctx;
	struct pipeline *p = es->p;
	on_alert(p, al);
	if (al->session_id != es->s->id || !hm_note_alert(p->hm, es->s, al->rule))
		return;
	const struct host_entry *e[2] = { hm_find(p->hm, &es->s->server, ROLE_SERVER),
					  hm_find(p->hm, &es->s->client, ROLE_CLIENT) };
	for (int k = 0; k < 2; k++)
		if (e[k] && !hm_is_gateway(p->hm, &e[k]->addr))
			EACH_OUTPUT(p, host_status, e[k]);
}

/* True when an output kept the session (the decoder must not free it). */
static bool on_session_end(void *ctx, struct smtp_session *s)
{
	struct pipeline *p = ctx;
	hm_session_end(p->hm, s);
	gateway_check(p, s->end_ts);
	pipeline_queue_session_end(p, s); /* after the host model: the gateway is counted */
	struct rule_event ev;
	event_for(p, &ev, EV_SESSION_END, s->end_ts, s);
	ev.path_fullsize_acked = pm_session_end(p->paths, s);
	/* before the outputs: an alert at the end is part of the session */
	if (p->rules) {
		struct ending_session es = { p, s };
		rules_eval(p->rules, &ev, on_session_alert, &es);
	}
	for (size_t i = 0; i < p->outs.n; i++) {
		const struct output_ops *o = p->outs.v[i].ops;
		if (o->session_end && o->session_end(p->outs.v[i].self, s))
			return true;
	}
	return false;
}

void pipeline_host_status(void *ctx, const struct host_entry *e, enum host_status old)
{
	struct pipeline *p = ctx;
	if (hm_is_gateway(p->hm, &e->addr))
		return;
	struct rule_event ev;
	event_for(p, &ev, EV_HOST_STATUS, e->last_attempt, NULL);
	ev.host = e;
	ev.outbound = e->role == ROLE_SERVER;
	ev.old_status = old;
	ev.new_status = e->status;
	eval(p, &ev);
	EACH_OUTPUT(p, host_status, e);
}

static void on_packet(void *ctx, const struct smtp_session *s, int64_t ts_us, const uint8_t *frame,
		      uint32_t caplen, uint32_t wirelen)
{
	struct pipeline *p = ctx;
	EACH_OUTPUT(p, packet, s, ts_us, frame, caplen, wirelen);
}

const struct dec_sink *pipeline_sink(struct pipeline *p)
{
	struct dec_sink *sink = &p->sink;
	memset(sink, 0, sizeof *sink);
	sink->ctx = p;
	sink->session_start = on_session_start;
	sink->session_end = on_session_end;
	sink->reply = on_reply;
	sink->txn_end = on_txn_end;
	sink->tcp = on_tcp;
	if (p->outs.wants_packets)
		sink->packet = on_packet;
	return sink;
}

/* --- the run ------------------------------------------------------------------- */

void pipeline_tick(struct pipeline *p, int64_t now_us, const struct run_summary *sum)
{
	EACH_OUTPUT(p, tick, now_us, sum);
}

int pipeline_state(struct pipeline *p, const struct run_summary *sum)
{
	int rc = 0;
	for (size_t i = 0; i < p->outs.n; i++) {
		const struct output_ops *o = p->outs.v[i].ops;
		if (o->state && o->state(p->outs.v[i].self, sum) != 0)
			rc = 2;
	}
	return rc;
}

int pipeline_close(struct pipeline *p)
{
	int rc = 0;
	for (size_t i = 0; i < p->outs.n; i++) {
		const struct output_ops *o = p->outs.v[i].ops;
		if (o->close && o->close(p->outs.v[i].self) != 0)
			rc = 2;
	}
	p->outs.n = 0;
	return rc;
}
