/* cap_leg.h — one input of a capture: a savefile (pcap, pcapng, gzip), stdin
 * or one live interface, with its own counters and read error.  Internal to
 * capture/: capture.c joins one or more legs into the cap_source the rest of
 * the program reads.
 */
#ifndef SMTPSCOPE_CAP_LEG_H
#define SMTPSCOPE_CAP_LEG_H

#include <limits.h>
#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "capture/gzip_file.h"
#include "capture/pcap_reader.h"

enum leg_kind { KIND_LIVE, KIND_PCAP, KIND_PCAPNG, KIND_OTHER };

struct cap_leg;

/* What one leg hands on for each packet; set by the owner (capture.c). */
typedef void (*leg_deliver_fn)(void *owner, struct cap_leg *leg, const struct pcap_pkthdr *h,
			       const u_char *d);

struct cap_leg {
	pcap_t *p;
	enum leg_kind kind;
	int linktype;                   /* pcap_datalink, read once */
	FILE *gz_raw;                   /* under a gzip stream: ours to close */
	char *iobuf;                    /* stdio buffer of the file: freed after it is closed */
	FILE *raw;                      /* the file as opened (under gzip or not), NULL on stdin */
	uint64_t file_size;             /* its size if a regular file, else 0 */
	const struct gzf_status *gz;    /* NULL unless gzip */
	struct bpf_program prog;        /* file filter, run in the callback */
	bool file_filter;
	uint8_t magic[4];               /* the file's first bytes, as stored */
	struct pcap_reader *rd;         /* classic pcap read in blocks (pcap_reader.h);
					 * NULL: libpcap reads the records */
	struct pcap_pkthdr rd_hdr;      /* leg_next's record header, with rd */
	atomic_bool break_loop;         /* leg_breakloop, for rd (libpcap has its own) */

	leg_deliver_fn deliver;         /* the owner's, for pcap_dispatch */
	void *owner;

	uint64_t records;   /* file records read, filtered or not */
	uint64_t next_off;  /* classic pcap: where the next record starts */
	unsigned rec_hdr;
	uint64_t packets, bytes, wire_bytes; /* handed on */

	bool broken;
	uint64_t broken_at_packet;
	int64_t broken_at_offset;
	char error[256];
	char warning[256];
	char name[PATH_MAX];     /* the path, "stdin" or the interface: for messages */
	char desc[64 + PATH_MAX];
	int fd;                  /* live: the descriptor we poll, -1 if none */
	int tick_ms;             /* live: timer period */
};

/* Opens opt->file (or opt->iface when file is NULL) into leg, which the
 * caller zeroed.  On failure writes one line naming the input into err; the
 * leg must still be closed. */
bool leg_open(struct cap_leg *leg, const struct cap_options *opt, char *err, size_t errlen);
void leg_close(struct cap_leg *leg);
/* Makes the current or next leg_dispatch return early (pcap_breakloop):
 * async-signal-safe. */
void leg_breakloop(struct cap_leg *leg);
/* A regular file's bytes read so far (as stored: compressed under gzip)
 * and its size; false for stdin, a FIFO or an interface.  From the thread
 * reading the leg: stdio's position is not read atomically. */
bool leg_file_progress(struct cap_leg *leg, uint64_t *done, uint64_t *total);

/* Seconds are 32 bits in classic pcap but 64 in pcapng, where a corrupt
 * block or a coarse if_tsresol can yield any time_t.  Clamped so that
 * microseconds, and the differences and timeouts computed from them
 * downstream, stay far from int64's limits (found by fuzz_capture). */
#define LEG_TS_SEC_MAX 100000000000LL /* about the year 5138 */

static inline int64_t leg_ts_us(const struct timeval *tv)
{
	int64_t sec = tv->tv_sec;
	if (sec < 0)
		sec = 0;
	else if (sec > LEG_TS_SEC_MAX)
		sec = LEG_TS_SEC_MAX;
	return sec * 1000000 + tv->tv_usec;
}

/* Counts a packet handed on from this leg. */
static inline void leg_count(struct cap_leg *leg, const struct pcap_pkthdr *h)
{
	leg->packets++;
	leg->bytes += h->caplen;
	leg->wire_bytes += h->len;
}

/* pcap_dispatch with the leg's handler (files: counted and filtered):
 * libpcap's result, PCAP_ERROR_BREAK included.  On a read error the caller
 * calls leg_note_broken, unless a stop interrupted the read. */
int leg_dispatch(struct cap_leg *leg, int batch);
/* Records the read error libpcap (or the gzip layer) reports, and where. */
void leg_note_broken(struct cap_leg *leg);

/* The next packet that passes the filter: 1 with *h and *d (valid until
 * the next call on this leg), 0 none now (live) or the end (file: then
 * *h is NULL), -1 a read error (noted in the leg). */
int leg_next(struct cap_leg *leg, struct pcap_pkthdr **h, const u_char **d);

/* Kernel counters of a live leg; false for files or on failure. */
bool leg_kernel_stats(struct cap_leg *leg, uint64_t *drop, uint64_t *ifdrop);

#endif
