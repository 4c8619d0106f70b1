/* full_capture.h — --write-all FILE: every packet read, written to pcap
 * files rotated like tcpdump's -w with -C, -G and -W (doc/evidence.md). */
#ifndef SMTPSCOPE_FULL_CAPTURE_H
#define SMTPSCOPE_FULL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct full_capture_config {
	const char *file;      /* name, or strftime pattern with -G */
	int linktype, snaplen;
	uint64_t max_bytes;    /* -C: start a new file once this one is larger; 0 = never */
	unsigned secs;         /* -G: a new file every SECS of capture time; 0 = never */
	unsigned max_files;    /* -W: at most this many files; 0 = no limit */
};

struct full_capture_stats {
	uint64_t files;        /* files opened */
	uint64_t packets;
	uint64_t bytes;        /* written, headers included */
};

struct full_capture;

/* Opens the first file (without -G; with -G the first packet's time names
 * it, so it is opened then).  NULL with a one-line reason on failure. */
struct full_capture *full_capture_open(const struct full_capture_config *c, char *err,
				       size_t errlen);

/* One packet as read: a few compares and libpcap's buffered write; a new
 * file only when a limit is passed.  A failure stops the writing (reported
 * once on stderr) but not the analysis. */
void full_capture_packet(struct full_capture *fc, int64_t ts_us, const uint8_t *data,
			 uint32_t caplen, uint32_t wirelen);

/* Live: push buffered packets to disk (from the timer tick). */
void full_capture_flush(struct full_capture *fc);

void full_capture_get_stats(const struct full_capture *fc, struct full_capture_stats *st);

/* Closes the current file; false if anything could not be written. */
bool full_capture_close(struct full_capture *fc);

#endif
