/* capture.h — packets in: pcap/pcapng files (plain or gzip), stdin, live
 * interfaces, several of them as one capture; capture statistics.  Nothing
 * here knows about SMTP.
 */
#ifndef SMTPSCOPE_CAPTURE_H
#define SMTPSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Inputs of one capture: files merged by time, interfaces merged as they
 * arrive (at most CAP_MAX_INPUTS of either). */
#define CAP_MAX_INPUTS 256

struct cap_options {
	const char *file;     /* -r: path, or "-" for stdin; gzip is detected */
	const char *iface;    /* -i: interface name (or "any") */
	/* Several -r or -i: when n > 0 these replace file or iface ("-" only
	 * alone); never both kinds in one capture. */
	const char *const *files;
	size_t nfiles;
	const char *const *ifaces;
	size_t nifaces;
	const char *bpf;      /* filter expression, NULL for none */
	int snaplen;          /* -s: 0 = libpcap default (262144) */
	int buffer_kib;       /* -B: kernel buffer in KiB, 0 = default */
	bool immediate;       /* --immediate-mode */
	bool promisc;         /* live: promiscuous mode (tcpdump's default: on) */
	int timeout_ms;       /* live: read timeout, 0 = 250 ms */
};

/* One packet as libpcap hands it over; data is valid only during the call.
 * linktype is the DLT_ value of the input it came from: inputs of one
 * capture may differ (an SLL file and an Ethernet file). */
typedef void (*cap_packet_fn)(void *ctx, int linktype, int64_t ts_us, const uint8_t *data,
			      uint32_t caplen, uint32_t wirelen);
/* Called between batches (live: at least every timeout_ms) so the caller can
 * run timers without per-packet clock reads. */
typedef void (*cap_tick_fn)(void *ctx);

enum cap_status {
	CAP_END,      /* end of file */
	CAP_STOPPED,  /* cap_stop() was called, or the packet limit was reached */
	CAP_BROKEN,   /* read error: a truncated or corrupt file (see cap_stats) */
};

/* Of the whole capture (sums over its inputs; the first broken input's read
 * error), or of one input (cap_get_input_stats). */
struct cap_stats {
	uint64_t packets;          /* packets handed to the callback */
	uint64_t bytes;            /* their captured bytes */
	uint64_t wire_bytes;       /* their original lengths */
	bool have_kernel_stats;    /* live capture: pcap_stats succeeded */
	uint64_t dropped_kernel;   /* ps_drop */
	uint64_t dropped_iface;    /* ps_ifdrop */
	bool broken;               /* the file ended in a read error */
	uint64_t broken_at_packet; /* 1-based number of the packet that could not be read */
	int64_t broken_at_offset;  /* byte offset where the unreadable record starts, -1 unknown */
	char error[256];           /* libpcap's reason, when broken */
	const char *broken_input;  /* the file that broke (valid until cap_close) */
	const char *name;          /* one input: its path or interface, else NULL */
	const char *linktype_name; /* one input: its link type's name, else NULL */
	size_t inputs;             /* how many files or interfaces */
};

struct cap_source;

/* Opens a file, stdin or interface.  On failure returns NULL and writes one
 * line (naming the file or interface and what is wrong) into err. */
struct cap_source *cap_open(const struct cap_options *opt, char *err, size_t errlen);

/* The link type of every input, or -1 when they differ. */
int cap_linktype(const struct cap_source *cs);
/* "EN10MB"; inputs of different types: their names in input order, joined
 * by ',' ("LINUX_SLL,EN10MB"). */
const char *cap_linktype_name(const struct cap_source *cs);
/* The largest snapshot length of the inputs. */
int cap_snaplen(const struct cap_source *cs);
bool cap_is_live(const struct cap_source *cs);
/* "file samples/x.pcap", "stdin", "interface eth0"; several inputs:
 * "files a.pcap, b.pcap", "interfaces eth0, eth1" */
const char *cap_describe(const struct cap_source *cs);

/* The inputs one by one (0 <= i < cap_inputs): the path or interface name,
 * its link type name and counters. */
size_t cap_inputs(const struct cap_source *cs);
const char *cap_input_name(const struct cap_source *cs, size_t i);
const char *cap_input_linktype_name(const struct cap_source *cs, size_t i);
int cap_input_linktype(const struct cap_source *cs, size_t i);
void cap_get_input_stats(struct cap_source *cs, size_t i, struct cap_stats *st);
/* Live: pcap_activate's warning (e.g. promiscuous mode not supported), one
 * line naming the interface, for the caller to print; NULL if none. */
const char *cap_warning(const struct cap_source *cs);

/* Reads packets until the end, an error, cap_stop() or max_packets (0 = no
 * limit).  tick may be NULL.  Several files: always the packet with the
 * smallest timestamp next (equal times: the earlier input first); a file
 * that breaks is left there and the others are read on, CAP_BROKEN at the
 * end.  Several interfaces: polled together, each ready one's packets
 * merged by timestamp. */
enum cap_status cap_run(struct cap_source *cs, uint64_t max_packets, cap_packet_fn fn,
			cap_tick_fn tick, void *ctx);

/* Asks cap_run to return; async-signal-safe. */
void cap_stop(struct cap_source *cs);
/* True once cap_stop() was called (e.g. for a paced reader to stop waiting). */
bool cap_stop_requested(const struct cap_source *cs);

void cap_get_stats(struct cap_source *cs, struct cap_stats *st);

/* A regular file's progress: bytes read so far (of the file as stored, so
 * compressed bytes under gzip) and its size.  False for stdin, a FIFO or a
 * live capture.  Call from the thread that runs cap_run (e.g. in its tick),
 * or while it does not run: stdio's position is not read atomically. */
bool cap_file_progress(struct cap_source *cs, uint64_t *done, uint64_t *total);

void cap_close(struct cap_source *cs);

/* libpcap's version number ("1.10.3") into buf, for build information. */
void cap_lib_version(char *buf, size_t n);

/* -D: prints the capture interfaces, numbered, like tcpdump -D.  Returns 0 or
 * writes the reason into err and returns -1. */
int cap_list_interfaces(FILE *out, char *err, size_t errlen);

#endif
