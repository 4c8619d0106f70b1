/* decoder.h — decode/'s front door: packets in, SMTP session events out.
 *
 * Per packet: link/IP/TCP decode (packet.c), flow lookup (flow.c), TCP
 * reassembly per direction (tcp_reasm.c), SMTP parsing (smtp_*.c).  Session
 * ends (RST, FIN, idle timeout, capture end, memory cap) are decided here.
 */
#ifndef SMTPSCOPE_DECODER_H
#define SMTPSCOPE_DECODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/anomaly.h"
#include "decode/events.h"
#include "decode/smtp_parser.h"

#define DEC_MAX_PORTS 64

struct dec_config {
	uint16_t ports[DEC_MAX_PORTS];   /* SMTP server ports */
	size_t nports;
	uint16_t implicit_tls_ports[8];  /* TLS from the first byte (465) */
	size_t ntls_ports;
	bool any_port;                   /* nDPI on every TCP flow: SMTP on any port, and what
					  * the SMTP ports carry (protocol, flow risks) */
	int64_t idle_timeout_us;         /* silence that times a session out (flow_idle.h) */
	bool live;                       /* live capture: report a timed-out session at once
					  * (from a file the verdict waits, so that a late
					  * continuation can rejoin its session) */
	uint32_t held_bytes_max;         /* out-of-order bytes held per direction */
	struct smtp_config smtp;
};

void dec_config_default(struct dec_config *cfg);

struct dec_stats {
	uint64_t packets, bytes;       /* every frame handed in */
	uint64_t tcp_packets;
	uint64_t smtp_packets;         /* packets of tracked sessions */
	uint64_t not_tcp;
	uint64_t other_tcp;            /* TCP not on an SMTP port */
	uint64_t malformed;            /* frames that could not be decoded */
	uint64_t stray;                /* lone ACK/RST of an unknown connection */
	uint64_t late_packets;         /* packets of an already reported session */
	uint64_t sessions;             /* sessions started */
	uint64_t sessions_open;
	uint64_t sessions_evicted;     /* ended early to respect --memcap */
	uint64_t port_reuse;           /* a new SYN on a finished tuple */
	uint64_t retransmits, gaps, gap_bytes, acked_unseen;
	uint64_t anomalies[ANOM__COUNT];
	int64_t first_ts, last_ts;
	struct dec_dpi_stats {           /* protocol classification (flow_class.c) */
		uint64_t flows;          /* flows nDPI looked at */
		uint64_t skipped_memcap; /* left unclassified to respect --memcap */
		uint64_t promoted;       /* --any-port: SMTP found on another port */
		uint64_t ignored;        /* --any-port: flows on other ports, not SMTP */
		uint64_t not_smtp;       /* sessions on SMTP ports carrying another protocol */
	} dpi;
};

struct decoder;

/* `cfg` is copied; `sink` must outlive the decoder. */
struct decoder *dec_new(const struct dec_config *cfg, const struct dec_sink *sink);
void dec_packet(struct decoder *d, int linktype, int64_t ts_us, const uint8_t *data,
		uint32_t caplen, uint32_t wirelen);
/* Ends every session still open (timeout if idle long enough before the last
 * packet, otherwise capture_end). */
void dec_finish(struct decoder *d);
/* Live capture: advance the clock without a packet (idle timeouts). */
void dec_advance(struct decoder *d, int64_t now_us);
const struct dec_stats *dec_get_stats(const struct decoder *d);
/* Open sessions with no packet for longer than `silent_us` before `now`
 * (live: "stalled"); costs one step per such session. */
uint64_t dec_stalled(const struct decoder *d, int64_t now_us, int64_t silent_us);
void dec_free(struct decoder *d);

#endif
