/* smtp_session.c — names of session states, end reasons and outcomes. */
#include "config.h"

#include "decode/smtp_session.h"

const char *smtp_state_name(enum smtp_state s)
{
	static const char *const names[ST__COUNT] = {
		[ST_CONNECT] = "connect", [ST_EHLO] = "ehlo", [ST_READY] = "ready",
		[ST_MAIL] = "mail",       [ST_RCPT] = "rcpt", [ST_DATA] = "data",
		[ST_BODY] = "body",       [ST_DOT] = "dot",   [ST_BDAT] = "bdat",
		[ST_TLS] = "tls",         [ST_QUIT] = "quit",
	};
	return (unsigned)s < ST__COUNT ? names[s] : "unknown";
}

const char *end_reason_name(enum end_reason r)
{
	static const char *const names[END__COUNT] = {
		[END_NONE] = NULL,          [END_QUIT] = "quit",       [END_FIN] = "fin",
		[END_RST] = "rst",          [END_TIMEOUT] = "timeout", [END_CAPTURE_END] = "capture_end",
		[END_EVICTED] = "evicted",
	};
	return (unsigned)r < END__COUNT ? names[r] : NULL;
}

const char *side_name(enum side s)
{
	switch (s) {
	case SIDE_CLIENT: return "client";
	case SIDE_SERVER: return "server";
	default: return NULL;
	}
}

const char *outcome_name(enum smtp_outcome o)
{
	static const char *const names[OUT__COUNT] = {
		[OUT_OPEN] = NULL,            [OUT_ACCEPTED] = "accepted", [OUT_DEFERRED] = "deferred",
		[OUT_REJECTED] = "rejected", [OUT_ABORTED] = "aborted",
	};
	return (unsigned)o < OUT__COUNT ? names[o] : NULL;
}

enum smtp_state smtp_txn_phase(const struct smtp_txn *t)
{
	if (t->data_complete)
		return ST_DOT;
	if (t->bdat_chunks)
		return ST_BDAT;
	if (t->body_ts)
		return ST_BODY;
	if (t->data_ts)
		return ST_DATA;
	return t->rcpts.count ? ST_RCPT : ST_MAIL;
}
