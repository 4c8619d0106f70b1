/* pcap_reader.c — classic pcap records read in blocks (pcap_reader.h).
 *
 * pcap-savefile(5): after the 24-byte file header, each record is a 16-byte
 * header (seconds, microseconds, captured length, original length, in the
 * file's byte order) and the captured bytes.  The checks and messages below
 * are libpcap 1.10's (sf-pcap.c, pcap_next_packet), in its order.
 */
#include "config.h"

#include "capture/pcap_reader.h"

#include <errno.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC_HDR 16
/* libpcap's MAXIMUM_SNAPLEN: its limit on a record for the link types below */
#define MAX_SNAPLEN 262144u

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* Link types whose record limit is MAX_SNAPLEN and whose data libpcap
 * hands over untouched (no pseudo-header fix-ups). */
static bool plain_linktype(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_NULL:
	case DLT_LOOP: case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

bool prd_applies(pcap_t *p, const uint8_t magic[4], bool regular)
{
	uint32_t m;
	memcpy(&m, magic, 4);
	/* 0xa1b2c3d4 as this machine stores it: not swapped, microseconds.
	 * Versions before 2.4 may have the two lengths swapped, which
	 * libpcap guesses at; those stay with it. */
	return regular && m == 0xa1b2c3d4u && !pcap_is_swapped(p) && pcap_major_version(p) == 2 &&
	       pcap_minor_version(p) >= 4 && plain_linktype(pcap_datalink(p)) &&
	       pcap_snapshot(p) > 0 && (unsigned)pcap_snapshot(p) <= MAX_SNAPLEN;
}

bool prd_open(struct pcap_reader *r, pcap_t *p, FILE *fp, uint64_t first)
{
	memset(r, 0, sizeof *r);
	r->fd = fileno(fp);
	r->off = first;
	r->snapshot = (uint32_t)pcap_snapshot(p);
	r->size = PRD_BLOCK + REC_HDR + MAX_SNAPLEN;
	r->buf = malloc(r->size);
	r->cut = malloc(r->snapshot);
	if (!r->buf || !r->cut) {
		prd_close(r);
		return false;
	}
	return true;
}

void prd_close(struct pcap_reader *r)
{
	free(r->buf);
	free(r->cut);
	r->buf = r->cut = NULL;
}

/* Tops the buffer up until `need` bytes are unread or the file ends;
 * returns how many are unread. */
static size_t fill_slow(struct pcap_reader *r, size_t need)
{
	while (r->end - r->pos < need && !r->eof) {
		if (r->pos > 0 && r->end + PRD_BLOCK > r->size) {
			/* carry the unread tail (less than one record) to the front */
			memmove(r->buf, r->buf + r->pos, r->end - r->pos);
			r->end -= r->pos;
			r->pos = 0;
		}
		ssize_t got = pread(r->fd, r->buf + r->end, r->size - r->end, (off_t)r->off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r->eof = true;
			if (got < 0) {
				r->failed = true;
				r->err_no = errno;
			}
			break;
		}
		r->end += (size_t)got;
		r->off += (uint64_t)got;
	}
	return r->end - r->pos;
}

static inline size_t fill(struct pcap_reader *r, size_t need)
{
	size_t have = r->end - r->pos;
	return have >= need ? have : fill_slow(r, need);
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4); /* the file is in this machine's byte order */
	return v;
}

/* A short read because the file failed: libpcap's message with errno's
 * text (true), or false for the caller to say what was missing. */
static bool read_failed(const struct pcap_reader *r, char *err, size_t errlen)
{
	if (r->failed)
		snprintf(err, errlen, "error reading dump file: %s", strerror(r->err_no));
	return r->failed;
}

#define TRUNCATED "truncated dump file; tried to read "

static int next_slow(struct pcap_reader *r, struct pcap_pkthdr *h, const u_char **data);

int prd_next(struct pcap_reader *r, struct pcap_pkthdr *h, const u_char **data)
{
	/* the usual record: whole in the buffer, within the snapshot length */
	size_t have = r->end - r->pos;
	if (have >= REC_HDR) {
		const uint8_t *rec = r->buf + r->pos;
		uint32_t caplen = u32_at(rec + 8);
		if (caplen <= r->snapshot && have - REC_HDR >= caplen) {
			h->ts.tv_sec = (int32_t)u32_at(rec);
			h->ts.tv_usec = (int32_t)u32_at(rec + 4);
			h->caplen = caplen;
			h->len = u32_at(rec + 12);
			*data = rec + REC_HDR;
			r->pos += REC_HDR + caplen;
			return 1;
		}
	}
	return next_slow(r, h, data);
}

/* prd_next for everything else: a record to read in, cut, or refused. */
static int next_slow(struct pcap_reader *r, struct pcap_pkthdr *h, const u_char **data)
{
	char *err = r->err;
	size_t errlen = sizeof r->err;
	size_t have = fill(r, REC_HDR);
	if (have < REC_HDR) {
		if (have == 0 && !r->failed)
			return 0;
		if (!read_failed(r, err, errlen))
			snprintf(err, errlen, TRUNCATED "%u header bytes, only got %zu", (unsigned)REC_HDR, have);
		return -1;
	}
	const uint8_t *rec = r->buf + r->pos;
	/* bpf_int32 fields, sign-extended as libpcap does */
	h->ts.tv_sec = (int32_t)u32_at(rec);
	h->ts.tv_usec = (int32_t)u32_at(rec + 4);
	h->caplen = u32_at(rec + 8);
	h->len = u32_at(rec + 12);
	if (h->caplen > MAX_SNAPLEN) {
		if (h->caplen > r->snapshot)
			snprintf(err, errlen, "invalid packet capture length %u, bigger than snaplen of %d",
				 h->caplen, (int)r->snapshot);
		else
			snprintf(err, errlen, "invalid packet capture length %u, bigger than maximum of %u",
				 h->caplen, MAX_SNAPLEN);
		return -1;
	}
	r->pos += REC_HDR;
	have = fill(r, h->caplen);
	if (h->caplen > r->snapshot) {
		/* longer than the file says it keeps: cut to the snapshot length,
		 * the rest read and dropped */
		if (have < h->caplen) {
			r->pos = r->end;
			if (!read_failed(r, err, errlen))
				snprintf(err, errlen, TRUNCATED "%d captured bytes, only got %zu",
					 have < r->snapshot ? (int)r->snapshot : (int)h->caplen, have);
			return -1;
		}
		memcpy(r->cut, r->buf + r->pos, r->snapshot);
		r->pos += h->caplen;
		h->caplen = r->snapshot;
		*data = r->cut;
		return 1;
	}
	if (have < h->caplen) {
		r->pos = r->end;
		if (!read_failed(r, err, errlen))
			snprintf(err, errlen, TRUNCATED "%u captured bytes, only got %zu", h->caplen, have);
		return -1;
	}
	*data = r->buf + r->pos;
	r->pos += h->caplen;
	return 1;
}
