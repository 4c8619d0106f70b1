/* session_export.h — the packets of chosen sessions, from the capture file
 * into a new pcap (the dashboard's 'w', incident bundles): capture/'s
 * pcap_export with a predicate that decodes each frame and matches it to the
 * sessions' endpoints and time spans. */
#ifndef SMTPSCOPE_SESSION_EXPORT_H
#define SMTPSCOPE_SESSION_EXPORT_H

#include <stddef.h>

#include "decode/smtp_session.h"

struct cap_options;

/* Copies from the capture files of `in` every packet that belongs to one of the
 * sessions (same endpoints, within the session's time span) into `out_path`.
 * Returns the number of packets written, or -1 with a one-line reason. */
long pcap_export_sessions(const struct cap_options *in, const struct smtp_session *const *sessions,
			  size_t n, const char *out_path, char *err, size_t errlen);

#endif
