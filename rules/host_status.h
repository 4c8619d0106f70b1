/* host_status.h — a remote host's (or recipient domain's) status and last
 * error from its judged attempts; private to the host model.
 *
 * The statuses (doc/json.md "Host status" has the same list for users):
 *   active   a session with the host is open right now;
 *   rejected the last judged attempt was refused for good (a 5xx to the
 *            message: MAIL, every RCPT, DATA or the end of data) and no
 *            message is pending: nothing is left that the client will retry;
 *   failing  not rejected, and temporary failures go on: at least two in
 *            the window (default 1 h) ending at the latest attempt, no
 *            success in the window;
 *   retry    the last attempt failed temporarily (4xx, a connection cut
 *            with the message in flight, a refused or timed-out connect,
 *            a greeting refused or cut), or a 5xx came while messages are
 *            still pending;
 *   ready    nothing failed yet, or the last judged attempt succeeded.
 * A 5xx neither extends nor ends a streak of temporary failures: the host
 * answered and decided, and the client does not retry that message.
 */
#ifndef SMTPSCOPE_HOST_STATUS_H
#define SMTPSCOPE_HOST_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "rules/host_model.h"
#include "rules/session_verdict.h"

/* What the status is computed from (kept in the entry's private part). */
struct host_health {
	bool streak;              /* the last temporary failure or success was a failure */
	bool has_success;
	bool last_rejected;       /* the last judged attempt was refused with a 5xx */
	uint32_t nfail;           /* failed attempts remembered below (0..2) */
	int64_t last_success_ts;
	int64_t last_fail_ts, prev_fail_ts;
	int64_t last_try_ts;      /* start of the latest judged attempt */
	uint64_t error_session;   /* the session last_error describes, 0 if none */
	bool error_has_cause;     /* last_error already names an alert's cause */
};

/* One judged attempt at `ts`: v is the verdict, `rejected` says a 5xx
 * decided a V_FAILURE. */
void hs_note_attempt(struct host_entry *e, struct host_health *h, enum verdict v, bool rejected,
		     int64_t ts);

/* Recomputes status, retry interval and next-retry estimate.  key_interval:
 * the interval between the last two attempts of the last retried message
 * (0 unknown). */
void hs_refresh(struct host_entry *e, const struct host_health *h, int64_t key_interval,
		int64_t window_us);

/* Sets last_error to `error` (one line, cut to fit) as described by session
 * `session_id` (0: no session), at ts. */
void hs_set_error(struct host_entry *e, struct host_health *h, const char *error, int64_t ts,
		  uint64_t session_id);

/* The words for the cause rule `rule` names ("path MTU black hole"), or
 * NULL when its alerts describe a symptom, not a cause. */
const char *hs_cause_of(const char *rule);

/* An alert of rule `rule` fired for session `session_id`: when the rule
 * names a cause (a path-MTU black hole, a middlebox) and last_error comes
 * from that session, last_error is prefixed with the cause (and true is
 * returned). */
bool hs_note_cause(struct host_entry *e, struct host_health *h, const char *rule,
		   uint64_t session_id);

/* Sort rank, worst first: failing, retry, rejected, active, ready. */
int hs_rank(enum host_status st);

#endif
