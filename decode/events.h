/* events.h — what decode/ tells the layers above it.  Any callback may be
 * NULL.  Pointers passed in are valid only during the call; a consumer that
 * wants to keep something copies it. */
#ifndef SMTPSCOPE_EVENTS_H
#define SMTPSCOPE_EVENTS_H

struct smtp_session;
struct smtp_txn;
struct smtp_reply;

#include <stdbool.h>

#include "decode/smtp_session.h"

struct dec_sink {
	void *ctx;
	/* A new session was picked up (handshake or mid-stream). */
	void (*session_start)(void *ctx, const struct smtp_session *s);
	/* A complete server reply; `verb` is the command it answers ("BANNER",
	 * "EOD" for the end of message content, "" when unsolicited) and
	 * `cmd_ts_us` when that command was sent (banner: the session start). */
	void (*reply)(void *ctx, const struct smtp_session *s, const struct smtp_reply *r,
		      const char *verb, int64_t cmd_ts_us);
	/* A TCP anomaly: `what` is "retransmit_run" (value: run length, at 3,
	 * 6, 12, ...), "zero_window" (first one), or "gap" (bytes missing). */
	void (*tcp)(void *ctx, const struct smtp_session *s, const char *what, enum side side,
		    uint64_t value);
	/* A transaction got its outcome (accepted/deferred/rejected/aborted). */
	void (*txn_end)(void *ctx, const struct smtp_session *s, const struct smtp_txn *t);
	/* Every captured frame of a tracked session, as captured (for evidence
	 * files); the bytes are valid only during the call. */
	void (*packet)(void *ctx, const struct smtp_session *s, int64_t ts_us, const uint8_t *frame,
		       uint32_t caplen, uint32_t wirelen);
	/* The session ended; end_reason/end_by/state are final.  Returning true
	 * takes ownership of s (free it with smtp_session_free); otherwise the
	 * decoder frees it when the call returns. */
	bool (*session_end)(void *ctx, struct smtp_session *s);
};

#endif
