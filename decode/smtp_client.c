/* smtp_client.c — the client half of an SMTP dialogue: command lines
 * (RFC 5321 4.1), DATA content with dot-unstuffing and end-of-data detection
 * across segment boundaries (4.5.2), BDAT chunks (RFC 3030) with the message
 * header read across chunk boundaries, STARTTLS (RFC 3207) and AUTH exchanges
 * (RFC 4954, credentials masked).  Exchange's verbs: smtp_exchange.c. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/dsn.h"
#include "decode/mem.h"
#include "decode/smtp_internal.h"

#define HELO_MAX 255
#define ADDR_MAX 512
/* Largest BDAT (or SIZE) value we believe; larger values are malformed. */
#define BDAT_MAX ((uint64_t)1 << 40)

static bool is_tls_record(const uint8_t *p, size_t n)
{
	/* TLS handshake record: content type 22, major version 3 */
	return n >= 1 && p[0] == 0x16 && (n < 2 || p[1] == 0x03);
}

/* The address inside <...> after "FROM:" / "TO:", or the first token. */
static void envelope_addr(const char *arg, size_t n, const char **out, size_t *outlen)
{
	const char *colon = memchr(arg, ':', n);
	const char *p = colon ? colon + 1 : arg;
	const char *end = arg + n;
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '<') {
		const char *gt = memchr(p, '>', (size_t)(end - p));
		if (gt) {
			*out = p + 1;
			*outlen = (size_t)(gt - p - 1);
			return;
		}
	}
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	*out = p;
	*outlen = (size_t)((sp ? sp : end) - p);
}

static void push(struct smtp_session *s, enum smtp_cmd cmd, struct smtp_txn *t,
		 struct smtp_rcpt *r, bool last)
{
	struct pending_cmd c = { .cmd = (uint8_t)cmd, .ts_us = s->parser->cmd_ts, .bdat_last = last,
				 .txn = t, .rcpt = r };
	queue_push(s, &c);
}

static bool parse_bdat(const char *arg, size_t n, uint64_t *size, bool *last)
{
	size_t i = 0;
	uint64_t v = 0;
	while (i < n && arg[i] == ' ')
		i++;
	size_t digits = 0;
	while (i < n && isdigit((unsigned char)arg[i])) {
		v = v * 10 + (uint64_t)(arg[i] - '0');
		if (v > BDAT_MAX)
			return false;
		i++;
		digits++;
	}
	if (digits == 0)
		return false;
	while (i < n && arg[i] == ' ')
		i++;
	*last = false;
	if (i < n) {
		if (n - i == 4 && strncasecmp(arg + i, "LAST", 4) == 0)
			*last = true;
		else
			return false;
	}
	*size = v;
	return true;
}

static void transcript_command(struct smtp_session *s, int64_t ts, enum smtp_cmd cmd,
			       const struct line *l, size_t verb_len)
{
	struct tr_entry *e = tr_note(s, TR_COMMAND, 'C', ts);
	if (!e)
		return;
	if (cmd != CMD_AUTH && cmd != CMD_XEXPS) {
		tr_set_text(e, l->s, l->len);
		e->cut = e->cut || l->cut;
		return;
	}
	/* keep "AUTH MECH" (or "X-EXPS MECH"), mask any initial response */
	const char *arg = l->s + verb_len;
	size_t n = l->len - verb_len;
	while (n && *arg == ' ') {
		arg++;
		n--;
	}
	const char *sp = memchr(arg, ' ', n);
	size_t mech = sp ? (size_t)(sp - arg) : n;
	tr_set_text(e, l->s, verb_len);
	if (mech) {
		tr_append_text(e, "", " ", 1);
		tr_append_text(e, "", arg, mech);
	}
	if (sp)
		tr_append_text(e, "", " ***", 4);
}

/* RFC 1870: "SIZE=<digits>" among the MAIL FROM parameters; 0 if absent. */
static uint64_t size_param(const char *arg, size_t n)
{
	for (size_t i = 0; i + 5 < n; i++) {
		if (arg[i] != ' ' || strncasecmp(arg + i + 1, "SIZE=", 5) != 0)
			continue;
		uint64_t v = 0;
		for (size_t j = i + 6; j < n && isdigit((unsigned char)arg[j]); j++) {
			if (v > BDAT_MAX)
				return 0;
			v = v * 10 + (uint64_t)(arg[j] - '0');
		}
		return v;
	}
	return 0;
}

static void cmd_mail(struct smtp_session *s, int64_t ts, const char *arg, size_t n)
{
	struct smtp_parser *p = s->parser;
	const char *a;
	size_t alen;
	envelope_addr(arg, n, &a, &alen);
	if (alen > ADDR_MAX)
		alen = ADDR_MAX;
	if (p->txn && p->txn->mail_accepted) {
		/* MAIL inside an accepted transaction: servers answer 503 and the
		 * old envelope stays.  Only a 2xx (smtp_server.c) starts a new one. */
		note(s, ANOM_NESTED_MAIL);
		struct pending_cmd c = { .cmd = CMD_MAIL, .ts_us = ts,
					 .nested_from = arena_strndup(&s->arena, a, alen),
					 .nested_size = size_param(arg, n) };
		queue_push(s, &c);
		return;
	}
	if (p->txn)
		txn_settle(s, p->txn, ts);
	struct smtp_txn *t = txn_open(s, ts);
	if (t) {
		t->mail_from = arena_strndup(&s->arena, a, alen);
		t->size_param = size_param(arg, n);
	}
	p->txn = t;
	set_state(s, ST_MAIL);
	push(s, CMD_MAIL, t, NULL, false);
}

static void cmd_rcpt(struct smtp_session *s, const char *arg, size_t n)
{
	struct smtp_parser *p = s->parser;
	struct smtp_rcpt *r = NULL;
	if (p->txn) {
		const char *a;
		size_t alen;
		envelope_addr(arg, n, &a, &alen);
		r = txn_add_rcpt(s, p->txn, a, alen < ADDR_MAX ? alen : ADDR_MAX);
	}
	set_state(s, ST_RCPT);
	push(s, CMD_RCPT, p->txn, r, false);
}

static void cmd_data(struct smtp_session *s, int64_t ts)
{
	struct smtp_parser *p = s->parser;
	struct smtp_txn *t = p->txn;
	if (t)
		t->data_ts = ts;
	set_state(s, ST_DATA);
	push(s, CMD_DATA, t, NULL, false);
	/* A compliant client now waits for 354, so whatever it sends next is
	 * content; a refusal of DATA switches back (smtp_server.c). */
	body_begin(s, t);
}

static void on_header_field(void *ctx, enum hdr_field f, const char *v, size_t n);

/* The end of a BDAT chunk: after the LAST one the message header is over
 * (a field still being unfolded is complete); otherwise the next chunk
 * continues it, even in the middle of a line. */
static void bdat_chunk_end(struct smtp_session *s)
{
	struct smtp_parser *p = s->parser;
	if (p->bdat_last) {
		struct header_state *h = p->hs;
		if (h && p->in_header) {
			/* unlike DATA, BDAT content may end without a line ending */
			if (h->hline_len && !h->line_bad)
				hdr_line(&h->hdr, h->hline, h->hline_len, on_header_field, s);
			hdr_finish(&h->hdr, on_header_field, s);
		}
		header_state_free(p);
		p->in_header = false;
		txn_dsn_end(s, p->body_txn, true);
	}
	p->cmode = CM_COMMAND;
	p->body_txn = NULL;
	p->data_entry = NULL;
}

static void cmd_bdat(struct smtp_session *s, int64_t ts, const char *arg, size_t n)
{
	struct smtp_parser *p = s->parser;
	uint64_t size;
	bool last;
	struct smtp_txn *t = p->txn;
	if (!parse_bdat(arg, n, &size, &last)) {
		note(s, ANOM_BAD_BDAT);
		push(s, CMD_BDAT, t, NULL, false);
		return;
	}
	if (t) {
		if (!t->data_ts)
			t->data_ts = ts;
		t->bdat_chunks++;
		t->data_started = true;
	}
	set_state(s, ST_BDAT);
	push(s, CMD_BDAT, t, NULL, last);
	p->body_txn = t;
	p->bdat_left = size;
	p->bdat_last = last;
	if (t && t->bdat_chunks == 1) {
		header_begin(p); /* the message header starts in the first chunk */
		txn_dsn_begin(s, t);
	} else if (!t)
		p->in_header = false;
	struct tr_entry *e = tr_note(s, TR_DATA, 'C', ts);
	if (e)
		e->complete = last;
	p->data_entry = e;
	if (last && t) {
		t->data_complete = true;
		t->eod_ts = ts;
		p->txn = NULL;
	}
	if (size > 0)
		p->cmode = CM_BDAT;
	else
		bdat_chunk_end(s);
}

static void client_command(struct smtp_session *s, int64_t ts, const struct line *l)
{
	struct smtp_parser *p = s->parser;
	const char *sp = memchr(l->s, ' ', l->len);
	size_t vlen = sp ? (size_t)(sp - l->s) : l->len;
	enum smtp_cmd cmd = smtp_lookup_verb(l->s, vlen);
	const char *arg = l->s + vlen;
	size_t alen = l->len - vlen;
	while (alen && *arg == ' ') {
		arg++;
		alen--;
	}
	transcript_command(s, ts, cmd, l, vlen);
	if (s->state == ST_CONNECT && s->partial_start)
		set_state(s, ST_READY); /* picked up mid-stream, after the greeting */
	if (exchange_verb(cmd)) {
		exchange_command(s, ts, cmd, arg, alen);
		return;
	}
	if (cmd != CMD_UNKNOWN)
		exchange_other_command(s);

	switch (cmd) {
	case CMD_HELO:
	case CMD_EHLO:
		s->helo = arena_strndup(&s->arena, arg, alen < HELO_MAX ? alen : HELO_MAX);
		push(s, cmd, NULL, NULL, false);
		break;
	case CMD_MAIL:
		cmd_mail(s, ts, arg, alen);
		break;
	case CMD_RCPT:
		cmd_rcpt(s, arg, alen);
		break;
	case CMD_DATA:
		cmd_data(s, ts);
		break;
	case CMD_BDAT:
		cmd_bdat(s, ts, arg, alen);
		break;
	case CMD_RSET:
		txn_settle(s, p->txn, ts);
		if (s->state >= ST_READY)
			set_state(s, ST_READY);
		push(s, cmd, NULL, NULL, false);
		break;
	case CMD_QUIT:
		txn_settle(s, p->txn, ts);
		set_state(s, ST_QUIT);
		push(s, cmd, NULL, NULL, false);
		break;
	case CMD_STARTTLS:
		push(s, cmd, NULL, NULL, false);
		p->cmode = CM_TLS_PENDING;
		break;
	case CMD_AUTH: {
		const char *msp = memchr(arg, ' ', alen);
		size_t mlen = msp ? (size_t)(msp - arg) : alen;
		if (mlen >= sizeof s->auth_mech)
			mlen = sizeof s->auth_mech - 1;
		for (size_t i = 0; i < mlen; i++)
			s->auth_mech[i] = (char)toupper((unsigned char)arg[i]);
		s->auth_mech[mlen] = '\0';
		push(s, cmd, NULL, NULL, false);
		p->cmode = CM_AUTH;
		break;
	}
	case CMD_UNKNOWN:
		if (exchange_link_state_data(s))
			break; /* X-LINK2STATE data on a line of its own: no reply of its own */
		note(s, ANOM_UNKNOWN_COMMAND);
		push(s, cmd, NULL, NULL, false);
		break;
	default:
		push(s, cmd, NULL, NULL, false);
		break;
	}
}

static bool looks_binary(const struct line *l)
{
	size_t n = l->len < 16 ? l->len : 16;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l->s[i];
		if (c < 0x20 && c != '\t')
			return true;
	}
	return false;
}

/* Mid-stream pickup: a first line that is not a command means we joined in
 * the middle of message content.  Verbs are letters, Exchange's also digits
 * and '-' (XEXCH50, X-ANONYMOUSTLS: up to 14 characters). */
static bool starts_with_command(const uint8_t *p, size_t n)
{
	size_t v = 0;
	while (v < n && v < 16 && (isalpha(p[v]) || (v > 0 && (isdigit(p[v]) || p[v] == '-'))))
		v++;
	if (v == 0 || (v < n && p[v] != ' ' && p[v] != '\r' && p[v] != '\n'))
		return false;
	return smtp_lookup_verb((const char *)p, v) != CMD_UNKNOWN;
}

static void client_line(struct smtp_session *s, int64_t ts, const struct line *l)
{
	struct smtp_parser *p = s->parser;
	if (l->cut)
		note(s, ANOM_LINE_TOO_LONG);
	if (l->bare_lf)
		note(s, ANOM_BARE_LF);
	if (p->cmode == CM_AUTH) {
		struct tr_entry *e = tr_note(s, TR_COMMAND, 'C', ts);
		if (e)
			tr_set_text(e, "***", 3);
		return;
	}
	if (l->len == 0)
		return;
	struct line stripped;
	if (looks_binary(l)) {
		note(s, ANOM_BINARY_COMMAND);
		/* a proxy handshake glued to the first command (SOCKS) */
		if (line_after_binary(l, &stripped) &&
		    starts_with_command((const uint8_t *)stripped.s, stripped.len))
			l = &stripped;
	}
	client_command(s, ts, l);
}

/* --- DATA content ------------------------------------------------------ */

void body_begin(struct smtp_session *s, struct smtp_txn *t)
{
	struct smtp_parser *p = s->parser;
	p->cmode = CM_BODY;
	p->body_txn = t;
	p->at_line_start = true;
	p->body_gap = false;
	p->body_answered = false;
	p->dot_state = 0;
	p->prev_cr = false;
	p->last_eol = 0;
	p->data_entry = NULL;
	header_begin(p);
	txn_dsn_begin(s, t);
}

void header_begin(struct smtp_parser *p)
{
	p->in_header = true;
	if (!p->hs) {
		p->hs = p->hs_spare ? p->hs_spare : xmalloc(sizeof *p->hs);
		p->hs_spare = NULL;
		mem_charge(sizeof *p->hs);
	}
	p->hs->line_bad = false;
	p->hs->hline_len = 0;
	hdr_init(&p->hs->hdr);
}

/* The header is over: the scanner is released from the accounting as if
 * freed, but waits as the spare for the next message (of this session, or of
 * a later one through the pool) instead of a free and a malloc per DATA. */
void header_state_free(struct smtp_parser *p)
{
	if (!p->hs)
		return;
	mem_release(sizeof *p->hs);
	if (p->hs_spare)
		free(p->hs);
	else
		p->hs_spare = p->hs;
	p->hs = NULL;
}

static void on_header_field(void *ctx, enum hdr_field f, const char *v, size_t n)
{
	struct smtp_session *s = ctx;
	struct smtp_txn *t = s->parser->body_txn;
	if (!t)
		return;
	if (f == HDR_MESSAGE_ID && !t->message_id)
		t->message_id = arena_strndup(&s->arena, v, n);
	else if (f == HDR_SUBJECT && !t->subject)
		t->subject = arena_strndup(&s->arena, v, n);
}

static struct tr_entry *data_entry(struct smtp_session *s, int64_t ts)
{
	struct smtp_parser *p = s->parser;
	if (p->data_entry && s->transcript && tr_last(s->transcript) == p->data_entry)
		return p->data_entry;
	p->data_entry = tr_note(s, TR_DATA, 'C', ts);
	return p->data_entry;
}

/* Counts content bytes [d, d+n) and feeds header lines to the header parser:
 * while the header is read, [d, d+n) lies within one line (an LF, if any, is
 * the last byte); past it, it may be a run of whole lines. */
static void content(struct smtp_session *s, int64_t ts, const uint8_t *d, size_t n)
{
	struct smtp_parser *p = s->parser;
	struct smtp_txn *t = p->body_txn;
	if (n == 0)
		return;
	if (t) {
		t->data_bytes += n;
		t->data_started = true;
	}
	if (p->dsn)
		dsn_feed(p->dsn, d, n);
	struct tr_entry *e = data_entry(s, ts);
	if (e)
		e->bytes += n;
	bool eol = d[n - 1] == '\n';
	struct header_state *h = p->hs;
	if (p->in_header && h && !h->hdr.done) {
		size_t keep = eol ? n - 1 : n;
		if (keep && d[keep - 1] == '\r' && eol)
			keep--;
		size_t room = HDR_FIELD_MAX - h->hline_len;
		if (keep > room)
			keep = room;
		memcpy(h->hline + h->hline_len, d, keep);
		h->hline_len += (uint32_t)keep;
		/* a CR that ended the previous piece (segment or BDAT chunk) */
		if (eol && h->hline_len > 0 && h->hline[h->hline_len - 1] == '\r')
			h->hline_len--;
		if (eol) {
			if (!h->line_bad)
				hdr_line(&h->hdr, h->hline, h->hline_len, on_header_field, s);
			h->hline_len = 0;
			h->line_bad = false;
			if (h->hdr.done)
				header_state_free(p); /* the body follows: no more header to read */
		}
	}
	if (eol) {
		bool crlf = n >= 2 ? d[n - 2] == '\r' : p->prev_cr;
		p->last_eol = crlf ? 2 : 1;
	}
	p->prev_cr = d[n - 1] == '\r';
}

void body_stop(struct smtp_session *s, int64_t ts, bool complete)
{
	struct smtp_parser *p = s->parser;
	struct smtp_txn *t = p->body_txn;
	if (p->hs)
		hdr_finish(&p->hs->hdr, on_header_field, s);
	header_state_free(p);
	txn_dsn_end(s, t, complete);
	if (complete && t) {
		/* the last line ending belongs to the <CRLF>.<CRLF> terminator */
		t->data_bytes = t->data_bytes >= p->last_eol ? t->data_bytes - p->last_eol : 0;
		t->data_complete = true;
		t->eod_ts = ts;
	}
	struct tr_entry *e = complete ? data_entry(s, ts) : p->data_entry;
	if (e && (!s->transcript || tr_last(s->transcript) == e)) {
		if (complete && e->bytes >= p->last_eol)
			e->bytes -= p->last_eol;
		e->complete = complete;
	}
	p->data_entry = NULL;
	p->cmode = CM_COMMAND;
	p->body_txn = NULL;
	if (t && p->txn == t)
		p->txn = NULL;
}

static void end_of_data(struct smtp_session *s, int64_t ts)
{
	struct smtp_parser *p = s->parser;
	struct smtp_txn *t = p->body_txn;
	bool answered = p->body_answered;
	body_stop(s, ts, true);
	if (answered)
		return; /* the server already gave its verdict: no reply will follow */
	set_state(s, ST_DOT);
	push(s, CMD_EOD, t, NULL, false);
}

/* The first LF in [d, d+n) that is followed by a '.', or NULL: where a line
 * that may end the data (or is dot-stuffed) starts.  16 bytes at a time
 * (GCC/Clang vector extensions: SSE2 on x86-64, NEON on arm64). */
typedef uint8_t u8x16 __attribute__((vector_size(16)));

static const uint8_t *find_lf_dot(const uint8_t *d, size_t n)
{
	const u8x16 lf = { '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',
			   '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n' };
	const u8x16 dot = { '.', '.', '.', '.', '.', '.', '.', '.',
			    '.', '.', '.', '.', '.', '.', '.', '.' };
	size_t i = 0;
	for (; i + 17 <= n; i += 16) {
		u8x16 a, b;
		memcpy(&a, d + i, 16);
		memcpy(&b, d + i + 1, 16);
		u8x16 m = (u8x16)((a == lf) & (b == dot));
		uint64_t lo, hi;
		memcpy(&lo, &m, 8);
		memcpy(&hi, (const uint8_t *)&m + 8, 8);
		if (lo | hi) {
			/* the first byte of the mask that is set: lowest address */
			for (size_t k = 0; k < 16; k++)
				if (d[i + k] == '\n' && d[i + k + 1] == '.')
					return d + i + k;
		}
	}
	for (; i + 1 < n; i++)
		if (d[i] == '\n' && d[i + 1] == '.')
			return d + i;
	return NULL;
}

/* Scans content for <CRLF>.<CRLF>; returns the bytes consumed (up to and
 * including the terminator, or all of d). */
static size_t body_feed(struct smtp_session *s, int64_t ts, const uint8_t *d, size_t n)
{
	struct smtp_parser *p = s->parser;
	size_t i = 0;
	while (i < n) {
		if (p->at_line_start) {
			uint8_t c = d[i];
			if (p->dot_state == 0 && c == '.') {
				p->dot_state = 1;
				i++;
				continue;
			}
			if (p->dot_state == 1 && c == '\r') {
				p->dot_state = 2;
				i++;
				continue;
			}
			if (p->dot_state >= 1 && c == '\n') {
				if (p->dot_state == 1)
					note(s, ANOM_BARE_LF);
				end_of_data(s, ts);
				return i + 1;
			}
			if (p->dot_state == 2)
				content(s, ts, (const uint8_t *)"\r", 1); /* ".\r" + more: a stuffed line */
			p->dot_state = 0; /* a leading dot is stuffing: dropped */
			p->at_line_start = false;
		}
		if (!(p->in_header && p->hs && !p->hs->hdr.done)) {
			/* past the header only a line that starts with '.' matters:
			 * the lines up to there are counted in one go */
			const uint8_t *lf = find_lf_dot(d + i, n - i);
			size_t end = lf ? (size_t)(lf - d) + 1 : n;
			content(s, ts, d + i, end - i);
			i = end;
			p->at_line_start = d[end - 1] == '\n';
			continue;
		}
		const uint8_t *lf = memchr(d + i, '\n', n - i);
		size_t end = lf ? (size_t)(lf - d) + 1 : n;
		content(s, ts, d + i, end - i);
		i = end;
		if (lf)
			p->at_line_start = true;
	}
	return i;
}

/* --- feeding ------------------------------------------------------------ */

/* Chunk bytes are content as they are (no dot-stuffing, RFC 3030 2): while
 * the header is read they go to content() one line at a time. */
static size_t bdat_feed(struct smtp_session *s, int64_t ts, const uint8_t *d, size_t n)
{
	struct smtp_parser *p = s->parser;
	size_t take = n < p->bdat_left ? n : (size_t)p->bdat_left;
	p->bdat_left -= take;
	size_t i = 0;
	while (i < take && p->in_header && p->hs && !p->hs->hdr.done) {
		const uint8_t *lf = memchr(d + i, '\n', take - i);
		size_t end = lf ? (size_t)(lf - d) + 1 : take;
		content(s, ts, d + i, end - i);
		i = end;
	}
	content(s, ts, d + i, take - i);
	if (p->bdat_left == 0)
		bdat_chunk_end(s);
	return take;
}

void client_feed(struct smtp_session *s, int64_t ts, const uint8_t *d, size_t n)
{
	struct smtp_parser *p = s->parser;
	p->cmd_ts = ts;
	if (!p->client_spoke) {
		p->client_spoke = true;
		if (is_tls_record(d, n) && !s->has_banner) {
			smtp_set_implicit_tls(s);
			return;
		}
		if (s->partial_start && !starts_with_command(d, n)) {
			if (s->state == ST_CONNECT)
				set_state(s, ST_READY);
			struct smtp_txn *t = txn_open(s, ts);
			if (t)
				t->data_partial = true;
			set_state(s, ST_BODY);
			body_begin(s, t);
			p->in_header = false;
		}
	}
	while (n > 0) {
		size_t used;
		switch (p->cmode) {
		case CM_OPAQUE:
			return;
		case CM_BODY:
			used = body_feed(s, ts, d, n);
			break;
		case CM_BDAT:
			used = bdat_feed(s, ts, d, n);
			break;
		case CM_BLOB:
			used = exchange_blob_feed(s, ts, n);
			break;
		case CM_TLS_PENDING:
			if (!lines_pending(&p->lines[SIDE_CLIENT]) && is_tls_record(d, n)) {
				s->tls = true;
				set_state(s, ST_TLS);
				p->cmode = CM_OPAQUE;
				p->server_opaque = true;
				return;
			}
			if (s->state == ST_TLS) {
				/* plain text after 220 to STARTTLS: a decrypted capture;
				 * the dialogue starts again with EHLO (RFC 3207 4.2) */
				s->state = ST_EHLO;
				p->server_tls_pending = false;
			}
			p->cmode = CM_COMMAND;
			/* still plain text */
			__attribute__((fallthrough));
		default: {
			struct line l;
			bool complete;
			if (p->gap_probe[SIDE_CLIENT]) {
				/* after a gap: a command right here is trusted, anything
				 * else is the tail of a lost line */
				p->gap_probe[SIDE_CLIENT] = false;
				if (!starts_with_command(d, n))
					lines_reset(&p->lines[SIDE_CLIENT], true);
			}
			used = lines_take(&p->lines[SIDE_CLIENT], d, n, &l, &complete);
			if (complete)
				client_line(s, ts, &l);
			break;
		}
		}
		d += used;
		n -= used;
	}
}

void client_gap(struct smtp_session *s, int64_t ts, uint64_t n)
{
	struct smtp_parser *p = s->parser;
	switch (p->cmode) {
	case CM_OPAQUE:
		return;
	case CM_BODY:
		if (p->body_txn) {
			p->body_txn->gap_bytes += n;
			p->body_txn->data_bytes += n;
		}
		/* resynchronise at the next line; a header line cut by the gap is unusable */
		p->body_gap = true;
		p->at_line_start = false;
		p->dot_state = 0;
		if (p->hs)
			p->hs->line_bad = true;
		return;
	case CM_BDAT: {
		uint64_t take = n < p->bdat_left ? n : p->bdat_left;
		if (p->body_txn) {
			p->body_txn->gap_bytes += take;
			p->body_txn->data_bytes += take;
		}
		if (p->hs)
			p->hs->line_bad = true; /* a header line cut by the gap is unusable */
		p->bdat_left -= take;
		if (p->bdat_left > 0)
			return;
		bdat_chunk_end(s);
		if (take == n)
			return;
		break;
	}
	case CM_BLOB:
		if (exchange_blob_gap(s, n) == n)
			return;
		break;
	default:
		break;
	}
	(void)ts;
	/* the next bytes decide whether they start a line (smtp_client.c) */
	lines_reset(&p->lines[SIDE_CLIENT], false);
	p->gap_probe[SIDE_CLIENT] = true;
}
