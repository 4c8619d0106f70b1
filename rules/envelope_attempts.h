/* envelope_attempts.h — delivery attempts matched by envelope triplet
 * (client address, MAIL FROM, RCPT TO), the key greylisting servers use.
 *
 * The message identity of the host model (Message-ID, else envelope) cannot
 * follow a recipient deferred at RCPT: that attempt never reached DATA (no
 * Message-ID), and when several recipients are deferred and later accepted
 * in other groupings, the envelopes differ.  Greylisting keys on the
 * triplet, so this table does too, per remote host (whose greylisting it
 * is; the key is server + triplet): a triplet is remembered from its first
 * 4xx (at RCPT, or for the whole message after DATA) until a later attempt
 * is accepted, then forgotten.  Accepted triplets that were never deferred
 * cost nothing.
 *
 * Bounded: a fixed number of slots (allocated at the first deferral and
 * charged to --memcap; not at all when --memcap has no room, every deferral
 * then counted as evicted), 8 per bucket; a full bucket gives up its least
 * recently attempted triplet, counted as evicted.  No allocation per
 * transaction.
 */
#ifndef SMTPSCOPE_ENVELOPE_ATTEMPTS_H
#define SMTPSCOPE_ENVELOPE_ATTEMPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "rules/rule_event.h"
#include "decode/smtp_session.h"

#define EA_SLOTS 8192 /* triplets remembered at most (~1.4 MB) */

struct env_attempts;

struct env_attempts *ea_new(void);
void ea_free(struct env_attempts *ea);

/* Before the rules see txn_end: for the recipients of t that the server
 * accepted, the triplet deferred earliest (fills h->triplet_*; nothing when
 * none was deferred). */
void ea_lookup(struct env_attempts *ea, const struct smtp_session *s, const struct smtp_txn *t,
	       struct msg_history *h);

/* After the rules: remembers the triplets t deferred (a 4xx to their RCPT,
 * or to the message) and forgets those it delivered.  The keys ea_lookup
 * computed for t just before are taken again, not hashed anew. */
void ea_note(struct env_attempts *ea, const struct smtp_session *s, const struct smtp_txn *t);

uint32_t ea_tracked(const struct env_attempts *ea); /* triplets deferred and not yet delivered */
uint64_t ea_evicted(const struct env_attempts *ea); /* of those, pushed out by newer ones */
bool ea_used(const struct env_attempts *ea);        /* a deferral was ever noted */

#endif
