/* pcap_export.h — writes the packets of chosen sessions into a new pcap file
 * by reading the capture file again (exact, and costs no memory while
 * analysing).  Used by the TUI's 'w' key. */
#ifndef SMTPSCOPE_PCAP_EXPORT_H
#define SMTPSCOPE_PCAP_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "smtp_session.h"

/* Copies from `capture_file` every packet that belongs to one of the
 * sessions (same endpoints, within the session's time span) into `out_path`.
 * Returns the number of packets written, or -1 with a one-line reason. */
long pcap_export_sessions(const char *capture_file, const struct smtp_session *const *sessions,
			  size_t n, const char *out_path, char *err, size_t errlen);

#endif
