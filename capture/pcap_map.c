/* pcap_map.c — classic pcap records straight from a mapped file
 * (pcap_map.h).  Format: tcpdump.org pcap-savefile(5) and the IETF draft
 * draft-ietf-opsawg-pcap; record handling as libpcap's sf-pcap.c
 * (pcap_next_packet), so that both hand over the same packets. */
#include "config.h"

#include "capture/pcap_map.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/cap_leg.h"

#define FILE_HDR 24
#define REC_HDR 16
#define MAX_SANE_CAPLEN 262144u /* libpcap's max_snaplen_for_dlt for the types taken */
#define TICK_EVERY 4096         /* records between two ticks */
#define RELEASE_STEP ((size_t)1 << 20) /* walked bytes given back at a time (pages) */

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

struct pcap_map {
	const uint8_t *base;
	size_t size, off;
	bool swapped, nano;
	int linktype;                 /* DLT_, as libpcap maps the file's */
	uint32_t snapshot;            /* libpcap's pcap_snapshot */
	bool filtered;
	struct bpf_program prog;
	volatile bool stop;
	size_t released;              /* bytes at the front given back (MADV_DONTNEED) */
};

static bool linktype_taken(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_NULL:
	case DLT_LOOP: case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

static uint32_t u32_at(const struct pcap_map *m, size_t off)
{
	uint32_t v;
	memcpy(&v, m->base + off, sizeof v);
	return m->swapped ? __builtin_bswap32(v) : v;
}

/* The header as this reader understands it; libpcap (asked below) decides
 * the link type and snapshot length. */
static bool header_taken(struct pcap_map *m)
{
	if (m->size < FILE_HDR)
		return false;
	uint32_t magic;
	memcpy(&magic, m->base, sizeof magic);
	switch (magic) {
	case 0xa1b2c3d4: break;
	case 0xd4c3b2a1: m->swapped = true; break;
	case 0xa1b23c4d: m->nano = true; break;
	case 0x4d3cb2a1: m->swapped = m->nano = true; break;
	default: return false; /* pcapng, gzip, Kuznetzov, ... */
	}
	uint16_t major, minor;
	memcpy(&major, m->base + 4, 2);
	memcpy(&minor, m->base + 6, 2);
	if (m->swapped) {
		major = __builtin_bswap16(major);
		minor = __builtin_bswap16(minor);
	}
	return major == 2 && minor == 4; /* older: lengths may be swapped */
}

/* libpcap opens the file once: its link type, snapshot and filter. */
static bool ask_libpcap(struct pcap_map *m, const char *path, const char *bpf)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p)
		return false;
	m->linktype = pcap_datalink(p);
	int snap = pcap_snapshot(p);
	bool ok = linktype_taken(m->linktype) && snap > 0;
	m->snapshot = (uint32_t)snap;
	if (ok && bpf) {
		ok = pcap_compile(p, &m->prog, bpf, 1, PCAP_NETMASK_UNKNOWN) == 0;
		m->filtered = ok;
	}
	pcap_close(p);
	return ok;
}

struct pcap_map *pmap_open(const char *path, const char *bpf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	struct pcap_map *m = NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= FILE_HDR) {
		void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (base != MAP_FAILED) {
			(void)madvise(base, (size_t)st.st_size, MADV_SEQUENTIAL);
			m = calloc(1, sizeof *m);
			if (m) {
				m->base = base;
				m->size = (size_t)st.st_size;
				m->off = FILE_HDR;
			} else {
				munmap(base, (size_t)st.st_size);
			}
		}
	}
	close(fd);
	if (m && (!header_taken(m) || !ask_libpcap(m, path, bpf))) {
		pmap_close(m);
		m = NULL;
	}
	return m;
}

/* The pages already walked leave the process (the page cache keeps
 * them): without this the whole file would count in the resident size by
 * the end of the pass. */
static void release_behind(struct pcap_map *m)
{
	size_t upto = m->released + RELEASE_STEP; /* behind m->off: its record stays */
	(void)madvise((void *)(m->base + m->released), RELEASE_STEP, MADV_DONTNEED);
	m->released = upto;
}

enum cap_status pmap_run(struct pcap_map *m, uint64_t max_packets, cap_packet_fn fn,
			 cap_tick_fn tick, void *ctx)
{
	uint64_t delivered = 0;
	unsigned batch = 0;
	while (!m->stop) {
		size_t left = m->size - m->off;
		if (left == 0)
			return CAP_END;
		if (left < REC_HDR)
			return CAP_BROKEN; /* a truncated record header */
		struct timeval tv;
		tv.tv_sec = (int32_t)u32_at(m, m->off);
		int32_t frac = (int32_t)u32_at(m, m->off + 4);
		tv.tv_usec = m->nano ? frac / 1000 : frac;
		uint32_t caplen = u32_at(m, m->off + 8), wirelen = u32_at(m, m->off + 12);
		if (caplen > MAX_SANE_CAPLEN || caplen > left - REC_HDR)
			return CAP_BROKEN;
		const uint8_t *data = m->base + m->off + REC_HDR;
		if (m->off - m->released >= RELEASE_STEP + 2 * 65536)
			release_behind(m);
		m->off += REC_HDR + (size_t)caplen;
		if (caplen > m->snapshot)
			caplen = m->snapshot; /* sf-pcap.c: cut to the snapshot length */
		if (m->filtered) {
			struct pcap_pkthdr h = { .ts = tv, .caplen = caplen, .len = wirelen };
			if (!pcap_offline_filter(&m->prog, &h, data))
				goto next;
		}
		fn(ctx, m->linktype, leg_ts_us(&tv), data, caplen, wirelen);
		if (++delivered == max_packets)
			return CAP_STOPPED;
	next:
		if (++batch == TICK_EVERY) {
			batch = 0;
			if (tick)
				tick(ctx);
		}
	}
	return CAP_STOPPED;
}

void pmap_stop(struct pcap_map *m)
{
	m->stop = true;
}

void pmap_progress(const struct pcap_map *m, uint64_t *done, uint64_t *total)
{
	*done = m->off;
	*total = m->size;
}

void pmap_close(struct pcap_map *m)
{
	if (!m)
		return;
	if (m->filtered)
		pcap_freecode(&m->prog);
	munmap((void *)m->base, m->size);
	free(m);
}
