/* flow_idle.h — silence on a connection: when a session has timed out, how
 * long a timed-out connection may still come back, and whether a packet
 * continues it (DESIGN.md "Idle timeout", doc/json.md "Idle timeout").
 *
 * RFC 5321 4.5.3.2: servers wait at least 5 minutes for a command or a block
 * of content and clients up to 10 minutes for the reply to the final dot;
 * Postfix and Exchange close an idle peer with a 421/451 at exactly their own
 * timer.  The idle timeout is longer (15 minutes) so that those replies are
 * seen as part of their session.
 */
#ifndef SMTPSCOPE_FLOW_IDLE_H
#define SMTPSCOPE_FLOW_IDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/flow.h"

#define IDLE_TIMEOUT_DEFAULT_US (900 * 1000000LL)
/* A timed-out connection is remembered this many idle timeouts after its last
 * packet (parked flow, charged to --memcap): long enough for any TCP stack
 * that still retransmits, short enough to bound the table. */
#define IDLE_HORIZON_FACTOR 4
/* An open session silent this long is shown as stalled (live). */
#define IDLE_STALLED_US (60 * 1000000LL)

/* True when a segment on the tuple of a parked (timed-out) flow continues
 * that connection: no SYN, its sequence number near what the sender was
 * expected to send next and its ACK near what the peer had sent.  False:
 * another connection reuses the tuple. */
bool idle_continues(const struct flow *f, const struct tcp_seg *seg, enum flow_dir dir);

#endif
