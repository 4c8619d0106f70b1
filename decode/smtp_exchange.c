/* smtp_exchange.c — Microsoft Exchange's SMTP verbs on the wire (Microsoft
 * KB 812455, [MS-OXSMTP]): X-ANONYMOUSTLS switches to TLS like STARTTLS
 * (RFC 3207), X-EXPS authenticates like AUTH (RFC 4954), XEXCH50 sends a
 * binary blob of a size given in the command, X-LINK2STATE exchanges routing
 * state in chunks, and the other X-verbs are ordinary command lines. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "decode/smtp_internal.h"

bool exchange_verb(int cmd)
{
	switch (cmd) {
#define X(e, v) case e:
		SMTP_EXCHANGE_CMD_LIST(X)
#undef X
		return true;
	default:
		return false;
	}
}

static void push(struct smtp_session *s, int cmd)
{
	struct pending_cmd c = { .cmd = (uint8_t)cmd, .ts_us = s->parser->cmd_ts };
	queue_push(s, &c);
}

/* "XEXCH50 <blob-size> <mode>": the size in decimal, 0 if malformed. */
static uint64_t xexch50_size(const char *arg, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;
	for (; i < n && isdigit((unsigned char)arg[i]); i++) {
		v = v * 10 + (uint64_t)(arg[i] - '0');
		if (v > XEXCH50_MAX)
			return 0;
	}
	if (i == 0 || (i < n && arg[i] != ' '))
		return 0;
	return v;
}

/* The mechanism of "X-EXPS GSSAPI <initial response>", upper-cased. */
static void auth_mechanism(struct smtp_session *s, const char *arg, size_t n)
{
	const char *sp = memchr(arg, ' ', n);
	size_t m = sp ? (size_t)(sp - arg) : n;
	if (m >= sizeof s->auth_mech)
		m = sizeof s->auth_mech - 1;
	for (size_t i = 0; i < m; i++)
		s->auth_mech[i] = (char)toupper((unsigned char)arg[i]);
	s->auth_mech[m] = '\0';
}

void exchange_command(struct smtp_session *s, int64_t ts, int cmd, const char *arg, size_t n)
{
	struct smtp_parser *p = s->parser;
	(void)ts;
	if (cmd != CMD_XLINK2STATE)
		exchange_other_command(s);
	switch (cmd) {
	case CMD_XANONYMOUSTLS:
		/* TLS may start right after the 220, as after STARTTLS */
		push(s, cmd);
		p->cmode = CM_TLS_PENDING;
		break;
	case CMD_XEXPS:
		auth_mechanism(s, arg, n);
		push(s, cmd);
		p->cmode = CM_AUTH;
		break;
	case CMD_XEXCH50: {
		push(s, cmd);
		/* A compliant client waits for 354 before the blob, so what it
		 * sends next is the blob; a refusal switches back (exchange_reply).
		 * Counting it from here keeps binary bytes out of the command
		 * parser even when the 354 is missing from the capture. */
		uint64_t size = xexch50_size(arg, n);
		if (size > 0) {
			p->blob_left = size;
			p->blob_started = false;
			p->cmode = CM_BLOB;
		}
		break;
	}
	case CMD_XLINK2STATE:
		/* "X-LINK2STATE FIRST CHUNK=..." ... "LAST CHUNK=...": every chunk
		 * line is a command; see exchange_other_command for the replies */
		p->link_state = true;
		p->link_state_answered = false;
		push(s, cmd);
		break;
	default:
		push(s, cmd);
		break;
	}
}

/* The replies to an X-LINK2STATE exchange are not all documented: a server
 * may answer every chunk line or only the last.  Once a reply has come after
 * the last chunk and the client moves on with another command, chunk lines
 * still waiting for a reply were answered together: forget them, so they do
 * not take the replies meant for the commands that follow. */
void exchange_other_command(struct smtp_session *s)
{
	struct smtp_parser *p = s->parser;
	if (!p->link_state)
		return;
	p->link_state = false;
	if (!p->link_state_answered)
		return;
	uint32_t keep = 0;
	for (uint32_t i = 0; i < p->q_len; i++) {
		struct pending_cmd *c = &p->queue[(p->q_head + i) % p->q_cap];
		if (c->cmd != CMD_XLINK2STATE)
			p->queue[(p->q_head + keep++) % p->q_cap] = *c;
	}
	p->q_len = keep;
}

bool exchange_link_state_data(struct smtp_session *s)
{
	/* routing state that continues a chunk on its own line */
	return s->parser->link_state;
}

bool exchange_reply_continues(int cmd, unsigned code)
{
	return (cmd == CMD_XEXPS && code == 334) || (cmd == CMD_XEXCH50 && code == 354);
}

void exchange_reply(struct smtp_session *s, const struct pending_cmd *c, const struct smtp_reply *r)
{
	struct smtp_parser *p = s->parser;
	switch (c->cmd) {
	case CMD_XANONYMOUSTLS: /* Exchange's STARTTLS */
		reply_tls_start(s, r);
		break;
	case CMD_XEXPS: /* Exchange's AUTH */
		reply_auth(s, r);
		break;
	case CMD_XEXCH50:
		/* A final reply before any of the blob: refused (500, 502, 503,
		 * 504...), or answered without 354, so no blob follows.  After the
		 * blob (or once it started) this is the reply to the blob. */
		if (p->cmode == CM_BLOB && !p->blob_started) {
			p->cmode = CM_COMMAND;
			p->blob_left = 0;
			lines_reset(&p->lines[SIDE_CLIENT], false);
		}
		break;
	case CMD_XLINK2STATE:
		p->link_state_answered = true;
		break;
	default:
		break;
	}
}

size_t exchange_blob_feed(struct smtp_session *s, int64_t ts, size_t n)
{
	struct smtp_parser *p = s->parser;
	(void)ts;
	size_t take = n < p->blob_left ? n : (size_t)p->blob_left;
	p->blob_left -= take;
	p->blob_started = true;
	if (p->blob_left == 0)
		p->cmode = CM_COMMAND;
	return take;
}

uint64_t exchange_blob_gap(struct smtp_session *s, uint64_t n)
{
	struct smtp_parser *p = s->parser;
	uint64_t take = n < p->blob_left ? n : p->blob_left;
	p->blob_left -= take;
	p->blob_started = true;
	if (p->blob_left == 0)
		p->cmode = CM_COMMAND;
	return take;
}
