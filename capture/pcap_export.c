/* pcap_export.c — chosen frames of a capture file, into a pcap file. */
#include "config.h"

#include "capture/pcap_export.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture.h"

struct export {
	pcap_export_want_fn want;
	void *ctx;
	int linktype;
	pcap_dumper_t *dumper;
	long written;
};

static void one_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct export *x = ctx;
	if (!x->want(x->ctx, linktype, ts, data, caplen, wirelen))
		return;
	struct pcap_pkthdr h;
	h.ts.tv_sec = ts / 1000000;
	h.ts.tv_usec = ts % 1000000;
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)x->dumper, &h, data);
	x->written++;
}

long pcap_export(const struct cap_options *in, pcap_export_want_fn want, void *ctx,
		 const char *out_path, char *err, size_t errlen)
{
	if (!in->file || strcmp(in->file, "-") == 0) {
		snprintf(err, errlen, "packets can only be written when reading a capture file (-r FILE)");
		return -1;
	}
	/* the same files, merged the same way; no filter: the predicate picks */
	struct cap_options co = { .file = in->file, .files = in->files, .nfiles = in->nfiles };
	struct cap_source *cs = cap_open(&co, err, errlen);
	if (!cs)
		return -1;
	if (cap_linktype(cs) < 0) {
		/* a pcap file has one link type for all its packets */
		snprintf(err, errlen, "%s: not written: the input files have different link types (%s)",
			 out_path, cap_linktype_name(cs));
		cap_close(cs);
		return -1;
	}
	pcap_t *dead = pcap_open_dead(cap_linktype(cs), cap_snaplen(cs) > 0 ? cap_snaplen(cs) : 262144);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, out_path) : NULL;
	if (!d) {
		snprintf(err, errlen, "%s: %s", out_path, dead ? pcap_geterr(dead) : "cannot create");
		if (dead)
			pcap_close(dead);
		cap_close(cs);
		return -1;
	}
	struct export x = { want, ctx, cap_linktype(cs), d, 0 };
	cap_run(cs, 0, one_packet, NULL, &x);
	pcap_dump_close(d);
	pcap_close(dead);
	cap_close(cs);
	return x.written;
}
