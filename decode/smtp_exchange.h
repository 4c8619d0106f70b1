/* smtp_exchange.h — Microsoft Exchange's own SMTP verbs, between the smtp_*.c
 * files; not an API.
 *
 * Exchange servers talk to each other with extensions that are no RFC:
 * X-ANONYMOUSTLS (STARTTLS without certificates checked), X-EXPS (an AUTH
 * with Kerberos/NTLM), XEXCH50 (a binary blob of message properties sent
 * after a 354, not line-based), X-LINK2STATE (routing state in chunks), and
 * plain extension verbs (shadow redundancy, proxying, ...).  Microsoft KB
 * 812455 and [MS-OXSMTP] describe them.
 */
#ifndef SMTPSCOPE_SMTP_EXCHANGE_H
#define SMTPSCOPE_SMTP_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exchange verbs, part of enum smtp_cmd (smtp_internal.h).  X-macro: (ENUM, "VERB"). */
#define SMTP_EXCHANGE_CMD_LIST(X) \
	X(CMD_XANONYMOUSTLS, "X-ANONYMOUSTLS") X(CMD_XEXPS, "X-EXPS") \
	X(CMD_XEXCH50, "XEXCH50") X(CMD_XLINK2STATE, "X-LINK2STATE") \
	X(CMD_XSHADOW, "XSHADOW") X(CMD_XSHADOWREQUEST, "XSHADOWREQUEST") \
	X(CMD_XQDISCARD, "XQDISCARD") X(CMD_XRDST, "XRDST") X(CMD_XPROXY, "XPROXY") \
	X(CMD_XPROXYFROM, "XPROXYFROM") X(CMD_XPROXYTO, "XPROXYTO") \
	X(CMD_XRSETPROXYTO, "XRSETPROXYTO") X(CMD_XSESSIONPARAMS, "XSESSIONPARAMS") \
	X(CMD_XORAR, "XORAR")

/* Largest XEXCH50 blob Exchange sends (KB 812455: 1 GB); larger is malformed. */
#define XEXCH50_MAX ((uint64_t)1 << 30)

struct smtp_session;
struct smtp_reply;
struct pending_cmd;

/* True for the verbs above. */
bool exchange_verb(int cmd);
/* A client command line with an Exchange verb (arg: after the verb, trimmed). */
void exchange_command(struct smtp_session *s, int64_t ts, int cmd, const char *arg, size_t n);
/* Called before every other recognised command: ends an X-LINK2STATE exchange. */
void exchange_other_command(struct smtp_session *s);
/* A client line that is no command: true if it is X-LINK2STATE data. */
bool exchange_link_state_data(struct smtp_session *s);
/* The reply to an Exchange verb (the command is popped from the queue). */
void exchange_reply(struct smtp_session *s, const struct pending_cmd *c, const struct smtp_reply *r);
/* An intermediate reply that leaves the command waiting for another one:
 * 334 to X-EXPS (like AUTH), 354 to XEXCH50 (the blob follows, then 250). */
bool exchange_reply_continues(int cmd, unsigned code);
/* XEXCH50 blob bytes: consumes up to the end of the blob, returns the count. */
size_t exchange_blob_feed(struct smtp_session *s, int64_t ts, size_t n);
/* n blob bytes are missing from the capture; returns how many the blob took. */
uint64_t exchange_blob_gap(struct smtp_session *s, uint64_t n);

#endif
