/* test_pcap_map.c — capture/pcap_map.c hands over exactly what cap_run
 * hands over: the same records (link type, time, lengths, bytes) in the
 * same order, and the same end (a clean end, or a break where libpcap
 * breaks).  On files written here byte by byte: microsecond and
 * nanosecond, both byte orders, a record longer than the snapshot length
 * (cut to it), a record header or a record cut short by the end of the
 * file, a record larger than libpcap's sane maximum, a file of several
 * megabytes (pages given back on the way); a filter; -c.  And on
 * every sample named on the command line (make check passes none: the
 * samples come from SRCDIR). */
#include "config.h"

#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/pcap_map.h"
#include "check.h"

struct rec {
	int linktype;
	int64_t ts;
	uint32_t caplen, wirelen;
	uint64_t sum;       /* FNV-1a of the bytes */
};

struct seen {
	struct rec r[8192];
	size_t n;
};

static void on_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
		      uint32_t wirelen)
{
	struct seen *s = ctx;
	uint64_t h = 1469598103934665603ull;
	for (uint32_t i = 0; i < caplen; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	if (s->n < 8192)
		s->r[s->n] = (struct rec){ linktype, ts, caplen, wirelen, h };
	s->n++;
}

static size_t compared; /* files both read */

/* Both readers over one file; true if they agree (else says how).  A file
 * pcap_map refuses is fine unless want_map. */
static bool same_as_libpcap(const char *path, const char *bpf, uint64_t count, bool want_map)
{
	static struct seen a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	char err[512];
	struct cap_options o = { .file = path, .bpf = bpf };
	struct cap_source *cap = cap_open(&o, err, sizeof err);
	struct pcap_map *m = pmap_open(path, bpf);
	if (!cap || !m) {
		if (want_map || m)
			printf("  %s: cap_open %s, pmap_open %s\n", path, cap ? "ok" : err,
			       m ? "ok" : "refused");
		if (cap)
			cap_close(cap);
		pmap_close(m);
		return !want_map && !m;
	}
	compared++;
	enum cap_status sa = cap_run(cap, count, on_packet, NULL, &a);
	enum cap_status sb = pmap_run(m, count, on_packet, NULL, &b);
	cap_close(cap);
	pmap_close(m);
	bool ok = sa == sb && a.n == b.n;
	for (size_t i = 0; ok && i < a.n && i < 8192; i++)
		ok = memcmp(&a.r[i], &b.r[i], sizeof a.r[i]) == 0;
	if (!ok)
		printf("  %s: cap_run %d/%zu packets, pmap_run %d/%zu\n", path, sa, a.n, sb, b.n);
	return ok;
}

/* --- files written byte by byte ----------------------------------------------- */

static char dir[64];

static void put32(FILE *f, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	fwrite(&v, 4, 1, f);
}

static void put16(FILE *f, uint16_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap16(v);
	fwrite(&v, 2, 1, f);
}

/* A TCP/IPv4 Ethernet frame of `len` bytes with a marker. */
static void frame(uint8_t *b, size_t len, uint8_t mark)
{
	memset(b, 0, len);
	b[12] = 0x08;
	b[14] = 0x45;
	b[23] = 6;
	b[30] = 10;
	b[33] = mark;
	if (len > 60)
		b[60] = mark;
}

/* Records: {caplen to write, caplen in the header, wire length}. */
struct spec {
	uint32_t bytes, caplen, wirelen;
};

static const char *write_file(const char *name, uint32_t magic, bool swap, uint32_t snaplen,
			      const struct spec *s, size_t n, size_t cut_tail)
{
	static char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	put32(f, magic, swap);
	put16(f, 2, swap);
	put16(f, 4, swap);
	put32(f, 0, swap);
	put32(f, 0, swap);
	put32(f, snaplen, swap);
	put32(f, 1 /* LINKTYPE_ETHERNET */, swap);
	static uint8_t b[300000];
	for (size_t i = 0; i < n; i++) {
		put32(f, 1700000000u + (uint32_t)i, swap);
		put32(f, magic == 0xa1b23c4d ? 123456789u : 654321u, swap);
		put32(f, s[i].caplen, swap);
		put32(f, s[i].wirelen, swap);
		frame(b, s[i].bytes, (uint8_t)i);
		fwrite(b, 1, s[i].bytes, f);
	}
	long end = ftell(f);
	fclose(f);
	if (cut_tail && truncate(path, end - (long)cut_tail) != 0)
		abort();
	return path;
}

static void test_written(void)
{
	const struct spec plain[] = { { 60, 60, 60 }, { 74, 74, 1514 }, { 100, 100, 100 } };
	for (int v = 0; v < 4; v++) {
		uint32_t magic = v & 1 ? 0xa1b23c4d : 0xa1b2c3d4;
		bool swap = v & 2;
		const char *p = write_file("plain.pcap", magic, swap, 65535, plain, 3, 0);
		CHECK(same_as_libpcap(p, NULL, 0, true));
		CHECK(same_as_libpcap(p, NULL, 2, true));          /* -c 2 */
		CHECK(same_as_libpcap(p, "greater 80", 0, true));  /* a filter */
	}
	/* longer than the snapshot length: cut to it */
	const struct spec longer[] = { { 60, 60, 60 }, { 200, 200, 200 }, { 60, 60, 60 } };
	CHECK(same_as_libpcap(write_file("long.pcap", 0xa1b2c3d4, false, 100, longer, 3, 0), NULL,
			      0, true));
	/* cut short: in the last record's bytes, in its header */
	CHECK(same_as_libpcap(write_file("cut.pcap", 0xa1b2c3d4, false, 65535, plain, 3, 10), NULL,
			      0, true));
	CHECK(same_as_libpcap(write_file("cuthdr.pcap", 0xa1b2c3d4, false, 65535, plain, 3, 100 + 8),
			      NULL, 0, true));
	/* larger than libpcap's sane maximum: a break */
	const struct spec huge[] = { { 60, 60, 60 }, { 270000, 270000, 270000 } };
	CHECK(same_as_libpcap(write_file("huge.pcap", 0xa1b2c3d4, false, 0, huge, 2, 0), NULL, 0,
			      true));
	/* several megabytes: the walked pages are given back on the way */
	static struct spec big[4000];
	for (size_t i = 0; i < 4000; i++)
		big[i] = (struct spec){ 1000 + (uint32_t)(i % 500), 1000 + (uint32_t)(i % 500), 1514 };
	CHECK(same_as_libpcap(write_file("big.pcap", 0xa1b2c3d4, false, 65535, big, 4000, 0), NULL,
			      0, true));
	/* not taken: pcapng-like magic, an old version */
	char path[128];
	snprintf(path, sizeof path, "%s/ng.pcap", dir);
	FILE *f = fopen(path, "wb");
	const uint8_t ng[28] = { 0x0a, 0x0d, 0x0d, 0x0a };
	fwrite(ng, 1, sizeof ng, f);
	fclose(f);
	struct pcap_map *m = pmap_open(path, NULL);
	CHECK(m == NULL);
	pmap_close(m);
}

static void test_samples(const char *srcdir)
{
	char sdir[512];
	snprintf(sdir, sizeof sdir, "%s/samples", srcdir);
	DIR *d = opendir(sdir);
	if (!d)
		return;
	size_t files = 0;
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".pcap") != 0)
			continue;
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", sdir, e->d_name);
		CHECK(same_as_libpcap(p, NULL, 0, false));
		CHECK(same_as_libpcap(p, "tcp port 25", 0, false));
		files++;
	}
	closedir(d);
	CHECK(files >= 20);
	CHECK(compared >= 2 * 20); /* the samples are classic pcap: pcap_map takes them */
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_pcap_map.XXXXXX");
	if (!mkdtemp(dir))
		return 99;
	test_written();
	test_samples(SRCDIR);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 99;
	CHECK_DONE();
}
