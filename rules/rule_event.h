/* rule_event.h — what the rule engine looks at: one event from decode/ (or
 * from the host model), with pointers to the records it concerns.  Rules
 * read these through named fields (rule_fields.c); they never see packets. */
#ifndef SMTPSCOPE_RULE_EVENT_H
#define SMTPSCOPE_RULE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/events.h"
#include "decode/smtp_session.h"
#include "rules/host_model.h"
#include "rules/message_track.h"
#include "rules/queue.h"

enum rule_event_type {
	EV_SESSION_END,  /* a session ended (session) */
	EV_TXN_END,      /* a transaction got its outcome (session, txn, msg) */
	EV_REPLY,        /* a complete server reply (session, reply, verb, latency) */
	EV_TCP,          /* a TCP anomaly in a session (session, tcp_what, tcp_side, tcp_value) */
	EV_HOST_STATUS,  /* a remote host changed status (host, old/new status) */
	EV_QUEUE,        /* queue tick, once per recipient domain (domain, queue, qfig) */
	EV_DSN,          /* a DSN recipient entry, Action failed or delayed (domain, dsn) */
	EV__COUNT
};

/* What the host model remembers about one message (Message-ID, else
 * envelope) at one remote host, and the triplet table about its recipients,
 * before the attempt being reported. */
struct msg_history {
	bool known;                   /* attempted before at this host */
	uint32_t attempts;            /* earlier attempts */
	uint32_t failures;            /* earlier attempts that were deferred/aborted/rejected */
	int64_t first_attempt_ts;
	int64_t last_attempt_ts;
	uint16_t first_deferral_code; /* 0 if never deferred */
	char first_deferral_enhanced[16];
	int64_t first_deferral_ts;
	/* By envelope triplet (envelope_attempts.h), for the accepted recipient
	 * deferred earliest: known only when one of them was deferred before. */
	bool triplet_known;
	uint32_t triplet_attempts;    /* earlier deferred attempts of that triplet */
	uint16_t triplet_deferral_code;
	char triplet_deferral_enhanced[16];
	char triplet_deferral_text[128];
	int64_t triplet_deferral_ts;
};

struct rule_event {
	enum rule_event_type type;
	int64_t ts_us;
	const struct smtp_session *session;   /* NULL only for EV_HOST_STATUS */
	const struct smtp_txn *txn;           /* EV_TXN_END */
	const struct msg_history *msg;        /* EV_TXN_END */
	const struct smtp_reply *reply;       /* EV_REPLY */
	const char *verb;                     /* EV_REPLY: "BANNER", "EHLO", "RCPT", "EOD", ... or "" */
	int64_t latency_us;                   /* EV_REPLY: since the command was sent (banner: since the SYN) */
	enum tcp_anomaly tcp_what;            /* EV_TCP */
	enum side tcp_side;                   /* EV_TCP: the side whose stream it concerns */
	uint64_t tcp_value;                   /* EV_TCP: run length, bytes, ... */
	const struct host_entry *host;        /* the remote host's entry (may be NULL) */
	bool outbound;                        /* the remote host is the server */
	enum host_status old_status, new_status; /* EV_HOST_STATUS */
	uint64_t path_fullsize_acked;         /* EV_SESSION_END: full-size client segments
					       * acknowledged on this client->server path,
					       * this and earlier sessions (path_memory.h) */
	const char *domain;                   /* EV_QUEUE, EV_DSN: the recipient domain */
	const struct mq_domain *queue;        /* EV_QUEUE */
	const struct mq_figures *qfig;        /* EV_QUEUE: rates, percentiles, growth at ts_us */
	const struct mq *mq;                  /* EV_QUEUE: the schedule */
	const struct mt_dsn_event *dsn;       /* EV_DSN */
};

const char *rule_event_name(enum rule_event_type t); /* "session_end", "txn_end", "reply", "tcp", "host_status", "queue", "dsn" */

#endif
