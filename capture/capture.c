/* capture.c — packets in through libpcap: savefiles (pcap, pcapng, either
 * gzip-compressed), stdin and live interfaces; counters and read errors.
 *
 * File formats as libpcap reads them (pcap-savefile(5), draft-ietf-opsawg-
 * pcapng); gzip per RFC 1952 via gzip_file.c.  The per-packet path is one
 * callback that bumps a few counters and calls the consumer: no allocation,
 * no system call, no clock read.
 */
#include "config.h"

#include "capture/capture.h"
#include "capture/gzip_file.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SNAPLEN 262144
#define DEFAULT_TIMEOUT_MS 250
/* Packets per pcap_dispatch on a file: the tick runs between batches. */
#define FILE_BATCH 1024
/* stdio buffer of a file or stdin being read */
#define FILE_BUFFER (1 << 20)

/* Classic pcap: 24-byte file header; record headers are 16 bytes, or 24 in
 * Alexey Kuznetzov's patched format (magic 0xa1b2cd34). */
#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16
#define PCAP_REC_HDR_KUZNETZOV 24

enum file_kind { KIND_LIVE, KIND_PCAP, KIND_PCAPNG, KIND_OTHER };

struct cap_source {
	pcap_t *p;
	enum file_kind kind;
	FILE *gz_raw;                   /* under a gzip stream: ours to close */
	char *iobuf;                    /* stdio buffer of the file: freed after it is closed */
	const struct gzf_status *gz;    /* NULL unless gzip */
	struct bpf_program prog;        /* file filter, run in the callback */
	bool file_filter;
	/* Set by cap_stop() from another thread (the dashboard's) or a signal
	 * handler, read by cap_run(): a lock-free atomic is safe for both. */
	atomic_bool stop;

	/* cap_run's consumer, kept here so the pcap callback has one pointer */
	cap_packet_fn fn;
	void *ctx;
	uint64_t limit;

	uint64_t records;   /* file records read, filtered or not */
	uint64_t next_off;  /* classic pcap: where the next record starts */
	unsigned rec_hdr;
	uint64_t packets, bytes, wire_bytes;

	bool broken;
	uint64_t broken_at_packet;
	int64_t broken_at_offset;
	char error[256];
	char warning[256];
	char desc[64 + PATH_MAX];
	int fd;                  /* live: the descriptor we poll, -1 if none */
	int tick_ms;             /* live: timer period */
};

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the per-packet path ---- */

/* Seconds are 32 bits in classic pcap but 64 in pcapng, where a corrupt
 * block or a coarse if_tsresol can yield any time_t.  Clamped so that
 * microseconds, and the differences and timeouts computed from them
 * downstream, stay far from int64's limits (found by fuzz_capture). */
#define TS_SEC_MAX 100000000000LL /* about the year 5138 */

static inline int64_t ts_us_of(const struct timeval *tv)
{
	int64_t sec = tv->tv_sec;
	if (sec < 0)
		sec = 0;
	else if (sec > TS_SEC_MAX)
		sec = TS_SEC_MAX;
	return sec * 1000000 + tv->tv_usec;
}

static inline void deliver(struct cap_source *cs, const struct pcap_pkthdr *h, const u_char *d)
{
	cs->packets++;
	cs->bytes += h->caplen;
	cs->wire_bytes += h->len;
	int64_t ts = ts_us_of(&h->ts);
	cs->fn(cs->ctx, ts, d, h->caplen, h->len);
	if (cs->packets == cs->limit)
		pcap_breakloop(cs->p);
}

/* Files: every record is counted (and its size summed) before the filter,
 * so that a read error can be placed exactly.  The filter runs here rather
 * than in libpcap for the same reason; libpcap would run the same
 * interpreter on the same packet. */
static void file_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *d)
{
	struct cap_source *cs = (void *)user;
	cs->records++;
	cs->next_off += cs->rec_hdr + h->caplen;
	if (cs->file_filter && !pcap_offline_filter(&cs->prog, h, d))
		return;
	deliver(cs, h, d);
}

static void live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *d)
{
	deliver((void *)user, h, d);
}

/* ---- opening files ---- */

/* Peeks up to 4 bytes (pushed back, not consumed).  Returns how many were
 * there, or -1 on a read error. */
static int peek4(FILE *fp, uint8_t m[4])
{
	int c[4], n = 0;
	while (n < 4 && (c[n] = getc(fp)) != EOF)
		n++;
	bool failed = ferror(fp) != 0;
	for (int i = n - 1; i >= 0; i--) {
		m[i] = (uint8_t)c[i];
		ungetc(c[i], fp);
	}
	return failed ? -1 : n;
}

static enum file_kind kind_of(const uint8_t m[4], unsigned *rec_hdr)
{
	uint32_t be = ((uint32_t)m[0] << 24) | ((uint32_t)m[1] << 16) | ((uint32_t)m[2] << 8) | m[3];
	*rec_hdr = PCAP_REC_HDR;
	switch (be) {
	case 0x0a0d0d0a:
		return KIND_PCAPNG;
	case 0xa1b2c3d4: case 0xd4c3b2a1: /* microseconds, either byte order */
	case 0xa1b23c4d: case 0x4d3cb2a1: /* nanoseconds */
		return KIND_PCAP;
	case 0xa1b2cd34: case 0x34cdb2a1:
		*rec_hdr = PCAP_REC_HDR_KUZNETZOV;
		return KIND_PCAP;
	default:
		return KIND_OTHER;
	}
}

/* The reason a read on fp failed: zlib's when the gzip layer failed. */
static const char *read_error(const struct cap_source *cs, int errnum)
{
	if (cs->gz && cs->gz->failed)
		return cs->gz->error;
	return strerror(errnum);
}

/* Wraps raw in a gzip stream when it starts with the gzip magic; returns
 * the stream libpcap should read, or NULL with err written. */
static FILE *maybe_gunzip(struct cap_source *cs, FILE *raw, const char *name,
			  char *err, size_t errlen)
{
	bool ioerr;
	if (!gzf_peek_magic(raw, &ioerr)) {
		if (ioerr) {
			errf(err, errlen, "%s: %s", name, strerror(errno));
			return NULL;
		}
		return raw;
	}
	FILE *fp = gzf_open(raw, &cs->gz);
	if (!fp) {
		errf(err, errlen, "%s: %s", name, strerror(errno));
		return NULL;
	}
	cs->gz_raw = raw;
	return fp;
}

/* Checks the first bytes so the common failures get a plain message. */
static bool check_header(struct cap_source *cs, FILE *fp, const char *name,
			 char *err, size_t errlen)
{
	uint8_t m[4] = { 0 };
	int n = peek4(fp, m);
	if (n < 0) {
		errf(err, errlen, "%s: %s", name, read_error(cs, errno));
		return false;
	}
	if (n == 0) {
		errf(err, errlen, "%s: %s", name,
		     cs->gz ? "empty after gzip decompression" : "empty file");
		return false;
	}
	cs->kind = n == 4 ? kind_of(m, &cs->rec_hdr) : KIND_OTHER;
	return true;
}

static bool compile_filter(pcap_t *p, const char *bpf, bpf_u_int32 mask,
			   struct bpf_program *prog, char *err, size_t errlen)
{
	if (pcap_compile(p, prog, bpf, 1, mask) < 0) {
		errf(err, errlen, "invalid filter \"%s\": %s", bpf, pcap_geterr(p));
		return false;
	}
	return true;
}

static bool open_file(struct cap_source *cs, const struct cap_options *opt,
		      char *err, size_t errlen)
{
	bool is_stdin = strcmp(opt->file, "-") == 0;
	const char *name = is_stdin ? "stdin" : opt->file;
	if (is_stdin)
		snprintf(cs->desc, sizeof cs->desc, "stdin");
	else
		snprintf(cs->desc, sizeof cs->desc, "file %s", opt->file);

	FILE *raw = is_stdin ? stdin : fopen(opt->file, "rb");
	if (!raw) {
		errf(err, errlen, "%s: %s", name, strerror(errno));
		return false;
	}
	/* libpcap reads record by record through stdio: a large buffer
	 * turns 256 read(2)s per MiB (st_blksize, 4 KiB) into one */
	if (!is_stdin) {
		cs->iobuf = malloc(FILE_BUFFER); /* glibc ignores the size without a buffer */
		if (cs->iobuf)
			setvbuf(raw, cs->iobuf, _IOFBF, FILE_BUFFER);
	}
	FILE *fp = maybe_gunzip(cs, raw, name, err, errlen);
	if (fp && check_header(cs, fp, name, err, errlen)) {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		cs->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		if (cs->p)
			return true; /* libpcap now owns fp (and closes it unless stdin) */
		/* A gzip failure shows up in libpcap as a bare EIO. */
		errf(err, errlen, "%s: %s", name, cs->gz && cs->gz->failed ? cs->gz->error : ebuf);
	}
	if (fp && fp != raw)
		fclose(fp);
	if (raw != stdin)
		fclose(raw);
	free(cs->iobuf);
	cs->iobuf = NULL;
	cs->gz_raw = NULL;
	cs->gz = NULL;
	return false;
}

static bool file_filter(struct cap_source *cs, const char *bpf, char *err, size_t errlen)
{
	if (!bpf || !*bpf)
		return true;
	if (!compile_filter(cs->p, bpf, PCAP_NETMASK_UNKNOWN, &cs->prog, err, errlen))
		return false;
	cs->file_filter = true;
	return true;
}

/* ---- opening interfaces ---- */

/* pcap_activate's result as one line naming the interface. */
static void activate_message(pcap_t *p, const char *iface, int rc, char *out, size_t outlen)
{
	const char *detail = pcap_geterr(p);
	const char *status = pcap_statustostr(rc);
	if (rc == PCAP_ERROR || rc == PCAP_WARNING)
		snprintf(out, outlen, "%s: %s", iface, detail);
	else if (detail && *detail && strcmp(detail, status) != 0)
		snprintf(out, outlen, "%s: %s (%s)", iface, status, detail);
	else
		snprintf(out, outlen, "%s: %s", iface, status);
}

static bool configure_live(pcap_t *p, const struct cap_options *opt, char *err, size_t errlen)
{
	int snaplen = opt->snaplen > 0 ? opt->snaplen : DEFAULT_SNAPLEN;
	int timeout = opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (opt->buffer_kib > INT_MAX / 1024) {
		errf(err, errlen, "%s: buffer size %d KiB is too large", opt->iface, opt->buffer_kib);
		return false;
	}
	if (pcap_set_snaplen(p, snaplen) != 0 || pcap_set_promisc(p, opt->promisc) != 0 ||
	    pcap_set_timeout(p, timeout) != 0 ||
	    (opt->buffer_kib > 0 && pcap_set_buffer_size(p, opt->buffer_kib * 1024) != 0) ||
	    (opt->immediate && pcap_set_immediate_mode(p, 1) != 0)) {
		errf(err, errlen, "%s: %s", opt->iface, pcap_geterr(p));
		return false;
	}
	/* Microseconds are the default; a failure here is not worth refusing. */
	(void)pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
	return true;
}

static bool live_filter(struct cap_source *cs, const struct cap_options *opt,
			char *err, size_t errlen)
{
	if (!opt->bpf || !*opt->bpf)
		return true;
	bpf_u_int32 net, mask;
	char ebuf[PCAP_ERRBUF_SIZE];
	/* The mask only matters for "ip broadcast"; unknown is fine. */
	if (pcap_lookupnet(opt->iface, &net, &mask, ebuf) < 0)
		mask = PCAP_NETMASK_UNKNOWN;
	struct bpf_program prog;
	if (!compile_filter(cs->p, opt->bpf, mask, &prog, err, errlen))
		return false;
	int rc = pcap_setfilter(cs->p, &prog);
	pcap_freecode(&prog);
	if (rc < 0) {
		errf(err, errlen, "%s: cannot set filter \"%s\": %s", opt->iface, opt->bpf,
		     pcap_geterr(cs->p));
		return false;
	}
	return true;
}

static bool open_live(struct cap_source *cs, const struct cap_options *opt,
		      char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	snprintf(cs->desc, sizeof cs->desc, "interface %s", opt->iface);
	cs->kind = KIND_LIVE;
	cs->p = pcap_create(opt->iface, ebuf);
	if (!cs->p) {
		errf(err, errlen, "%s: %s", opt->iface, ebuf);
		return false;
	}
	if (!configure_live(cs->p, opt, err, errlen))
		return false;
	int rc = pcap_activate(cs->p);
	if (rc < 0) {
		activate_message(cs->p, opt->iface, rc, err, errlen);
		return false;
	}
	if (rc > 0)
		activate_message(cs->p, opt->iface, rc, cs->warning, sizeof cs->warning);
	/* We poll the descriptor ourselves, so timers run on an idle link too
	 * (libpcap's read timeout does not fire on every platform and mode). */
	cs->fd = pcap_get_selectable_fd(cs->p);
	if (cs->fd >= 0 && pcap_setnonblock(cs->p, 1, ebuf) != 0)
		cs->fd = -1;
	cs->tick_ms = opt->timeout_ms > 0 ? opt->timeout_ms : DEFAULT_TIMEOUT_MS;
	return live_filter(cs, opt, err, errlen);
}

/* ---- the API ---- */

struct cap_source *cap_open(const struct cap_options *opt, char *err, size_t errlen)
{
	if (!opt || (!opt->file == !opt->iface)) {
		errf(err, errlen, "capture: give exactly one of a file or an interface");
		return NULL;
	}
	struct cap_source *cs = calloc(1, sizeof *cs);
	if (!cs) {
		errf(err, errlen, "capture: out of memory");
		return NULL;
	}
	cs->broken_at_offset = -1;
	cs->rec_hdr = PCAP_REC_HDR;
	cs->next_off = PCAP_FILE_HDR;
	bool ok = opt->file ? open_file(cs, opt, err, errlen) && file_filter(cs, opt->bpf, err, errlen)
			    : open_live(cs, opt, err, errlen);
	if (!ok) {
		cap_close(cs);
		return NULL;
	}
	return cs;
}

int cap_linktype(const struct cap_source *cs)
{
	return pcap_datalink(cs->p);
}

const char *cap_linktype_name(const struct cap_source *cs)
{
	const char *n = pcap_datalink_val_to_name(pcap_datalink(cs->p));
	return n ? n : "unknown";
}

int cap_snaplen(const struct cap_source *cs)
{
	return pcap_snapshot(cs->p);
}

bool cap_is_live(const struct cap_source *cs)
{
	return cs->kind == KIND_LIVE;
}

const char *cap_describe(const struct cap_source *cs)
{
	return cs->desc;
}

const char *cap_warning(const struct cap_source *cs)
{
	return cs->warning[0] ? cs->warning : NULL;
}

/* Where the record that could not be read starts.  Exact for classic pcap
 * (file header plus every record read), unknown for pcapng, whose blocks
 * are not all packets.  Offsets in a gzip file are in decompressed bytes. */
static void note_broken(struct cap_source *cs)
{
	cs->broken = true;
	cs->broken_at_packet = (cs->kind == KIND_LIVE ? cs->packets : cs->records) + 1;
	cs->broken_at_offset = cs->kind == KIND_PCAP ? (int64_t)cs->next_off : -1;
	const char *why = cs->gz && cs->gz->failed ? cs->gz->error : pcap_geterr(cs->p);
	snprintf(cs->error, sizeof cs->error, "%s", why);
}

enum cap_status cap_run(struct cap_source *cs, uint64_t max_packets, cap_packet_fn fn,
			cap_tick_fn tick, void *ctx)
{
	bool live = cs->kind == KIND_LIVE;
	pcap_handler handler = live ? live_packet : file_packet;
	/* Live: one kernel buffer (or one timeout) per call. */
	int batch = live ? -1 : FILE_BATCH;

	/* After a read error the stream position is meaningless: stay broken. */
	if (cs->broken)
		return CAP_BROKEN;
	cs->fn = fn;
	cs->ctx = ctx;
	cs->limit = max_packets ? cs->packets + max_packets : UINT64_MAX;
	for (;;) {
		if (atomic_load_explicit(&cs->stop, memory_order_acquire))
			return CAP_STOPPED;
		if (live && cs->fd >= 0) {
			struct pollfd pfd = { .fd = cs->fd, .events = POLLIN };
			int r = poll(&pfd, 1, cs->tick_ms);
			if (r <= 0) {
				/* idle (or a signal): the timers still run */
				if (tick && !atomic_load_explicit(&cs->stop, memory_order_acquire))
					tick(ctx);
				continue;
			}
		}
		int n = pcap_dispatch(cs->p, batch, handler, (u_char *)cs);
		if (n == PCAP_ERROR_BREAK)
			return CAP_STOPPED;
		/* A stop asked for while a read was blocked (Ctrl-C on -r -, or
		 * on a FIFO) interrupts that read: libpcap reports EINTR or a
		 * short record as a read error, but the file is not at fault. */
		if (n < 0 && atomic_load_explicit(&cs->stop, memory_order_acquire))
			return CAP_STOPPED;
		if (n < 0) {
			note_broken(cs);
			return CAP_BROKEN;
		}
		if (n == 0 && !live)
			return CAP_END;
		if (tick)
			tick(ctx);
	}
}

void cap_stop(struct cap_source *cs)
{
	/* An atomic store (lock-free: async-signal-safe) and, on Linux, a
	 * write() to an eventfd that wakes a blocked poll: safe from a signal
	 * handler and from another thread. */
	atomic_store_explicit(&cs->stop, true, memory_order_release);
	pcap_breakloop(cs->p);
}

bool cap_stop_requested(const struct cap_source *cs)
{
	return atomic_load_explicit(&cs->stop, memory_order_acquire);
}

void cap_get_stats(struct cap_source *cs, struct cap_stats *st)
{
	memset(st, 0, sizeof *st);
	st->packets = cs->packets;
	st->bytes = cs->bytes;
	st->wire_bytes = cs->wire_bytes;
	st->broken = cs->broken;
	st->broken_at_packet = cs->broken_at_packet;
	st->broken_at_offset = cs->broken_at_offset;
	snprintf(st->error, sizeof st->error, "%s", cs->error);
	struct pcap_stat ps;
	if (cs->kind == KIND_LIVE && pcap_stats(cs->p, &ps) == 0) {
		st->have_kernel_stats = true;
		st->dropped_kernel = ps.ps_drop;
		st->dropped_iface = ps.ps_ifdrop;
	}
}

void cap_close(struct cap_source *cs)
{
	if (!cs)
		return;
	if (cs->file_filter)
		pcap_freecode(&cs->prog);
	if (cs->p)
		pcap_close(cs->p);
	/* pcap_close closed the gzip stream; the file under it is ours. */
	if (cs->gz_raw && cs->gz_raw != stdin)
		fclose(cs->gz_raw);
	free(cs->iobuf);
	free(cs);
}

/* ---- -D ---- */

static void print_flags(FILE *out, bpf_u_int32 flags)
{
	static const struct { bpf_u_int32 bit; const char *name; } names[] = {
		{ PCAP_IF_UP, "Up" }, { PCAP_IF_RUNNING, "Running" },
		{ PCAP_IF_LOOPBACK, "Loopback" }, { PCAP_IF_WIRELESS, "Wireless" },
	};
	const char *sep = "";
	fputs(" [", out);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (flags & names[i].bit) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = ", ";
		}
	}
	if (!*sep)
		fputs("none", out);
	bool wireless = flags & PCAP_IF_WIRELESS;
	switch (flags & PCAP_IF_CONNECTION_STATUS) {
	case PCAP_IF_CONNECTION_STATUS_UNKNOWN:
		fputs(wireless ? ", Association status unknown" : ", Connection status unknown", out);
		break;
	case PCAP_IF_CONNECTION_STATUS_CONNECTED:
		fputs(wireless ? ", Associated" : ", Connected", out);
		break;
	case PCAP_IF_CONNECTION_STATUS_DISCONNECTED:
		fputs(wireless ? ", Not associated" : ", Disconnected", out);
		break;
	default:
		break;
	}
	fputc(']', out);
}

int cap_list_interfaces(FILE *out, char *err, size_t errlen)
{
	pcap_if_t *devs;
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	if (pcap_findalldevs(&devs, ebuf) < 0) {
		errf(err, errlen, "cannot list interfaces: %s", ebuf);
		return -1;
	}
	if (!devs) {
		errf(err, errlen, "no capture interfaces found (permission?)");
		return -1;
	}
	int i = 0;
	for (pcap_if_t *d = devs; d; d = d->next) {
		fprintf(out, "%d.%s", ++i, d->name);
		if (d->description)
			fprintf(out, " (%s)", d->description);
		if (d->flags)
			print_flags(out, d->flags);
		fputc('\n', out);
	}
	pcap_freealldevs(devs);
	return 0;
}

void cap_lib_version(char *buf, size_t n)
{
	/* "libpcap version 1.10.3 (with TPACKET_V3)": the number only */
	const char *s = pcap_lib_version();
	const char *num = strpbrk(s, "0123456789");
	snprintf(buf, n, "%.*s", num ? (int)strcspn(num, " ") : 0, num ? num : "");
}
