/* smtp_facts.h — the cheap facts of every SMTP session, without the decoder:
 * its two endpoints and roles, the EHLO/HELO name the client sent, the
 * banner the server announced, and the smallest TTL of each side.
 *
 * This is what the gateway inference (rules/gateway.h) needs before the
 * real pass; the scanner reads packets for it at a fraction of the full
 * decoder's cost: no reassembly, no SMTP parser, no transcript.  A session
 * begins and ends exactly where decoder.c begins and ends it (SYN, port,
 * RST, both FINs, port reuse, idle timeout and the rejoin of a timed-out
 * connection, capture end), in the same order; its payload is looked at only
 * until the client's greeting and the server's banner are known, after which
 * each packet costs one table lookup.  How the names are read follows the
 * parser (smtp_client.c, smtp_server.c) on what it would see: the last
 * EHLO/HELO before DATA/BDAT/STARTTLS/QUIT, and the first reply if it is the
 * banner (the greeting, RFC 5321 4.3.1); what differs is listed in
 * doc/performance.md ("A facts-only first pass").
 *
 * Memory: flows and name buffers come from two pools that grow by doubling
 * up to a bound from --memcap (charged to mem.h); a flow that finds the
 * flow pool full evicts the least recently seen one (its session ends
 * there), one that finds the name pool full goes without names; both are
 * counted in struct facts_stats.
 */
#ifndef SMTPSCOPE_SMTP_FACTS_H
#define SMTPSCOPE_SMTP_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/addr.h"
#include "decode/decoder.h"

#define FACTS_HELO_MAX 255   /* as smtp_client.c keeps of the EHLO argument */
#define FACTS_TEXT_MAX 255   /* as a reply's text keeps (SMTP_REPLY_TEXT_MAX - 1) */

/* One session's facts; valid for the duration of the callback. */
struct smtp_facts {
	struct ip_addr client, server;
	uint16_t client_port, server_port;
	int64_t start_ts, end_ts;
	const char *helo;          /* argument of the last EHLO/HELO, NUL-terminated; NULL none */
	bool has_banner;
	const char *banner;        /* the banner's first word after the code (and an
				    * RFC 3463 code), not NUL-terminated; banner_len bytes */
	size_t banner_len;
	uint8_t ttl_min[2];        /* [SIDE_CLIENT], [SIDE_SERVER]; 0: no packet */
};

struct facts_sink {
	void *ctx;
	void (*session_start)(void *ctx, const struct smtp_facts *f); /* endpoints only */
	void (*session_end)(void *ctx, const struct smtp_facts *f);
};

struct facts_stats {
	uint64_t packets, tcp_packets;
	uint64_t sessions;
	uint64_t payload_scanned;  /* payload packets read for names */
	uint64_t flows_evicted;    /* the flow pool was full: oldest flow ended early */
	uint64_t names_dropped;    /* the name pool was full: a session without names */
	uint64_t flows_max;        /* flows open at once, at most */
};

struct facts_scanner;

/* Ports, implicit-TLS ports and the idle timeout are read from `cfg` (the
 * decoder's own configuration, so that both see the same sessions);
 * `mem_budget` bounds the scanner's pools (bytes).  `sink` must outlive
 * the scanner. */
struct facts_scanner *facts_new(const struct dec_config *cfg, size_t mem_budget,
				const struct facts_sink *sink);
void facts_packet(struct facts_scanner *sc, int linktype, int64_t ts_us, const uint8_t *data,
		  uint32_t caplen, uint32_t wirelen);
/* Ends every session still open, in decoder.c's order. */
void facts_finish(struct facts_scanner *sc);
const struct facts_stats *facts_get_stats(const struct facts_scanner *sc);
void facts_free(struct facts_scanner *sc);

#endif
