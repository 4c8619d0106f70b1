/* msg_fixture.h — sessions and transactions built by hand for the message
 * table's unit tests (test_message_track.c, test_msg_store.c). */
#ifndef SMTPSCOPE_TEST_MSG_FIXTURE_H
#define SMTPSCOPE_TEST_MSG_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "decode/smtp_internal.h"
#include "rules/message_track.h"

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600)
#define GW "192.0.2.10"
#define CLIENT "203.0.113.20"

static struct smtp_config scfg;
static uint64_t next_id;

static inline struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	addr_parse(s, &a);
	return a;
}

static inline struct smtp_session *mk(const char *cli, const char *srv, int64_t t)
{
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip(cli);
	s->server = ip(srv);
	s->start_ts = t;
	s->end_ts = t + SEC(1);
	s->end_reason = END_QUIT;
	return s;
}

/* A transaction with content of `bytes`, ended by `code` at t (+0.9 s). */
static inline struct smtp_txn *txn(struct smtp_session *s, int64_t t, const char *from, const char *rcpts,
			    const char *msgid, uint64_t bytes, unsigned code)
{
	struct smtp_txn *x = txn_open(s, t);
	x->mail_from = arena_strndup(&s->arena, from, strlen(from));
	while (rcpts && *rcpts) {
		size_t n = strcspn(rcpts, ",");
		struct smtp_rcpt *r = txn_add_rcpt(s, x, rcpts, n);
		r->status = RCPT_ACCEPTED;
		r->code = 250;
		rcpts += n + (rcpts[n] == ',');
	}
	if (msgid)
		x->message_id = arena_strndup(&s->arena, msgid, strlen(msgid));
	x->data_started = x->data_complete = true;
	x->data_bytes = bytes;
	struct smtp_reply r;
	memset(&r, 0, sizeof r);
	r.code = (uint16_t)code;
	r.ts_us = t + 900000;
	snprintf(r.text, sizeof r.text, "%u reply", code);
	txn_finish(s, x, outcome_of_code(code), &r, r.ts_us);
	return x;
}

static inline void run(struct msg_tracker *mt, struct smtp_session *s, bool outbound)
{
	mt_session(mt, s, outbound, NULL, NULL);
	smtp_session_free(s);
}

#endif
