/* gateway.h — who "we" are: the mail gateway's addresses, given by
 * --gateway or inferred from the sessions themselves.
 *
 * Every verdict depends on this decision (outbound or inbound, which side
 * is the remote host), so the inference must be made before anything is
 * judged: on files a first pass feeds every session's facts and the set is
 * frozen (gw_freeze) before the real pass; live (and on stdin) the decision
 * is provisional, revised as sessions come, and each change is counted so
 * that ui/ can say so and re-attribute what it already showed.
 *
 * The rule (doc/smtpscope.8, GATEWAY): addresses are tied into one machine
 * (or one cluster) when they use the same host name, as the EHLO name they
 * send or the banner name they announce (IPv4 and IPv6 of gw.example.com;
 * several nodes behind one name), and sit as many router hops from the
 * capture point; a name used by more than 16 addresses ties nothing.  The gateway is the machine that takes
 * part in the most sessions; ties go to the machine seen in both roles, then
 * to the one fewest router hops away (the capture point sits next to the
 * gateway: its packets keep their initial TTL), then to the lowest address.
 */
#ifndef SMTPSCOPE_GATEWAY_H
#define SMTPSCOPE_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/addr.h"
#include "decode/smtp_facts.h"
#include "decode/smtp_session.h"

#define GW_NAME_MAX 64      /* names kept per address (for the report), cut */
#define GW_MAX_MEMBERS 64   /* addresses of an inferred gateway at most */

struct gateway;

/* `given`: the --gateway blocks (copied), or NULL/0 to infer.  At most
 * `max_addrs` addresses are tracked for the inference (beyond: counted in
 * gw_addrs_dropped). */
struct gateway *gw_new(const struct ip_prefix *given, size_t ngiven, uint32_t max_addrs);
void gw_free(struct gateway *g);

/* Facts of one session: its two addresses when it starts; its names (EHLO,
 * banner) and TTLs when it ends.  While the decision is provisional each
 * end may revise it (at most once a second of capture time past the first
 * 64 sessions, so that a busy live capture does not rescan every time). */
void gw_session_start(struct gateway *g, const struct smtp_session *s);
void gw_session_end(struct gateway *g, const struct smtp_session *s);
/* The same from the facts scanner (decode/smtp_facts.h: the first pass
 * without the decoder); the same facts give the same decision. */
void gw_facts_start(struct gateway *g, const struct smtp_facts *f);
void gw_facts_end(struct gateway *g, const struct smtp_facts *f);

/* Observe only, no provisional decisions (and so no changes counted)
 * until gw_freeze: a first pass that nobody sees. */
void gw_defer(struct gateway *g);
/* Decides now from everything observed and stops observing: later sessions
 * change nothing (files: called between the first pass and the real one). */
void gw_freeze(struct gateway *g);
/* Observes again, the decision provisional from here on (stdin: after the
 * look-ahead, for what comes after it). */
void gw_thaw(struct gateway *g);

bool gw_is_gateway(const struct gateway *g, const struct ip_addr *a);
bool gw_given(const struct gateway *g);
/* Times an inferred decision changed after it was first made (provisional
 * mode); ui/ compares it with what it last reported. */
uint64_t gw_changes(const struct gateway *g);

/* One address of the gateway, with the evidence for it. */
struct gw_member {
	struct ip_addr addr;
	uint64_t as_client, as_server;  /* sessions in each role */
	const char *ehlo;               /* the EHLO name it sent, "" if none */
	const char *banner;             /* the banner name it announced, "" if none */
	unsigned hops;                  /* router hops from the capture point, 255 unknown */
};

/* Inferred mode: the decided addresses, lowest first (valid until the next
 * gw_ call).  Given mode: the addresses seen inside the given blocks. */
size_t gw_members(const struct gateway *g, struct gw_member *out, size_t max);
/* Sessions observed, and those in which a gateway address took part. */
uint64_t gw_sessions(const struct gateway *g);
uint64_t gw_sessions_with_gateway(const struct gateway *g);
/* Given mode: the --gateway blocks that matched no session's address. */
size_t gw_unmatched(const struct gateway *g, const struct ip_prefix **out, size_t max);
uint64_t gw_addrs_dropped(const struct gateway *g);
/* Names (of an address, as EHLO or banner) tied by their hash but not kept
 * as text: the name store's budget (its share of --memcap) was reached. */
uint64_t gw_names_dropped(const struct gateway *g);
/* What the first pass (or the stdin look-ahead) lost to its bounded pools:
 * the facts scanner's counters (the decoder's pass fills the sessions it
 * evicted), kept for the stats record and the report; NULL when no first
 * pass ran (--gateway, live). */
void gw_note_first_pass(struct gateway *g, const struct facts_stats *st);
const struct facts_stats *gw_first_pass(const struct gateway *g);
/* Bytes one tracked address costs (for sizing from --memcap). */
size_t gw_addr_cost(void);

/* "192.0.2.10" or "192.0.2.0/24" (a host address without its /32 or /128). */
void gw_prefix_format(const struct ip_prefix *p, char *out, size_t outsz);

#endif
