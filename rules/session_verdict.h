/* session_verdict.h — did a finished session succeed, fail or say nothing
 * about a remote host's health, and the words for how it failed. */
#ifndef SMTPSCOPE_SESSION_VERDICT_H
#define SMTPSCOPE_SESSION_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/smtp_session.h"
#include "rules/units.h" /* format_size, format_duration: users of this header write sizes */

enum verdict { V_NEUTRAL, V_SUCCESS, V_FAILURE };

enum verdict session_verdict(const struct smtp_session *s);
/* A transaction given up before DATA while the session went on politely. */
bool txn_abandoned(const struct smtp_session *s, const struct smtp_txn *t);
/* A transaction deferred only because the server limits recipients (every
 * refused RCPT got 452, the reply says 4.5.3 or "too many recipients"),
 * while other recipients in the session were accepted (in t, or before it
 * when accepted_before): RFC 5321 4.5.3.1.10, the client sends the rest
 * later.  Not a failed attempt.  Callers walk the transactions in order and
 * carry accepted_before, so a session costs one pass over its recipients. */
bool txn_recipient_limited(const struct smtp_txn *t, bool accepted_before);
/* Some recipient of t was accepted. */
bool txn_rcpt_accepted(const struct smtp_txn *t);
/* The session's last attempt was refused for good: its message got a 5xx. */
bool session_rejected(const struct smtp_session *s);
/* The capture, not a peer, ended the session (capture end, eviction). */
bool session_cut_short(const struct smtp_session *s);
/* One line for a failed session ("" if it did not fail); returns when the
 * failure happened.  Its figures are written by rules/units.h. */
int64_t session_describe(const struct smtp_session *s, char *out, size_t outsz);

#endif
