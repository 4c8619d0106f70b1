/* host_model.h — per-remote-host queue health, inferred from the wire alone.
 *
 * For every remote host (outbound: servers the gateway delivers to; inbound:
 * clients delivering to it) the model keeps what a mail-queue viewer would
 * show: sessions, messages and their outcomes, resets, timeouts, retries of
 * the same message, messages still pending, a status and the last error.
 * It is fed finished sessions (decode/ events) and read by ui/.
 *
 * Message identity (for retries): the Message-ID header when seen, else the
 * envelope (MAIL FROM + sorted RCPT TO) plus a size class (the RFC 1870 SIZE
 * parameter when given, else the content size rounded to a power of two).
 */
#ifndef SMTPSCOPE_HOST_MODEL_H
#define SMTPSCOPE_HOST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/host_changes.h"
#include "rules/host_spark.h"
#include "decode/addr.h"
#include "rules/geo.h"
#include "rules/host_name.h"
#include "decode/smtp_session.h"

enum host_role { ROLE_SERVER = 0, ROLE_CLIENT = 1 }; /* the remote host's role */

/* The exact rules are in host_status.h (and doc/json.md). */
enum host_status {
	HS_READY,    /* the last attempt succeeded (or nothing failed yet) */
	HS_ACTIVE,   /* a session is open right now */
	HS_RETRY,    /* the last attempt failed temporarily: the client will retry */
	HS_FAILING,  /* every attempt in the window failed temporarily */
	HS_REJECTED, /* the last attempt was refused with 5xx and nothing is pending */
	HS__COUNT
};

#define HOST_NAME_MAX_LEN 64
#define HOST_ERROR_MAX 200

struct host_entry {
	struct ip_addr addr;
	enum host_role role;
	char name[HOST_NAME_MAX_LEN];   /* banner host name (servers) or HELO (clients) */
	uint64_t sessions, messages;
	uint64_t accepted, deferred, rejected, aborted;
	uint64_t resets, timeouts;
	uint64_t retries;               /* attempts of a message already attempted before */
	uint64_t pending;               /* unique messages the client will retry: attempted,
					 * neither accepted nor refused with 5xx */
	uint64_t failed_attempts, good_attempts;
	uint32_t open_sessions;
	uint32_t max_open_sessions;     /* most sessions open at once (concurrent connections) */
	uint64_t bytes;                 /* TCP payload of its finished sessions, both directions */
	enum host_status status;
	char last_error[HOST_ERROR_MAX]; /* "" if none */
	int64_t last_error_ts;
	int64_t first_seen, last_attempt;
	int64_t failing_since;          /* first failure of the current bad streak, 0 if none */
	int64_t retry_interval_us;      /* observed interval between attempts, 0 unknown */
	int64_t next_retry_estimate;    /* last failure + interval, 0 unknown */
	struct geo_info geo;            /* from --geoip; geo.found false if unknown */
	struct host_spark spark;        /* sessions per minute, the last minutes (sparkline) */
	void *priv;                     /* model-private (message memory) */
	struct hc_link change;          /* model-private: its place among the changes */
};

struct msg_history;

struct host_model_config {
	const struct ip_prefix *gateway; /* --gateway blocks; NULL/0: infer (rules/gateway.h) */
	size_t ngateway;
	int64_t window_us;               /* for "failing": default 1 h */
	uint32_t max_hosts;              /* beyond: counted, not tracked */
	const struct geo_db *geo;        /* looked up once per new host; may be NULL */
	/* Called when an entry's status changes (may be NULL). */
	void (*on_status)(void *ctx, const struct host_entry *e, enum host_status old);
	void *status_ctx;
};

struct host_model;

struct host_model *hm_new(const struct host_model_config *cfg);
void hm_free(struct host_model *hm);

void hm_session_start(struct host_model *hm, const struct smtp_session *s);
void hm_session_end(struct host_model *hm, const struct smtp_session *s);

/* The gateway decision (rules/gateway.h), fed by hm_session_start/end;
 * owned by the model.  hm_is_gateway is gw_is_gateway on it. */
struct gateway *hm_gateway(const struct host_model *hm);
bool hm_is_gateway(const struct host_model *hm, const struct ip_addr *a);

/* Remote hosts (entries whose address is not a gateway), worst first:
 * failing, retry, rejected, active, ready; then by pending, failed attempts,
 * address.
 * The array is owned by the model and valid until the next hm_ call. */
size_t hm_hosts(struct host_model *hm, const struct host_entry ***out);
/* Remote hosts (and recipient domains) the tables had no room for:
 * different ones, however often each came back (distinct_count.h). */
uint64_t hm_hosts_dropped(const struct host_model *hm);

/* The same entries as hm_hosts and hm_domains in no order, and the orders
 * (qsort comparators on arrays of const struct host_entry *): a reader
 * beside the decoder (the dashboard) copies under the model lock and sorts
 * its copies after releasing it, so the decoder never waits for a sort. */
size_t hm_hosts_unsorted(struct host_model *hm, const struct host_entry ***out);
size_t hm_domains_unsorted(struct host_model *hm, const struct host_entry ***out);
int hm_cmp_hosts(const void *a, const void *b);
int hm_cmp_domains(const void *a, const void *b);

/* The entries of the two tables in the order of their last change
 * (host_changes.h): a reader beside the decoder copies only what changed.
 * The host table includes the gateway's own entries (hm_is_gateway tells
 * them apart; gw_changes says when that may have changed). */
struct host_changes *hm_host_changes(struct host_model *hm);
struct host_changes *hm_domain_changes(struct host_model *hm);

/* The same figures per recipient domain (the "next hop" view of a mail
 * queue): name holds the domain, addr is meaningless.  Worst first. */
size_t hm_domains(struct host_model *hm, const struct host_entry ***out);

/* Bytes one host entry costs at most when first created (for sizing
 * max_hosts from --memcap). */
size_t hm_entry_cost(void);

/* The entry of (a, role), or NULL; never creates one. */
const struct host_entry *hm_find(const struct host_model *hm, const struct ip_addr *a,
				 enum host_role role);

/* What is known of this transaction's message at its server from earlier
 * sessions (not counting the session it belongs to).  False if nothing. */
bool hm_message_history(struct host_model *hm, const struct smtp_session *s,
			const struct smtp_txn *t, struct msg_history *out);

const char *host_status_name(enum host_status s);

/* A next-retry estimate is overdue when now (the capture's current time)
 * is a second or more past it: the retry it predicted has not come.  The
 * second of grace keeps an estimate that falls on the last packet from
 * being called late.  One rule for the JSON, the report and the dashboard. */
#define HM_OVERDUE_GRACE_US 1000000
bool hm_overdue(int64_t estimate_us, int64_t now_us);
bool hm_retry_overdue(const struct host_entry *e, int64_t now_us);

/* Rule `rule` raised an alert about session s (after hm_session_end): when
 * the rule names a cause (pmtu-blackhole, middlebox-interference) and a
 * host's or domain's last error describes s, the last error names it.
 * True when the last error of one of s's two host entries changed. */
bool hm_note_alert(struct host_model *hm, const struct smtp_session *s, const char *rule);

const char *host_role_name(enum host_role r);

/* One line for a failed session, e.g. "connection reset by server during the
 * message body (18.0 KB sent, 3.2 s after 354)"; "" if the session is fine. */
void hm_describe_failure(const struct smtp_session *s, char *out, size_t outsz);

#endif
