/* evidence_file.h — the pcap files of -w DIR: one per remote host and UTC
 * day ("198.51.100.7-20261120.pcap"), appended to by every flagged session,
 * with only a few kept open at a time (a busy outage flags many hosts). */
#ifndef SMTPSCOPE_EVIDENCE_FILE_H
#define SMTPSCOPE_EVIDENCE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "<host>-<YYYYMMDD>.pcap" plus room for the longest IPv6 address. */
#define EVF_NAME_MAX 72

struct ev_files;

/* DIR must exist and be writable (evidence.c checks it first). */
struct ev_files *evf_new(const char *dir, int linktype, int snaplen);
/* Flushes and closes every file; false if any write failed. */
bool evf_free(struct ev_files *f);

/* The file name for a remote host (its text form; ':' of IPv6 becomes '_'
 * so the name survives zip files and Windows desktops) on the UTC day of ts. */
void evf_name(char out[EVF_NAME_MAX], const char *host, int64_t ts_us);

/* Appends one frame to the named file (opened, or created with a pcap
 * header, as needed).  False on failure: the first one is reported on
 * stderr, the rest are only counted. */
bool evf_write(struct ev_files *f, const char *name, int64_t ts_us, const uint8_t *frame,
	       uint32_t caplen, uint32_t wirelen);

/* Pushes buffered frames of the file (or of all files, name NULL) to disk. */
void evf_flush(struct ev_files *f, const char *name);

/* Distinct files written to, frames written, write failures. */
/* Bytes held by the file list (for evidence_memory). */
size_t evf_memory(const struct ev_files *f);
uint64_t evf_files_written(const struct ev_files *f);
uint64_t evf_frames_written(const struct ev_files *f);
uint64_t evf_errors(const struct ev_files *f);

#endif
