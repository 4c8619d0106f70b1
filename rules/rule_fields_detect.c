/* rule_fields_detect.c — fields of the detections that look across
 * replies and sessions: attempts matched by envelope triplet (greylisting,
 * RFC 6647), how a reply ranks among its transaction's deferrals, the
 * reply's codes in one string for collecting (RFC 5321 4.2, RFC 3463), and
 * what a path carried in earlier sessions (RFC 1191: path MTU).
 * Also the lookups over both field tables (rule_field_tables.h). */
#include "config.h"

#include "rules/rule_fields.h"

#include <stdio.h>
#include <string.h>

#include "rules/rule_field_tables.h"

#define GETTER(fn) static bool fn(const struct rule_event *ev, struct rf_value *v, \
				  char *buf, size_t n)
#define UNUSED_SCRATCH (void)buf, (void)n

static bool put_num(struct rf_value *v, double x)
{
	v->num = x;
	return true;
}

/* An empty string is "not seen": null. */
static bool put_text(struct rf_value *v, const char *s)
{
	if (!s || !s[0])
		return false;
	v->str = s;
	return true;
}

/* --- txn_end: the envelope triplet ---------------------------------------------- */

static const struct msg_history *triplet(const struct rule_event *ev)
{
	return ev->msg && ev->msg->triplet_known ? ev->msg : NULL;
}

GETTER(g_triplet_attempt)
{
	UNUSED_SCRATCH;
	const struct msg_history *h = triplet(ev);
	return h ? put_num(v, h->triplet_attempts + 1.0) : false;
}

GETTER(g_triplet_deferral_code)
{
	UNUSED_SCRATCH;
	const struct msg_history *h = triplet(ev);
	return h ? put_num(v, h->triplet_deferral_code) : false;
}

/* "450 4.7.1", or "450" when the enhanced code is unknown. */
GETTER(g_triplet_deferral)
{
	const struct msg_history *h = triplet(ev);
	if (!h)
		return false;
	if (h->triplet_deferral_enhanced[0])
		snprintf(buf, n, "%u %s", (unsigned)h->triplet_deferral_code, h->triplet_deferral_enhanced);
	else
		snprintf(buf, n, "%u", (unsigned)h->triplet_deferral_code);
	v->str = buf;
	return true;
}

GETTER(g_triplet_deferral_enhanced)
{
	UNUSED_SCRATCH;
	const struct msg_history *h = triplet(ev);
	return h ? put_text(v, h->triplet_deferral_enhanced) : false;
}

GETTER(g_triplet_deferral_text)
{
	UNUSED_SCRATCH;
	const struct msg_history *h = triplet(ev);
	return h ? put_text(v, h->triplet_deferral_text) : false;
}

GETTER(g_triplet_deferred_for)
{
	UNUSED_SCRATCH;
	const struct msg_history *h = triplet(ev);
	return h ? put_num(v, (double)(ev->ts_us - h->triplet_deferral_ts) / 1e6) : false;
}

/* --- reply ---------------------------------------------------------------------------- */

/* "451 4.7.1", or "451" without an enhanced code. */
GETTER(g_full_code)
{
	const struct smtp_reply *r = ev->reply;
	if (!r->code)
		return false;
	if (r->enhanced[0])
		snprintf(buf, n, "%u %s", (unsigned)r->code, r->enhanced);
	else
		snprintf(buf, n, "%u", (unsigned)r->code);
	v->str = buf;
	return true;
}

/* RCPT replies of the same transaction, before this one, that were 4xx: a
 * message deferred at 5 recipients is one deferral of the host, not 5. */
GETTER(g_rcpt_deferrals_before)
{
	UNUSED_SCRATCH;
	const struct smtp_txn *t = ev->session->txn_tail;
	if (!ev->verb || strcmp(ev->verb, "RCPT") != 0 || !t)
		return put_num(v, 0);
	uint32_t k = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next)
		k += r->code / 100 == 4;
	/* this reply's own recipient is among them when it is a 4xx */
	if (ev->reply->code / 100 == 4 && k > 0)
		k--;
	return put_num(v, k);
}

/* --- session_end ---------------------------------------------------------------------- */

GETTER(g_path_fullsize_acked)
{
	UNUSED_SCRATCH;
	return put_num(v, (double)ev->path_fullsize_acked);
}

/* The server's own idle-timeout reply (decode/smtp_timeout.c): it answers
 * no command and defers nothing; the client had gone silent. */
GETTER(g_r_server_timeout)
{
	UNUSED_SCRATCH;
	const struct smtp_session *s = ev->session;
	v->b = s->server_timeout && s->server_timeout_ts == ev->reply->ts_us &&
	       s->server_timeout_code == ev->reply->code;
	return true;
}

/* --- the table ----------------------------------------------------------------------- */

#define N RF_NUM
#define S RF_STR
#define TX RF_EV(EV_TXN_END)
#define RP RF_EV(EV_REPLY)
#define SE RF_EV(EV_SESSION_END)
#define F(name, type, unit, ev, get, doc) { name, type, unit, ev, get, doc }

const struct rule_field rf_detect_fields[] = {
	/* txn_end: the accepted recipient deferred earliest, by (client, MAIL FROM, RCPT TO) */
	F("triplet_attempt", N, RU_NONE, TX, g_triplet_attempt,
	  "this attempt's number for the (client, sender, recipient) triplet deferred earliest; null if none was"),
	F("triplet_deferral", S, RU_NONE, TX, g_triplet_deferral, "that triplet's first 4xx: \"450 4.7.1\""),
	F("triplet_deferral_code", N, RU_NONE, TX, g_triplet_deferral_code, "its code"),
	F("triplet_deferral_enhanced", S, RU_NONE, TX, g_triplet_deferral_enhanced, "its enhanced code"),
	F("triplet_deferral_text", S, RU_NONE, TX, g_triplet_deferral_text, "its text (first 127 bytes)"),
	F("triplet_deferred_for", N, RU_SECONDS, TX, g_triplet_deferred_for, "from that first deferral to now"),
	/* reply */
	F("full_code", S, RU_NONE, RP, g_full_code, "code and enhanced code: \"451 4.7.1\""),
	F("rcpt_deferrals_before", N, RU_NONE, RP, g_rcpt_deferrals_before,
	  "4xx replies to earlier RCPTs of the same transaction (0 for other commands)"),
	F("server_timeout", RF_BOOL, RU_NONE, RP, g_r_server_timeout,
	  "this reply is the server's own idle-timeout reply (421/451 \"timeout\", answering no command)"),
	/* session_end */
	F("path_fullsize_acked", N, RU_NONE, SE, g_path_fullsize_acked,
	  "full-size client segments acknowledged on this client->server path, this and earlier sessions"),
};

const size_t rf_detect_count = sizeof rf_detect_fields / sizeof rf_detect_fields[0];

/* --- lookups over both tables ------------------------------------------------------- */

const struct rule_field *rf_at(size_t i)
{
	if (i < rf_core_count)
		return &rf_core_fields[i];
	i -= rf_core_count;
	if (i < rf_detect_count)
		return &rf_detect_fields[i];
	return rf_queue_at(i - rf_detect_count); /* rule_fields_queue.c */
}

size_t rf_count(void)
{
	return rf_core_count + rf_detect_count + rf_queue_count();
}

const struct rule_field *rf_lookup(const char *name, enum rule_event_type t)
{
	for (size_t i = 0; i < rf_count(); i++) {
		const struct rule_field *f = rf_at(i);
		if ((f->events & RF_EV(t)) && strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

bool rf_exists(const char *name)
{
	for (size_t i = 0; i < rf_count(); i++)
		if (strcmp(rf_at(i)->name, name) == 0)
			return true;
	return false;
}
