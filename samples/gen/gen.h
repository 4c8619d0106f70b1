/* gen.h - internal API of smtpgen: capture buffer, scripted TCP connections, SMTP/message/TLS helpers. */
#ifndef SMTPGEN_GEN_H
#define SMTPGEN_GEN_H

/* pcap.h needs the BSD u_char/u_int types, which strict -std=c11 hides */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>

/* All times are microseconds relative to BASE_TIME, so scenario scripts stay
 * readable and every file starts at the same wall-clock second. */
typedef int64_t usec_t;
#define BASE_TIME 1795143600LL /* 2026-11-20 03:00:00 UTC */
#define MS(x) ((usec_t)((x) * 1000))
#define SEC(x) ((usec_t)((x) * 1000000))

#define GW_HOST "gw.example.com"
#define GW_V4 "192.0.2.10"
#define GW_V6 "2001:db8::10"

enum link { LINK_EN10MB, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_NULL, LINK_PCAPNG };
enum side { CLI = 0, SRV = 1 };

/* TCP flag bits */
#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

struct pkt {
	usec_t t;
	uint32_t order; /* insertion order: keeps sorting stable for equal times */
	uint32_t len;
	uint8_t *data;
};

/* Packets are collected in memory and sorted by time on write, so sessions
 * can be scripted one after another even when they overlap in time. */
struct cap {
	enum link link;
	struct pkt *v;
	size_t n, alloc;
	uint32_t rng;
	uint16_t next_port; /* next ephemeral port for outbound sessions */
};

struct vlan {
	uint16_t tpid, vid;
};

struct encap {
	int ntags;
	struct vlan tag[2]; /* outermost first */
};

struct ep {
	uint8_t ip[16];
	uint16_t port;
	uint8_t mac[6];
	uint8_t ttl;
	uint16_t ipid;  /* next IPv4 ID this host uses */
	uint32_t flow;  /* IPv6 flow label */
	uint32_t seq;   /* snd_nxt */
	uint32_t ack;   /* rcv_nxt: what this side acknowledges */
	uint32_t isn;
	uint16_t win;
	int gw;         /* this endpoint is the gateway (capture host) */
};

struct conn {
	struct cap *cap;
	int v6;
	struct ep e[2];
	uint16_t mss;
	struct encap enc;
	usec_t t;      /* script clock */
	int hidden;    /* packets happen but are not captured (capture not running yet) */
	int lose;      /* number of upcoming packets the capture misses */
	int ov_ttl;    /* one-shot TTL override for the next packet, -1 = none */
	int ov_ipid;   /* one-shot IP ID override for the next packet, -1 = none */
	int hbh_syn;   /* put an IPv6 Hop-by-Hop header on the client SYN */
};

/* pkt.c */
void cap_init(struct cap *cap, enum link link);
void cap_add_ip(struct cap *cap, usec_t t, int from_gw, const struct encap *enc,
		const uint8_t *ip, size_t iplen, int v6);
int cap_write(struct cap *cap, const char *path);
void cap_free(struct cap *cap);
uint32_t rnd(struct cap *cap, uint32_t lo, uint32_t hi);
void rnd_bytes(struct cap *cap, uint8_t *p, size_t n);
size_t build_ip_tcp(uint8_t *out, const struct conn *c, int side, int ttl, int ipid,
		    uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
		    const uint8_t *opt, size_t optlen, int hbh,
		    const uint8_t *data, size_t len);
void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);

/* conn.c: TCP */
void conn_init(struct conn *c, struct cap *cap, const char *cli, uint16_t cport,
	       const char *srv, uint16_t sport, usec_t t);
void conn_out(struct conn *c, struct cap *cap, const char *srv, usec_t t);
void conn_in(struct conn *c, struct cap *cap, const char *cli, uint16_t cport,
	     uint16_t sport, usec_t t);
void emit_at(struct conn *c, usec_t t, int side, uint32_t seq, uint32_t ack, uint8_t flags,
	     const void *data, size_t len);
void wait_us(struct conn *c, usec_t us);
void delay(struct conn *c);     /* server/app think time: 5-50 ms */
void think(struct conn *c);     /* client turnaround: 0.1-1 ms */
void tcp_handshake(struct conn *c);
void xmit(struct conn *c, int side, const void *buf, size_t len);
void xmit_noack(struct conn *c, int side, const void *buf, size_t len);
void send_c(struct conn *c, const char *s);
void send_s(struct conn *c, const char *s);
void ack_c(struct conn *c);
void ack_s(struct conn *c);
void fin_c(struct conn *c);
void fin_s(struct conn *c);
void rst_c(struct conn *c);
void rst_s(struct conn *c);
void close_c(struct conn *c);
void close_s(struct conn *c);
void seg(struct conn *c, int side, uint32_t seq, const void *buf, size_t len);
void seg_ack(struct conn *c, int side, uint32_t ackno);

/* conn.c: SMTP */
void reply(struct conn *c, const char *s);
void cmd(struct conn *c, const char *command, const char *rep);
void ehlo_reply(char *buf, size_t n, const char *host, const char *const *ext);

/* conn.c: messages */
struct msg {
	char *text;   /* RFC 5322 message, CRLF lines, ends with CRLF, unstuffed */
	size_t len;
	char *wire;   /* dot-stuffed text followed by ".\r\n" */
	size_t wlen;
	int stuffed;  /* number of lines that got a stuffing dot */
	char id[128]; /* Message-ID without angle brackets */
};
void msg_make(struct msg *m, const char *from, const char *to, const char *subject,
	      const char *msgid, size_t approx, size_t exact);
void msg_free(struct msg *m);
void note_msg(const char *what, const struct msg *m);
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int verbose;

/* conn.c: TLS-looking records */
size_t tls_client_hello(struct cap *cap, uint8_t *out, const char *sni);
size_t tls_server_flight(struct cap *cap, uint8_t *out, size_t certlen);
size_t tls_record(struct cap *cap, uint8_t *out, uint8_t type, size_t len);

/* scenarios.c: SMTP dialogue helpers, shared with scenarios_rules.c */
#define R220_TLS "220 2.0.0 Ready to start TLS\r\n"
#define R221 "221 2.0.0 Bye\r\n"
#define R250_MAIL "250 2.1.0 Ok\r\n"
#define R250_RCPT "250 2.1.5 Ok\r\n"
#define R354 "354 End data with <CR><LF>.<CR><LF>\r\n"
extern const char *const EXT_MX[]; /* a remote Postfix MX's EHLO keywords */
extern const char *const EXT_GW[]; /* the gateway's, with CHUNKING */
void note_conn(const struct conn *c, const char *label, usec_t t0);
void greet(struct conn *c, const char *srvname, const char *banner_extra,
	   const char *cliname, const char *const *ext);
void greet_out(struct conn *c, const char *mx);
void mail(struct conn *c, const char *from, const struct msg *m, const char *rep);
void rcpt(struct conn *c, const char *to, const char *rep);
void data(struct conn *c, const struct msg *m, const char *rep);
void quit(struct conn *c);
void deliver(struct conn *c, const char *mx, const char *from, const char *to,
	     const struct msg *m, const char *queued);
void healthy(struct cap *cap, usec_t t0, const char *from, const char *from_hdr,
	     const char *to, const char *to_hdr, const char *subject, const char *id,
	     size_t size, const char *queued);
void tls_app(struct conn *c, int side, size_t len);
void tls_handshake(struct conn *c, const char *sni);

/* scenarios_rules.c */
void s_connect_failures(struct cap *cap);
void s_drop_after_dot(struct cap *cap);
void s_deferral_storm(struct cap *cap);
void s_pmtu_blackhole(struct cap *cap);
void s_middlebox(struct cap *cap);
void s_slow_server(struct cap *cap);
void s_clean_many(struct cap *cap);

/* scenarios_timeouts.c */
void s_postfix_idle_timeout(struct cap *cap);
void s_exchange_idle_timeout(struct cap *cap);
void s_pause_in_data(struct cap *cap);
void s_fin_then_rst(struct cap *cap);
void s_quit_close_order(struct cap *cap);
void s_refused_465(struct cap *cap);
/* scenarios_exchange.c: Exchange-to-Exchange sessions */
void s_exchange_anonymoustls(struct cap *cap);
void s_exchange_xexch50_accepted(struct cap *cap);
void s_exchange_xexch50_refused(struct cap *cap);
void s_exchange_bdat_split(struct cap *cap);
void s_exchange_xexps(struct cap *cap);
void s_exchange_link2state(struct cap *cap);
/* scenarios_exits.c */
void s_retry_overdue(struct cap *cap);
/* scenarios_ops.c: issue 14's operations leftovers */
void s_retry_storm(struct cap *cap);
/* scenarios_gw.c: the gateway inference (who "we" are, without --gateway) */
void s_gw_dual_stack(struct cap *cap);
void s_gw_cluster(struct cap *cap);
void s_gw_early_failures(struct cap *cap);
/* scenarios_queue.c: relay helpers (also used by scenarios_msgmem.c) and samples */
void msg_relayed(struct msg *out, const struct msg *in, const char *qid);
usec_t hand_in(struct cap *cap, usec_t t0, uint16_t port, const char *from,
	       const char *const *to, const struct msg *m, const char *queued);
usec_t carry_out(struct cap *cap, usec_t t0, const char *ip, const char *mx,
		 const char *from, const char *const *to, const struct msg *m,
		 const char *final);
void s_relay_same_msgid(struct cap *cap);
void s_relay_queued(struct cap *cap);
void s_queue_stuck(struct cap *cap);
void s_queue_backlog(struct cap *cap);
void s_dsn_expired(struct cap *cap);
void s_dsn_failed(struct cap *cap);
/* scenarios_msgmem.c: relayed copies are not retries */
void s_relay_retry_count(struct cap *cap);
void s_dsn_delayed(struct cap *cap);

/* scenarios_detect.c */
void s_greylist_rcpt(struct cap *cap);
void s_slow_deferrals(struct cap *cap);
void s_drop_after_fullsize(struct cap *cap);
void s_half_open_scan(struct cap *cap);
void s_ftp_odd_port(struct cap *cap);
void s_capture_hole_then_data(struct cap *cap);

/* scenarios_hoststatus.c */
void s_host_rejected(struct cap *cap);
void s_host_syn_unanswered(struct cap *cap);
void s_host_rcpt_452(struct cap *cap);
void s_host_overdue(struct cap *cap);
void s_host_pmtu_silent(struct cap *cap);
void s_host_ehlo_501(struct cap *cap);

/* scenarios_multiinput.c: one capture split over several files (-r merged by time) */
void s_ring_0(struct cap *cap);
void s_ring_1(struct cap *cap);
void s_ring_2(struct cap *cap);
void s_mixed_sll(struct cap *cap);
void s_mixed_eth(struct cap *cap);

/* scenarios.c: the table smtpgen walks */
struct sample {
	const char *name;
	enum link link;
	void (*fn)(struct cap *cap);
};
extern const struct sample samples[];

#endif
