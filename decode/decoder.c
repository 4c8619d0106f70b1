/* decoder.c — packets to SMTP sessions: flow lookup, reassembly, session
 * start and end (RST, FIN, idle timeout, capture end, memory cap). */
#include "config.h"

#include "decode/decoder.h"

#include <stdlib.h>
#include <string.h>

#include "decode/dpi.h"
#include "decode/flow.h"
#include "decode/flow_class.h"
#include "decode/flow_idle.h"
#include "decode/mem.h"
#include "decode/packet.h"
#include "decode/smtp_pool.h"
#include "decode/smtp_session.h"
#include "decode/tcp_reasm.h"

/* Parsers kept for reuse (smtp_pool.h): more than the sessions that end
 * between two starts on a busy link, few enough (~10 KB each) not to matter. */
#define SMTP_POOL_MAX 256

struct decoder {
	struct dec_config cfg;
	const struct dec_sink *sink;
	struct flow_table *ft;
	struct reasm_limits lim;
	struct dec_stats st;
	uint64_t next_id;
	uint8_t smtp_port[65536 / 8];
	uint8_t tls_port[65536 / 8];
	struct dpi *dpi;         /* nDPI (--any-port); NULL when off */
	struct flow_class *fc;   /* flow classification; NULL when off */
};

static inline bool bit(const uint8_t *set, uint16_t port)
{
	return set[port >> 3] & (1u << (port & 7));
}

static inline void set_bit(uint8_t *set, uint16_t port)
{
	set[port >> 3] |= (uint8_t)(1u << (port & 7));
}

void dec_config_default(struct dec_config *cfg)
{
	static const uint16_t ports[] = { 25, 465, 587, 2525 };
	memset(cfg, 0, sizeof *cfg);
	memcpy(cfg->ports, ports, sizeof ports);
	cfg->nports = sizeof ports / sizeof ports[0];
	cfg->implicit_tls_ports[0] = 465;
	cfg->ntls_ports = 1;
	cfg->idle_timeout_us = IDLE_TIMEOUT_DEFAULT_US;
	cfg->held_bytes_max = 256 * 1024;
	smtp_config_default(&cfg->smtp);
}

struct decoder *dec_new(const struct dec_config *cfg, const struct dec_sink *sink)
{
	struct decoder *d = xcalloc(1, sizeof *d);
	d->cfg = *cfg;
	d->cfg.smtp.pool = smtp_pool_new(SMTP_POOL_MAX);
	d->sink = sink;
	d->ft = ft_new();
	d->lim.held_bytes_max = cfg->held_bytes_max;
	for (size_t i = 0; i < cfg->nports; i++)
		set_bit(d->smtp_port, cfg->ports[i]);
	for (size_t i = 0; i < cfg->ntls_ports; i++)
		set_bit(d->tls_port, cfg->implicit_tls_ports[i]);
	if (cfg->any_port) {
		char err[128];
		d->dpi = dpi_new(err, sizeof err); /* NULL: --any-port falls back on the greeting */
		d->fc = fc_new(d->dpi, d->smtp_port, d->tls_port, &d->st.dpi);
	}
	return d;
}

const struct dec_stats *dec_get_stats(const struct decoder *d)
{
	return &d->st;
}

/* --- reassembled bytes into the SMTP parser ----------------------------- */

static void deliver(void *ctx, int dir, int64_t ts, const uint8_t *p, size_t n)
{
	struct flow *f = ctx;
	if (f->session)
		smtp_feed(f->session, dir == DIR_C2S ? SIDE_CLIENT : SIDE_SERVER, ts, p, n);
}

static void gap(void *ctx, int dir, int64_t ts, uint64_t n)
{
	struct flow *f = ctx;
	if (f->session)
		smtp_gap(f->session, dir == DIR_C2S ? SIDE_CLIENT : SIDE_SERVER, ts, n);
}

/* --- session start and end ----------------------------------------------- */

/* A session on f, whose client_ep is set; `syn`: its handshake was seen. */
static void open_session(struct decoder *d, struct flow *f, int64_t ts, bool syn)
{
	int c = f->client_ep, sv = 1 - c;
	struct smtp_session *s = smtp_session_new(++d->next_id, &d->cfg.smtp, d->sink);
	s->client = f->key.addr[c];
	s->server = f->key.addr[sv];
	s->client_port = f->key.port[c];
	s->server_port = f->key.port[sv];
	s->vlan = f->key.vlan;
	s->start_ts = ts;
	s->partial_start = !syn;
	f->session = s;
	d->st.sessions++;
	d->st.sessions_open++;
	if (bit(d->tls_port, s->server_port))
		smtp_expect_implicit_tls(s);
	if (d->sink && d->sink->session_start)
		d->sink->session_start(d->sink->ctx, s);
}

static void start_session(struct decoder *d, struct flow *f, const struct tcp_seg *seg, int ep)
{
	bool syn = seg->flags & TCPF_SYN;
	bool ack = seg->flags & TCPF_ACK;
	if (syn)
		f->client_ep = (uint8_t)(ack ? 1 - ep : ep);
	else
		f->client_ep = (uint8_t)(bit(d->smtp_port, seg->dport) ? ep : 1 - ep);
	open_session(d, f, seg->ts_us, syn);
}

/* DESIGN.md "States a session can end in": QUIT answered by 221 is a QUIT
 * ended by the client that sent it, whoever closes the socket after; else the
 * first RST, unless a FIN came first (the RST then only answers data sent
 * into a closing connection: the FIN's sender ended it); else the first FIN. */
static void decide_end(struct smtp_session *s, enum end_reason fallback)
{
	bool fin = s->fin_by != SIDE_NONE, rst = s->rst_by != SIDE_NONE;
	if (s->quit_acked && (fin || rst)) {
		s->end_reason = END_QUIT;
		s->end_by = SIDE_CLIENT;
	} else if (rst && !s->rst_after_fin) {
		s->end_reason = END_RST;
		s->end_by = s->rst_by;
	} else if (fin) {
		s->end_reason = END_FIN;
		s->end_by = s->fin_by;
	} else {
		s->end_reason = fallback;
		s->end_by = SIDE_NONE;
	}
}

static void add_stats(struct dec_stats *st, const struct smtp_session *s)
{
	for (int i = 0; i < 2; i++) {
		st->retransmits += s->tcp[i].retransmits;
		st->gaps += s->tcp[i].gaps;
		st->gap_bytes += s->tcp[i].gap_bytes;
		st->acked_unseen += s->tcp[i].acked_unseen;
	}
	for (int a = 0; a < ANOM__COUNT; a++)
		st->anomalies[a] += s->anomalies[a];
}

static void end_session(struct decoder *d, struct flow *f, enum end_reason fallback)
{
	struct smtp_session *s = f->session;
	if (!s)
		return;
	struct reasm_sink out = { deliver, gap, f };
	reasm_flush(&f->dir[DIR_C2S], DIR_C2S, f->last_ts, &out);
	reasm_flush(&f->dir[DIR_S2C], DIR_S2C, f->last_ts, &out);
	decide_end(s, fallback);
	for (int i = 0; i < 2; i++) {
		s->tcp[i] = f->dir[i].st;
		s->ttl_min[i] = f->dir[i].ttl_min;
		s->ttl_max[i] = f->dir[i].ttl_max;
	}
	s->syn_seen = f->dir[DIR_C2S].syn;
	s->synack_seen = f->dir[DIR_S2C].syn;
	if (d->fc)
		fc_session_end(d->fc, f); /* nDPI's verdict, before the record is final */
	smtp_end(s, f->last_ts);
	add_stats(&d->st, s);
	if (fallback == END_EVICTED && s->end_reason == END_EVICTED) {
		d->st.sessions_evicted++;
		d->st.anomalies[ANOM_FLOW_EVICTED]++;
	}
	bool taken = d->sink && d->sink->session_end && d->sink->session_end(d->sink->ctx, s);
	if (taken) {
		/* kept by its new owner: no parser, no unused pooled buffers */
		smtp_session_shrink(s);
		smtp_session_drop_spares(s);
	} else
		smtp_session_recycle(s, d->cfg.smtp.pool);
	f->session = NULL;
	f->closed = true;
	d->st.sessions_open--;
}

static void settle_pending(struct decoder *d, struct flow *f);

static void drop_flow(struct decoder *d, struct flow *f, enum end_reason fallback)
{
	if (f->pending)
		settle_pending(d, f);
	end_session(d, f, fallback);
	fc_release(f);
	reasm_release(&f->dir[0]);
	reasm_release(&f->dir[1]);
	ft_remove(d->ft, f);
}

/* Silence past the idle timeout.  A session flow is parked rather than
 * dropped (flow_idle.h): from a file, its session stays open until the
 * horizon, so that a packet continuing the connection in sequence rejoins
 * it; live, the session is reported as timed out at once and the parked flow
 * is a tombstone whose late packets are counted, not taken for a new
 * mid-stream session.  At the horizon the parked flow goes, its session (if
 * still open) as timed out. */
static void expire(struct decoder *d, int64_t now)
{
	struct flow *f;
	int64_t horizon = d->cfg.idle_timeout_us * IDLE_HORIZON_FACTOR;
	while ((f = ft_oldest(d->ft)) && now - f->last_ts > d->cfg.idle_timeout_us) {
		if (!f->session) {
			drop_flow(d, f, END_TIMEOUT);
			continue;
		}
		if (d->cfg.live)
			end_session(d, f, END_TIMEOUT);
		ft_park(d->ft, f);
	}
	while ((f = ft_oldest_parked(d->ft)) && now - f->last_ts > horizon)
		drop_flow(d, f, END_TIMEOUT);
}

/* Room for one more connection under --memcap: parked flows first (their
 * verdict, timeout, is known), then the least recently seen flows (closed
 * ones are at the front, so they usually pay). */
static void make_room(struct decoder *d)
{
	struct flow *f;
	/* A new connection, plus headroom for what grows between two calls
	 * without asking (table doublings, host entries, transcripts): a
	 * sixteenth of the cap keeps the peak under --memcap. */
	size_t need = sizeof(struct flow) + sizeof(struct smtp_session) + 4096 + mem_acct.cap / 16;
	while (mem_would_exceed(need) && (f = ft_oldest_parked(d->ft)))
		drop_flow(d, f, END_TIMEOUT);
	while (mem_would_exceed(need) && (f = ft_oldest(d->ft)))
		drop_flow(d, f, END_EVICTED);
}

/* --- per packet -------------------------------------------------------------- */

/* The counters that TCP anomaly events are derived from, before a packet. */
struct tcp_marks {
	uint32_t retx_run[2];
	uint64_t zero_windows[2];
	uint64_t gap_bytes[2];
};

static void take_marks(const struct flow *f, struct tcp_marks *m)
{
	for (int i = 0; i < 2; i++) {
		m->retx_run[i] = f->dir[i].retx_run;
		m->zero_windows[i] = f->dir[i].st.zero_windows;
		m->gap_bytes[i] = f->dir[i].st.gap_bytes;
	}
}

/* Reports what changed: a retransmission run reaching 3, 6, 12, ... (a
 * stall), the first zero window of a side, bytes lost in a gap. */
static void tcp_event(struct decoder *d, const struct flow *f, enum tcp_anomaly what,
		      enum side side, uint64_t value)
{
	/* gaps already have their own transcript entries (smtp_gap) */
	if (what != TCP_GAP)
		smtp_note_tcp(f->session, side, f->last_ts, tcp_anomaly_name(what), value);
	if (d->sink && d->sink->tcp)
		d->sink->tcp(d->sink->ctx, f->session, what, side, value);
}

static void tcp_events(struct decoder *d, const struct flow *f, const struct tcp_marks *m)
{
	if (!f->session)
		return;
	for (int i = 0; i < 2; i++) {
		const struct tcp_dir *t = &f->dir[i];
		enum side side = i == DIR_C2S ? SIDE_CLIENT : SIDE_SERVER;
		uint32_t run = t->retx_run;
		/* 3, 6, 12, 24, ...: a few events per stall, not one per packet */
		if (run != m->retx_run[i] && run >= 3 && run % 3 == 0 && ((run / 3) & (run / 3 - 1)) == 0)
			tcp_event(d, f, TCP_RETRANSMIT_RUN, side, run);
		if (m->zero_windows[i] == 0 && t->st.zero_windows > 0)
			tcp_event(d, f, TCP_ZERO_WINDOW, side, 1);
		if (t->st.gap_bytes > m->gap_bytes[i])
			tcp_event(d, f, TCP_GAP, side, t->st.gap_bytes - m->gap_bytes[i]);
	}
}

static void note_flags(struct flow *f, const struct tcp_seg *seg, enum flow_dir dir)
{
	struct smtp_session *s = f->session;
	enum side side = dir == DIR_C2S ? SIDE_CLIENT : SIDE_SERVER;
	if ((seg->flags & TCPF_FIN) && !f->dir[dir].fin)
		smtp_note_tcp(s, side, seg->ts_us, "fin", 0);
	if ((seg->flags & TCPF_RST) && s->rst_by == SIDE_NONE) {
		const struct tcp_dir *d = &f->dir[dir];
		smtp_note_tcp(s, side, seg->ts_us, "rst", 0);
		s->rst_by = side;
		s->rst_after_fin = s->fin_by != SIDE_NONE;
		s->rst_ttl = seg->ttl;
		s->rst_ip_id = seg->ip_id;
		s->rst_sender_seen = d->st.packets > 0;
		s->rst_sender_ttl = d->ttl_first;
		s->rst_sender_ip_id = d->last_ip_id;
	}
	if ((seg->flags & TCPF_FIN) && s->fin_by == SIDE_NONE)
		s->fin_by = side;
}

static bool finished(const struct flow *f, const struct tcp_seg *seg)
{
	if (f->dir[0].rst || f->dir[1].rst)
		return true;
	/* both FINs seen: end on the packet after the second FIN (its ACK) so
	 * that the closing handshake is counted with the session */
	return f->dir[0].fin && f->dir[1].fin && !(seg->flags & TCPF_FIN);
}

static bool is_new_syn(const struct flow *f, const struct tcp_seg *seg)
{
	return (seg->flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN &&
	       !(f->dir[DIR_C2S].syn && seg->seq == f->dir[DIR_C2S].isn);
}

static bool ignored_packet(struct decoder *d, struct flow *f, const struct tcp_seg *seg);
static bool classify(struct decoder *d, struct flow *f, int ep, const struct tcp_seg *seg,
		     int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen);
static void track(struct decoder *d, struct flow *f, int ep, const struct tcp_seg *seg,
		  const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* A packet on the tuple of a parked session: the connection coming back
 * (true: it rejoins its session, the silence noted in the transcript), or a
 * new connection on the same tuple (the old session ends as timed out). */
static bool rejoin(struct decoder *d, struct flow *f, const struct tcp_seg *seg, int ep)
{
	enum flow_dir dir = flow_dir_of(f, ep);
	if (!idle_continues(f, seg, dir)) {
		drop_flow(d, f, END_TIMEOUT);
		return false;
	}
	smtp_note_tcp(f->session, dir == DIR_C2S ? SIDE_CLIENT : SIDE_SERVER, seg->ts_us, "resume",
		      (uint64_t)((seg->ts_us - f->last_ts) / 1000000));
	return true;
}

static struct flow *find_or_start(struct decoder *d, const struct tcp_seg *seg, int *ep)
{
	struct flow *f = ft_lookup(d->ft, seg, ep);
	if (f && f->parked && f->session && !rejoin(d, f, seg, *ep))
		f = NULL;
	if (f && f->closed) {
		/* a finished connection cannot take a retransmitted SYN: any SYN
		 * opens a new one, even with the same ISN (a replayed capture) */
		if ((seg->flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN) {
			d->st.late_packets++;
			ft_touch(d->ft, f, seg->ts_us);
			return NULL;
		}
		d->st.port_reuse++;
		drop_flow(d, f, END_CAPTURE_END);
		f = NULL;
	}
	if (f && f->ignored) {
		if (!ignored_packet(d, f, seg))
			return NULL;
		f = NULL; /* a new connection on the tuple: classify it afresh */
	}
	if (f)
		return f;
	bool smtp_port = bit(d->smtp_port, seg->dport) || bit(d->smtp_port, seg->sport);
	bool start = (seg->flags & (TCPF_SYN | TCPF_FIN)) || seg->payload_wire_len > 0;
	/* a lone FIN on another port has nothing to classify */
	if (!smtp_port && (!d->cfg.any_port || !(seg->flags & TCPF_SYN || seg->payload_wire_len > 0))) {
		d->st.other_tcp++;
		return NULL;
	}
	if (!start) {
		d->st.stray++;
		return NULL;
	}
	make_room(d);
	f = ft_insert(d->ft, seg, ep);
	if (smtp_port)
		start_session(d, f, seg, *ep);
	else
		f->pending = true; /* --any-port: a session once it proves to be SMTP */
	return f;
}

void dec_packet(struct decoder *d, int linktype, int64_t ts_us, const uint8_t *data,
		uint32_t caplen, uint32_t wirelen)
{
	struct dec_stats *st = &d->st;
	st->packets++;
	st->bytes += wirelen;
	if (st->first_ts == 0)
		st->first_ts = ts_us;
	if (ts_us > st->last_ts)
		st->last_ts = ts_us;

	struct tcp_seg seg;
	enum anomaly an;
	switch (pkt_decode(linktype, ts_us, data, caplen, wirelen, &seg, &an)) {
	case PKT_MALFORMED:
		st->malformed++;
		st->anomalies[an]++;
		return;
	case PKT_NOT_TCP:
		st->not_tcp++;
		return;
	case PKT_TCP:
		break;
	}
	st->tcp_packets++;
	if (an != PKT_ANOM_NONE)
		st->anomalies[an]++; /* odd options or a snaplen cut: decoded anyway */
	expire(d, ts_us);

	int ep;
	struct flow *f = find_or_start(d, &seg, &ep);
	if (!f)
		return;
	if (d->fc && !f->classified && !classify(d, f, ep, &seg, linktype, data, caplen, wirelen))
		return;
	track(d, f, ep, &seg, data, caplen, wirelen);
}

/* One packet of a flow with a session, through reassembly into the parser. */
static void track(struct decoder *d, struct flow *f, int ep, const struct tcp_seg *seg,
		  const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	int64_t ts_us = seg->ts_us;
	d->st.smtp_packets++;
	if (d->sink && d->sink->packet && f->session)
		d->sink->packet(d->sink->ctx, f->session, ts_us, data, caplen, wirelen);
	enum flow_dir dir = flow_dir_of(f, ep);
	struct reasm_sink out = { deliver, gap, f };
	struct tcp_marks marks;
	take_marks(f, &marks);
	note_flags(f, seg, dir);
	/* the ACK first: data it proves the peer received comes before this
	 * segment's own payload in the dialogue */
	if (seg->flags & TCPF_ACK)
		reasm_ack(&f->dir[1 - dir], 1 - dir, seg->ack, ts_us, &out);
	reasm_segment(&f->dir[dir], dir, seg, &d->lim, &out);
	ft_touch(d->ft, f, ts_us);
	if (f->session)
		f->session->last_ts = ts_us;
	tcp_events(d, f, &marks);
	if (finished(f, seg))
		end_session(d, f, END_CAPTURE_END);
}

/* --- protocol classification (nDPI, --any-port): flow_class.c ------------ */

/* A held frame of a promoted flow, again through the normal path. */
static void replay_frame(void *ctx, int linktype, int64_t ts_us, const uint8_t *data,
			 uint32_t caplen, uint32_t wirelen)
{
	struct decoder *d = ctx;
	struct tcp_seg seg;
	enum anomaly an;
	int ep;
	if (pkt_decode(linktype, ts_us, data, caplen, wirelen, &seg, &an) != PKT_TCP)
		return;
	struct flow *f = ft_lookup(d->ft, &seg, &ep);
	if (!f || !f->session) {
		d->st.late_packets++; /* the session ended earlier in the replay */
		return;
	}
	track(d, f, ep, &seg, data, caplen, wirelen);
}

/* SMTP on another port: a session from the first held frame, then the replay. */
static void promote(struct decoder *d, struct flow *f)
{
	f->pending = false;
	f->client_ep = (uint8_t)fc_client_ep(f);
	open_session(d, f, f->first_ts, fc_saw_syn(f));
	fc_session_opened(d->fc, f);
	fc_replay(f, replay_frame, d);
}

static void ignore(struct decoder *d, struct flow *f)
{
	f->pending = false;
	f->ignored = true;
	f->classified = true;
	d->st.other_tcp += fc_held(f);
	fc_release(f);
}

static void settle_pending(struct decoder *d, struct flow *f)
{
	if (fc_settle(d->fc, f) == FC_PROMOTE)
		promote(d, f);
	else
		ignore(d, f);
}

/* A packet of a flow classified as not SMTP: counted; false to drop it.
 * True when it opens a new connection on the same tuple (the flow is gone). */
static bool ignored_packet(struct decoder *d, struct flow *f, const struct tcp_seg *seg)
{
	if (is_new_syn(f, seg)) {
		drop_flow(d, f, END_CAPTURE_END);
		return true;
	}
	d->st.other_tcp++;
	ft_touch(d->ft, f, seg->ts_us);
	/* closing: no need to remember it any longer (the ACKs and the other
	 * FIN that follow start no flow: they carry no SYN and no payload) */
	if (seg->flags & (TCPF_RST | TCPF_FIN))
		drop_flow(d, f, END_CAPTURE_END);
	return false;
}

/* nDPI's look at a packet; false when the packet was taken here (a pending
 * flow's frame held back, replayed, or ignored). */
static bool classify(struct decoder *d, struct flow *f, int ep, const struct tcp_seg *seg,
		     int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	if (!f->pending) {
		fc_session_packet(d->fc, f, seg, flow_dir_of(f, ep) == DIR_C2S);
		return true;
	}
	bool held;
	switch (fc_pending_packet(d->fc, f, ep, seg, linktype, data, caplen, wirelen, &held)) {
	case FC_WAIT:
		ft_touch(d->ft, f, seg->ts_us);
		return false;
	case FC_IGNORE:
		d->st.other_tcp += !held;
		ignore(d, f);
		ft_touch(d->ft, f, seg->ts_us);
		return false;
	case FC_PROMOTE:
		promote(d, f);
		return !held && f->session; /* a frame not held goes after the replay */
	}
	return false;
}

uint64_t dec_stalled(const struct decoder *d, int64_t now_us, int64_t silent_us)
{
	uint64_t n = 0;
	for (const struct flow *f = ft_oldest(d->ft); f && now_us - f->last_ts > silent_us;
	     f = f->lru_next)
		n += f->session != NULL;
	return n;
}

void dec_advance(struct decoder *d, int64_t now_us)
{
	expire(d, now_us);
}

void dec_finish(struct decoder *d)
{
	struct flow *f;
	while ((f = ft_oldest_parked(d->ft)))
		drop_flow(d, f, END_TIMEOUT);
	while ((f = ft_oldest(d->ft))) {
		bool idle = d->st.last_ts - f->last_ts > d->cfg.idle_timeout_us;
		drop_flow(d, f, idle ? END_TIMEOUT : END_CAPTURE_END);
	}
}

void dec_free(struct decoder *d)
{
	if (!d)
		return;
	dec_finish(d);
	ft_free(d->ft);
	fc_free(d->fc);
	dpi_free(d->dpi);
	smtp_pool_free(d->cfg.smtp.pool);
	free(d);
}
