/* host_status.c — a remote host's status (ready, active, retry, failing,
 * rejected), its retry estimate and its last error, from the attempts the
 * host model judged.  The rules are listed in host_status.h. */
#include "config.h"

#include "rules/host_status.h"

#include <string.h>

/* --- attempts --------------------------------------------------------------------- */

static void note_failure(struct host_entry *e, struct host_health *h, int64_t ts)
{
	if (h->nfail == 0 || ts >= h->last_fail_ts) {
		h->prev_fail_ts = h->last_fail_ts;
		h->last_fail_ts = ts;
	} else if (ts > h->prev_fail_ts) {
		h->prev_fail_ts = ts;
	}
	if (h->nfail < 2)
		h->nfail++;
	if (!h->streak || ts < e->failing_since)
		e->failing_since = ts;
	h->streak = true;
}

void hs_note_attempt(struct host_entry *e, struct host_health *h, enum verdict v, bool rejected,
		     int64_t ts)
{
	if (v == V_NEUTRAL)
		return;
	if (ts > h->last_try_ts)
		h->last_try_ts = ts;
	if (v == V_SUCCESS) {
		e->good_attempts++;
		if (!h->has_success || ts > h->last_success_ts)
			h->last_success_ts = ts;
		h->has_success = true;
		h->streak = false;
		h->last_rejected = false;
		e->failing_since = 0;
		return;
	}
	e->failed_attempts++;
	if (h->has_success && ts < h->last_success_ts)
		return; /* older than the last success (an idle timeout is only known
			 * once the silence has lasted): counted, but the host recovered since */
	h->last_rejected = rejected;
	/* a 5xx is the host's decision, not a sign that it is unreachable */
	if (!rejected)
		note_failure(e, h, ts);
}

/* --- status ------------------------------------------------------------------------ */

/* At least two attempts in the window ending at the last attempt, all failed. */
static bool is_failing(const struct host_health *h, int64_t window)
{
	int64_t from = h->last_try_ts - window;
	return h->streak && h->nfail >= 2 && h->prev_fail_ts >= from &&
	       (!h->has_success || h->last_success_ts < from);
}

static enum host_status settled_status(const struct host_entry *e, const struct host_health *h,
				       int64_t window)
{
	if (h->last_rejected && e->pending == 0)
		return HS_REJECTED;
	if (h->streak)
		return is_failing(h, window) ? HS_FAILING : HS_RETRY;
	/* a 5xx while a message (say, deferred earlier in the same session)
	 * still waits for its retry */
	return h->last_rejected ? HS_RETRY : HS_READY;
}

void hs_refresh(struct host_entry *e, const struct host_health *h, int64_t key_interval,
		int64_t window_us)
{
	e->status = e->open_sessions ? HS_ACTIVE : settled_status(e, h, window_us);
	e->retry_interval_us = key_interval;
	if (!e->retry_interval_us && h->nfail >= 2)
		e->retry_interval_us = h->last_fail_ts - h->prev_fail_ts;
	bool waiting = e->status == HS_RETRY || e->status == HS_FAILING;
	e->next_retry_estimate = waiting && e->retry_interval_us > 0 ?
				 h->last_fail_ts + e->retry_interval_us : 0;
}

bool hm_overdue(int64_t estimate_us, int64_t now_us)
{
	return estimate_us && now_us && now_us - estimate_us >= HM_OVERDUE_GRACE_US;
}

bool hm_retry_overdue(const struct host_entry *e, int64_t now_us)
{
	return hm_overdue(e->next_retry_estimate, now_us);
}

int hs_rank(enum host_status st)
{
	switch (st) {
	case HS_FAILING: return 0;
	case HS_RETRY: return 1;
	case HS_REJECTED: return 2;
	case HS_ACTIVE: return 3;
	default: return 4;
	}
}

const char *host_status_name(enum host_status s)
{
	static const char *const names[HS__COUNT] = {
		[HS_READY] = "ready", [HS_ACTIVE] = "active", [HS_RETRY] = "retry",
		[HS_FAILING] = "failing", [HS_REJECTED] = "rejected",
	};
	return (unsigned)s < HS__COUNT ? names[s] : "unknown";
}

/* --- last error --------------------------------------------------------------------- */

/* Length of the longest prefix of s[0..n) that fits in max bytes without
 * ending inside a UTF-8 sequence. */
static size_t utf8_fit(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t i = max;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

void hs_set_error(struct host_entry *e, struct host_health *h, const char *error, int64_t ts,
		  uint64_t session_id)
{
	size_t n = utf8_fit(error, strcspn(error, "\n"), sizeof e->last_error - 1);
	memcpy(e->last_error, error, n);
	e->last_error[n] = '\0';
	e->last_error_ts = ts;
	h->error_session = session_id;
	h->error_has_cause = false;
}

/* Rules whose alert names why a session failed, not just how it ended; the
 * words go in front of the session's own description. */
static const struct {
	const char *rule, *cause;
} causes[] = {
	{ "pmtu-blackhole", "path MTU black hole" },
	{ "middlebox-interference", "a middlebox on the path interfered" },
};

const char *hs_cause_of(const char *rule)
{
	for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
		if (strcmp(rule, causes[i].rule) == 0)
			return causes[i].cause;
	return NULL;
}

bool hs_note_cause(struct host_entry *e, struct host_health *h, const char *rule,
		   uint64_t session_id)
{
	if (!session_id || h->error_session != session_id || h->error_has_cause || !e->last_error[0])
		return false;
	const char *cause = hs_cause_of(rule);
	if (!cause)
		return false;
	char buf[sizeof e->last_error];
	size_t cl = strlen(cause), max = sizeof buf - 1;
	if (cl + 2 >= max)
		return false;
	memcpy(buf, cause, cl);
	memcpy(buf + cl, ": ", 2);
	size_t rest = utf8_fit(e->last_error, strlen(e->last_error), max - cl - 2);
	memcpy(buf + cl + 2, e->last_error, rest);
	buf[cl + 2 + rest] = '\0';
	memcpy(e->last_error, buf, sizeof buf);
	h->error_has_cause = true;
	return true;
}
