/* rule_fields.c — the field table of the rule language: what each event lets
 * a rule see of its session, transaction, reply, TCP anomaly or host (RFC 5321
 * replies and states, RFC 3463 enhanced codes, RFC 9293 TCP counters). */
#include "config.h"

#include "rules/rule_fields.h"
#include "rules/rule_field_tables.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESS_EVENTS (RF_EV(EV_SESSION_END) | RF_EV(EV_TXN_END) | RF_EV(EV_REPLY) | RF_EV(EV_TCP))
#define ALL_EVENTS (SESS_EVENTS | RF_EV(EV_HOST_STATUS))
#define SE RF_EV(EV_SESSION_END)
#define TX RF_EV(EV_TXN_END)
#define RP RF_EV(EV_REPLY)
#define TC RF_EV(EV_TCP)
#define HS RF_EV(EV_HOST_STATUS)

#define US_PER_S 1e6

const char *rule_event_name(enum rule_event_type t)
{
	static const char *const names[EV__COUNT] = {
		[EV_SESSION_END] = "session_end", [EV_TXN_END] = "txn_end", [EV_REPLY] = "reply",
		[EV_TCP] = "tcp", [EV_HOST_STATUS] = "host_status", [EV_QUEUE] = "queue", [EV_DSN] = "dsn",
	};
	return (unsigned)t < EV__COUNT ? names[t] : "unknown";
}

bool rf_event_parse(const char *name, enum rule_event_type *t)
{
	for (int i = 0; i < EV__COUNT; i++) {
		if (strcmp(name, rule_event_name((enum rule_event_type)i)) == 0) {
			*t = (enum rule_event_type)i;
			return true;
		}
	}
	return false;
}

const char *rf_type_name(enum rf_type t)
{
	switch (t) {
	case RF_NUM: return "number";
	case RF_STR: return "string";
	default: return "bool";
	}
}

/* --- small helpers ------------------------------------------------------------- */

static bool put_num(struct rf_value *v, double n)
{
	v->num = n;
	return true;
}

static bool put_str(struct rf_value *v, const char *s)
{
	if (!s)
		return false;
	v->str = s;
	return true;
}

/* An empty string is "not seen": null. */
static bool put_text(struct rf_value *v, const char *s)
{
	return s && s[0] ? put_str(v, s) : false;
}

static bool put_bool(struct rf_value *v, bool b)
{
	v->b = b;
	return true;
}

static double secs(int64_t us)
{
	return (double)us / US_PER_S;
}

static const struct tcp_dir_stats *stats(const struct rule_event *ev, enum side sd)
{
	return &ev->session->tcp[sd];
}

static const struct smtp_txn *last_txn(const struct rule_event *ev)
{
	return ev->session->txn_tail;
}

/* --- session fields (every event with a session) ------------------------------- */

static bool g_host(const struct rule_event *ev, struct rf_value *v, char *buf, size_t n)
{
	const struct ip_addr *a;
	if (ev->session)
		a = ev->outbound ? &ev->session->server : &ev->session->client;
	else if (ev->host)
		a = &ev->host->addr;
	else
		return false;
	char tmp[ADDR_STRLEN];
	addr_format(a, tmp);
	snprintf(buf, n, "%s", tmp);
	return put_str(v, buf);
}

static bool g_host_name(const struct rule_event *ev, struct rf_value *v, char *buf, size_t n)
{
	(void)buf, (void)n;
	return ev->host ? put_text(v, ev->host->name) : false;
}

static bool fmt_addr(const struct ip_addr *a, struct rf_value *v, char *buf, size_t n)
{
	char tmp[ADDR_STRLEN];
	addr_format(a, tmp);
	snprintf(buf, n, "%s", tmp);
	return put_str(v, buf);
}

static bool g_client(const struct rule_event *ev, struct rf_value *v, char *buf, size_t n)
{
	return fmt_addr(&ev->session->client, v, buf, n);
}

static bool g_server(const struct rule_event *ev, struct rf_value *v, char *buf, size_t n)
{
	return fmt_addr(&ev->session->server, v, buf, n);
}

#define GETTER(fn) static bool fn(const struct rule_event *ev, struct rf_value *v, \
				  char *buf, size_t n)
#define UNUSED_SCRATCH (void)buf, (void)n

GETTER(g_server_port) { UNUSED_SCRATCH; return put_num(v, ev->session->server_port); }
GETTER(g_client_port) { UNUSED_SCRATCH; return put_num(v, ev->session->client_port); }
GETTER(g_direction) { UNUSED_SCRATCH; return put_str(v, ev->outbound ? "outbound" : "inbound"); }
GETTER(g_helo) { UNUSED_SCRATCH; return put_text(v, ev->session->helo); }
GETTER(g_session) { UNUSED_SCRATCH; return put_num(v, (double)ev->session->id); }
GETTER(g_partial_start) { UNUSED_SCRATCH; return put_bool(v, ev->session->partial_start); }
GETTER(g_tls) { UNUSED_SCRATCH; return put_bool(v, ev->session->tls); }
GETTER(g_auth) { UNUSED_SCRATCH; return put_bool(v, ev->session->auth); }
GETTER(g_starttls_offered) { UNUSED_SCRATCH; return put_bool(v, ev->session->starttls_offered); }
GETTER(g_ehlo_keywords) { UNUSED_SCRATCH; return put_text(v, ev->session->ehlo_keywords); }

GETTER(g_starttls_reply) { UNUSED_SCRATCH; return ev->session->starttls_reply ? put_num(v, ev->session->starttls_reply) : false; }

GETTER(g_banner_code)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	return s->has_banner && s->banner.code ? put_num(v, s->banner.code) : false;
}

GETTER(g_banner_text)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	return s->has_banner ? put_str(v, s->banner.text) : false;
}

/* --- session_end fields -------------------------------------------------------- */

GETTER(g_end_reason) { UNUSED_SCRATCH; return put_str(v, end_reason_name(ev->session->end_reason)); }
GETTER(g_end_by) { UNUSED_SCRATCH; return put_str(v, side_name(ev->session->end_by)); }
GETTER(g_rst_by) { UNUSED_SCRATCH; return put_str(v, side_name(ev->session->rst_by)); }
GETTER(g_server_timeout) { UNUSED_SCRATCH; return put_bool(v, ev->session->server_timeout); }
GETTER(g_client_silent) { UNUSED_SCRATCH; return ev->session->server_timeout ? put_num(v, secs(ev->session->client_silent_us)) : false; }
GETTER(g_end_state) { UNUSED_SCRATCH; return put_str(v, smtp_state_name(ev->session->state)); }
GETTER(g_syn_seen) { UNUSED_SCRATCH; return put_bool(v, ev->session->syn_seen); }
GETTER(g_syn_answered) { UNUSED_SCRATCH; return put_bool(v, ev->session->synack_seen); }

GETTER(g_last_code)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	return s->has_last_reply && s->last_reply.code ? put_num(v, s->last_reply.code) : false;
}

GETTER(g_last_enhanced)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	return s->has_last_reply ? put_text(v, s->last_reply.enhanced) : false;
}

GETTER(g_last_text)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	return s->has_last_reply ? put_str(v, s->last_reply.text) : false;
}

GETTER(g_duration)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	if (!s->start_ts || s->end_ts < s->start_ts)
		return false;
	return put_num(v, secs(s->end_ts - s->start_ts));
}

static double count_outcome(const struct smtp_session *s, enum smtp_outcome o)
{
	double c = 0;
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next)
		c += t->outcome == o;
	return c;
}

GETTER(g_messages) { UNUSED_SCRATCH; return put_num(v, ev->session->txn_count); }
GETTER(g_accepted) { UNUSED_SCRATCH; return put_num(v, count_outcome(ev->session, OUT_ACCEPTED)); }
GETTER(g_deferred) { UNUSED_SCRATCH; return put_num(v, count_outcome(ev->session, OUT_DEFERRED)); }
GETTER(g_rejected) { UNUSED_SCRATCH; return put_num(v, count_outcome(ev->session, OUT_REJECTED)); }
GETTER(g_aborted) { UNUSED_SCRATCH; return put_num(v, count_outcome(ev->session, OUT_ABORTED)); }

GETTER(g_body_bytes)
{
	UNUSED_SCRATCH;
	const struct smtp_txn *t = last_txn(ev);
	return put_num(v, t ? (double)t->data_bytes : 0);
}

GETTER(g_since_354)
{
	UNUSED_SCRATCH;
	const struct smtp_txn *t = last_txn(ev);
	if (!t || !t->body_ts)
		return false;
	return put_num(v, secs(ev->session->end_ts - t->body_ts));
}

GETTER(g_since_eod)
{
	UNUSED_SCRATCH;
	const struct smtp_txn *t = last_txn(ev);
	if (!t || !t->eod_ts)
		return false;
	return put_num(v, secs(ev->session->end_ts - t->eod_ts));
}

GETTER(g_client_packets) { UNUSED_SCRATCH; return put_num(v, (double)stats(ev, SIDE_CLIENT)->packets); }
GETTER(g_server_packets) { UNUSED_SCRATCH; return put_num(v, (double)stats(ev, SIDE_SERVER)->packets); }

GETTER(g_retransmits)
{
	UNUSED_SCRATCH;
	return put_num(v, (double)(stats(ev, SIDE_CLIENT)->retransmits +
				   stats(ev, SIDE_SERVER)->retransmits));
}

GETTER(g_gaps)
{
	UNUSED_SCRATCH;
	return put_num(v, (double)(stats(ev, SIDE_CLIENT)->gaps + stats(ev, SIDE_SERVER)->gaps));
}

/* Per-side TCP counters: one getter pair per counter. */
#define SIDE_GETTERS(field)                                                          \
	GETTER(g_c_##field) { UNUSED_SCRATCH; return put_num(v, (double)stats(ev, SIDE_CLIENT)->field); } \
	GETTER(g_s_##field) { UNUSED_SCRATCH; return put_num(v, (double)stats(ev, SIDE_SERVER)->field); }
SIDE_GETTERS(retransmits)
SIDE_GETTERS(max_retx_run)
SIDE_GETTERS(fullsize_retx)
SIDE_GETTERS(fullsize_retx_unacked)
SIDE_GETTERS(fullsize_acked)
SIDE_GETTERS(zero_windows)
SIDE_GETTERS(payload_bytes)
SIDE_GETTERS(max_seg_len)
SIDE_GETTERS(gaps)

static bool rst_compare_ok(const struct smtp_session *s)
{
	return s->end_reason == END_RST && s->rst_sender_seen;
}

GETTER(g_rst_ttl_delta)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	if (!rst_compare_ok(s))
		return false;
	return put_num(v, abs((int)s->rst_ttl - (int)s->rst_sender_ttl));
}

GETTER(g_rst_ip_id_delta)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	if (!rst_compare_ok(s))
		return false;
	return put_num(v, (uint16_t)(s->rst_ip_id - s->rst_sender_ip_id));
}

/* "rst by server in body", "timeout in dot", "quit". */
static void end_phrase(const struct smtp_session *s, enum smtp_state st, char *buf, size_t n)
{
	const char *by = side_name(s->end_by);
	const char *why;
	switch (s->end_reason) {
	case END_QUIT: snprintf(buf, n, "quit"); return;
	case END_FIN: why = "fin"; break;
	case END_RST: why = "rst"; break;
	case END_TIMEOUT: why = "timeout"; by = NULL; break;
	case END_EVICTED: why = "evicted"; by = NULL; break;
	default: why = "capture end"; by = NULL; break;
	}
	snprintf(buf, n, "%s%s%s in %s", why, by ? " by " : "", by ? by : "", smtp_state_name(st));
}

GETTER(g_end_how)
{
	if (ev->session->end_reason == END_NONE)
		return false;
	end_phrase(ev->session, ev->session->state, buf, n);
	return put_str(v, buf);
}

/* Signs that a device on the path rewrites or forges parts of the dialogue:
 * the criteria are documented in doc/rules.md (middlebox-interference). */
static void add_sign(char *buf, size_t n, const char *sign)
{
	size_t len = strlen(buf);
	if (len + 1 < n)
		snprintf(buf + len, n - len, "%s%s", len ? "; " : "", sign);
}

/* Cisco PIX/ASA "fixup smtp" replaces the banner with asterisks, leaving a
 * few digits: "****************2*0**0**". */
static bool masked(const char *t)
{
	size_t stars = 0, len = 0;
	for (; t[len]; len++) {
		if (t[len] == '*')
			stars++;
		else if (!strchr("0123456789 ", t[len]))
			return false;
	}
	return stars >= 4 && stars * 2 >= len;
}

static bool x_keywords(const char *kw)
{
	/* Cisco ESMTP inspection turns unknown keywords into runs of X ("XXXXXXXA"). */
	for (const char *p = kw; (p = strstr(p, "XXXX")) != NULL; p++)
		if (p == kw || p[-1] == ' ')
			return true;
	return false;
}

/* A RST can only be judged against an SMTP dialogue: the banner came and
 * the client spoke.  A half-open scan's RST comes from the scanner's own
 * kernel, whose TTL and IP IDs differ from its crafted SYN: no middle box. */
static bool smtp_dialogue(const struct smtp_session *s)
{
	return s->has_banner && s->tcp[SIDE_CLIENT].payload_bytes > 0;
}

GETTER(g_middlebox_signs)
{
	const struct smtp_session *s = ev->session;
	char tmp[96];
	buf[0] = '\0';
	if (s->has_banner && masked(s->banner.text))
		add_sign(buf, n, "banner masked with asterisks");
	if (x_keywords(s->ehlo_keywords))
		add_sign(buf, n, "EHLO keywords replaced by X's");
	if (s->starttls_offered && s->starttls_reply >= 500) {
		snprintf(tmp, sizeof tmp, "STARTTLS advertised but refused with %u", s->starttls_reply);
		add_sign(buf, n, tmp);
	}
	if (rst_compare_ok(s) && smtp_dialogue(s)) {
		int dttl = abs((int)s->rst_ttl - (int)s->rst_sender_ttl);
		uint16_t did = (uint16_t)(s->rst_ip_id - s->rst_sender_ip_id);
		const char *who = side_name(s->end_by) ? side_name(s->end_by) : "sender";
		if (dttl >= 3) {
			snprintf(tmp, sizeof tmp, "RST TTL %u unlike the %s's %u", s->rst_ttl, who,
				 s->rst_sender_ttl);
			add_sign(buf, n, tmp);
		}
		/* Alone an IP ID jump means little (random IDs); with a TTL change it
		 * strengthens the case. */
		if (dttl >= 1 && s->rst_ip_id != 0 && did > 1024 && did < 64512) {
			snprintf(tmp, sizeof tmp, "RST IP ID %u, %u after the %s's previous packet",
				 s->rst_ip_id, did, who);
			add_sign(buf, n, tmp);
		}
	}
	return buf[0] ? put_str(v, buf) : false;
}

/* --- txn_end fields ------------------------------------------------------------- */

#define TXN (ev->txn)

GETTER(g_outcome) { UNUSED_SCRATCH; return put_str(v, outcome_name(TXN->outcome)); }
GETTER(g_t_code) { UNUSED_SCRATCH; return TXN->has_reply && TXN->reply.code ? put_num(v, TXN->reply.code) : false; }
GETTER(g_t_enhanced) { UNUSED_SCRATCH; return TXN->has_reply ? put_text(v, TXN->reply.enhanced) : false; }
GETTER(g_t_text) { UNUSED_SCRATCH; return TXN->has_reply ? put_str(v, TXN->reply.text) : false; }
GETTER(g_mail_from) { UNUSED_SCRATCH; return put_str(v, TXN->mail_from); }
GETTER(g_rcpt_count) { UNUSED_SCRATCH; return put_num(v, TXN->rcpts.count + TXN->rcpts.dropped); }
GETTER(g_rcpt_rejected) { UNUSED_SCRATCH; return put_num(v, TXN->rcpts.rejected); }
GETTER(g_message_id) { UNUSED_SCRATCH; return put_text(v, TXN->message_id); }
GETTER(g_data_bytes) { UNUSED_SCRATCH; return TXN->data_partial ? false : put_num(v, (double)TXN->data_bytes); }
GETTER(g_data_started) { UNUSED_SCRATCH; return put_bool(v, TXN->data_started || TXN->data_ts); }
GETTER(g_data_complete) { UNUSED_SCRATCH; return put_bool(v, TXN->data_complete); }
GETTER(g_size) { UNUSED_SCRATCH; return TXN->size_param ? put_num(v, (double)TXN->size_param) : false; }
GETTER(g_subject) { UNUSED_SCRATCH; return put_text(v, TXN->subject); }

GETTER(g_rcpt_domain)
{
	UNUSED_SCRATCH;
	const struct smtp_rcpt *r = TXN->rcpts.head;
	const char *at = r ? strrchr(r->addr, '@') : NULL;
	return at && at[1] ? put_str(v, at + 1) : false;
}

/* Appends s to buf at *len, cutting at the end of buf. */
static void cat(char *buf, size_t n, size_t *len, const char *s)
{
	if (*len + 1 >= n)
		return;
	int w = snprintf(buf + *len, n - *len, "%s", s);
	*len += (size_t)w < n - *len ? (size_t)w : n - *len - 1;
}

/* The recipients in sorted order without allocating: each pass emits the
 * smallest one greater than the last emitted (duplicates emitted each). */
static void sorted_rcpts(const struct smtp_txn *t, char *buf, size_t n, size_t *len)
{
	const char *prev = NULL;
	uint32_t emitted = 0, total = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next)
		total++;
	while (emitted < total) {
		const char *best = NULL;
		uint32_t dup = 0;
		for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
			if (prev && strcmp(r->addr, prev) <= 0)
				continue;
			int c = best ? strcmp(r->addr, best) : -1;
			if (c < 0) {
				best = r->addr;
				dup = 1;
			} else if (c == 0) {
				dup++;
			}
		}
		if (!best)
			break;
		for (uint32_t i = 0; i < dup; i++) {
			cat(buf, n, len, emitted ? "," : " ");
			cat(buf, n, len, best);
			emitted++;
		}
		prev = best;
	}
}

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

#define SORTED_RCPTS_MAX 32 /* beyond: a count and an order-independent hash */

GETTER(g_message)
{
	const struct smtp_txn *t = TXN;
	if (t->message_id && t->message_id[0])
		return put_str(v, t->message_id);
	size_t len = 0;
	buf[0] = '\0';
	cat(buf, n, &len, "envelope:");
	cat(buf, n, &len, t->mail_from ? t->mail_from : "");
	if (t->rcpts.count <= SORTED_RCPTS_MAX) {
		sorted_rcpts(t, buf, n, &len);
	} else {
		uint64_t h = 0;
		for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next)
			h += fnv(r->addr);
		char tmp[64];
		snprintf(tmp, sizeof tmp, " %" PRIu32 " rcpts #%016" PRIx64, t->rcpts.count, h);
		cat(buf, n, &len, tmp);
	}
	return put_str(v, buf);
}

static bool failed(const struct smtp_txn *t)
{
	return t->outcome != OUT_ACCEPTED && t->outcome != OUT_OPEN;
}

GETTER(g_attempt) { UNUSED_SCRATCH; return ev->msg ? put_num(v, ev->msg->attempts + 1.0) : false; }
GETTER(g_prior_failures) { UNUSED_SCRATCH; return ev->msg ? put_num(v, ev->msg->failures) : false; }

GETTER(g_failures)
{
	UNUSED_SCRATCH;
	return ev->msg ? put_num(v, ev->msg->failures + (double)failed(TXN)) : false;
}

/* The first deferral of the message: an earlier attempt's, else this one's. */
static bool first_deferral(const struct rule_event *ev, uint16_t *code, const char **enh,
			   int64_t *ts)
{
	if (ev->msg && ev->msg->first_deferral_code) {
		*code = ev->msg->first_deferral_code;
		*enh = ev->msg->first_deferral_enhanced;
		*ts = ev->msg->first_deferral_ts;
		return true;
	}
	if (TXN->outcome == OUT_DEFERRED && TXN->has_reply) {
		*code = TXN->reply.code;
		*enh = TXN->reply.enhanced;
		*ts = TXN->reply.ts_us ? TXN->reply.ts_us : ev->ts_us;
		return true;
	}
	return false;
}

GETTER(g_first_deferral_code)
{
	UNUSED_SCRATCH;
	uint16_t c;
	const char *e;
	int64_t ts;
	return first_deferral(ev, &c, &e, &ts) ? put_num(v, c) : false;
}

GETTER(g_first_deferral_enhanced)
{
	UNUSED_SCRATCH;
	uint16_t c;
	const char *e;
	int64_t ts;
	return first_deferral(ev, &c, &e, &ts) ? put_text(v, e) : false;
}

GETTER(g_deferred_for)
{
	UNUSED_SCRATCH;
	uint16_t c;
	const char *e;
	int64_t ts;
	return first_deferral(ev, &c, &e, &ts) ? put_num(v, secs(ev->ts_us - ts)) : false;
}

GETTER(g_since_first_attempt)
{
	UNUSED_SCRATCH;
	if (!ev->msg)
		return false;
	if (!ev->msg->known || !ev->msg->first_attempt_ts)
		return put_num(v, 0);
	return put_num(v, secs(ev->ts_us - ev->msg->first_attempt_ts));
}

/* "accepted 250", "deferred 451 4.7.1", or for an attempt the connection
 * cut: the session's end phrase in the transaction's phase. */
GETTER(g_t_end_how)
{
	const struct smtp_txn *t = TXN;
	if (t->has_reply && t->reply.code && t->outcome != OUT_ABORTED && t->outcome != OUT_OPEN) {
		snprintf(buf, n, "%s %u%s%s", outcome_name(t->outcome), t->reply.code,
			 t->reply.enhanced[0] ? " " : "", t->reply.enhanced);
		return put_str(v, buf);
	}
	if (ev->session->end_reason == END_NONE)
		return t->outcome == OUT_ABORTED ? put_str(v, "aborted") : false;
	end_phrase(ev->session, smtp_txn_phase(t), buf, n);
	return put_str(v, buf);
}

/* --- reply fields ----------------------------------------------------------------- */

#define REP (ev->reply)

GETTER(g_r_code) { UNUSED_SCRATCH; return REP->code ? put_num(v, REP->code) : false; }
GETTER(g_r_class) { UNUSED_SCRATCH; return REP->code ? put_num(v, REP->code / 100) : false; }
GETTER(g_r_enhanced) { UNUSED_SCRATCH; return put_text(v, REP->enhanced); }
GETTER(g_r_text) { UNUSED_SCRATCH; return put_str(v, REP->text); }
GETTER(g_verb) { UNUSED_SCRATCH; return put_text(v, ev->verb); }
GETTER(g_latency) { UNUSED_SCRATCH; return ev->latency_us >= 0 ? put_num(v, secs(ev->latency_us)) : false; }

/* --- tcp fields --------------------------------------------------------------------- */

GETTER(g_what) { UNUSED_SCRATCH; return put_text(v, tcp_anomaly_name(ev->tcp_what)); }
GETTER(g_side) { UNUSED_SCRATCH; return put_str(v, side_name(ev->tcp_side)); }
GETTER(g_value) { UNUSED_SCRATCH; return put_num(v, (double)ev->tcp_value); }

/* --- host_status fields --------------------------------------------------------------- */

GETTER(g_status) { UNUSED_SCRATCH; return put_str(v, host_status_name(ev->new_status)); }
GETTER(g_old_status) { UNUSED_SCRATCH; return put_str(v, host_status_name(ev->old_status)); }
GETTER(g_pending) { UNUSED_SCRATCH; return ev->host ? put_num(v, (double)ev->host->pending) : false; }
GETTER(g_retries) { UNUSED_SCRATCH; return ev->host ? put_num(v, (double)ev->host->retries) : false; }
GETTER(g_last_error) { UNUSED_SCRATCH; return ev->host ? put_text(v, ev->host->last_error) : false; }

GETTER(g_failing_for)
{
	UNUSED_SCRATCH;
	if (!ev->host || !ev->host->failing_since)
		return false;
	return put_num(v, secs(ev->ts_us - ev->host->failing_since));
}

/* --- the table -------------------------------------------------------------------------- */

#define N RF_NUM
#define S RF_STR
#define B RF_BOOL
#define F(name, type, unit, ev, get, doc) { name, type, unit, ev, get, doc }

const struct rule_field rf_core_fields[] = {
	/* any event with a session (host: every event) */
	F("host", S, RU_NONE, ALL_EVENTS, g_host, "remote host address: the server when outbound, else the client"),
	F("host_name", S, RU_NONE, ALL_EVENTS, g_host_name, "remote host name (banner or HELO) from the host model"),
	F("client", S, RU_NONE, SESS_EVENTS, g_client, "client address"),
	F("server", S, RU_NONE, SESS_EVENTS, g_server, "server address"),
	F("client_port", N, RU_NONE, SESS_EVENTS, g_client_port, "client TCP port"),
	F("server_port", N, RU_NONE, SESS_EVENTS, g_server_port, "server TCP port"),
	F("direction", S, RU_NONE, SESS_EVENTS, g_direction, "\"outbound\" (we are the client) or \"inbound\""),
	F("helo", S, RU_NONE, SESS_EVENTS, g_helo, "argument of the last EHLO/HELO"),
	F("banner_code", N, RU_NONE, SESS_EVENTS, g_banner_code, "code of the greeting"),
	F("banner_text", S, RU_NONE, SESS_EVENTS, g_banner_text, "text of the greeting"),
	F("tls", B, RU_NONE, SESS_EVENTS, g_tls, "STARTTLS succeeded or implicit TLS"),
	F("auth", B, RU_NONE, SESS_EVENTS, g_auth, "AUTH succeeded"),
	F("starttls_offered", B, RU_NONE, SESS_EVENTS, g_starttls_offered, "the EHLO reply advertised STARTTLS"),
	F("starttls_reply", N, RU_NONE, SESS_EVENTS, g_starttls_reply, "reply code to STARTTLS (null if not sent)"),
	F("ehlo_keywords", S, RU_NONE, SESS_EVENTS, g_ehlo_keywords, "keywords of the last EHLO reply, space-separated"),
	F("session", N, RU_NONE, SESS_EVENTS, g_session, "session id"),
	F("partial_start", B, RU_NONE, SESS_EVENTS, g_partial_start, "no handshake seen: picked up mid-stream"),

	/* session_end */
	F("end_reason", S, RU_NONE, SE, g_end_reason, "quit, fin, rst, timeout, capture_end, evicted"),
	F("end_by", S, RU_NONE, SE, g_end_by, "client or server (null if unknown)"),
	F("rst_by", S, RU_NONE, SE, g_rst_by, "side that sent the first RST (null if none)"),
	F("server_timeout", B, RU_NONE, SE, g_server_timeout, "the server closed on its own idle timer (421/451 \"timeout\")"),
	F("client_silent", N, RU_SECONDS, SE, g_client_silent, "client silence before that timeout reply (null if none)"),
	F("end_state", S, RU_NONE, SE, g_end_state, "connect, ehlo, ready, mail, rcpt, data, body, dot, bdat, tls, quit"),
	F("end_how", S, RU_NONE, SE, g_end_how, "short phrase: \"rst by server in body\", \"timeout in dot\", \"quit\""),
	F("last_code", N, RU_NONE, SE, g_last_code, "code of the last server reply"),
	F("last_enhanced", S, RU_NONE, SE, g_last_enhanced, "enhanced code of the last reply"),
	F("last_text", S, RU_NONE, SE, g_last_text, "text of the last reply"),
	F("duration", N, RU_SECONDS, SE, g_duration, "session length"),
	F("messages", N, RU_NONE, SE, g_messages, "transactions in the session"),
	F("accepted", N, RU_NONE, SE, g_accepted, "transactions accepted (2xx)"),
	F("deferred", N, RU_NONE, SE, g_deferred, "transactions deferred (4xx)"),
	F("rejected", N, RU_NONE, SE, g_rejected, "transactions rejected (5xx)"),
	F("aborted", N, RU_NONE, SE, g_aborted, "transactions without a final reply"),
	F("body_bytes", N, RU_BYTES, SE, g_body_bytes, "content bytes of the last transaction (0 if none)"),
	F("since_354", N, RU_SECONDS, SE, g_since_354, "from the last transaction's 354 to the session end"),
	F("since_eod", N, RU_SECONDS, SE, g_since_eod, "from the last end of data to the session end"),
	F("syn_seen", B, RU_NONE, SE, g_syn_seen, "the client's SYN was captured"),
	F("syn_answered", B, RU_NONE, SE, g_syn_answered, "a SYN-ACK was seen"),
	F("client_packets", N, RU_NONE, SE, g_client_packets, "packets sent by the client"),
	F("server_packets", N, RU_NONE, SE, g_server_packets, "packets sent by the server"),
	F("retransmits", N, RU_NONE, SE, g_retransmits, "retransmitted segments, both sides"),
	F("gaps", N, RU_NONE, SE, g_gaps, "holes in the capture, both sides"),
	F("client.retransmits", N, RU_NONE, SE, g_c_retransmits, "segments the client re-sent"),
	F("server.retransmits", N, RU_NONE, SE, g_s_retransmits, "segments the server re-sent"),
	F("client.max_retransmit_run", N, RU_NONE, SE, g_c_max_retx_run, "longest run of re-sends of one client segment"),
	F("server.max_retransmit_run", N, RU_NONE, SE, g_s_max_retx_run, "longest run of re-sends of one server segment"),
	F("client.fullsize_retransmits", N, RU_NONE, SE, g_c_fullsize_retx, "client re-sends of full-size segments"),
	F("server.fullsize_retransmits", N, RU_NONE, SE, g_s_fullsize_retx, "server re-sends of full-size segments"),
	F("client.fullsize_retransmits_unacked", N, RU_NONE, SE, g_c_fullsize_retx_unacked, "...of which the server never acknowledged"),
	F("server.fullsize_retransmits_unacked", N, RU_NONE, SE, g_s_fullsize_retx_unacked, "...of which the client never acknowledged"),
	F("client.fullsize_acked", N, RU_NONE, SE, g_c_fullsize_acked, "full-size client segments the server acknowledged"),
	F("server.fullsize_acked", N, RU_NONE, SE, g_s_fullsize_acked, "full-size server segments the client acknowledged"),
	F("client.zero_windows", N, RU_NONE, SE, g_c_zero_windows, "client packets advertising a zero window"),
	F("server.zero_windows", N, RU_NONE, SE, g_s_zero_windows, "server packets advertising a zero window"),
	F("client.payload_bytes", N, RU_BYTES, SE, g_c_payload_bytes, "payload the client delivered in order"),
	F("server.payload_bytes", N, RU_BYTES, SE, g_s_payload_bytes, "payload the server delivered in order"),
	F("client.max_segment", N, RU_BYTES, SE, g_c_max_seg_len, "largest client segment"),
	F("server.max_segment", N, RU_BYTES, SE, g_s_max_seg_len, "largest server segment"),
	F("client.gaps", N, RU_NONE, SE, g_c_gaps, "holes in the client's stream"),
	F("server.gaps", N, RU_NONE, SE, g_s_gaps, "holes in the server's stream"),
	F("rst_ttl_delta", N, RU_NONE, SE, g_rst_ttl_delta, "|TTL of the ending RST - TTL of its sender's first packet|"),
	F("rst_ip_id_delta", N, RU_NONE, SE, g_rst_ip_id_delta, "IP ID of the ending RST minus its sender's previous one, mod 65536"),
	F("middlebox_signs", S, RU_NONE, SE, g_middlebox_signs, "why a device on the path is suspected (null if no sign)"),

	/* txn_end */
	F("outcome", S, RU_NONE, TX, g_outcome, "accepted, deferred, rejected, aborted"),
	F("code", N, RU_NONE, TX, g_t_code, "code of the reply that decided the outcome"),
	F("enhanced", S, RU_NONE, TX, g_t_enhanced, "its enhanced code (RFC 3463)"),
	F("text", S, RU_NONE, TX, g_t_text, "its text"),
	F("end_how", S, RU_NONE, TX, g_t_end_how, "\"deferred 451 4.7.1\", \"rst by server in body\" ..."),
	F("mail_from", S, RU_NONE, TX, g_mail_from, "MAIL FROM address"),
	F("rcpt_count", N, RU_NONE, TX, g_rcpt_count, "recipients given"),
	F("rcpt_rejected", N, RU_NONE, TX, g_rcpt_rejected, "recipients refused"),
	F("rcpt_domain", S, RU_NONE, TX, g_rcpt_domain, "domain of the first recipient"),
	F("message_id", S, RU_NONE, TX, g_message_id, "Message-ID header"),
	F("subject", S, RU_NONE, TX, g_subject, "Subject header"),
	F("message", S, RU_NONE, TX, g_message, "identity: Message-ID, else \"envelope:\" sender and sorted recipients"),
	F("size", N, RU_BYTES, TX, g_size, "SIZE= of MAIL FROM (RFC 1870)"),
	F("data_bytes", N, RU_BYTES, TX, g_data_bytes, "content bytes sent (null if picked up mid-content)"),
	F("data_started", B, RU_NONE, TX, g_data_started, "DATA or BDAT was sent"),
	F("data_complete", B, RU_NONE, TX, g_data_complete, "end of data seen"),
	F("attempt", N, RU_NONE, TX, g_attempt, "this attempt's number for the message at this host (1 = first)"),
	F("prior_failures", N, RU_NONE, TX, g_prior_failures, "earlier attempts that failed"),
	F("failures", N, RU_NONE, TX, g_failures, "failed attempts including this one"),
	F("first_deferral_code", N, RU_NONE, TX, g_first_deferral_code, "code of the message's first deferral"),
	F("first_deferral_enhanced", S, RU_NONE, TX, g_first_deferral_enhanced, "its enhanced code"),
	F("deferred_for", N, RU_SECONDS, TX, g_deferred_for, "from the first deferral to now"),
	F("since_first_attempt", N, RU_SECONDS, TX, g_since_first_attempt, "from the first attempt to now (0 on the first)"),

	/* reply */
	F("code", N, RU_NONE, RP, g_r_code, "reply code"),
	F("class", N, RU_NONE, RP, g_r_class, "code / 100: 2, 3, 4, 5"),
	F("enhanced", S, RU_NONE, RP, g_r_enhanced, "enhanced code (RFC 3463)"),
	F("text", S, RU_NONE, RP, g_r_text, "reply text, lines joined by newlines"),
	F("verb", S, RU_NONE, RP, g_verb, "what it answers: BANNER, EHLO, MAIL, RCPT, DATA, EOD, ..."),
	F("latency", N, RU_SECONDS, RP, g_latency, "since the command was sent (banner: since the SYN)"),

	/* tcp */
	F("what", S, RU_NONE, TC, g_what, "retransmit_run, zero_window, gap, ..."),
	F("side", S, RU_NONE, TC, g_side, "the side whose stream it concerns"),
	F("value", N, RU_NONE, TC, g_value, "run length, bytes, ..."),

	/* host_status */
	F("status", S, RU_NONE, HS, g_status, "new status: ready, active, retry, failing, rejected"),
	F("old_status", S, RU_NONE, HS, g_old_status, "previous status"),
	F("pending", N, RU_NONE, HS, g_pending, "messages the client will retry (not accepted, not 5xx)"),
	F("retries", N, RU_NONE, HS, g_retries, "attempts of messages already attempted before"),
	F("last_error", S, RU_NONE, HS, g_last_error, "last 4xx/5xx reply or connection failure in words"),
	F("failing_for", N, RU_SECONDS, HS, g_failing_for, "since the first failure of the current bad streak"),
};

const size_t rf_core_count = sizeof rf_core_fields / sizeof rf_core_fields[0];

void rf_format_num(double v, char *out, size_t outsz)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(out, outsz, "%.0f", v);
		return;
	}
	snprintf(out, outsz, "%.2f", v);
	/* 3.20 -> 3.2 */
	size_t len = strlen(out);
	while (len > 0 && out[len - 1] == '0')
		out[--len] = '\0';
	if (len > 0 && out[len - 1] == '.')
		out[--len] = '\0';
}

bool rf_format(const struct rule_field *f, const struct rule_event *ev, char *out, size_t outsz)
{
	char scratch[RF_SCRATCH];
	struct rf_value v = { 0 };
	if (outsz == 0 || !f->get(ev, &v, scratch, sizeof scratch))
		return false;
	switch (f->type) {
	case RF_NUM: rf_format_num(v.num, out, outsz); break;
	case RF_BOOL: snprintf(out, outsz, "%s", v.b ? "true" : "false"); break;
	default: snprintf(out, outsz, "%s", v.str); break;
	}
	return true;
}
