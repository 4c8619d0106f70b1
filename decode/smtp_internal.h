/* smtp_internal.h — parser state shared by the smtp_*.c files; not an API. */
#ifndef SMTPSCOPE_SMTP_INTERNAL_H
#define SMTPSCOPE_SMTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/smtp_exchange.h"
#include "decode/smtp_header.h"
#include "decode/smtp_lines.h"
#include "decode/smtp_parser.h"

/* Commands (RFC 5321 4.1 plus extensions, Exchange's in smtp_exchange.h), and
 * EOD: the end-of-data marker, which the server answers like a command.
 * X-macro: (ENUM, "VERB"); smtp_lookup_verb (smtp_parser.c) tries all before EOD. */
#define SMTP_CMD_LIST(X) \
	X(CMD_UNKNOWN, "") \
	X(CMD_HELO, "HELO") X(CMD_EHLO, "EHLO") X(CMD_MAIL, "MAIL") X(CMD_RCPT, "RCPT") \
	X(CMD_DATA, "DATA") X(CMD_BDAT, "BDAT") X(CMD_RSET, "RSET") X(CMD_VRFY, "VRFY") \
	X(CMD_EXPN, "EXPN") X(CMD_HELP, "HELP") X(CMD_NOOP, "NOOP") X(CMD_QUIT, "QUIT") \
	X(CMD_STARTTLS, "STARTTLS") X(CMD_AUTH, "AUTH") \
	SMTP_EXCHANGE_CMD_LIST(X) \
	X(CMD_EOD, "EOD")

enum smtp_cmd {
#define X(e, v) e,
	SMTP_CMD_LIST(X)
#undef X
	CMD__COUNT
};

const char *smtp_cmd_verb(enum smtp_cmd c);
/* The command a verb names (ASCII case ignored), CMD_UNKNOWN if none. */
enum smtp_cmd smtp_lookup_verb(const char *s, size_t n);

/* A command waiting for its reply (RFC 2920 pipelining queue). */
struct pending_cmd {
	uint8_t cmd;               /* enum smtp_cmd */
	int64_t ts_us;             /* when the command was sent */
	bool bdat_last;
	struct smtp_txn *txn;      /* the transaction it belongs to, or NULL */
	struct smtp_rcpt *rcpt;    /* CMD_RCPT: the recipient, or NULL if not stored */
	const char *nested_from;   /* CMD_MAIL sent inside an open transaction (arena) */
	uint64_t nested_size;
};

enum client_mode {
	CM_COMMAND,     /* command lines */
	CM_AUTH,        /* AUTH or X-EXPS exchange: lines are credentials */
	CM_BODY,        /* DATA content up to <CRLF>.<CRLF> */
	CM_BDAT,        /* counting a BDAT chunk */
	CM_BLOB,        /* counting an XEXCH50 blob (binary, not lines) */
	CM_TLS_PENDING, /* STARTTLS sent: a TLS record may come next */
	CM_OPAQUE,      /* TLS: bytes are counted, not parsed */
};

/* Message header reading (Message-ID, Subject): allocated for the header of
 * one message only, so idle sessions do not carry 2 KB of buffers. */
struct header_state {
	bool line_bad;                   /* the current line was cut by a gap */
	uint32_t hline_len;
	char hline[HDR_FIELD_MAX + 1];
	struct hdr_parser hdr;
};

struct smtp_parser {
	const struct smtp_config *cfg;
	union {
		const struct dec_sink *sink;
		struct smtp_parser *pool_next;  /* while in the pool (smtp_pool.c) */
	};
	struct line_splitter lines[2];   /* [SIDE_CLIENT], [SIDE_SERVER] */
	enum client_mode cmode;
	bool server_opaque;
	bool server_tls_pending;         /* STARTTLS accepted: server TLS bytes may follow */
	bool gap_probe[2];               /* after a gap: look at the next bytes before resyncing */
	bool client_spoke, server_spoke; /* any bytes seen from that side */
	bool server_spoke_reply;         /* a complete reply was seen */
	bool partial_probe;              /* mid-stream pickup: first client line decides the mode */
	bool server_gap;                 /* replies may be missing: resync the queue by code */
	int64_t cmd_ts;                  /* time of the client bytes being parsed */

	/* Ring of q_cap, grown up to cfg->pending_max.  With q_cap 0 and queue
	 * set: a ring of QUEUE_FIRST kept from an earlier session, not charged. */
	struct pending_cmd *queue;
	uint32_t q_head, q_len, q_cap;
	/* (here, in what was padding: the accounted size of a parser stays) */
	uint16_t reply_len;              /* strlen(reply.text), kept as it grows */
	uint16_t ehlo_len;               /* strlen(session->ehlo_keywords), likewise */

	struct smtp_txn *txn;            /* transaction taking envelope commands, or NULL */
	struct smtp_txn *body_txn;       /* transaction whose content is flowing, or NULL */

	/* DATA content scanner (see smtp_client.c) */
	bool at_line_start;
	bool body_gap;                   /* content bytes went missing */
	bool body_answered;              /* the server replied before the end of data */
	uint8_t dot_state;               /* 0, 1 = "." at line start, 2 = ".\r" */
	bool prev_cr;
	uint8_t last_eol;                /* length of the last content line ending */
	bool in_header;
	struct header_state *hs;         /* while a message header is read, else NULL */
	struct header_state *hs_spare;   /* the last one, kept for the next message, not charged */
	struct dsn_parser *dsn;          /* while a null-sender message's content flows, else NULL */
	struct tr_entry *data_entry;     /* transcript entry of the content, while it is the last one */

	/* (the bools together: no padding between them, so the spare fields
	 * above cost the struct nothing and the memory accounting of a session
	 * is what it was before the pool) */
	uint64_t bdat_left;              /* chunk bytes still to come */
	uint64_t blob_left;              /* XEXCH50 blob bytes still to come */
	bool bdat_last;                  /* the chunk being counted is the LAST one */
	bool blob_started;               /* some of the blob was seen */
	bool link_state;                 /* inside an X-LINK2STATE exchange */
	bool link_state_answered;        /* a reply came after its last chunk */

	bool in_reply;                   /* inside a multi-line reply */
	struct smtp_reply reply;         /* reply being assembled */
};

/* The pending-command ring's first size: most clients wait for each reply. */
#define QUEUE_FIRST 8

/* Frees a parser and every buffer it holds, spares included (smtp_parser.c);
 * the accounting must already have been released. */
void smtp_parser_destroy(struct smtp_parser *p);

/* smtp_txn.c */
struct smtp_txn *txn_open(struct smtp_session *s, int64_t ts);
struct smtp_rcpt *txn_add_rcpt(struct smtp_session *s, struct smtp_txn *t, const char *addr, size_t n);
void txn_finish(struct smtp_session *s, struct smtp_txn *t, enum smtp_outcome o,
		const struct smtp_reply *r, int64_t ts);
/* Ends a transaction that got no final reply: deferred/rejected if every
 * answered recipient was refused, else aborted. */
void txn_settle(struct smtp_session *s, struct smtp_txn *t, int64_t ts);
enum smtp_outcome outcome_of_code(unsigned code);

/* smtp_client.c */
void client_feed(struct smtp_session *s, int64_t ts, const uint8_t *p, size_t n);
void client_gap(struct smtp_session *s, int64_t ts, uint64_t n);
void body_begin(struct smtp_session *s, struct smtp_txn *t);
void body_stop(struct smtp_session *s, int64_t ts, bool complete);
/* Starts reading a message header (Message-ID, Subject) for body_txn. */
void header_begin(struct smtp_parser *p);

/* smtp_server.c */

void server_feed(struct smtp_session *s, int64_t ts, const uint8_t *p, size_t n);
void server_gap(struct smtp_session *s, int64_t ts, uint64_t n);
/* The replies that switch modes, shared by the standard verbs and Exchange's
 * (smtp_server.c): STARTTLS / X-ANONYMOUSTLS, AUTH / X-EXPS. */
void reply_tls_start(struct smtp_session *s, const struct smtp_reply *r);
void reply_auth(struct smtp_session *s, const struct smtp_reply *r);

void header_state_free(struct smtp_parser *p);

/* smtp_timeout.c: a reply that answers no command, checked for the server's
 * own idle timeout; true (and s->server_timeout set) when it is one. */
bool server_timeout_check(struct smtp_session *s, const struct smtp_reply *r);
/* smtp_txn.c: delivery status notifications (decode/dsn.h) in the content
 * of null-sender messages */
void txn_dsn_begin(struct smtp_session *s, struct smtp_txn *t);
void txn_dsn_end(struct smtp_session *s, struct smtp_txn *t, bool complete);
void txn_dsn_free(struct smtp_parser *p);

/* smtp_parser.c */
bool queue_push(struct smtp_session *s, const struct pending_cmd *c);
void set_state(struct smtp_session *s, enum smtp_state st);
void note(struct smtp_session *s, enum anomaly a);
struct tr_entry *tr_note_add(struct smtp_session *s, enum tr_kind kind, char dir, int64_t ts);

/* A transcript entry for the caller to fill, or NULL when the session keeps
 * no transcript (the JSON output's default: checked inline, as it is asked
 * for every line). */
static inline struct tr_entry *tr_note(struct smtp_session *s, enum tr_kind kind, char dir,
				       int64_t ts)
{
	if (!s->transcript &&
	    (!s->parser || s->parser->cfg->tr_head + s->parser->cfg->tr_tail == 0))
		return NULL;
	return tr_note_add(s, kind, dir, ts);
}

#endif
