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

/* TCP anomalies the decoder reports while a session runs. */
enum tcp_anomaly {
	TCP_RETRANSMIT_RUN, /* value: the run's length, at 3, 6, 12, ... (a stall) */
	TCP_ZERO_WINDOW,    /* the side's first zero window (value 1) */
	TCP_GAP,            /* value: bytes missing from the capture */
};

/* The name rules match and transcripts show: "retransmit_run", ... */
static inline const char *tcp_anomaly_name(enum tcp_anomaly a)
{
	switch (a) {
	case TCP_RETRANSMIT_RUN: return "retransmit_run";
	case TCP_ZERO_WINDOW: return "zero_window";
	case TCP_GAP: return "gap";
	}
	return "unknown";
}

struct dec_sink {
	void *ctx;
	/* A new session was picked up (handshake or mid-stream). */
	void (*session_start)(void *ctx, const struct smtp_session *s);
	/* A complete server reply; `verb` is the command it answers ("BANNER",
	 * "EOD" for the end of message content, "" when unsolicited) and
	 * `cmd_ts_us` when that command was sent (banner: the session start). */
	void (*reply)(void *ctx, const struct smtp_session *s, const struct smtp_reply *r,
		      const char *verb, int64_t cmd_ts_us);
	/* A TCP anomaly of one side (enum tcp_anomaly says what `value` is). */
	void (*tcp)(void *ctx, const struct smtp_session *s, enum tcp_anomaly what, enum side side,
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
