/* smtp_server.c — the server half of an SMTP dialogue: reply lines with
 * multi-line continuation (RFC 5321 4.2), RFC 3463 enhanced status codes,
 * matching replies to pipelined commands (RFC 2920) and their effect on the
 * session and its transactions. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "decode/smtp_internal.h"

/* Digits by hand: isdigit() goes through the locale table for each byte. */
static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3463: class "." subject "." detail, e.g. 4.7.1 */
static size_t enhanced_code(const char *s, size_t n)
{
	if (n < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	size_t i = 2, d = 0;
	while (i < n && is_digit(s[i]) && d < 3) {
		i++;
		d++;
	}
	if (d == 0 || i >= n || s[i] != '.')
		return 0;
	i++;
	d = 0;
	while (i < n && is_digit(s[i]) && d < 3) {
		i++;
		d++;
	}
	if (d == 0 || (i < n && s[i] != ' '))
		return 0;
	return i;
}

/* Appends a reply line's text; *len is strlen(r->text), kept up to date. */
static void reply_text(struct smtp_reply *r, uint16_t *lenp, const char *s, size_t n)
{
	size_t sep = r->lines > 0 ? 1 : 0;
	size_t len = *lenp;
	size_t room = SMTP_REPLY_TEXT_MAX - 1 - len;
	if (sep + n > room) {
		r->cut = true;
		if (sep > room)
			return;
		n = room - sep;
	}
	if (sep)
		r->text[len++] = '\n';
	memcpy(r->text + len, s, n);
	r->text[len + n] = '\0';
	*lenp = (uint16_t)(len + n);
}

/* t equals the upper-case keyword `up` (n bytes) ignoring ASCII case, as
 * strncasecmp would in the C locale, without a library call per line. */
static bool ascii_ieq(const char *t, const char *up, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = t[i];
		if ((c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c) != up[i])
			return false;
	}
	return true;
}

static void ehlo_keyword(struct smtp_session *s, const char *t, size_t n)
{
	const char *sp = memchr(t, ' ', n);
	size_t k = sp ? (size_t)(sp - t) : n;
	uint16_t *havep = &s->parser->ehlo_len; /* strlen(s->ehlo_keywords) */
	size_t have = *havep;
	if (have + k + 2 < sizeof s->ehlo_keywords) {
		if (have)
			s->ehlo_keywords[have++] = ' ';
		memcpy(s->ehlo_keywords + have, t, k);
		s->ehlo_keywords[have + k] = '\0';
		*havep = (uint16_t)(have + k);
	}
	if (k == 10 && ascii_ieq(t, "PIPELINING", 10))
		s->pipelining_offered = true;
	else if (k == 8 && ascii_ieq(t, "STARTTLS", 8))
		s->starttls_offered = true;
	else if (k == 8 && ascii_ieq(t, "CHUNKING", 8))
		s->chunking_offered = true;
}

static struct pending_cmd *queue_head(struct smtp_parser *p)
{
	return p->q_len ? &p->queue[p->q_head] : NULL;
}

static void queue_pop(struct smtp_parser *p)
{
	p->q_head = (p->q_head + 1) % p->q_cap;
	p->q_len--;
}

/* After replies went missing in a gap, a reply whose code only fits one
 * command (354 DATA, 221 QUIT, 334/235 AUTH or X-EXPS) tells where the queue
 * stands. */
static void resync_queue(struct smtp_parser *p, unsigned code)
{
	enum smtp_cmd want;
	switch (code) {
	case 354: want = CMD_DATA; break;
	case 221: want = CMD_QUIT; break;
	case 334:
	case 235: want = CMD_AUTH; break;
	default: return;
	}
	for (uint32_t i = 0; i < p->q_len; i++) {
		uint8_t cmd = p->queue[(p->q_head + i) % p->q_cap].cmd;
		if (cmd == want || (want == CMD_AUTH && cmd == CMD_XEXPS)) {
			while (i--)
				queue_pop(p);
			return;
		}
	}
}

/* Lines the client sent before the greeting that are not SMTP commands
 * (an HTTP CONNECT or SOCKS preamble through a proxy) get no SMTP reply:
 * forget them so they do not shift the matching of later replies.  Real
 * commands stay (early pipelining, RFC 9422, sends EHLO before the banner). */
static void drop_preamble(struct smtp_parser *p)
{
	uint32_t keep = 0, max = p->q_cap;
	for (uint32_t i = 0; i < p->q_len; i++) {
		struct pending_cmd *c = &p->queue[(p->q_head + i) % max];
		if (c->cmd != CMD_UNKNOWN)
			p->queue[(p->q_head + keep++) % max] = *c;
	}
	p->q_len = keep;
}

static void banner(struct smtp_session *s, const struct smtp_reply *r)
{
	drop_preamble(s->parser);
	s->has_banner = true;
	s->banner = *r;
	set_state(s, ST_EHLO);
}

static void final_reply(struct smtp_session *s, struct smtp_txn *t, const struct smtp_reply *r)
{
	txn_finish(s, t, outcome_of_code(r->code), r, r->ts_us);
	set_state(s, ST_READY);
}

static void reply_to_mail(struct smtp_session *s, const struct pending_cmd *c,
			  const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	bool ok = r->code >= 200 && r->code < 300;
	if (c->nested_from) {
		/* MAIL inside an open transaction: a refusal leaves the old one
		 * current; acceptance replaces it */
		if (!ok)
			return;
		txn_settle(s, p->txn, r->ts_us);
		struct smtp_txn *t = txn_open(s, c->ts_us);
		if (t) {
			t->mail_from = (char *)c->nested_from;
			t->size_param = c->nested_size;
			t->mail_accepted = true;
		}
		p->txn = t;
		set_state(s, ST_MAIL);
		return;
	}
	if (ok) {
		if (c->txn)
			c->txn->mail_accepted = true;
		return;
	}
	final_reply(s, c->txn, r);
}

/* Keeps the refusal of one recipient with it: a transaction's reply is only
 * the last refusal, and the mail team needs each one (a 550 for one mailbox,
 * a 452 for the next).  The text goes to the session's arena, so it is
 * bounded like the addresses; when the arena is full only the code stays. */
static void keep_refusal(struct smtp_session *s, struct smtp_rcpt *rc, const struct smtp_reply *r)
{
	size_t n = strnlen(r->text, sizeof r->text);
	rc->refusal_text = arena_strndup(&s->arena, r->text, n);
	size_t e = strnlen(r->enhanced, sizeof r->enhanced);
	if (e >= sizeof rc->refusal_enhanced)
		e = 0; /* longer than any x.yyy.zzz: not kept rather than cut */
	memcpy(rc->refusal_enhanced, r->enhanced, e);
	rc->refusal_enhanced[e] = '\0';
}

static void reply_to_rcpt(struct smtp_session *s, const struct pending_cmd *c,
			  const struct smtp_reply *r)
{
	struct smtp_txn *t = c->txn;
	if (c->rcpt) {
		c->rcpt->code = r->code;
		bool ok = r->code >= 200 && r->code < 300;
		c->rcpt->status = ok ? RCPT_ACCEPTED : RCPT_REJECTED;
		if (!ok)
			keep_refusal(s, c->rcpt, r);
		if (!ok && t)
			t->rcpts.rejected++;
	}
	if (t && t->outcome == OUT_OPEN && !(r->code >= 200 && r->code < 300)) {
		/* remembered as the likely reason if the message goes no further */
		t->reply = *r;
		t->has_reply = true;
	}
}

static void reply_to_data(struct smtp_session *s, const struct pending_cmd *c,
			  const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	if (r->code == 354) {
		if (c->txn)
			c->txn->body_ts = r->ts_us;
		if (p->cmode != CM_BODY && p->body_txn != c->txn)
			body_begin(s, c->txn);
		set_state(s, ST_BODY);
		return;
	}
	/* DATA refused: the client goes back to commands.  The envelope may
	 * still be open on the server (a later RCPT and DATA can succeed), so
	 * the transaction is only settled later, by this refusal if nothing
	 * better comes (txn_settle). */
	if (p->cmode == CM_BODY) {
		body_stop(s, r->ts_us, false);
		lines_reset(&p->lines[SIDE_CLIENT], false);
	}
	struct smtp_txn *t = c->txn;
	if (t && t->outcome == OUT_OPEN) {
		t->data_refused = true;
		t->reply = *r;
		t->has_reply = true;
		p->txn = t;
	}
	set_state(s, ST_RCPT);
}

/* The reply to STARTTLS (or Exchange's X-ANONYMOUSTLS): on 220, TLS from
 * here on -- unless the capture was decrypted, which the first bytes after
 * this reply will tell (smtp_client.c). */
void reply_tls_start(struct smtp_session *s, const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	if (r->code == 220) {
		s->tls = true;
		set_state(s, ST_TLS);
		p->cmode = CM_TLS_PENDING;
		p->server_tls_pending = true;
	} else if (p->cmode == CM_TLS_PENDING) {
		p->cmode = CM_COMMAND;
	}
}

/* The final reply to AUTH (or Exchange's X-EXPS): 235 is success; any final
 * reply ends the exchange of credentials. */
void reply_auth(struct smtp_session *s, const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	if (r->code == 235)
		s->auth = true;
	if (p->cmode == CM_AUTH)
		p->cmode = CM_COMMAND;
}

static void reply_to_bdat(struct smtp_session *s, const struct pending_cmd *c, const struct smtp_reply *r)
{
	bool ok = r->code >= 200 && r->code < 300;
	if (c->bdat_last || !ok)
		final_reply(s, c->txn, r);
}

static void apply_reply(struct smtp_session *s, const struct pending_cmd *c, const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	bool ok = r->code >= 200 && r->code < 300;
	switch ((enum smtp_cmd)c->cmd) {
	case CMD_HELO:
	case CMD_EHLO:
		if (ok) {
			txn_settle(s, p->txn, r->ts_us);
			if (s->state <= ST_EHLO)
				set_state(s, ST_READY);
		}
		break;
	case CMD_MAIL:
		reply_to_mail(s, c, r);
		break;
	case CMD_RCPT:
		reply_to_rcpt(s, c, r);
		break;
	case CMD_DATA:
		reply_to_data(s, c, r);
		break;
	case CMD_EOD:
		final_reply(s, c->txn, r);
		break;
	case CMD_BDAT:
		reply_to_bdat(s, c, r);
		break;
	case CMD_STARTTLS:
		s->starttls_reply = r->code;
		reply_tls_start(s, r);
		break;
	case CMD_AUTH:
		reply_auth(s, r);
		break;
	case CMD_QUIT:
		if (r->code == 221)
			s->quit_acked = true;
		break;
	default:
		if (exchange_verb(c->cmd))
			exchange_reply(s, c, r);
		break;
	}
}

/* A reply that asks for more and leaves its command waiting: 334 to AUTH
 * (RFC 4954), and Exchange's intermediate replies. */
static bool reply_continues(const struct pending_cmd *c, unsigned code)
{
	return (c->cmd == CMD_AUTH && code == 334) || exchange_reply_continues(c->cmd, code);
}

static void unsolicited(struct smtp_session *s, const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	if (p->cmode == CM_BODY && s->state == ST_BODY) {
		/* A reply while content flows decides the message.  After a gap it
		 * means the end of data was lost: the server saw the final dot, so
		 * the client is at a line boundary again.  Without a gap the server
		 * gave up early; the client may still send content up to its dot. */
		struct smtp_txn *t = p->body_txn;
		if (p->body_gap) {
			note(s, ANOM_EOD_INFERRED);
			body_stop(s, r->ts_us, false);
			lines_reset(&p->lines[SIDE_CLIENT], false);
		} else {
			note(s, ANOM_UNSOLICITED_REPLY);
			p->body_answered = true;
		}
		final_reply(s, t, r);
		return;
	}
	if (r->code == 354) {
		/* DATA itself went missing: content follows */
		body_begin(s, p->txn);
		set_state(s, ST_BODY);
		return;
	}
	note(s, ANOM_UNSOLICITED_REPLY);
}

static void dispatch(struct smtp_session *s, const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	/* the text up to its NUL: a reply is mostly a short line in a
	 * 256-byte buffer */
	memcpy(&s->last_reply, r, offsetof(struct smtp_reply, text) + p->reply_len + 1);
	s->has_last_reply = true;
	struct tr_entry *e = tr_note(s, TR_REPLY, 'S', r->ts_us);
	if (e) {
		e->code = r->code;
		tr_set_text(e, r->text, p->reply_len);
		e->cut = r->cut;
	}
	const char *verb = "";
	int64_t cmd_ts = s->start_ts;
	bool first = !s->has_banner && !p->server_spoke_reply;
	p->server_spoke_reply = true;
	if (first && (p->q_len == 0 || !s->partial_start) && (!s->partial_start || r->code == 220)) {
		banner(s, r);
		verb = "BANNER";
	} else if (p->server_gap)
		resync_queue(p, r->code);
	struct pending_cmd *c = verb[0] ? NULL : queue_head(p);
	if (!verb[0] && !c) {
		/* a server timing out a silent client decides nothing about the
		 * message in flight: it stays open (aborted at the end) */
		if (!server_timeout_check(s, r))
			unsolicited(s, r);
	} else if (c) {
		verb = smtp_cmd_verb((enum smtp_cmd)c->cmd);
		cmd_ts = c->ts_us;
		if (!reply_continues(c, r->code)) {
			struct pending_cmd done = *c;
			queue_pop(p);
			apply_reply(s, &done, r);
		}
	}
	if (s->state == ST_CONNECT && s->partial_start)
		set_state(s, ST_READY);
	if (p->sink && p->sink->reply)
		p->sink->reply(p->sink->ctx, s, r, verb, cmd_ts);
}

static bool reply_line(const struct line *l)
{
	const char *t = l->s;
	return l->len >= 3 && t[0] >= '1' && t[0] <= '5' && is_digit(t[1]) && is_digit(t[2]) &&
	       (l->len == 3 || t[3] == ' ' || t[3] == '-');
}

static void server_line(struct smtp_session *s, int64_t ts, const struct line *raw)
{
	struct smtp_parser *p = s->parser;
	struct smtp_reply *r = &p->reply;
	struct line stripped;
	const struct line *l = raw;
	if (l->cut)
		note(s, ANOM_LINE_TOO_LONG);
	if (l->bare_lf)
		note(s, ANOM_BARE_LF);
	if (!reply_line(l)) {
		note(s, ANOM_BAD_REPLY);
		/* a proxy's binary reply glued to the banner: keep the SMTP part */
		if (!line_after_binary(l, &stripped) || !reply_line(&stripped))
			return;
		l = &stripped;
	}
	const char *t = l->s;
	unsigned code = (unsigned)((t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0'));
	bool more = l->len > 3 && t[3] == '-';
	const char *text = l->len > 4 ? t + 4 : "";
	size_t tlen = l->len > 4 ? l->len - 4 : 0;
	if (!p->in_reply) {
		memset(r, 0, offsetof(struct smtp_reply, text));
		r->text[0] = '\0';
		p->reply_len = 0;
		r->ts_us = ts;
		r->code = (uint16_t)code;
		size_t el = enhanced_code(text, tlen);
		if (el && el < sizeof r->enhanced && text[0] == t[0]) {
			memcpy(r->enhanced, text, el);
			r->enhanced[el] = '\0';
		}
		p->in_reply = true;
	} else if (code != r->code) {
		note(s, ANOM_REPLY_CODE_CHANGE);
	}
	struct pending_cmd *c = queue_head(p);
	if (c && c->cmd == CMD_EHLO) {
		if (r->lines == 0) {
			s->ehlo_keywords[0] = '\0';
			p->ehlo_len = 0;
		} else
			ehlo_keyword(s, text, tlen);
	}
	reply_text(r, &p->reply_len, text, tlen);
	if (r->lines < UINT16_MAX)
		r->lines++;
	if (!more) {
		p->in_reply = false;
		r->ts_us = ts;
		dispatch(s, r);
	}
}

void server_feed(struct smtp_session *s, int64_t ts, const uint8_t *d, size_t n)
{
	struct smtp_parser *p = s->parser;
	if (p->server_opaque)
		return;
	if (!p->server_spoke) {
		p->server_spoke = true;
		if (n >= 2 && d[0] == 0x16 && d[1] == 0x03 && !s->has_banner) {
			smtp_set_implicit_tls(s);
			return;
		}
	}
	if (p->server_tls_pending) {
		p->server_tls_pending = false;
		if (d[0] == 0x16 || d[0] == 0x15) { /* handshake or alert record */
			p->server_opaque = true;
			p->cmode = CM_OPAQUE;
			return;
		}
	}
	if (p->gap_probe[SIDE_SERVER]) {
		/* after a gap: a reply code right here starts a line */
		p->gap_probe[SIDE_SERVER] = false;
		bool code = n >= 4 && isdigit(d[0]) && isdigit(d[1]) && isdigit(d[2]) &&
			    (d[3] == ' ' || d[3] == '-' || d[3] == '\r');
		if (!code)
			lines_reset(&p->lines[SIDE_SERVER], true);
	}
	while (n > 0 && !p->server_opaque) {
		struct line l;
		bool complete;
		size_t used = lines_take(&p->lines[SIDE_SERVER], d, n, &l, &complete);
		if (complete)
			server_line(s, ts, &l);
		d += used;
		n -= used;
	}
}

void server_gap(struct smtp_session *s, int64_t ts, uint64_t n)
{
	struct smtp_parser *p = s->parser;
	(void)ts;
	(void)n;
	if (p->server_opaque)
		return;
	p->in_reply = false;
	p->server_gap = true;
	lines_reset(&p->lines[SIDE_SERVER], false);
	p->gap_probe[SIDE_SERVER] = true;
}
