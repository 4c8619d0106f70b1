/* pcap_map.h — a classic pcap file read in place: the records of a file
 * mapped into memory, handed over without a copy.  For a pass that only
 * looks at the packets before the real one reads them (ui/gateway_pass.c):
 * libpcap's reader copies every record through stdio, which costs more than
 * such a pass does with the packet.
 *
 * Only what libpcap would hand over identically is taken: a regular file in
 * the classic format (microsecond or nanosecond, either byte order, version
 * 2.4) with a link type whose largest sane record is 262144 bytes.  pcapng,
 * gzip, older versions and the rest are refused (NULL), and the caller reads
 * with cap_open/cap_run as before.  Records follow sf-pcap.c: a record
 * larger than the file's snapshot length is cut to it, one larger than
 * 262144 bytes or running past the end of the file ends the walk
 * (CAP_BROKEN: the real pass reports it).  The filter, if any, is libpcap's
 * (pcap_offline_filter).
 *
 * The mapping is the page cache's, not charged to --memcap.  A file cut
 * shorter by another process while it is mapped would fault on access;
 * files that grow (a capture still being written) are read to the size
 * they had when opened.
 */
#ifndef SMTPSCOPE_PCAP_MAP_H
#define SMTPSCOPE_PCAP_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"

struct pcap_map;

/* NULL when the file is not one this reader takes, or cannot be opened or
 * mapped, or the filter does not compile (the caller falls back). */
struct pcap_map *pmap_open(const char *path, const char *bpf);
/* Up to max_packets (0: all) that pass the filter; tick every few thousand
 * records.  CAP_STOPPED after pmap_stop or max_packets. */
enum cap_status pmap_run(struct pcap_map *m, uint64_t max_packets, cap_packet_fn fn,
			 cap_tick_fn tick, void *ctx);
void pmap_stop(struct pcap_map *m);
/* Bytes walked so far and the file's size. */
void pmap_progress(const struct pcap_map *m, uint64_t *done, uint64_t *total);
void pmap_close(struct pcap_map *m);

#endif
