/* smtp_session.h — what one SMTP session and its transactions looked like on
 * the wire: the record that rules/ judges and ui/ prints.
 *
 * Terms follow RFC 5321 (session, transaction, reply), RFC 3463 (enhanced
 * status codes), RFC 3030 (BDAT), RFC 3207 (STARTTLS), RFC 4954 (AUTH).
 * Ownership: a session owns its transactions, strings (arena), transcript and
 * parser state; smtp_session_free releases all of it.
 */
#ifndef SMTPSCOPE_SMTP_SESSION_H
#define SMTPSCOPE_SMTP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/addr.h"
#include "decode/anomaly.h"
#include "decode/arena.h"
#include "decode/tcp_reasm.h"
#include "decode/transcript.h"

#define SMTP_REPLY_TEXT_MAX 256

/* Where the dialogue stands (DESIGN.md "States a session can end in"). */
enum smtp_state {
	ST_CONNECT, ST_EHLO, ST_READY, ST_MAIL, ST_RCPT, ST_DATA, ST_BODY,
	ST_DOT, ST_BDAT, ST_TLS, ST_QUIT, ST__COUNT
};

enum end_reason {
	END_NONE,        /* still open */
	END_QUIT,        /* QUIT answered, then closed */
	END_FIN,         /* closed without QUIT */
	END_RST,
	END_TIMEOUT,     /* idle longer than --idle-timeout before the capture ended */
	END_CAPTURE_END, /* still open when the capture ended */
	END_EVICTED,     /* dropped to stay under --memcap */
	END__COUNT
};

enum side { SIDE_NONE = -1, SIDE_CLIENT = 0, SIDE_SERVER = 1 };

enum smtp_outcome {
	OUT_OPEN,        /* transaction still in progress */
	OUT_ACCEPTED,    /* 2xx final reply */
	OUT_DEFERRED,    /* 4xx */
	OUT_REJECTED,    /* 5xx */
	OUT_ABORTED,     /* ended before a final reply */
	OUT__COUNT
};

struct dsn_report;

struct smtp_reply {
	int64_t ts_us;
	uint16_t code;                  /* 0 = none */
	char enhanced[16];              /* RFC 3463 "x.y.z", "" if absent */
	uint16_t lines;
	bool cut;                       /* text longer than SMTP_REPLY_TEXT_MAX */
	char text[SMTP_REPLY_TEXT_MAX]; /* lines joined by '\n', code stripped */
};

enum rcpt_status { RCPT_PENDING, RCPT_ACCEPTED, RCPT_REJECTED };

struct smtp_rcpt {
	struct smtp_rcpt *next;
	const char *refusal_text; /* arena: the text of a 4xx/5xx reply to this
				   * RCPT (who refused it and why); NULL if
				   * accepted, unanswered, or the arena is full */
	uint16_t code;       /* the reply to this RCPT, 0 if none seen */
	uint8_t status;      /* enum rcpt_status */
	char refusal_enhanced[12]; /* RFC 3463 code of that reply, "" if none */
	char addr[];
};

struct rcpt_list {
	struct smtp_rcpt *head, *tail;
	uint32_t count;      /* stored */
	uint32_t rejected;   /* stored with status RCPT_REJECTED */
	uint32_t dropped;    /* not stored (cap reached) */
};

struct smtp_txn {
	struct smtp_txn *next;
	uint32_t index;             /* 0-based within the session */
	int64_t start_ts;           /* MAIL FROM */
	int64_t data_ts;            /* DATA / first BDAT sent, 0 if never */
	int64_t body_ts;            /* 354 seen, 0 if never */
	int64_t eod_ts;             /* end of data sent, 0 if never */
	int64_t end_ts;
	char *mail_from;            /* arena; NULL if unknown */
	uint64_t size_param;        /* RFC 1870 SIZE= of MAIL FROM, 0 if absent */
	struct rcpt_list rcpts;     /* in command order; rcpt_to = all but the rejected */
	char *message_id;           /* arena; NULL if not seen */
	char *subject;              /* arena, UTF-8; NULL if not seen */
	const struct dsn_report *dsn; /* arena; a null-sender message read as a DSN, else NULL */
	uint64_t data_bytes;        /* content, dot-unstuffed, without CRLF.CRLF */
	uint64_t gap_bytes;         /* content bytes missing from the capture */
	uint32_t bdat_chunks;
	bool data_started;          /* some content was seen */
	bool data_complete;         /* end of data (dot or BDAT LAST) seen */
	bool data_partial;          /* picked up mid-content: the size is unknown */
	bool mail_accepted;         /* MAIL FROM got 2xx */
	bool data_refused;          /* DATA got 4xx/5xx (the envelope may go on) */
	bool has_reply;
	struct smtp_reply reply;    /* the reply that decided the outcome */
	enum smtp_outcome outcome;
};

struct smtp_session {
	uint64_t id;
	int64_t start_ts, end_ts;
	struct ip_addr client, server;
	uint16_t client_port, server_port;
	uint32_t vlan;

	char *helo;                 /* arena; argument of the last EHLO/HELO */
	bool has_banner;
	struct smtp_reply banner;
	bool tls;                   /* STARTTLS succeeded, or implicit TLS */
	bool implicit_tls;
	bool starttls_offered;      /* EHLO reply advertised STARTTLS */
	bool pipelining_offered;
	bool chunking_offered;
	char ehlo_keywords[160];    /* keywords of the last EHLO reply, space-separated, cut */
	uint16_t starttls_reply;    /* reply code to STARTTLS, 0 if not sent */
	bool auth;                  /* AUTH succeeded (235) */
	char auth_mech[24];         /* last AUTH mechanism tried, "" if none */

	struct smtp_txn *txn_head, *txn_tail;
	uint32_t txn_count;         /* stored */
	uint32_t txn_dropped;

	enum smtp_state state;      /* current; the end_state once ended */
	enum end_reason end_reason;
	enum side end_by;
	bool quit_acked;            /* 221 answered QUIT */
	bool has_last_reply;
	struct smtp_reply last_reply;

	/* TCP facts, copied from the flow when the session ends. */
	bool partial_start;         /* no handshake seen: picked up mid-stream */
	bool syn_seen, synack_seen;
	struct tcp_dir_stats tcp[2]; /* [SIDE_CLIENT], [SIDE_SERVER]: packets sent by that side */
	uint8_t ttl_min[2], ttl_max[2];
	enum side rst_by;           /* first RST, SIDE_NONE if none */
	enum side fin_by;           /* first FIN, SIDE_NONE if none */
	bool rst_after_fin;         /* the first RST came after the first FIN: it only
				     * answered data sent into a closing connection */
	int64_t last_ts;            /* last packet of either side (open sessions: "stalled") */

	/* The server closed the dialogue on its own idle timer (Postfix "421
	 * 4.4.2 ... Error: timeout exceeded", Exchange "451 4.7.0 Timeout
	 * waiting for client input"): the client, or the path from it, went
	 * silent.  decode/smtp_timeout.c. */
	bool server_timeout;
	uint16_t server_timeout_code;
	int64_t server_timeout_ts;
	int64_t client_silent_us;   /* since the client's last byte, at that reply */
	/* The RST that ended the session, next to what its sender's own packets
	 * looked like before it: a device on the path forging resets rarely gets
	 * the TTL or the IP ID sequence right. */
	uint8_t rst_ttl;
	uint16_t rst_ip_id;
	uint8_t rst_sender_ttl;     /* TTL of the sender's first packet */
	uint16_t rst_sender_ip_id;  /* IP ID of the sender's previous packet */
	bool rst_sender_seen;       /* the sender had sent packets before the RST */

	/* Protocol classification by nDPI (decode/flow_class.c); dpi_done is
	 * false when it did not run (off, no payload, --memcap). */
	bool dpi_done;
	bool not_smtp;              /* an SMTP port carrying another protocol */
	char protocol[24];          /* nDPI's name: "SMTP", "SMTPS", "TLS", "HTTP", "Unknown" */
	uint64_t dpi_risks;         /* nDPI flow risks: bit n = risk n (dpi_risk_name) */

	uint32_t anomalies[ANOM__COUNT];
	struct transcript *transcript; /* NULL if disabled */
	struct arena arena;
	struct smtp_parser *parser; /* owned, opaque */

	/* decode/ only: kept from an earlier session when this record came
	 * from the pool (smtp_pool.h), not charged until used; owned. */
	struct smtp_txn *txn_spare;    /* the first transaction's record */
	struct transcript *tr_spare;   /* the transcript, if it had one */
};

/* How far a transaction got, from its own timestamps (the session state
 * may have moved on since, e.g. to QUIT): mail, rcpt, data, body, bdat, dot. */
enum smtp_state smtp_txn_phase(const struct smtp_txn *t);

const char *smtp_state_name(enum smtp_state s);
const char *end_reason_name(enum end_reason r);
const char *side_name(enum side s);
const char *outcome_name(enum smtp_outcome o);

#endif
