/* pcap_export.h — copies chosen packets of a capture file into a new pcap
 * file by reading the file again (exact, and costs no memory while
 * analysing).  Which packets: the caller's predicate (ui/session_export.c
 * picks the packets of sessions). */
#ifndef SMTPSCOPE_PCAP_EXPORT_H
#define SMTPSCOPE_PCAP_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True: copy this frame.  `linktype` is the capture's (DLT_*). */
typedef bool (*pcap_export_want_fn)(void *ctx, int linktype, int64_t ts_us, const uint8_t *frame,
				    uint32_t caplen, uint32_t wirelen);

/* Copies from `capture_file` every frame `want` accepts into `out_path`.
 * Returns the number of frames written, or -1 with a one-line reason. */
long pcap_export(const char *capture_file, pcap_export_want_fn want, void *ctx,
		 const char *out_path, char *err, size_t errlen);

#endif
