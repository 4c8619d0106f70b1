/* test_pcap_reader.c — the block reader (capture/pcap_reader.c, issue 13)
 * against libpcap itself: files written here record by record (records
 * across block boundaries, a record cut to the snapshot length, time stamps
 * with the high bit set, empty records, and files ending inside a record
 * header, inside the data, inside a cut record, or with a record longer than
 * libpcap accepts) are read by both; every header, every byte, the number
 * of records and the final error text must agree.  Also: which files the
 * reader takes over (prd_applies). */
#include "config.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/pcap_reader.h"
#include "check.h"

static char path[] = "/tmp/smtpscope-test-prd-XXXXXX";

struct rec {
	uint32_t sec, usec, caplen, len;
};

static void put32(FILE *f, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	fwrite(&v, 4, 1, f);
}

/* A pcap file: header (magic as given, snaplen), then records with bytes
 * i*7+j; the last record cut to `last_bytes` bytes of data (or of its
 * header when last_hdr_bytes > 0). */
static void write_file(uint32_t magic, bool swap, uint16_t minor, uint32_t snaplen, uint32_t dlt,
		       const struct rec *recs, size_t n, long cut_at)
{
	FILE *f = fopen(path, "wb");
	put32(f, magic, swap);
	uint16_t v[2] = { 2, minor };
	if (swap) {
		v[0] = __builtin_bswap16(v[0]);
		v[1] = __builtin_bswap16(v[1]);
	}
	fwrite(v, 2, 2, f);
	put32(f, 0, swap);
	put32(f, 0, swap);
	put32(f, snaplen, swap);
	put32(f, dlt, swap);
	for (size_t i = 0; i < n; i++) {
		put32(f, recs[i].sec, swap);
		put32(f, recs[i].usec, swap);
		put32(f, recs[i].caplen, swap);
		put32(f, recs[i].len, swap);
		for (uint32_t j = 0; j < recs[i].caplen; j++)
			fputc((int)((i * 7 + j) & 0xff), f);
	}
	fclose(f);
	if (cut_at >= 0 && truncate(path, cut_at) != 0)
		abort();
}

/* What a reader saw: a digest of every record, their count, the end. */
struct seen {
	size_t n;
	uint64_t digest;
	int end;            /* 0 clean end, -1 error */
	char err[PCAP_ERRBUF_SIZE];
};

static void note(struct seen *s, const struct pcap_pkthdr *h, const u_char *d)
{
	uint64_t x = s->digest ^ ((uint64_t)h->ts.tv_sec * 1000003u) ^ (uint64_t)h->ts.tv_usec ^
		     ((uint64_t)h->caplen << 32) ^ h->len;
	for (uint32_t i = 0; i < h->caplen; i++)
		x = (x ^ d[i]) * 0x100000001b3ull;
	s->digest = x * 31 + s->n;
	s->n++;
}

static void read_libpcap(struct seen *s)
{
	char err[PCAP_ERRBUF_SIZE];
	memset(s, 0, sizeof *s);
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
	if (!p)
		abort();
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &d)) == 1)
		note(s, h, d);
	s->end = rc == PCAP_ERROR_BREAK ? 0 : -1;
	if (s->end)
		snprintf(s->err, sizeof s->err, "%s", pcap_geterr(p));
	pcap_close(p);
}

/* Opened as cap_leg.c does: libpcap reads the file header, the reader the
 * rest.  False when the reader does not take the file. */
static bool read_blocks(struct seen *s)
{
	char err[PCAP_ERRBUF_SIZE];
	memset(s, 0, sizeof *s);
	FILE *fp = fopen(path, "rb");
	uint8_t magic[4];
	if (!fp || fread(magic, 1, 4, fp) != 4)
		abort();
	rewind(fp);
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, err);
	if (!p)
		abort();
	bool taken = prd_applies(p, magic, true);
	if (taken) {
		struct pcap_reader r;
		CHECK(prd_open(&r, p, fp, 24));
		struct pcap_pkthdr h;
		const u_char *d;
		int rc;
		while ((rc = prd_next(&r, &h, &d)) == 1)
			note(s, &h, d);
		s->end = rc;
		if (rc)
			snprintf(s->err, sizeof s->err, "%s", r.err);
		prd_close(&r);
	}
	pcap_close(p);
	return taken;
}

static void same(const char *what)
{
	struct seen a, b;
	read_libpcap(&a);
	bool taken = read_blocks(&b);
	CHECK(taken);
	if (a.n != b.n || a.digest != b.digest || a.end != b.end || strcmp(a.err, b.err) != 0) {
		fprintf(stderr, "%s: libpcap %zu records end %d \"%s\"; reader %zu end %d \"%s\"%s\n",
			what, a.n, a.end, a.err, b.n, b.end, b.err,
			a.digest != b.digest ? " (records differ)" : "");
		CHECK(!"the readers agree");
	} else {
		CHECK(1);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);

	/* many records of assorted sizes: several blocks, records across
	 * block boundaries; empty records; time stamps with the top bit set */
	size_t n = 12000;
	struct rec *many = calloc(n, sizeof *many);
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t len = (uint32_t)((i * 2654435761u) % 1600);
		many[i] = (struct rec){ 1700000000u + (uint32_t)i, (uint32_t)(i * 37 % 1000000), len,
					len + (uint32_t)(i % 3) };
	}
	many[5].sec = 0xfffffff0u;
	many[6].usec = 0x80000001u;
	many[7].caplen = many[7].len = 0;
	for (size_t i = 0; i < n; i++)
		total += 16 + many[i].caplen;
	CHECK(total > 2 * PRD_BLOCK);
	write_file(0xa1b2c3d4u, false, 4, 65535, DLT_EN10MB, many, n, -1);
	same("many records");

	/* a record at libpcap's largest, one byte over the snapshot (cut to
	 * it), and after it records that must still line up */
	struct rec big[] = { { 1, 2, 262144, 262144 }, { 3, 4, 100, 100 } };
	write_file(0xa1b2c3d4u, false, 4, 262144, DLT_EN10MB, big, N(big), -1);
	same("a record of 262144 bytes");
	struct rec cut[] = { { 1, 2, 60, 60 }, { 3, 4, 150, 1500 }, { 5, 6, 80, 80 } };
	write_file(0xa1b2c3d4u, false, 4, 100, DLT_EN10MB, cut, N(cut), -1);
	same("a record longer than the snapshot length");

	/* ends: inside a record header, inside the data, inside the part of
	 * a long record that is dropped, inside its kept part */
	write_file(0xa1b2c3d4u, false, 4, 65535, DLT_EN10MB, cut, N(cut), 24 + 16 + 60 + 9);
	same("cut in a record header");
	write_file(0xa1b2c3d4u, false, 4, 65535, DLT_EN10MB, cut, N(cut), 24 + 16 + 60 + 16 + 70);
	same("cut in the data");
	write_file(0xa1b2c3d4u, false, 4, 100, DLT_EN10MB, cut, N(cut), 24 + 16 + 60 + 16 + 120);
	same("cut in the dropped part of a long record");
	write_file(0xa1b2c3d4u, false, 4, 100, DLT_EN10MB, cut, N(cut), 24 + 16 + 60 + 16 + 50);
	same("cut in the kept part of a long record");
	write_file(0xa1b2c3d4u, false, 4, 65535, DLT_EN10MB, many, n, (long)(24 + total - 700));
	same("cut near the end of many records");

	/* lengths libpcap refuses: over its maximum, with a snapshot below
	 * and at that maximum */
	struct rec huge[] = { { 1, 2, 60, 60 }, { 3, 4, 300000, 300000 } };
	write_file(0xa1b2c3d4u, false, 4, 65535, DLT_EN10MB, huge, N(huge), -1);
	same("a record over 262144 bytes, snapshot 65535");
	write_file(0xa1b2c3d4u, false, 4, 262144, DLT_EN10MB, huge, N(huge), -1);
	same("a record over 262144 bytes, snapshot 262144");

	/* an empty file after the header: a clean end */
	write_file(0xa1b2c3d4u, false, 4, 65535, DLT_RAW, cut, 0, -1);
	same("no records");

	/* files left to libpcap: swapped, nanoseconds, old versions, a link
	 * type outside the list */
	struct seen s;
	write_file(0xa1b2c3d4u, true, 4, 65535, DLT_EN10MB, cut, N(cut), -1);
	CHECK(!read_blocks(&s));
	write_file(0xa1b23c4du, false, 4, 65535, DLT_EN10MB, cut, N(cut), -1);
	CHECK(!read_blocks(&s));
	write_file(0xa1b2c3d4u, false, 3, 65535, DLT_EN10MB, cut, N(cut), -1);
	CHECK(!read_blocks(&s));
	write_file(0xa1b2c3d4u, false, 4, 65535, 147 /* DLT_USER0 */, cut, N(cut), -1);
	CHECK(!read_blocks(&s));

	free(many);
	unlink(path);
	CHECK_DONE();
}
