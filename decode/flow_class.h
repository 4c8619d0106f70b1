/* flow_class.h — which TCP flows carry SMTP: nDPI verdicts for sessions on
 * the SMTP ports, and (--any-port) flows on other ports held back until it
 * is known whether they are SMTP.
 *
 * A flow on another port starts "pending": no session, its frames kept
 * (bounded) while nDPI looks at its first payload packets.  Recognised as
 * SMTP by nDPI, or by an SMTP exchange (a greeting, then EHLO/HELO answered
 * 250, or an ESMTP greeting answered with an SMTP command; a "220" greeting
 * alone is not SMTP: FTP servers greet with 220 too), the decoder opens a
 * session and replays the kept frames through the normal
 * path, so the session is complete from its handshake; anything else is
 * ignored.  Sessions on the SMTP ports get nDPI's verdict recorded (protocol,
 * flow risks) and are flagged when they carry something else (TLS on 25,
 * HTTP, ...).  The nDPI state of a flow is freed as soon as its verdict is in.
 */
#ifndef SMTPSCOPE_FLOW_CLASS_H
#define SMTPSCOPE_FLOW_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#include "decode/decoder.h"
#include "decode/dpi.h"
#include "decode/flow.h"
#include "decode/packet.h"

/* Frames and bytes a pending flow may hold before it must be decided. */
#define FC_HOLD_FRAMES 32
#define FC_HOLD_BYTES (64 * 1024)

struct flow_class;

/* `dpi` may be NULL (then the greeting alone decides).  `smtp_ports` and
 * `tls_ports` are the decoder's port bitsets (65536 bits) and `st` its
 * counters; all must outlive the classifier. */
struct flow_class *fc_new(struct dpi *dpi, const uint8_t *smtp_ports, const uint8_t *tls_ports,
			  struct dec_dpi_stats *st);
void fc_free(struct flow_class *fc);

enum fc_action {
	FC_WAIT,    /* pending: the frame was kept */
	FC_PROMOTE, /* SMTP: open a session, replay the kept frames (fc_replay) */
	FC_IGNORE,  /* not SMTP: forget the flow's frames (fc_release) */
};

/* A packet of a pending flow.  *held is false when the frame could not be
 * kept (hold full or --memcap): the flow is then decided at once and, if
 * promoted, the caller processes this frame after the replay. */
enum fc_action fc_pending_packet(struct flow_class *fc, struct flow *f, int ep,
				 const struct tcp_seg *seg, int linktype, const uint8_t *frame,
				 uint32_t caplen, uint32_t wirelen, bool *held);

/* The pending flow ends (idle, capture end, eviction): decide on what was seen. */
enum fc_action fc_settle(struct flow_class *fc, struct flow *f);

/* For a promoted flow: the endpoint (0/1) that is the client, whether its
 * handshake was seen, and how many frames are held. */
int fc_client_ep(const struct flow *f);
bool fc_saw_syn(const struct flow *f);
uint32_t fc_held(const struct flow *f);

/* Hands each kept frame to fn (in capture order), then frees them. */
typedef void (*fc_frame_fn)(void *ctx, int linktype, int64_t ts_us, const uint8_t *frame,
			    uint32_t caplen, uint32_t wirelen);
void fc_replay(struct flow *f, fc_frame_fn fn, void *ctx);

/* The decoder opened the session of a promoted flow (before the replay). */
void fc_session_opened(struct flow_class *fc, struct flow *f);

/* A packet of a flow with a session: fed to nDPI until its verdict is in,
 * which is then recorded in the session. */
void fc_session_packet(struct flow_class *fc, struct flow *f, const struct tcp_seg *seg,
		       bool from_client);

/* The session is about to end: its verdict now, if nDPI ran on it. */
void fc_session_end(struct flow_class *fc, struct flow *f);

/* Frees what classification holds for the flow (nDPI state, kept frames). */
void fc_release(struct flow *f);

#endif
