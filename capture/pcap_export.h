/* pcap_export.h — copies chosen packets of a capture file into a new pcap
 * file by reading the file again (exact, and costs no memory while
 * analysing).  Which packets: the caller's predicate (ui/session_export.c
 * picks the packets of sessions). */
#ifndef SMTPSCOPE_PCAP_EXPORT_H
#define SMTPSCOPE_PCAP_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True: copy this frame.  `linktype` is the frame's input's (DLT_*). */
typedef bool (*pcap_export_want_fn)(void *ctx, int linktype, int64_t ts_us, const uint8_t *frame,
				    uint32_t caplen, uint32_t wirelen);

struct cap_options;

/* Copies from the capture files of `in` (-r, one or several: read merged
 * again) every frame `want` accepts into `out_path`.  Returns the number
 * of frames written, or -1 with a one-line reason (stdin, a live capture,
 * files of different link types). */
long pcap_export(const struct cap_options *in, pcap_export_want_fn want, void *ctx,
		 const char *out_path, char *err, size_t errlen);

#endif
