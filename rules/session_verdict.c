/* session_verdict.c — judging one finished session for the host model, and
 * saying in plain words how it failed ("connection reset by server during
 * the message body (18.0 KB sent, 3.2 s after 354)"). */
#include "config.h"

#include "rules/session_verdict.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* decoder.c's default --idle-timeout.  The session record does not carry the
 * configured value, so the words for a timeout quote the default. */
#define IDLE_TIMEOUT_S 900

/* --- attempt results ------------------------------------------------------------ */

/* A transaction the client gave up on before DATA while the session went on
 * or closed politely (RSET, QUIT: address verification, callouts): not an
 * attempt to deliver a message. */
bool txn_abandoned(const struct smtp_session *s, const struct smtp_txn *t)
{
	return t->outcome == OUT_ABORTED && !t->data_started &&
	       (t->next != NULL || s->end_reason == END_QUIT);
}

static bool says_too_many_recipients(const struct smtp_reply *r)
{
	if (r->code != 452)
		return false;
	if (strcmp(r->enhanced, "4.5.3") == 0)
		return true;
	static const char needle[] = "too many recipients";
	for (const char *p = r->text; *p; p++)
		if (strncasecmp(p, needle, sizeof needle - 1) == 0)
			return true;
	return false;
}

bool txn_rcpt_accepted(const struct smtp_txn *t)
{
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next)
		if (r->status == RCPT_ACCEPTED)
			return true;
	return false;
}

bool txn_recipient_limited(const struct smtp_txn *t, bool accepted_before)
{
	if (t->outcome != OUT_DEFERRED || t->data_started || !t->has_reply ||
	    !says_too_many_recipients(&t->reply))
		return false;
	bool accepted = accepted_before;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		if (r->status == RCPT_REJECTED && r->code != 452)
			return false;
		accepted = accepted || r->status == RCPT_ACCEPTED;
	}
	return accepted;
}

/* The transaction that stands for the session's attempt: the last one that
 * tried to deliver a message and was not only cut short by a recipient limit. */
static const struct smtp_txn *last_attempt_txn(const struct smtp_session *s)
{
	const struct smtp_txn *last = NULL;
	bool accepted = false;
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		if (!txn_abandoned(s, t) && !txn_recipient_limited(t, accepted))
			last = t;
		accepted = accepted || txn_rcpt_accepted(t);
	}
	return last;
}

bool session_rejected(const struct smtp_session *s)
{
	const struct smtp_txn *t = last_attempt_txn(s);
	return t && t->outcome == OUT_REJECTED;
}

static const struct smtp_txn *last_refused_txn(const struct smtp_session *s)
{
	const struct smtp_txn *last = NULL;
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next)
		if (t->outcome == OUT_DEFERRED || t->outcome == OUT_REJECTED)
			last = t;
	return last;
}

bool session_cut_short(const struct smtp_session *s)
{
	return s->end_reason == END_CAPTURE_END || s->end_reason == END_EVICTED ||
	       s->end_reason == END_NONE;
}

/* Banner seen, greeting not done, and the connection died or the server hung up. */
static bool died_before_greeting(const struct smtp_session *s)
{
	return s->state == ST_EHLO &&
	       (s->end_reason == END_RST || s->end_reason == END_TIMEOUT ||
		(s->end_reason == END_FIN && s->end_by == SIDE_SERVER));
}

/* The SYN went unanswered long enough to count (the client re-sent it, or
 * the session timed out), or was answered by a RST.  One SYN at the very end
 * of a capture says nothing yet (as the connect-timeout rule). */
static bool connect_failed(const struct smtp_session *s)
{
	if (!s->syn_seen || s->synack_seen || s->partial_start || s->has_banner)
		return false;
	return s->rst_by == SIDE_SERVER || s->tcp[SIDE_CLIENT].packets >= 2 ||
	       s->end_reason == END_TIMEOUT;
}

enum verdict session_verdict(const struct smtp_session *s)
{
	const struct smtp_txn *t = last_attempt_txn(s);
	if (t) {
		if (t->outcome == OUT_ACCEPTED)
			return V_SUCCESS;
		if (t->outcome == OUT_DEFERRED || t->outcome == OUT_REJECTED)
			return V_FAILURE;
		/* the capture (not the peer) cut it off: nothing to judge */
		return session_cut_short(s) ? V_NEUTRAL : V_FAILURE;
	}
	if (connect_failed(s))
		return V_FAILURE;
	if (session_cut_short(s) || s->tls)
		return V_NEUTRAL;
	if (!s->has_banner)
		return s->partial_start ? V_NEUTRAL : V_FAILURE;
	if (s->banner.code >= 400 || died_before_greeting(s))
		return V_FAILURE;
	return V_NEUTRAL;
}

/* --- describing a failure ------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t sz, len;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	if (b->len + 1 >= b->sz)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->sz - b->len, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	if (b->len + (size_t)n < b->sz) {
		b->len += (size_t)n;
		return;
	}
	/* cut: do not leave half a UTF-8 sequence at the end */
	size_t i = b->sz - 1, k = 0;
	while (i > 0 && k < 3 && ((unsigned char)b->p[i - 1] & 0xc0) == 0x80) {
		i--;
		k++;
	}
	unsigned char c = i > 0 ? (unsigned char)b->p[i - 1] : 0;
	size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	b->len = i > 0 && need > k + 1 ? i - 1 : b->sz - 1;
	b->p[b->len] = '\0';
}

/* "451 4.7.1 Greylisted, please try again later": code, enhanced code, first line. */
static void add_reply(struct sbuf *b, const struct smtp_reply *r)
{
	const char *t = r->text;
	size_t el = strlen(r->enhanced);
	sb_add(b, "%u", r->code);
	if (el) {
		sb_add(b, " %s", r->enhanced);
		if (strncmp(t, r->enhanced, el) == 0)
			t += el;
	}
	t += strspn(t, " ");
	int n = (int)strcspn(t, "\n");
	if (n)
		sb_add(b, " %.*s", n, t);
}

/* How the connection ended: "connection reset by server", "no packet for 900 s",
 * "server timed out the client after 300 s of silence". */
static void add_how(struct sbuf *b, const struct smtp_session *s)
{
	const char *by = side_name(s->end_by);
	if (s->server_timeout && (s->end_reason == END_FIN || s->end_reason == END_RST)) {
		/* the server's own idle timer, not a drop: the client went quiet */
		char silent[UNITS_STRLEN];
		format_duration(silent, sizeof silent, s->client_silent_us);
		sb_add(b, "server timed out the client after %s of silence", silent);
		return;
	}
	switch (s->end_reason) {
	case END_RST:
		sb_add(b, "connection reset%s%s", by ? " by " : "", by ? by : "");
		break;
	case END_FIN:
	case END_QUIT:
		sb_add(b, "connection closed%s%s", by ? " by " : "", by ? by : "");
		break;
	case END_TIMEOUT: {
		char idle[UNITS_STRLEN];
		format_duration(idle, sizeof idle, IDLE_TIMEOUT_S * 1000000LL);
		sb_add(b, "no packet for %s", idle);
		break;
	}
	case END_EVICTED:
		sb_add(b, "session evicted to stay under --memcap");
		break;
	default:
		sb_add(b, "capture ended");
		break;
	}
}

/* The connection died with a message in flight. */
static void describe_cut(struct sbuf *b, const struct smtp_session *s, const struct smtp_txn *t)
{
	enum smtp_state ph = smtp_txn_phase(t);
	char size[UNITS_STRLEN];
	format_size(size, sizeof size, t->data_bytes);
	if (ph == ST_DOT) {
		sb_add(b, "final reply never seen after the end of data "
			  "(message may be delivered twice)");
		return;
	}
	add_how(b, s);
	bool timeout = s->end_reason == END_TIMEOUT;
	switch (ph) {
	case ST_MAIL: sb_add(b, " after MAIL FROM"); return;
	case ST_RCPT: sb_add(b, " after RCPT TO"); return;
	case ST_DATA: sb_add(b, " after DATA, before 354"); return;
	case ST_BODY: sb_add(b, timeout ? " in the message body" : " during the message body"); break;
	default: sb_add(b, timeout ? " in a BDAT chunk" : " during a BDAT chunk"); break;
	}
	const char *after = ph == ST_BODY ? "354" : "the first BDAT";
	int64_t since = ph == ST_BODY ? t->body_ts : t->data_ts;
	char dt[UNITS_STRLEN];
	format_duration(dt, sizeof dt, s->end_ts - since);
	if (timeout)
		sb_add(b, " (silent drop, %s sent)", t->data_partial ? "size unknown" : size);
	else if (t->data_partial)
		sb_add(b, " (%s after %s)", dt, after);
	else
		sb_add(b, " (%s sent, %s after %s)", size, dt, after);
}

/* The reply to EHLO/HELO when the greeting failed: the last reply, when it
 * is not the banner itself. */
static const struct smtp_reply *greeting_reply(const struct smtp_session *s)
{
	if (!s->has_last_reply || s->state != ST_EHLO)
		return NULL;
	if (s->last_reply.ts_us == s->banner.ts_us && s->last_reply.code == s->banner.code)
		return NULL;
	return &s->last_reply;
}

/* No transaction: the connection or the greeting failed.  The words follow
 * the wire: what came first is said first. */
static void describe_connect(struct sbuf *b, const struct smtp_session *s)
{
	if (!s->has_banner && s->syn_seen && !s->synack_seen && !s->partial_start) {
		char a[ADDR_STRLEN];
		addr_format(&s->server, a);
		if (s->rst_by == SIDE_SERVER)
			sb_add(b, strchr(a, ':') ? "connection refused by [%s]:%u" :
						   "connection refused by %s:%u", a, s->server_port);
		else
			sb_add(b, "connect timeout: %" PRIu64 " SYN%s unanswered",
			       s->tcp[SIDE_CLIENT].packets, s->tcp[SIDE_CLIENT].packets == 1 ? "" : "s");
		return;
	}
	if (!s->has_banner) {
		add_how(b, s);
		sb_add(b, " before the banner");
		return;
	}
	if (s->banner.code >= 400) {
		add_how(b, s);
		sb_add(b, " after ");
		add_reply(b, &s->banner);
		return;
	}
	const struct smtp_reply *g = greeting_reply(s);
	if (!g) {
		add_how(b, s);
		sb_add(b, " after the banner, before the EHLO reply");
	} else if (g->ts_us <= s->end_ts) {
		sb_add(b, "EHLO answered ");
		add_reply(b, g);
		sb_add(b, ", then ");
		add_how(b, s);
	} else {
		add_how(b, s);
		sb_add(b, " after the banner, then EHLO answered ");
		add_reply(b, g);
	}
}

/* Writes the words; returns when the trouble was seen (0 if none). */
int64_t session_describe(const struct smtp_session *s, char *out, size_t outsz)
{
	struct sbuf b = { out, outsz, 0 };
	if (outsz == 0)
		return 0;
	out[0] = '\0';
	enum verdict v = session_verdict(s);
	const struct smtp_txn *last = last_attempt_txn(s);
	const struct smtp_txn *refused = last_refused_txn(s);
	if (v == V_FAILURE && last && last->outcome != OUT_DEFERRED &&
	    last->outcome != OUT_REJECTED) {
		describe_cut(&b, s, last);
		return s->end_ts;
	}
	if (refused) {
		if (refused->has_reply)
			add_reply(&b, &refused->reply);
		else
			sb_add(&b, "transaction refused");
		return refused->has_reply && refused->reply.ts_us ? refused->reply.ts_us
								  : refused->end_ts;
	}
	if (v == V_FAILURE) {
		describe_connect(&b, s);
		return s->end_ts;
	}
	return 0;
}


