/* test_idle.c — the decoder across silences longer than the idle timeout:
 * from a file, a connection that comes back in sequence rejoins its session
 * (parked flow) until the horizon; live, the session is reported at once and
 * its late packets start nothing; and the sequence test that tells a
 * continuation from a new connection on the same tuple. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdlib.h>

#include "decode/decoder.h"
#include "decode/flow_idle.h"
#include "check.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define MAX_ENDS 8

struct ended {
	enum end_reason why;
	enum side by;
	enum smtp_state state;
	bool server_timeout, partial_start;
};

struct run {
	struct ended v[MAX_ENDS];
	int n;
};

static bool on_end(void *ctx, struct smtp_session *s)
{
	struct run *r = ctx;
	if (r->n < MAX_ENDS)
		r->v[r->n++] = (struct ended){ s->end_reason, s->end_by, s->state, s->server_timeout,
					       s->partial_start };
	return false;
}

/* Feeds a sample; returns the decoder's late-packet count. */
static uint64_t feed(const char *sample, int64_t idle_s, bool live, struct run *r)
{
	char path[512], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/samples/%s", SRCDIR, sample);
	memset(r, 0, sizeof *r);
	pcap_t *p = pcap_open_offline(path, err);
	CHECK(p != NULL);
	if (!p)
		return 0;
	struct dec_config cfg;
	dec_config_default(&cfg);
	cfg.idle_timeout_us = idle_s * 1000000;
	cfg.live = live;
	struct dec_sink sink = { .ctx = r, .session_end = on_end };
	struct decoder *d = dec_new(&cfg, &sink);
	struct pcap_pkthdr *h;
	const u_char *data;
	while (pcap_next_ex(p, &h, &data) == 1)
		dec_packet(d, pcap_datalink(p), (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, data,
			   h->caplen, h->len);
	dec_finish(d);
	uint64_t late = dec_get_stats(d)->late_packets;
	dec_free(d);
	pcap_close(p);
	return late;
}

/* Postfix's 421 comes 300 s after the last reply: past a 200 s timeout. */
static void test_rejoin_from_file(void)
{
	struct run r;
	CHECK_EQ_INT(feed("postfix-idle-timeout.pcap", 200, false, &r), 0);
	CHECK_EQ_INT(r.n, 2);
	for (int i = 0; i < r.n; i++) {
		CHECK_EQ_INT(r.v[i].why, END_FIN);
		CHECK_EQ_INT(r.v[i].by, SIDE_SERVER);
		CHECK(r.v[i].server_timeout);
		CHECK(!r.v[i].partial_start);
	}
}

/* Live, the same capture: each session is reported as timed out when the
 * silence passes 200 s; the 421 and the FIN that follow hit the tombstone. */
static void test_live_tombstone(void)
{
	struct run r;
	CHECK(feed("postfix-idle-timeout.pcap", 200, true, &r) >= 4);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.v[0].why, END_TIMEOUT);
	CHECK_EQ_INT(r.v[0].state, ST_RCPT);
	CHECK_EQ_INT(r.v[1].why, END_TIMEOUT);
	CHECK_EQ_INT(r.v[1].state, ST_BODY);
	CHECK(!r.v[0].server_timeout && !r.v[1].server_timeout);
	CHECK(!r.v[0].partial_start && !r.v[1].partial_start);
}

/* The 420 s pause inside DATA: one session with the default timeout, one
 * rejoined session with 300 s; with 1 s the pause is past the horizon (4 s):
 * the first session timed out and the rest is a mid-stream pickup. */
static void test_pause_and_horizon(void)
{
	struct run r;
	feed("pause-in-data.pcap", 900, false, &r);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.v[0].why, END_QUIT);
	CHECK_EQ_INT(r.v[0].by, SIDE_CLIENT);
	feed("pause-in-data.pcap", 300, false, &r);
	CHECK_EQ_INT(r.n, 1);
	CHECK_EQ_INT(r.v[0].why, END_QUIT);
	feed("pause-in-data.pcap", 1, false, &r);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(r.v[0].why, END_TIMEOUT);
	CHECK_EQ_INT(r.v[0].state, ST_BODY);
	CHECK(r.v[1].partial_start);
}

/* Both Postfix sessions go quiet by t = 11 s: stalled (silent > 60 s) at
 * t = 100 s, not at t = 30 s; live, nothing has timed out yet. */
static void test_stalled(void)
{
	char path[512], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/samples/postfix-idle-timeout.pcap", SRCDIR);
	pcap_t *p = pcap_open_offline(path, err);
	CHECK(p != NULL);
	if (!p)
		return;
	struct dec_config cfg;
	dec_config_default(&cfg);
	cfg.live = true;
	struct run r = { .n = 0 };
	struct dec_sink sink = { .ctx = &r, .session_end = on_end };
	struct decoder *d = dec_new(&cfg, &sink);
	struct pcap_pkthdr *h;
	const u_char *data;
	int64_t t0 = 0;
	while (pcap_next_ex(p, &h, &data) == 1) {
		int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
		if (!t0)
			t0 = ts;
		if (ts - t0 > 100 * 1000000LL)
			break;
		dec_packet(d, pcap_datalink(p), ts, data, h->caplen, h->len);
	}
	CHECK_EQ_INT(dec_stalled(d, t0 + 30 * 1000000LL, IDLE_STALLED_US), 0);
	dec_advance(d, t0 + 100 * 1000000LL);
	CHECK_EQ_INT(dec_stalled(d, t0 + 100 * 1000000LL, IDLE_STALLED_US), 2);
	CHECK_EQ_INT(r.n, 0);
	dec_advance(d, t0 + 1000 * 1000000LL); /* live: past the 15 min timeout */
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_INT(dec_stalled(d, t0 + 1000 * 1000000LL, IDLE_STALLED_US), 0);
	dec_free(d);
	pcap_close(p);
}

static struct tcp_seg seg(uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct tcp_seg s;
	memset(&s, 0, sizeof s);
	s.flags = flags;
	s.seq = seq;
	s.ack = ack;
	return s;
}

static void test_continues(void)
{
	struct flow f;
	memset(&f, 0, sizeof f);
	f.dir[DIR_C2S].started = f.dir[DIR_S2C].started = true;
	f.dir[DIR_C2S].next_seq = 0xfffffff0u; /* wraps */
	f.dir[DIR_S2C].next_seq = 1000;
	struct tcp_seg s = seg(TCPF_ACK | TCPF_PSH, 0xfffffff0u, 1000);
	CHECK(idle_continues(&f, &s, DIR_C2S));
	s = seg(TCPF_ACK, 0x10, 1000); /* a little ahead, across the wrap */
	CHECK(idle_continues(&f, &s, DIR_C2S));
	s = seg(TCPF_ACK, 0x7ffffff0u, 1000); /* half the space away */
	CHECK(!idle_continues(&f, &s, DIR_C2S));
	s = seg(TCPF_ACK, 0xfffffff0u, 1000 + 0x40000000u); /* acks what the peer never sent */
	CHECK(!idle_continues(&f, &s, DIR_C2S));
	s = seg(TCPF_SYN, 0xfffffff0u, 0); /* a SYN is a new connection */
	CHECK(!idle_continues(&f, &s, DIR_C2S));
	s = seg(TCPF_ACK | TCPF_FIN, 1000, 0xfffffff0u); /* the server's side */
	CHECK(idle_continues(&f, &s, DIR_S2C));
	f.dir[DIR_S2C].started = false; /* the server never sent: any number fits */
	s = seg(TCPF_ACK, 123456, 0xfffffff0u);
	CHECK(idle_continues(&f, &s, DIR_S2C));
}

int main(void)
{
	test_rejoin_from_file();
	test_live_tombstone();
	test_pause_and_horizon();
	test_stalled();
	test_continues();
	CHECK_DONE();
}
