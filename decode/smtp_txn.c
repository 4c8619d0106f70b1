/* smtp_txn.c — mail transactions (RFC 5321 3.3): envelope, recipients, outcome. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "decode/dsn.h"
#include "decode/mem.h"
#include "decode/smtp_internal.h"

enum smtp_outcome outcome_of_code(unsigned code)
{
	if (code >= 200 && code < 300)
		return OUT_ACCEPTED;
	if (code >= 400 && code < 500)
		return OUT_DEFERRED;
	if (code >= 500 && code < 600)
		return OUT_REJECTED;
	return OUT_ABORTED;
}

struct smtp_txn *txn_open(struct smtp_session *s, int64_t ts)
{
	struct smtp_parser *p = s->parser;
	if (s->txn_count >= p->cfg->txn_max) {
		s->txn_dropped++;
		note(s, ANOM_TXN_OVERFLOW);
		return NULL;
	}
	struct smtp_txn *t = s->txn_spare;
	if (t) { /* from the pool: charged as a new one would be */
		s->txn_spare = NULL;
		memset(t, 0, sizeof *t);
		mem_charge(sizeof *t);
	} else {
		t = mem_zalloc(sizeof *t);
	}
	t->index = s->txn_count++;
	t->start_ts = ts;
	t->end_ts = ts;
	t->outcome = OUT_OPEN;
	if (s->txn_tail)
		s->txn_tail->next = t;
	else
		s->txn_head = t;
	s->txn_tail = t;
	return t;
}

struct smtp_rcpt *txn_add_rcpt(struct smtp_session *s, struct smtp_txn *t, const char *addr, size_t n)
{
	if (t->rcpts.count >= s->parser->cfg->rcpt_max) {
		t->rcpts.dropped++;
		note(s, ANOM_RCPT_OVERFLOW);
		return NULL;
	}
	struct smtp_rcpt *r = arena_alloc(&s->arena, sizeof *r + n + 1);
	if (!r) {
		t->rcpts.dropped++;
		note(s, ANOM_RCPT_OVERFLOW);
		return NULL;
	}
	r->next = NULL;
	r->refusal_text = NULL;
	r->refusal_enhanced[0] = '\0';
	r->code = 0;
	r->status = RCPT_PENDING;
	memcpy(r->addr, addr, n);
	r->addr[n] = '\0';
	if (t->rcpts.tail)
		t->rcpts.tail->next = r;
	else
		t->rcpts.head = r;
	t->rcpts.tail = r;
	t->rcpts.count++;
	return r;
}

void txn_finish(struct smtp_session *s, struct smtp_txn *t, enum smtp_outcome o,
		const struct smtp_reply *r, int64_t ts)
{
	if (!t || t->outcome != OUT_OPEN)
		return;
	struct smtp_parser *p = s->parser;
	t->outcome = o;
	t->end_ts = ts;
	if (r) {
		t->reply = *r;
		t->has_reply = true;
	} else if (o == OUT_ABORTED) {
		t->has_reply = false;
	}
	if (p->txn == t)
		p->txn = NULL;
	if (p->sink && p->sink->txn_end)
		p->sink->txn_end(p->sink->ctx, s, t);
}

void txn_settle(struct smtp_session *s, struct smtp_txn *t, int64_t ts)
{
	if (!t || t->outcome != OUT_OPEN)
		return;
	uint32_t answered = 0, accepted = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		if (r->status != RCPT_PENDING)
			answered++;
		if (r->status == RCPT_ACCEPTED)
			accepted++;
	}
	/* Refused at RCPT (greylisting, unknown users): the message was turned
	 * away, not cut off, so it is deferred or rejected by the last refusal. */
	if (t->data_refused && t->has_reply && !t->data_complete) {
		txn_finish(s, t, outcome_of_code(t->reply.code), &t->reply, ts);
		return;
	}
	if (!t->data_started && answered > 0 && accepted == 0 && t->has_reply) {
		txn_finish(s, t, outcome_of_code(t->reply.code), &t->reply, ts);
		return;
	}
	txn_finish(s, t, OUT_ABORTED, NULL, ts);
}

/* Only null-sender messages can be DSNs (RFC 3464 2, RFC 5321 4.5.5), so
 * only they pay for the parser; it lives while their content flows. */
void txn_dsn_begin(struct smtp_session *s, struct smtp_txn *t)
{
	struct smtp_parser *p = s->parser;
	txn_dsn_free(p);
	if (!t || !t->mail_from || t->mail_from[0] || t->dsn)
		return;
	p->dsn = xmalloc(sizeof *p->dsn);
	mem_charge(sizeof *p->dsn);
	dsn_init(p->dsn);
}

void txn_dsn_end(struct smtp_session *s, struct smtp_txn *t, bool complete)
{
	struct smtp_parser *p = s->parser;
	if (!p->dsn)
		return;
	if (complete && t) {
		dsn_finish(p->dsn);
		if (p->dsn->rep.valid) {
			struct dsn_report *r = arena_alloc(&s->arena, sizeof *r);
			if (r) {
				*r = p->dsn->rep;
				t->dsn = r;
			}
		}
	}
	txn_dsn_free(p);
}

void txn_dsn_free(struct smtp_parser *p)
{
	if (!p->dsn)
		return;
	mem_release(sizeof *p->dsn);
	free(p->dsn);
	p->dsn = NULL;
}
