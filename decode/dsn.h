/* dsn.h — reads a delivery status notification (RFC 3464) out of the
 * content of a null-sender message as it streams past: the multipart/report
 * (RFC 6522) with report-type=delivery-status, its message/delivery-status
 * part (per-recipient Final-Recipient, Action, Status, Diagnostic-Code) and
 * the Message-ID of the returned message (message/rfc822 or
 * text/rfc822-headers part).
 *
 * Bounded and hostile-input safe: lines are cut at DSN_LINE_MAX, unfolded
 * fields at the same size, at most DSN_RCPT_MAX recipients are kept (the rest
 * counted), nothing is allocated.  Bytes may arrive in any chunking.
 */
#ifndef SMTPSCOPE_DSN_H
#define SMTPSCOPE_DSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DSN_LINE_MAX 512
#define DSN_RCPT_MAX 8
#define DSN_ADDR_MAX 128
#define DSN_TEXT_MAX 160
#define DSN_BOUNDARY_MAX 72  /* RFC 2046 5.1.1: 1..70 characters */

enum dsn_action {
	DSN_ACT_NONE,      /* no or unknown Action field */
	DSN_ACT_FAILED,
	DSN_ACT_DELAYED,
	DSN_ACT_DELIVERED,
	DSN_ACT_RELAYED,
	DSN_ACT_EXPANDED,
};

struct dsn_rcpt {
	enum dsn_action action;
	char final_rcpt[DSN_ADDR_MAX]; /* address part of Final-Recipient ("rfc822;" dropped) */
	char status[16];               /* RFC 3463 "x.y.z", "" if absent or malformed */
	char diagnostic[DSN_TEXT_MAX]; /* Diagnostic-Code without its type, "" if absent */
};

/* What one DSN said; `valid` once a message/delivery-status part was read. */
struct dsn_report {
	bool valid;
	bool report_type_seen;         /* top-level multipart/report; report-type=delivery-status */
	char orig_message_id[DSN_ADDR_MAX]; /* of the returned message, "" if not seen */
	char reporting_mta[DSN_ADDR_MAX];
	uint32_t nrcpt;                /* stored in rcpt[] */
	uint32_t rcpt_dropped;         /* recipient blocks beyond DSN_RCPT_MAX */
	struct dsn_rcpt rcpt[DSN_RCPT_MAX];
};

enum dsn_where {
	DW_TOP_HEADER,   /* the message's own header */
	DW_PREAMBLE,     /* body text outside the parts we want */
	DW_PART_HEADER,  /* a MIME part's header */
	DW_STATUS,       /* inside message/delivery-status: field blocks */
	DW_RETURNED,     /* inside message/rfc822 or text/rfc822-headers: its header */
	DW_SKIP,         /* a part we do not read */
};

struct dsn_parser {
	enum dsn_where where;
	int part_kind;                 /* kind of the part whose header is being read */
	bool in_rcpt_block;            /* the current status block has recipient fields */
	bool line_cut;                 /* the current line is longer than DSN_LINE_MAX */
	uint32_t status_blocks;        /* blocks seen in the status part (first = per-message) */
	size_t len;                    /* bytes in line[] */
	size_t flen;                   /* bytes in field[] (the field being unfolded) */
	char boundary[DSN_BOUNDARY_MAX + 1];
	char line[DSN_LINE_MAX + 1];
	char field[DSN_LINE_MAX + 1];
	struct dsn_report rep;
};

void dsn_init(struct dsn_parser *p);
/* Message content, dot-unstuffed, in any chunking. */
void dsn_feed(struct dsn_parser *p, const uint8_t *d, size_t n);
/* End of content: flushes the last line. */
void dsn_finish(struct dsn_parser *p);

const char *dsn_action_name(enum dsn_action a); /* "failed", "delayed", ...; NULL for none */

#endif
