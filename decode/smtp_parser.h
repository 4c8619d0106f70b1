/* smtp_parser.h — the SMTP dialogue state machine (RFC 5321 with RFC 2920
 * pipelining, RFC 3030 BDAT, RFC 3207 STARTTLS, RFC 4954 AUTH, RFC 3463
 * enhanced codes), fed reassembled bytes of both directions in wire order.
 */
#ifndef SMTPSCOPE_SMTP_PARSER_H
#define SMTPSCOPE_SMTP_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "decode/events.h"
#include "decode/smtp_session.h"

struct smtp_config {
	uint32_t line_max;     /* bytes kept of one line; longer lines are cut and counted */
	uint32_t rcpt_max;     /* recipients kept per transaction */
	uint32_t txn_max;      /* transactions kept per session */
	uint32_t pending_max;  /* pipelined commands awaiting a reply */
	uint32_t arena_max;    /* bytes of strings per session */
	uint32_t tr_head, tr_tail; /* transcript entries kept (first, last); 0/0 = none */
	/* Parsers of finished sessions for the next ones (smtp_pool.h); owned by
	 * whoever made it (the decoder); NULL: allocate and free each time. */
	struct smtp_pool *pool;
};

/* Sensible defaults (what the command line starts from). */
void smtp_config_default(struct smtp_config *cfg);

/* A new session with its parser.  `cfg` and `sink` must outlive it. */
struct smtp_session *smtp_session_new(uint64_t id, const struct smtp_config *cfg,
				      const struct dec_sink *sink);
void smtp_session_free(struct smtp_session *s);
/* The decoder's end of a session nobody kept: like smtp_session_free, but
 * the record goes back to `pool` (smtp_pool.h) with its first transaction,
 * transcript and first arena chunk, for the next session.  pool NULL: freed. */
void smtp_session_recycle(struct smtp_session *s, struct smtp_pool *pool);
/* Frees the spares a pooled record still holds unused (smtp_pool.h): a
 * record handed on to an owner that keeps it must not carry memory nobody
 * accounts for. */
void smtp_session_drop_spares(struct smtp_session *s);
/* Drops the parser state of a finished session that is kept for browsing. */
void smtp_session_shrink(struct smtp_session *s);
/* A TCP event worth showing in the dialogue (FIN, RST, a retransmission run,
 * a zero window), recorded in the transcript. */
void smtp_note_tcp(struct smtp_session *s, enum side side, int64_t ts_us, const char *what,
		   uint64_t value);

/* Reassembled bytes sent by `from`, in order. */
void smtp_feed(struct smtp_session *s, enum side from, int64_t ts_us, const uint8_t *p, size_t n);
/* `n` bytes sent by `from` are missing from the capture at this point. */
void smtp_gap(struct smtp_session *s, enum side from, int64_t ts_us, uint64_t n);
/* The connection is TLS from its first byte (a TLS record seen). */
void smtp_set_implicit_tls(struct smtp_session *s);
/* The port speaks TLS from the first byte (465): bytes are not parsed, and
 * the session is in state tls once a byte flows (a refused or silent
 * connection stays in connect, as on any other port). */
void smtp_expect_implicit_tls(struct smtp_session *s);
/* The connection is over: close the open transaction (aborted unless its
 * outcome is known).  end_reason and end_by must be set by the caller first. */
void smtp_end(struct smtp_session *s, int64_t ts_us);

#endif
