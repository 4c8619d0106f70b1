/* facts_names.h — the EHLO name and the banner of one session, read from its
 * payload in sequence order without the SMTP parser (smtp_facts.h).  Not an
 * API: the state of smtp_facts.c's name pool. */
#ifndef SMTPSCOPE_FACTS_NAMES_H
#define SMTPSCOPE_FACTS_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/packet.h"
#include "decode/smtp_facts.h"

/* Bytes of a line split across segments kept: the verb, its spaces and the
 * 255 bytes of EHLO argument smtp_client.c keeps; a reply code and the
 * banner's first 255 bytes of text. */
#define FN_LINE 512

enum { FN_CLIENT = 0, FN_SERVER = 1 };

struct facts_names {
	uint32_t next_seq[2];     /* next stream byte expected, per side */
	uint32_t ahead_end[2];    /* end of the furthest segment beyond next_seq */
	uint8_t ahead_run[2];     /* segments in a row beyond next_seq (reordered or lost) */
	bool started[2];
	bool done[2];             /* nothing more to read on this side */
	bool spoke[2];            /* the side's first payload was seen */
	bool skipping[2];         /* after a hole: up to the next LF */
	bool cut[2];              /* the held line overflowed FN_LINE */
	bool partial;             /* no SYN: picked up mid-stream */
	bool client_line;         /* a command line before the first reply */
	bool in_reply;            /* the first reply's lines are under way */
	bool banner_ok;           /* ...and it may be the banner */
	bool has_helo, has_banner;
	uint16_t carry_len[2];
	uint16_t banner_len;
	uint32_t next_free;       /* pool link */
	char carry[2][FN_LINE];
	char helo[FACTS_HELO_MAX + 1];
	char banner[FACTS_TEXT_MAX];
};

/* A session's names start here; `implicit_tls`: TLS from the first byte
 * (smtp_expect_implicit_tls: nothing to read). */
void fn_init(struct facts_names *n, bool partial, bool implicit_tls);
/* One segment of `side` (FN_CLIENT/FN_SERVER); only its payload and SYN
 * flag are read. */
void fn_segment(struct facts_names *n, int side, const struct tcp_seg *seg);

static inline bool fn_done(const struct facts_names *n)
{
	return n->done[FN_CLIENT] && n->done[FN_SERVER];
}

#endif
