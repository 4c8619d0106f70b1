/* json_out.c — session, host and stats records as JSON lines (DESIGN.md). */
#include "config.h"

#include "ui/output/json_out.h"

#include <string.h>

#include "decode/dpi.h"
#include "capture/evidence.h"
#include "capture/full_capture.h"
#include "rules/rule_lang.h"

static void addr(struct jw *w, struct jw_key key, const struct ip_addr *a)
{
	char buf[ADDR_STRLEN];
	addr_format(a, buf);
	jw_key_put(w, key);
	jw_str(w, buf);
}

static void reply(struct jw *w, struct jw_key key, const struct smtp_reply *r, bool present)
{
	jw_key_put(w, key);
	if (!present) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_kint(w, "code", r->code);
	if (r->enhanced[0])
		jw_kstr(w, "enhanced", r->enhanced);
	else
		jw_knull(w, "enhanced");
	jw_kstr(w, "text", r->text);
	jw_object_end(w);
}

static void rcpts(struct jw *w, struct jw_key key, const struct smtp_txn *t, bool rejected)
{
	jw_key_put(w, key);
	jw_array_begin(w);
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next)
		if ((r->status == RCPT_REJECTED) == rejected)
			jw_str(w, r->addr);
	jw_array_end(w);
}

/* Each refused recipient with the reply that refused it, parallel to
 * rcpt_rejected (kept as it was: field types never change). */
static void refusals(struct jw *w, const struct smtp_txn *t)
{
	jw_karray_begin(w, "rcpt_rejected_replies");
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		if (r->status != RCPT_REJECTED)
			continue;
		jw_object_begin(w);
		jw_kstr(w, "addr", r->addr);
		jw_kint(w, "code", r->code);
		jw_kstr(w, "enhanced", r->refusal_enhanced[0] ? r->refusal_enhanced : NULL);
		jw_kstr(w, "text", r->refusal_text);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void txn(struct jw *w, const struct smtp_txn *t)
{
	jw_object_begin(w);
	jw_kstr(w, "mail_from", t->mail_from);
	rcpts(w, JW_KEY("rcpt_to"), t, false);
	rcpts(w, JW_KEY("rcpt_rejected"), t, true);
	refusals(w, t);
	if (t->rcpts.dropped)
		jw_kuint(w, "rcpt_dropped", t->rcpts.dropped);
	jw_kstr(w, "message_id", t->message_id);
	jw_kstr(w, "subject", t->subject);
	jw_key(w, "data_bytes");
	if (t->data_partial || (!t->data_started && !t->body_ts))
		jw_null(w); /* unknown, or no content was ever invited */
	else
		jw_uint(w, t->data_bytes);
	if (t->gap_bytes)
		jw_kuint(w, "data_gap_bytes", t->gap_bytes);
	jw_kbool(w, "data_complete", t->data_complete);
	if (t->bdat_chunks)
		jw_kuint(w, "bdat_chunks", t->bdat_chunks);
	reply(w, JW_KEY("reply"), &t->reply, t->has_reply && t->outcome != OUT_ABORTED);
	jw_kstr(w, "outcome", outcome_name(t->outcome));
	jw_ktime(w, "start", t->start_ts);
	jw_ktime(w, "end", t->end_ts);
	jw_object_end(w);
}

static void transcript(struct jw *w, const struct transcript *t)
{
	jw_karray_begin(w, "transcript");
	uint32_t kept = tr_kept(t), head = tr_head_count(t);
	uint64_t omitted = tr_omitted(t);
	for (uint32_t i = 0; i < kept; i++) {
		if (i == head && omitted) {
			jw_object_begin(w);
			jw_kuint(w, "omitted", omitted);
			jw_object_end(w);
		}
		const struct tr_entry *e = tr_get(t, i);
		char dir[2] = { e->dir, '\0' };
		jw_object_begin(w);
		jw_ktime(w, "ts", e->ts_us);
		jw_kstr(w, "dir", dir);
		switch ((enum tr_kind)e->kind) {
		case TR_REPLY:
			jw_kint(w, "code", e->code);
			jw_key(w, "text");
			jw_strn(w, e->text, e->len);
			break;
		case TR_COMMAND:
			jw_key(w, "line");
			jw_strn(w, e->text, e->len);
			break;
		case TR_DATA:
			jw_kuint(w, "data_bytes", e->bytes);
			jw_kbool(w, "complete", e->complete);
			break;
		case TR_GAP:
			jw_kuint(w, "gap_bytes", e->bytes);
			break;
		case TR_TCP:
			jw_key(w, "tcp");
			jw_strn(w, e->text, e->len);
			if (e->bytes)
				jw_kuint(w, "value", e->bytes);
			break;
		}
		if (e->cut)
			jw_kbool(w, "cut", true);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_kuint(w, "transcript_omitted", omitted);
}

/* nDPI's verdict; null when it did not run (off, no payload, --memcap). */
static void dpi_fields(struct jw *w, const struct smtp_session *s)
{
	jw_kstr(w, "protocol", s->dpi_done ? s->protocol : NULL);
	if (s->not_smtp)
		jw_kbool(w, "not_smtp", true);
	jw_key(w, "dpi_risks");
	if (!s->dpi_done) {
		jw_null(w);
		return;
	}
	jw_array_begin(w);
	for (unsigned i = 0; i < 64; i++)
		if (s->dpi_risks & (1ULL << i))
			jw_str(w, dpi_risk_name(i));
	jw_array_end(w);
}

static void anomalies(struct jw *w, const uint32_t *counts)
{
	jw_kobject_begin(w, "anomalies");
	for (int a = 0; a < ANOM__COUNT; a++)
		if (counts[a]) {
			jw_key_str(w, anomaly_name((enum anomaly)a));
			jw_uint(w, counts[a]);
		}
	jw_object_end(w);
}

void json_session(struct jw *w, const struct smtp_session *s, bool with_transcript)
{
	const struct tcp_dir_stats *c = &s->tcp[SIDE_CLIENT], *v = &s->tcp[SIDE_SERVER];
	jw_object_begin(w);
	jw_kstr(w, "type", "session");
	jw_kuint(w, "id", s->id);
	jw_ktime(w, "start", s->start_ts);
	jw_ktime(w, "end", s->end_ts);
	addr(w, JW_KEY("client"), &s->client);
	jw_kuint(w, "client_port", s->client_port);
	addr(w, JW_KEY("server"), &s->server);
	jw_kuint(w, "server_port", s->server_port);
	if (s->vlan)
		jw_kuint(w, "vlan", s->vlan);
	jw_kstr(w, "helo", s->helo);
	reply(w, JW_KEY("banner"), &s->banner, s->has_banner);
	jw_kbool(w, "tls", s->tls);
	if (s->implicit_tls)
		jw_kbool(w, "implicit_tls", true);
	jw_kbool(w, "auth", s->auth);
	jw_kstr(w, "auth_mechanism", s->auth_mech[0] ? s->auth_mech : NULL);
	dpi_fields(w, s);
	jw_karray_begin(w, "transactions");
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next)
		txn(w, t);
	jw_array_end(w);
	if (s->txn_dropped)
		jw_kuint(w, "transactions_dropped", s->txn_dropped);
	jw_kstr(w, "end_reason", end_reason_name(s->end_reason));
	jw_kstr(w, "end_by", side_name(s->end_by));
	jw_kstr(w, "end_state", smtp_state_name(s->state));
	if (s->server_timeout) {
		jw_kobject_begin(w, "server_timeout");
		jw_ktime(w, "ts", s->server_timeout_ts);
		jw_kuint(w, "code", s->server_timeout_code);
		jw_ktime(w, "client_silent", s->client_silent_us); /* seconds, as times are */
		jw_object_end(w);
	}
	reply(w, JW_KEY("last_reply"), &s->last_reply, s->has_last_reply);
	jw_kuint(w, "packets", c->packets + v->packets);
	jw_kuint(w, "bytes", c->bytes + v->bytes);
	jw_kuint(w, "retransmits", c->retransmits + v->retransmits);
	jw_kuint(w, "gaps", c->gaps + v->gaps);
	jw_kuint(w, "gap_bytes", c->gap_bytes + v->gap_bytes);
	jw_kbool(w, "partial_start", s->partial_start);
	jw_kobject_begin(w, "tcp");
	const struct jw_key names[2] = { JW_KEY_INIT("client"), JW_KEY_INIT("server") };
	for (int i = 0; i < 2; i++) {
		const struct tcp_dir_stats *d = &s->tcp[i];
		jw_key_put(w, names[i]);
		jw_object_begin(w);
		jw_kuint(w, "packets", d->packets);
		jw_kuint(w, "payload_bytes", d->payload_bytes);
		jw_kuint(w, "retransmits", d->retransmits);
		jw_kuint(w, "out_of_order", d->ooo_segments);
		jw_kuint(w, "gaps", d->gaps);
		jw_kuint(w, "zero_windows", d->zero_windows);
		jw_kuint(w, "max_retransmit_run", d->max_retx_run);
		jw_kuint(w, "fullsize_retransmits_unacked", d->fullsize_retx_unacked);
		jw_object_end(w);
	}
	jw_object_end(w);
	anomalies(w, s->anomalies);
	if (with_transcript && s->transcript)
		transcript(w, s->transcript);
	jw_object_end(w);
	jw_record_end(w);
}

/* The queue figures host and domain records share. */
static void queue_figures(struct jw *w, const struct host_entry *h)
{
	jw_kuint(w, "sessions", h->sessions);
	jw_kuint(w, "messages", h->messages);
	jw_kuint(w, "accepted", h->accepted);
	jw_kuint(w, "deferred", h->deferred);
	jw_kuint(w, "rejected", h->rejected);
	jw_kuint(w, "aborted", h->aborted);
	jw_kuint(w, "resets", h->resets);
	jw_kuint(w, "timeouts", h->timeouts);
	jw_kuint(w, "retries", h->retries);
	jw_kuint(w, "pending", h->pending);
	jw_kstr(w, "status", host_status_name(h->status));
	jw_kstr(w, "last_error", h->last_error[0] ? h->last_error : NULL);
	jw_ktime(w, "last_error_ts", h->last_error_ts);
}

static void retry_figures(struct jw *w, const struct host_entry *h)
{
	jw_ktime(w, "failing_since", h->failing_since);
	jw_key(w, "retry_interval");
	if (h->retry_interval_us)
		jw_double(w, (double)h->retry_interval_us / 1e6, 3);
	else
		jw_null(w);
	jw_ktime(w, "next_retry_estimate", h->next_retry_estimate);
}

/* The estimate is known and the capture's clock has passed it. */
static void overdue_figure(struct jw *w, const struct host_entry *h, int64_t now_us)
{
	jw_key(w, "next_retry_overdue");
	if (h->next_retry_estimate && now_us)
		jw_bool(w, hm_retry_overdue(h, now_us));
	else
		jw_null(w);
}

void json_host(struct jw *w, const struct host_entry *h, int64_t now_us)
{
	jw_object_begin(w);
	jw_kstr(w, "type", "host");
	addr(w, JW_KEY("host"), &h->addr);
	jw_kstr(w, "name", h->name[0] ? h->name : NULL);
	jw_kstr(w, "role", host_role_name(h->role));
	queue_figures(w, h);
	jw_kuint(w, "open_sessions", h->open_sessions);
	jw_kuint(w, "max_concurrent_sessions", h->max_open_sessions);
	jw_kuint(w, "bytes", h->bytes);
	jw_key(w, "bytes_per_s"); /* over the host's active span (first seen to last attempt) */
	if (h->last_attempt > h->first_seen)
		jw_double(w, (double)h->bytes / ((double)(h->last_attempt - h->first_seen) / 1e6), 1);
	else
		jw_null(w);
	jw_ktime(w, "first_seen", h->first_seen);
	jw_ktime(w, "last_attempt", h->last_attempt);
	retry_figures(w, h);
	overdue_figure(w, h, now_us);
	jw_key(w, "geo");
	if (h->geo.found) {
		jw_object_begin(w);
		jw_kstr(w, "country", h->geo.country[0] ? h->geo.country : NULL);
		jw_kstr(w, "city", h->geo.city[0] ? h->geo.city : NULL);
		jw_key(w, "asn");
		if (h->geo.asn)
			jw_uint(w, h->geo.asn);
		else
			jw_null(w);
		jw_kstr(w, "org", h->geo.org[0] ? h->geo.org : NULL);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	jw_object_end(w);
	jw_record_end(w);
}

void json_domain(struct jw *w, const struct host_entry *d, const struct mq *q, int64_t now)
{
	jw_object_begin(w);
	jw_kstr(w, "type", "domain");
	jw_kstr(w, "domain", d->name);
	queue_figures(w, d);
	jw_ktime(w, "last_attempt", d->last_attempt);
	retry_figures(w, d);
	json_domain_queue(w, q, d->name, now);
	jw_object_end(w);
	jw_record_end(w);
}

void json_alert(struct jw *w, const struct alert *a)
{
	jw_object_begin(w);
	jw_kstr(w, "type", "alert");
	jw_kuint(w, "id", a->id);
	jw_ktime(w, "ts", a->ts_us);
	jw_kstr(w, "rule", a->rule);
	jw_kstr(w, "severity", severity_name(a->severity));
	jw_kstr(w, "host", a->host);
	jw_kstr(w, "domain", a->domain);
	jw_key(w, "session");
	if (a->session_id)
		jw_uint(w, a->session_id);
	else
		jw_null(w);
	jw_kstr(w, "message", a->message);
	jw_kuint(w, "count", a->count);
	jw_ktime(w, "first_ts", a->first_ts_us);
	jw_key(w, "update");
	jw_bool(w, a->update);
	jw_object_end(w);
	jw_record_end(w);
}

/* -w: only with the option, so runs without it keep their records as
 * they were (doc/evidence.md). */
static void evidence_fields(struct jw *w, const struct evidence_stats *e)
{
	jw_kobject_begin(w, "evidence");
	jw_kuint(w, "sessions_flagged", e->sessions_flagged);
	jw_kuint(w, "packets_written", e->packets_written);
	jw_kuint(w, "files", e->files);
	jw_kuint(w, "buffers_evicted", e->buffers_evicted);
	jw_kuint(w, "packets_not_kept", e->packets_not_kept);
	jw_kuint(w, "write_errors", e->write_errors);
	jw_object_end(w);
}

static void full_capture_fields(struct jw *w, const struct full_capture_stats *f)
{
	jw_kobject_begin(w, "full_capture");
	jw_kuint(w, "files", f->files);
	jw_kuint(w, "packets", f->packets);
	jw_kuint(w, "bytes", f->bytes);
	jw_object_end(w);
}

/* Several inputs: each one's name, link type, counters and read error. */
static void json_sources(struct jw *w, const struct stats_view *v)
{
	jw_karray_begin(w, "sources");
	for (size_t i = 0; i < v->ninputs; i++) {
		const struct cap_stats *s = &v->inputs[i];
		jw_object_begin(w);
		jw_kstr(w, "name", s->name ? s->name : "");
		jw_kstr(w, "linktype", s->linktype_name ? s->linktype_name : "unknown");
		jw_kuint(w, "packets", s->packets);
		jw_kuint(w, "bytes", s->wire_bytes);
		jw_key(w, "dropped_kernel");
		if (s->have_kernel_stats)
			jw_uint(w, s->dropped_kernel);
		else
			jw_null(w);
		jw_key(w, "dropped_interface");
		if (s->have_kernel_stats)
			jw_uint(w, s->dropped_iface);
		else
			jw_null(w);
		jw_kbool(w, "truncated", s->broken);
		if (s->broken) {
			jw_kuint(w, "truncated_at_packet", s->broken_at_packet);
			jw_kstr(w, "error", s->error);
		}
		jw_object_end(w);
	}
	jw_array_end(w);
}

void json_stats(struct jw *w, const struct stats_view *v)
{
	const struct dec_stats *d = v->dec;
	const struct cap_stats *c = v->cap;
	jw_object_begin(w);
	jw_kstr(w, "type", "stats");
	jw_kstr(w, "source", v->source);
	jw_kstr(w, "linktype", v->linktype);
	if (v->ninputs > 1)
		json_sources(w, v);
	jw_kuint(w, "packets", d->packets);
	jw_kuint(w, "bytes", d->bytes);
	jw_ktime(w, "first_packet", d->first_ts);
	jw_ktime(w, "last_packet", d->last_ts);
	jw_key(w, "dropped_kernel");
	if (c && c->have_kernel_stats)
		jw_uint(w, c->dropped_kernel);
	else
		jw_null(w);
	jw_key(w, "dropped_interface");
	if (c && c->have_kernel_stats)
		jw_uint(w, c->dropped_iface);
	else
		jw_null(w);
	jw_kuint(w, "malformed", d->malformed);
	jw_kuint(w, "tcp_packets", d->tcp_packets);
	jw_kuint(w, "smtp_packets", d->smtp_packets);
	jw_kuint(w, "not_tcp", d->not_tcp);
	jw_kuint(w, "other_tcp", d->other_tcp);
	jw_kuint(w, "stray_packets", d->stray);
	jw_kuint(w, "late_packets", d->late_packets);
	jw_kuint(w, "sessions", d->sessions);
	jw_kuint(w, "sessions_evicted", d->sessions_evicted);
	if (v->sessions_stalled >= 0)
		jw_kuint(w, "sessions_stalled", (uint64_t)v->sessions_stalled);
	jw_kuint(w, "port_reuse", d->port_reuse);
	jw_kuint(w, "retransmits", d->retransmits);
	jw_kuint(w, "gaps", d->gaps);
	jw_kuint(w, "gap_bytes", d->gap_bytes);
	jw_kuint(w, "acked_unseen", d->acked_unseen);
	jw_kuint(w, "dpi_flows", d->dpi.flows);
	jw_kuint(w, "dpi_skipped_memcap", d->dpi.skipped_memcap);
	jw_kuint(w, "any_port_sessions", d->dpi.promoted);
	jw_kuint(w, "any_port_ignored", d->dpi.ignored);
	jw_kuint(w, "not_smtp_sessions", d->dpi.not_smtp);
	jw_kuint(w, "hosts_dropped", v->hosts_dropped);
	jw_kuint(w, "alerts", v->alerts);
	jw_kuint(w, "rule_groups_evicted", v->rule_groups_evicted);
	if (v->triplets_used) { /* only once a deferral was seen: runs without keep their records */
		jw_kobject_begin(w, "envelope_triplets");
		jw_kuint(w, "tracked", v->triplets_tracked);
		jw_kuint(w, "evicted", v->triplets_evicted);
		jw_object_end(w);
	}
	jw_key(w, "messages");
	if (v->messages) {
		jw_object_begin(w);
		jw_kuint(w, "tracked", v->messages->messages);
		jw_kuint(w, "in_table", v->messages->live);
		jw_kuint(w, "evicted", v->messages->evicted);
		jw_kuint(w, "matched_by_id", v->messages->matched_by_id);
		jw_kuint(w, "matched_by_envelope", v->messages->matched_by_envelope);
		jw_kuint(w, "dsns", v->messages->dsns);
		jw_kuint(w, "domains_dropped", v->messages->legs_dropped);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	jw_kuint(w, "memory_used", v->memory_used);
	jw_kuint(w, "memory_peak", v->memory_peak);
	jw_kuint(w, "memcap", v->memcap);
	jw_kbool(w, "truncated", c && c->broken);
	jw_key(w, "truncated_at");
	if (c && c->broken) {
		jw_object_begin(w);
		jw_kuint(w, "packet", c->broken_at_packet);
		jw_key(w, "byte_offset");
		if (c->broken_at_offset >= 0)
			jw_int(w, c->broken_at_offset);
		else
			jw_null(w);
		jw_kstr(w, "error", c->error);
		if (c->inputs > 1 && c->broken_input) /* the first that broke; see "sources" */
			jw_kstr(w, "file", c->broken_input);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
	/* only when true, as "evidence" only with -w: the records of a run
	 * that read its whole input stay as they were */
	if (v->interrupted)
		jw_kbool(w, "interrupted", true);
	uint32_t counts[ANOM__COUNT];
	for (int a = 0; a < ANOM__COUNT; a++)
		counts[a] = d->anomalies[a] > UINT32_MAX ? UINT32_MAX : (uint32_t)d->anomalies[a];
	anomalies(w, counts);
	if (v->evidence)
		evidence_fields(w, v->evidence);
	if (v->full_capture)
		full_capture_fields(w, v->full_capture);
	if (v->gateway)
		json_gateway_fields(w, v->gateway);
	jw_object_end(w);
	jw_record_end(w);
}
