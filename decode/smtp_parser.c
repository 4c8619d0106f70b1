/* smtp_parser.c — session lifecycle and the pending-command queue (RFC 2920);
 * the client and server halves of the dialogue live in smtp_client.c and
 * smtp_server.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "decode/smtp_pool.h"

const char *smtp_cmd_verb(enum smtp_cmd c)
{
	static const char *const verbs[CMD__COUNT] = {
#define X(e, v) [e] = v,
		SMTP_CMD_LIST(X)
#undef X
	};
	return (unsigned)c < CMD__COUNT ? verbs[c] : "";
}

/* The verb of a command line, case-insensitively (ASCII, as verbs are).
 * Every client line comes here: the verb is folded once and compared only
 * with the verbs of its length (no strlen, no locale-aware compare). */
enum smtp_cmd smtp_lookup_verb(const char *s, size_t n)
{
	/* NUL-padded to 16 bytes, like `up` below: two words compare a verb */
	static const char verbs[CMD__COUNT][16] = {
#define X(e, v) [e] = v,
		SMTP_CMD_LIST(X)
#undef X
	};
	static const uint8_t lens[CMD__COUNT] = {
#define X(e, v) [e] = sizeof(v) - 1,
		SMTP_CMD_LIST(X)
#undef X
	};
	char up[16] = { 0 }; /* longer than any verb (14) */
	if (n == 0 || n > sizeof up)
		return CMD_UNKNOWN;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		up[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	uint64_t u[2], v[2];
	memcpy(u, up, sizeof u);
	for (int c = CMD_HELO; c < CMD_EOD; c++) {
		if (lens[c] != n)
			continue;
		/* same length, so the padding matches too (a NUL in the line
		 * meets a verb letter and differs) */
		memcpy(v, verbs[c], sizeof v);
		if (u[0] == v[0] && u[1] == v[1])
			return (enum smtp_cmd)c;
	}
	return CMD_UNKNOWN;
}

void smtp_config_default(struct smtp_config *cfg)
{
	cfg->line_max = 4096;
	cfg->rcpt_max = 1000;
	cfg->txn_max = 1000;
	cfg->pending_max = 128;
	cfg->arena_max = 256 * 1024;
	/* enough for the text report's last commands; --transcript keeps more */
	cfg->tr_head = 4;
	cfg->tr_tail = 12;
	cfg->pool = NULL;
}

struct smtp_session *smtp_session_new(uint64_t id, const struct smtp_config *cfg,
				      const struct dec_sink *sink)
{
	/* from the pool: zeroed, with uncharged spare buffers */
	struct smtp_session *s = cfg->pool ? smtp_pool_take_session(cfg->pool) : NULL;
	if (!s)
		s = xcalloc(1, sizeof *s);
	struct smtp_parser *p = cfg->pool ? smtp_pool_take(cfg->pool) : NULL;
	if (!p)
		p = xcalloc(1, sizeof *p);
	for (int i = 0; i < 2; i++) {
		char *spare = p->lines[i].buf;
		bool fits = p->lines[i].cap == cfg->line_max;
		lines_init(&p->lines[i], cfg->line_max);
		if (fits)
			p->lines[i].buf = spare; /* not charged until used */
		else
			free(spare);
	}
	mem_charge(sizeof *s + sizeof *p);
	p->cfg = cfg;
	p->sink = sink;
	s->id = id;
	s->parser = p;
	s->state = ST_CONNECT;
	s->end_by = SIDE_NONE;
	s->rst_by = SIDE_NONE;
	s->fin_by = SIDE_NONE;
	arena_init(&s->arena, cfg->arena_max);
	return s;
}

void smtp_session_shrink(struct smtp_session *s)
{
	struct smtp_parser *p = s->parser;
	if (!p)
		return;
	s->parser = NULL;
	/* released exactly as if freed; pooled buffers are not charged */
	lines_retire(&p->lines[SIDE_CLIENT]);
	lines_retire(&p->lines[SIDE_SERVER]);
	header_state_free(p);
	txn_dsn_free(p);
	mem_release(sizeof *p + (size_t)p->q_cap * sizeof(struct pending_cmd));
	if (p->q_cap != QUEUE_FIRST) { /* only a first-size ring is kept */
		free(p->queue);
		p->queue = NULL;
	}
	p->q_cap = 0;
	if (p->cfg->pool && smtp_pool_give(p->cfg->pool, p))
		return;
	smtp_parser_destroy(p);
}

void smtp_parser_destroy(struct smtp_parser *p)
{
	lines_free(&p->lines[SIDE_CLIENT]);
	lines_free(&p->lines[SIDE_SERVER]);
	free(p->queue);
	free(p->hs);
	free(p->hs_spare);
	txn_dsn_free(p);
	free(p);
}

void smtp_note_tcp(struct smtp_session *s, enum side side, int64_t ts_us, const char *what,
		   uint64_t value)
{
	struct tr_entry *e = tr_note(s, TR_TCP, side == SIDE_CLIENT ? 'C' : 'S', ts_us);
	if (!e)
		return;
	tr_set_text(e, what, strlen(what));
	e->bytes = value;
}

void smtp_session_free(struct smtp_session *s)
{
	if (!s)
		return;
	smtp_session_shrink(s);
	struct smtp_txn *t = s->txn_head;
	while (t) {
		struct smtp_txn *next = t->next;
		mem_free(t, sizeof *t);
		t = next;
	}
	tr_free(s->transcript);
	smtp_session_drop_spares(s);
	arena_free(&s->arena);
	mem_free(s, sizeof *s);
}

void smtp_session_drop_spares(struct smtp_session *s)
{
	free(s->txn_spare); /* spares are not charged */
	s->txn_spare = NULL;
	tr_free_spare(s->tr_spare);
	s->tr_spare = NULL;
	arena_drop_spare(&s->arena);
}

void smtp_session_recycle(struct smtp_session *s, struct smtp_pool *pool)
{
	if (!pool) {
		smtp_session_free(s);
		return;
	}
	smtp_session_shrink(s);
	/* released as smtp_session_free would; the first transaction, the
	 * transcript and one arena chunk stay with the record as spares */
	struct smtp_txn *t = s->txn_head;
	while (t) {
		struct smtp_txn *next = t->next;
		mem_release(sizeof *t);
		if (!s->txn_spare)
			s->txn_spare = t;
		else
			free(t);
		t = next;
	}
	s->txn_head = s->txn_tail = NULL;
	if (s->transcript) {
		tr_retire(s->transcript);
		if (!s->tr_spare)
			s->tr_spare = s->transcript;
		else
			tr_free_spare(s->transcript);
		s->transcript = NULL;
	}
	arena_retire(&s->arena);
	mem_release(sizeof *s);
	if (!smtp_pool_give_session(pool, s)) {
		smtp_session_drop_spares(s);
		free(s);
	}
}

void note(struct smtp_session *s, enum anomaly a)
{
	s->anomalies[a]++;
}

void set_state(struct smtp_session *s, enum smtp_state st)
{
	/* TLS and QUIT are terminal: nothing readable follows */
	if (s->state == ST_TLS || (s->state == ST_QUIT && st != ST_TLS))
		return;
	s->state = st;
}

/* The transcript is created with its first entry: a connection that never
 * carries a byte (a SYN flood, a port scan) costs no transcript memory. */
struct tr_entry *tr_note_add(struct smtp_session *s, enum tr_kind kind, char dir, int64_t ts)
{
	const struct smtp_config *cfg = s->parser ? s->parser->cfg : NULL;
	if (!s->transcript) {
		if (!cfg || cfg->tr_head + cfg->tr_tail == 0)
			return NULL;
		s->transcript = tr_renew(s->tr_spare, cfg->tr_head, cfg->tr_tail);
		s->tr_spare = NULL;
	}
	return tr_add(s->transcript, kind, dir, ts);
}

/* The queue starts small (most clients wait for each reply) and doubles up
 * to pending_max for pipelining clients. */
static bool queue_grow(struct smtp_parser *p)
{
	uint32_t cap = p->q_cap ? p->q_cap * 2 : QUEUE_FIRST;
	if (cap > p->cfg->pending_max)
		cap = p->cfg->pending_max;
	if (cap <= p->q_cap)
		return false;
	struct pending_cmd *q;
	if (p->q_cap == 0 && p->queue && cap == QUEUE_FIRST) {
		q = p->queue; /* the spare (empty), charged below like a new one */
	} else {
		q = xmalloc((size_t)cap * sizeof *q);
		for (uint32_t i = 0; i < p->q_len; i++)
			q[i] = p->queue[(p->q_head + i) % p->q_cap];
		free(p->queue);
	}
	mem_charge((size_t)(cap - p->q_cap) * sizeof *q);
	p->queue = q;
	p->q_head = 0;
	p->q_cap = cap;
	return true;
}

bool queue_push(struct smtp_session *s, const struct pending_cmd *c)
{
	struct smtp_parser *p = s->parser;
	if (p->q_len >= p->q_cap && !queue_grow(p)) {
		note(s, ANOM_PIPELINE_OVERFLOW);
		return false;
	}
	p->queue[(p->q_head + p->q_len) % p->q_cap] = *c;
	p->q_len++;
	return true;
}

void smtp_feed(struct smtp_session *s, enum side from, int64_t ts_us, const uint8_t *data, size_t n)
{
	if (n == 0)
		return;
	if (s->implicit_tls && !s->tls) {
		/* the first byte on an implicit-TLS port: the handshake begins */
		s->tls = true;
		set_state(s, ST_TLS);
	}
	if (from == SIDE_CLIENT)
		client_feed(s, ts_us, data, n);
	else
		server_feed(s, ts_us, data, n);
}

void smtp_gap(struct smtp_session *s, enum side from, int64_t ts_us, uint64_t n)
{
	if (n == 0)
		return;
	note(s, ANOM_DATA_GAP);
	struct tr_entry *e = tr_note(s, TR_GAP, from == SIDE_CLIENT ? 'C' : 'S', ts_us);
	if (e)
		e->bytes = n;
	if (from == SIDE_CLIENT)
		client_gap(s, ts_us, n);
	else
		server_gap(s, ts_us, n);
}

void smtp_set_implicit_tls(struct smtp_session *s)
{
	s->tls = true;
	s->implicit_tls = true;
	s->state = ST_TLS;
	s->parser->cmode = CM_OPAQUE;
	s->parser->server_opaque = true;
}

void smtp_expect_implicit_tls(struct smtp_session *s)
{
	s->implicit_tls = true;
	s->parser->cmode = CM_OPAQUE;
	s->parser->server_opaque = true;
}

void smtp_end(struct smtp_session *s, int64_t ts_us)
{
	struct smtp_parser *p = s->parser;
	if (p->cmode == CM_BODY)
		body_stop(s, ts_us, false);
	for (struct smtp_txn *t = s->txn_head; t; t = t->next)
		txn_settle(s, t, ts_us);
	p->txn = NULL;
	p->body_txn = NULL;
	s->end_ts = ts_us;
}
