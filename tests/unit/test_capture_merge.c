/* test_capture_merge.c — capture/capture.c's merge of several files by time,
 * on small pcaps written here: order (ties go to the earlier input), the
 * link type handed with each packet, -c across files, a file truncated in
 * the middle of the set, a missing file, stdin only alone, and the filter
 * applied to every file. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "check.h"

static char dir[64];

/* One file: a packet per time in ts (seconds), payload byte = tag, frames
 * of link type dlt (bytes 0..13: zero; 14: tag; the rest zero). */
static void write_file(const char *name, int dlt, const int *ts, size_t n, uint8_t tag)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	pcap_t *dead = pcap_open_dead(dlt, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	uint8_t frame[60] = { 0 };
	frame[14] = tag;
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .caplen = sizeof frame, .len = sizeof frame };
		h.ts.tv_sec = 1000 + ts[i];
		frame[15] = (uint8_t)i;
		pcap_dump((u_char *)d, &h, frame);
	}
	pcap_dump_close(d);
	pcap_close(dead);
}

struct seen {
	size_t n;
	int64_t ts[64];
	uint8_t tag[64];
	int linktype[64];
};

static void on_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
		      uint32_t wirelen)
{
	struct seen *s = ctx;
	(void)wirelen;
	if (s->n < 64 && caplen > 15) {
		s->ts[s->n] = ts / 1000000 - 1000;
		s->tag[s->n] = data[14];
		s->linktype[s->n] = linktype;
	}
	s->n++;
}

static struct cap_source *open_set(const char *const *names, size_t n, char *err)
{
	static char paths[8][128];
	static const char *p[8];
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "-") == 0)
			snprintf(paths[i], sizeof paths[i], "-");
		else
			snprintf(paths[i], sizeof paths[i], "%s/%s", dir, names[i]);
		p[i] = paths[i];
	}
	struct cap_options o = { .file = p[0], .files = p, .nfiles = n };
	return cap_open(&o, err, 512);
}

static void test_order(void)
{
	/* overlapping files; times 5 in a and b: a (given first) goes first */
	static const int a[] = { 1, 4, 5, 9 }, b[] = { 2, 3, 5, 6 }, c[] = { 0, 7, 8 };
	write_file("a.pcap", DLT_EN10MB, a, 4, 'a');
	write_file("b.pcap", DLT_LINUX_SLL, b, 4, 'b');
	write_file("c.pcap", DLT_EN10MB, c, 3, 'c');
	const char *names[] = { "a.pcap", "b.pcap", "c.pcap" };
	char err[512] = "";
	struct cap_source *cs = open_set(names, 3, err);
	CHECK(cs != NULL);
	if (!cs)
		return;
	CHECK_EQ_INT(cap_inputs(cs), 3);
	CHECK_EQ_INT(cap_linktype(cs), -1);
	CHECK_EQ_STR(cap_linktype_name(cs), "EN10MB,LINUX_SLL");
	CHECK_EQ_STR(cap_input_linktype_name(cs, 1), "LINUX_SLL");
	struct seen s = { 0 };
	CHECK_EQ_INT(cap_run(cs, 0, on_packet, NULL, &s), CAP_END);
	CHECK_EQ_INT(s.n, 11);
	static const int want_ts[] = { 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9 };
	static const char want_tag[] = "cabbaabbcca";
	for (size_t i = 0; i < 11; i++) {
		CHECK_EQ_INT(s.ts[i], want_ts[i]);
		CHECK_EQ_INT(s.tag[i], want_tag[i]);
		CHECK_EQ_INT(s.linktype[i], s.tag[i] == 'b' ? DLT_LINUX_SLL : DLT_EN10MB);
	}
	struct cap_stats st;
	cap_get_stats(cs, &st);
	CHECK_EQ_INT(st.packets, 11);
	CHECK_EQ_INT(st.inputs, 3);
	cap_get_input_stats(cs, 2, &st);
	CHECK_EQ_INT(st.packets, 3);
	cap_close(cs);

	/* -c across files: the 4 earliest, then the rest on the next call */
	cs = open_set(names, 3, err);
	struct seen s2 = { 0 };
	CHECK_EQ_INT(cap_run(cs, 4, on_packet, NULL, &s2), CAP_STOPPED);
	CHECK_EQ_INT(s2.n, 4);
	CHECK_EQ_INT(s2.ts[3], 3);
	CHECK_EQ_INT(cap_run(cs, 0, on_packet, NULL, &s2), CAP_END);
	CHECK_EQ_INT(s2.n, 11);
	CHECK_EQ_INT(s2.ts[4], 4);
	CHECK_EQ_INT(s2.tag[10], 'a');
	cap_close(cs);

	/* the filter runs on every file: a.pcap's frames carry 'a', c.pcap's 'c' */
	struct cap_options o = { 0 };
	char pa[128], pb[128];
	snprintf(pa, sizeof pa, "%s/a.pcap", dir);
	snprintf(pb, sizeof pb, "%s/c.pcap", dir);
	const char *two[] = { pa, pb };
	o.file = pa;
	o.files = two;
	o.nfiles = 2;
	o.bpf = "ether[14] == 0x63"; /* 'c' */
	cs = cap_open(&o, err, sizeof err);
	CHECK(cs != NULL);
	if (cs) {
		struct seen s3 = { 0 };
		cap_run(cs, 0, on_packet, NULL, &s3);
		CHECK_EQ_INT(s3.n, 3);
		CHECK_EQ_INT(s3.tag[0], 'c');
		cap_close(cs);
	}
}

static void test_errors(void)
{
	char err[512] = "";
	const char *missing[] = { "a.pcap", "nope.pcap" };
	CHECK(open_set(missing, 2, err) == NULL);
	CHECK(strstr(err, "nope.pcap") != NULL);
	const char *with_stdin[] = { "a.pcap", "-" };
	CHECK(open_set(with_stdin, 2, err) == NULL);
	CHECK(strstr(err, "stdin") != NULL);

	/* b.pcap cut inside its third record: a and c still read to the end */
	char src[128], dst[128];
	snprintf(src, sizeof src, "%s/b.pcap", dir);
	snprintf(dst, sizeof dst, "%s/b-cut.pcap", dir);
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	CHECK(in && out);
	if (!in || !out)
		return;
	char buf[4096];
	size_t n = fread(buf, 1, sizeof buf, in);
	size_t cut = 24 + 2 * (16 + 60) + 16 + 10;
	CHECK(n > cut);
	fwrite(buf, 1, cut, out);
	fclose(in);
	fclose(out);
	const char *names[] = { "a.pcap", "b-cut.pcap", "c.pcap" };
	struct cap_source *cs = open_set(names, 3, err);
	CHECK(cs != NULL);
	if (!cs)
		return;
	struct seen s = { 0 };
	CHECK_EQ_INT(cap_run(cs, 0, on_packet, NULL, &s), CAP_BROKEN);
	CHECK_EQ_INT(s.n, 4 + 2 + 3);
	struct cap_stats st;
	cap_get_stats(cs, &st);
	CHECK(st.broken);
	CHECK_EQ_INT(st.broken_at_packet, 3);
	CHECK_EQ_INT(st.broken_at_offset, 24 + 2 * (16 + 60));
	CHECK(st.broken_input && strstr(st.broken_input, "b-cut.pcap"));
	cap_get_input_stats(cs, 0, &st);
	CHECK(!st.broken);
	cap_close(cs);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_capture_merge.XXXXXX");
	if (!mkdtemp(dir))
		return 99;
	test_order();
	test_errors();
	const char *files[] = { "a.pcap", "b.pcap", "c.pcap", "b-cut.pcap" };
	char path[128];
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	CHECK_DONE();
}
