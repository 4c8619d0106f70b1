/* events.h — what decode/ tells the layers above it.  Any callback may be
 * NULL.  Pointers passed in are valid only during the call; a consumer that
 * wants to keep something copies it. */
#ifndef SMTPSCOPE_EVENTS_H
#define SMTPSCOPE_EVENTS_H

struct smtp_session;
struct smtp_txn;
struct smtp_reply;

struct dec_sink {
	void *ctx;
	/* A new session was picked up (handshake or mid-stream). */
	void (*session_start)(void *ctx, const struct smtp_session *s);
	/* A complete server reply; `verb` is the command it answers ("BANNER",
	 * "EOD" for the end of message content, "" when unsolicited). */
	void (*reply)(void *ctx, const struct smtp_session *s, const struct smtp_reply *r,
		      const char *verb);
	/* A transaction got its outcome (accepted/deferred/rejected/aborted). */
	void (*txn_end)(void *ctx, const struct smtp_session *s, const struct smtp_txn *t);
	/* The session ended; end_reason/end_by/state are final. */
	void (*session_end)(void *ctx, const struct smtp_session *s);
};

#endif
