/* pcap_export.c — session packets out of a capture file, into a pcap file. */
#include "config.h"

#include "pcap_export.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "packet.h"

struct export {
	const struct smtp_session *const *sessions;
	size_t n;
	int linktype;
	pcap_dumper_t *dumper;
	long written;
};

static bool endpoint(const struct tcp_seg *g, const struct ip_addr *a, uint16_t ap,
		     const struct ip_addr *b, uint16_t bp)
{
	return addr_eq(&g->src, a) && g->sport == ap && addr_eq(&g->dst, b) && g->dport == bp;
}

static bool wanted(const struct export *x, const struct tcp_seg *g)
{
	for (size_t i = 0; i < x->n; i++) {
		const struct smtp_session *s = x->sessions[i];
		if (g->ts_us < s->start_ts || g->ts_us > s->end_ts)
			continue;
		if (endpoint(g, &s->client, s->client_port, &s->server, s->server_port) ||
		    endpoint(g, &s->server, s->server_port, &s->client, s->client_port))
			return true;
	}
	return false;
}

static void one_packet(void *ctx, int64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct export *x = ctx;
	struct tcp_seg g;
	enum anomaly an;
	if (pkt_decode(x->linktype, ts, data, caplen, wirelen, &g, &an) != PKT_TCP || !wanted(x, &g))
		return;
	struct pcap_pkthdr h;
	h.ts.tv_sec = ts / 1000000;
	h.ts.tv_usec = ts % 1000000;
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)x->dumper, &h, data);
	x->written++;
}

long pcap_export_sessions(const char *capture_file, const struct smtp_session *const *sessions,
			  size_t n, const char *out_path, char *err, size_t errlen)
{
	if (!capture_file || strcmp(capture_file, "-") == 0) {
		snprintf(err, errlen, "packets can only be written when reading a capture file (-r FILE)");
		return -1;
	}
	struct cap_options co = { .file = capture_file };
	struct cap_source *cs = cap_open(&co, err, errlen);
	if (!cs)
		return -1;
	pcap_t *dead = pcap_open_dead(cap_linktype(cs), cap_snaplen(cs) > 0 ? cap_snaplen(cs) : 262144);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, out_path) : NULL;
	if (!d) {
		snprintf(err, errlen, "%s: %s", out_path, dead ? pcap_geterr(dead) : "cannot create");
		if (dead)
			pcap_close(dead);
		cap_close(cs);
		return -1;
	}
	struct export x = { sessions, n, cap_linktype(cs), d, 0 };
	cap_run(cs, 0, one_packet, NULL, &x);
	pcap_dump_close(d);
	pcap_close(dead);
	cap_close(cs);
	return x.written;
}
