/* session_export.c — which frames of a capture belong to chosen sessions. */
#include "config.h"

#include "ui/session_export.h"

#include "capture/pcap_export.h"
#include "decode/packet.h"

struct wanted_sessions {
	const struct smtp_session *const *sessions;
	size_t n;
};

static bool endpoint(const struct tcp_seg *g, const struct ip_addr *a, uint16_t ap,
		     const struct ip_addr *b, uint16_t bp)
{
	return addr_eq(&g->src, a) && g->sport == ap && addr_eq(&g->dst, b) && g->dport == bp;
}

static bool in_sessions(void *ctx, int linktype, int64_t ts_us, const uint8_t *frame,
			uint32_t caplen, uint32_t wirelen)
{
	const struct wanted_sessions *w = ctx;
	struct tcp_seg g;
	enum anomaly an;
	if (pkt_decode(linktype, ts_us, frame, caplen, wirelen, &g, &an) != PKT_TCP)
		return false;
	for (size_t i = 0; i < w->n; i++) {
		const struct smtp_session *s = w->sessions[i];
		if (g.ts_us < s->start_ts || g.ts_us > s->end_ts)
			continue;
		if (endpoint(&g, &s->client, s->client_port, &s->server, s->server_port) ||
		    endpoint(&g, &s->server, s->server_port, &s->client, s->client_port))
			return true;
	}
	return false;
}

long pcap_export_sessions(const struct cap_options *in, const struct smtp_session *const *sessions,
			  size_t n, const char *out_path, char *err, size_t errlen)
{
	struct wanted_sessions w = { sessions, n };
	return pcap_export(in, in_sessions, &w, out_path, err, errlen);
}
