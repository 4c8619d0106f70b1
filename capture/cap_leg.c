/* cap_leg.c — one input through libpcap: a savefile (pcap, pcapng, either
 * gzip-compressed), stdin or a live interface; its counters and read error.
 *
 * File formats as libpcap reads them (pcap-savefile(5), draft-ietf-opsawg-
 * pcapng); gzip per RFC 1952 via gzip_file.c.  The per-packet path is one
 * callback that bumps a few counters and calls the owner: no allocation,
 * no system call, no clock read.
 */
#include "config.h"

#include "capture/cap_leg.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define DEFAULT_SNAPLEN 262144
#define DEFAULT_TIMEOUT_MS 250
/* stdio buffer of a file or stdin being read */
#define FILE_BUFFER (1 << 20)

/* Classic pcap: 24-byte file header; record headers are 16 bytes, or 24 in
 * Alexey Kuznetzov's patched format (magic 0xa1b2cd34). */
#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16
#define PCAP_REC_HDR_KUZNETZOV 24

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

/* Files: every record is counted (and its size summed) before the filter,
 * so that a read error can be placed exactly.  The filter runs here rather
 * than in libpcap for the same reason; libpcap would run the same
 * interpreter on the same packet. */
static void file_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *d)
{
	struct cap_leg *cs = (void *)user;
	cs->records++;
	cs->next_off += cs->rec_hdr + h->caplen;
	if (cs->file_filter && !pcap_offline_filter(&cs->prog, h, d))
		return;
	cs->deliver(cs->owner, cs, h, d);
}

static void live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *d)
{
	struct cap_leg *cs = (void *)user;
	cs->deliver(cs->owner, cs, h, d);
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

static enum leg_kind kind_of(const uint8_t m[4], unsigned *rec_hdr)
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
static const char *read_error(const struct cap_leg *cs, int errnum)
{
	if (cs->gz && cs->gz->failed)
		return cs->gz->error;
	return strerror(errnum);
}

/* Wraps raw in a gzip stream when it starts with the gzip magic; returns
 * the stream libpcap should read, or NULL with err written. */
static FILE *maybe_gunzip(struct cap_leg *cs, FILE *raw, const char *name,
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
static bool check_header(struct cap_leg *cs, FILE *fp, const char *name,
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
	memcpy(cs->magic, m, sizeof cs->magic);
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

/* A plain classic pcap file: its records are read in blocks from here on
 * (pcap_reader.h); libpcap keeps the file header, the link type and the
 * filter.  Without memory for the blocks libpcap reads on. */
static void use_block_reader(struct cap_leg *cs, FILE *fp, bool regular)
{
	if (cs->kind != KIND_PCAP || !prd_applies(cs->p, cs->magic, regular))
		return;
	struct pcap_reader *rd = malloc(sizeof *rd);
	if (rd && prd_open(rd, cs->p, fp, PCAP_FILE_HDR)) {
		cs->rd = rd;
		return;
	}
	free(rd);
}

static bool open_file(struct cap_leg *cs, const struct cap_options *opt,
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
	bool regular = false;
	/* libpcap reads record by record through stdio: a large buffer
	 * turns 256 read(2)s per MiB (st_blksize, 4 KiB) into one */
	if (!is_stdin) {
		cs->iobuf = malloc(FILE_BUFFER); /* glibc ignores the size without a buffer */
		if (cs->iobuf)
			setvbuf(raw, cs->iobuf, _IOFBF, FILE_BUFFER);
		struct stat st;
		if (fstat(fileno(raw), &st) == 0 && S_ISREG(st.st_mode)) {
			cs->file_size = (uint64_t)st.st_size;
			regular = true;
		}
	}
	FILE *fp = maybe_gunzip(cs, raw, name, err, errlen);
	if (fp && check_header(cs, fp, name, err, errlen)) {
		char ebuf[PCAP_ERRBUF_SIZE] = "";
		cs->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		if (cs->p) {
			cs->raw = is_stdin ? NULL : raw;
			use_block_reader(cs, fp, regular && fp == raw);
			return true; /* libpcap now owns fp (and closes it unless stdin) */
		}
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

static bool file_filter(struct cap_leg *cs, const char *bpf, char *err, size_t errlen)
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

static bool live_filter(struct cap_leg *cs, const struct cap_options *opt,
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

static bool open_live(struct cap_leg *cs, const struct cap_options *opt,
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

bool leg_open(struct cap_leg *cs, const struct cap_options *opt, char *err, size_t errlen)
{
	cs->fd = -1;
	cs->broken_at_offset = -1;
	cs->rec_hdr = PCAP_REC_HDR;
	cs->next_off = PCAP_FILE_HDR;
	const char *name = !opt->file ? opt->iface : strcmp(opt->file, "-") == 0 ? "stdin" : opt->file;
	snprintf(cs->name, sizeof cs->name, "%s", name);
	bool ok = opt->file ? open_file(cs, opt, err, errlen) && file_filter(cs, opt->bpf, err, errlen)
			    : open_live(cs, opt, err, errlen);
	if (ok)
		cs->linktype = pcap_datalink(cs->p);
	return ok;
}

/* Where the record that could not be read starts.  Exact for classic pcap
 * (file header plus every record read), unknown for pcapng, whose blocks
 * are not all packets.  Offsets in a gzip file are in decompressed bytes. */
void leg_note_broken(struct cap_leg *cs)
{
	cs->broken = true;
	cs->broken_at_packet = (cs->kind == KIND_LIVE ? cs->packets : cs->records) + 1;
	cs->broken_at_offset = cs->kind == KIND_PCAP ? (int64_t)cs->next_off : -1;
	const char *why = cs->gz && cs->gz->failed ? cs->gz->error
			: cs->rd                  ? cs->rd->err
						  : pcap_geterr(cs->p);
	snprintf(cs->error, sizeof cs->error, "%s", why);
}

/* pcap_dispatch's loop over the block reader, with its results: packets
 * handed on, 0 at the end of the file (even after some packets, as libpcap
 * does), -1 on a read error, PCAP_ERROR_BREAK when asked to stop before
 * any packet. */
static int reader_dispatch(struct cap_leg *cs, int batch)
{
	int n = 0;
	for (;;) {
		if (atomic_load_explicit(&cs->break_loop, memory_order_acquire)) {
			if (n > 0)
				return n;
			atomic_store_explicit(&cs->break_loop, false, memory_order_release);
			return PCAP_ERROR_BREAK;
		}
		struct pcap_pkthdr h;
		const u_char *d;
		int rc = prd_next(cs->rd, &h, &d);
		if (rc <= 0)
			return rc;
		file_packet((u_char *)cs, &h, d);
		if (++n >= batch && batch > 0)
			return n;
	}
}

void leg_breakloop(struct cap_leg *cs)
{
	atomic_store_explicit(&cs->break_loop, true, memory_order_release);
	if (cs->p)
		pcap_breakloop(cs->p);
}

int leg_dispatch(struct cap_leg *cs, int batch)
{
	if (cs->rd)
		return reader_dispatch(cs, batch);
	pcap_handler handler = cs->kind == KIND_LIVE ? live_packet : file_packet;
	return pcap_dispatch(cs->p, batch, handler, (u_char *)cs);
}

int leg_next(struct cap_leg *cs, struct pcap_pkthdr **h, const u_char **d)
{
	*h = NULL;
	if (cs->broken)
		return -1;
	for (;;) {
		int rc;
		if (cs->rd) { /* pcap_next_ex's results */
			rc = prd_next(cs->rd, &cs->rd_hdr, d);
			*h = &cs->rd_hdr;
			if (rc == 0)
				rc = PCAP_ERROR_BREAK;
		} else {
			rc = pcap_next_ex(cs->p, h, d);
		}
		if (rc == 0) { /* live: nothing buffered now */
			*h = NULL;
			return 0;
		}
		if (rc == PCAP_ERROR_BREAK) { /* file: the end */
			*h = NULL;
			return 0;
		}
		if (rc < 0) {
			*h = NULL;
			leg_note_broken(cs);
			return -1;
		}
		if (cs->kind == KIND_LIVE)
			return 1; /* the kernel ran the filter */
		cs->records++;
		cs->next_off += cs->rec_hdr + (*h)->caplen;
		if (!cs->file_filter || pcap_offline_filter(&cs->prog, *h, *d))
			return 1;
	}
}

bool leg_kernel_stats(struct cap_leg *cs, uint64_t *drop, uint64_t *ifdrop)
{
	struct pcap_stat ps;
	if (cs->kind != KIND_LIVE || !cs->p || pcap_stats(cs->p, &ps) != 0)
		return false;
	*drop = ps.ps_drop;
	*ifdrop = ps.ps_ifdrop;
	return true;
}

bool leg_file_progress(struct cap_leg *cs, uint64_t *done, uint64_t *total)
{
	if (!cs->raw || !cs->file_size)
		return false;
	if (cs->rd) { /* the block reader runs ahead: count what was handed on */
		*done = cs->next_off < cs->file_size ? cs->next_off : cs->file_size;
		*total = cs->file_size;
		return true;
	}
	/* ftello counts what stdio handed over, not what it buffered ahead;
	 * under gzip it is the compressed bytes consumed, as the size is */
	off_t pos = ftello(cs->raw);
	if (pos < 0)
		return false;
	*done = (uint64_t)pos < cs->file_size ? (uint64_t)pos : cs->file_size;
	*total = cs->file_size;
	return true;
}

void leg_close(struct cap_leg *cs)
{
	if (cs->file_filter)
		pcap_freecode(&cs->prog);
	if (cs->rd) {
		prd_close(cs->rd);
		free(cs->rd);
		cs->rd = NULL;
	}
	if (cs->p)
		pcap_close(cs->p);
	/* pcap_close closed the gzip stream; the file under it is ours. */
	if (cs->gz_raw && cs->gz_raw != stdin)
		fclose(cs->gz_raw);
	free(cs->iobuf);
	cs->p = NULL;
	cs->gz_raw = NULL;
	cs->iobuf = NULL;
	cs->file_filter = false;
}
