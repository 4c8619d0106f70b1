/* capture.c — one capture from one or more inputs (capture/cap_leg.c): a
 * rotated ring of savefiles read as one, merged by time; several live
 * interfaces (a gateway's inside and outside legs) polled together.
 *
 * Files are read lazily, one packet ahead per file, and the one with the
 * smallest timestamp goes next (a binary heap of the files with a packet in
 * hand).  A ring's files rarely overlap, so the file just read usually stays
 * on top after one comparison.  One input takes libpcap's batched path as
 * before.  No allocation after cap_open.
 */
#include "config.h"

#include "capture/capture.h"
#include "capture/cap_leg.h"

#include <poll.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Packets per pcap_dispatch on a file: the tick runs between batches (and
 * as often when files are merged). */
#define FILE_BATCH 1024

/* The packet a leg has read ahead; valid until the leg is read again. */
struct ahead {
	struct pcap_pkthdr *h;
	const u_char *d;
	int64_t ts;
};

struct cap_source {
	struct cap_leg *legs;
	struct ahead *ahead;
	size_t *heap;    /* legs with a packet ahead, smallest (ts, index) first */
	struct pollfd *pfd;
	size_t n, nheap;
	bool live;
	bool merge_started; /* files: every leg was read ahead once */
	/* Set by cap_stop() from another thread (the dashboard's) or a signal
	 * handler, read by cap_run(): a lock-free atomic is safe for both. */
	atomic_bool stop;

	/* cap_run's consumer */
	cap_packet_fn fn;
	void *ctx;
	uint64_t delivered, limit;

	int linktype;      /* common, or -1 */
	char *linkname;    /* cap_linktype_name */
	char *desc;        /* cap_describe */
	char *warning;     /* the legs' warnings, joined */
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

/* ---- handing packets on ---- */

/* The batched path (one input): every packet of a pcap_dispatch. */
static void on_leg_packet(void *owner, struct cap_leg *leg, const struct pcap_pkthdr *h,
			  const u_char *d)
{
	struct cap_source *cs = owner;
	leg_count(leg, h);
	cs->fn(cs->ctx, leg->linktype, leg_ts_us(&h->ts), d, h->caplen, h->len);
	if (++cs->delivered == cs->limit)
		leg_breakloop(leg);
}

/* ---- the heap of legs with a packet ahead ---- */

static bool earlier(const struct cap_source *cs, size_t a, size_t b)
{
	int64_t ta = cs->ahead[a].ts, tb = cs->ahead[b].ts;
	return ta < tb || (ta == tb && a < b);
}

static void sift_down(struct cap_source *cs, size_t at)
{
	size_t *h = cs->heap;
	for (;;) {
		size_t l = 2 * at + 1, r = l + 1, m = at;
		if (l < cs->nheap && earlier(cs, h[l], h[m]))
			m = l;
		if (r < cs->nheap && earlier(cs, h[r], h[m]))
			m = r;
		if (m == at)
			return;
		size_t t = h[m];
		h[m] = h[at];
		h[at] = t;
		at = m;
	}
}

static void heap_push(struct cap_source *cs, size_t leg)
{
	size_t *h = cs->heap, at = cs->nheap++;
	h[at] = leg;
	while (at > 0) {
		size_t up = (at - 1) / 2;
		if (!earlier(cs, h[at], h[up]))
			return;
		size_t t = h[up];
		h[up] = h[at];
		h[at] = t;
		at = up;
	}
}

/* Reads leg i's next packet ahead: leg_next's result. */
static int read_ahead(struct cap_source *cs, size_t i)
{
	struct ahead *a = &cs->ahead[i];
	int rc = leg_next(&cs->legs[i], &a->h, &a->d);
	if (rc == 1)
		a->ts = leg_ts_us(&a->h->ts);
	if (rc < 0 && atomic_load_explicit(&cs->stop, memory_order_acquire)) {
		/* interrupted by a stop (a FIFO's blocked read), not broken */
		cs->legs[i].broken = false;
		return 0;
	}
	return rc;
}

/* Hands on the earliest packet ahead and reads that leg's next one: it
 * stays on top (one comparison) while its file runs ahead of the others.
 * refill false (live, the leg's share of this round taken): the leg waits
 * for the next round.  Returns false on a live read error. */
static bool deliver_top(struct cap_source *cs, bool refill)
{
	size_t i = cs->heap[0];
	struct cap_leg *leg = &cs->legs[i];
	const struct pcap_pkthdr *h = cs->ahead[i].h;
	leg_count(leg, h);
	cs->delivered++;
	cs->fn(cs->ctx, leg->linktype, cs->ahead[i].ts, cs->ahead[i].d, h->caplen, h->len);
	int rc = refill ? read_ahead(cs, i) : 0;
	if (rc == 1) {
		sift_down(cs, 0);
		return true;
	}
	cs->heap[0] = cs->heap[--cs->nheap];
	sift_down(cs, 0);
	/* files: a broken one is left there and the rest read on */
	return !(rc < 0 && cs->live);
}

/* ---- several files ---- */

static enum cap_status run_files(struct cap_source *cs, cap_tick_fn tick)
{
	if (!cs->merge_started) {
		cs->merge_started = true;
		for (size_t i = 0; i < cs->n; i++)
			if (read_ahead(cs, i) == 1)
				heap_push(cs, i);
	}
	unsigned batch = 0;
	while (cs->nheap) {
		if (cs->delivered == cs->limit)
			return CAP_STOPPED;
		deliver_top(cs, true);
		if (++batch == FILE_BATCH) {
			batch = 0;
			if (atomic_load_explicit(&cs->stop, memory_order_acquire))
				return CAP_STOPPED;
			if (tick)
				tick(cs->ctx);
		}
	}
	if (tick && batch)
		tick(cs->ctx);
	if (atomic_load_explicit(&cs->stop, memory_order_acquire))
		return CAP_STOPPED;
	for (size_t i = 0; i < cs->n; i++)
		if (cs->legs[i].broken)
			return CAP_BROKEN;
	return CAP_END;
}

/* ---- several interfaces ---- */

/* One poll round: what each ready interface has buffered (at most
 * FILE_BATCH packets each, so a busy leg cannot starve the timers),
 * merged by timestamp.  A packet read ahead but not handed on (its leg's
 * share taken) stays in the heap for the next round. */
static enum cap_status live_round(struct cap_source *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		if (!(cs->pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		bool in_heap = false;
		for (size_t k = 0; k < cs->nheap; k++)
			in_heap |= cs->heap[k] == i;
		if (in_heap)
			continue;
		int rc = read_ahead(cs, i);
		if (rc < 0)
			return CAP_BROKEN;
		if (rc == 1)
			heap_push(cs, i);
	}
	for (size_t taken = 0; cs->nheap && taken < FILE_BATCH * cs->n; taken++) {
		if (cs->delivered == cs->limit)
			return CAP_STOPPED;
		if (!deliver_top(cs, true))
			return CAP_BROKEN;
	}
	return CAP_END; /* this round's */
}

static enum cap_status run_interfaces(struct cap_source *cs, cap_tick_fn tick)
{
	int tick_ms = cs->legs[0].tick_ms;
	for (;;) {
		if (atomic_load_explicit(&cs->stop, memory_order_acquire))
			return CAP_STOPPED;
		for (size_t i = 0; i < cs->n; i++)
			cs->pfd[i] = (struct pollfd){ .fd = cs->legs[i].fd, .events = POLLIN };
		/* packets still in hand: look, but do not wait */
		int r = poll(cs->pfd, cs->n, cs->nheap ? 0 : tick_ms);
		if (r > 0 || cs->nheap) {
			enum cap_status st = live_round(cs);
			if (st != CAP_END) {
				if (st == CAP_STOPPED || atomic_load_explicit(&cs->stop, memory_order_acquire))
					return CAP_STOPPED;
				return st;
			}
		}
		if (tick && !atomic_load_explicit(&cs->stop, memory_order_acquire))
			tick(cs->ctx);
	}
}

/* ---- one input: libpcap's batched path ---- */

static enum cap_status run_one(struct cap_source *cs, cap_tick_fn tick)
{
	struct cap_leg *leg = &cs->legs[0];
	bool live = leg->kind == KIND_LIVE;
	/* Live: one kernel buffer (or one timeout) per call. */
	int batch = live ? -1 : FILE_BATCH;
	for (;;) {
		if (atomic_load_explicit(&cs->stop, memory_order_acquire))
			return CAP_STOPPED;
		if (live && leg->fd >= 0) {
			struct pollfd pfd = { .fd = leg->fd, .events = POLLIN };
			int r = poll(&pfd, 1, leg->tick_ms);
			if (r <= 0) {
				/* idle (or a signal): the timers still run */
				if (tick && !atomic_load_explicit(&cs->stop, memory_order_acquire))
					tick(cs->ctx);
				continue;
			}
		}
		int n = leg_dispatch(leg, batch);
		if (n == PCAP_ERROR_BREAK)
			return CAP_STOPPED;
		/* A stop asked for while a read was blocked (Ctrl-C on -r -, or
		 * on a FIFO) interrupts that read: libpcap reports EINTR or a
		 * short record as a read error, but the file is not at fault. */
		if (n < 0 && atomic_load_explicit(&cs->stop, memory_order_acquire))
			return CAP_STOPPED;
		if (n < 0) {
			leg_note_broken(leg);
			return CAP_BROKEN;
		}
		if (n == 0 && !live)
			return CAP_END;
		if (tick)
			tick(cs->ctx);
	}
}

enum cap_status cap_run(struct cap_source *cs, uint64_t max_packets, cap_packet_fn fn,
			cap_tick_fn tick, void *ctx)
{
	/* After a read error the stream position is meaningless: stay broken. */
	if (cs->n == 1 && cs->legs[0].broken)
		return CAP_BROKEN;
	cs->fn = fn;
	cs->ctx = ctx;
	cs->limit = max_packets ? cs->delivered + max_packets : UINT64_MAX;
	if (cs->n == 1)
		return run_one(cs, tick);
	return cs->live ? run_interfaces(cs, tick) : run_files(cs, tick);
}

/* ---- opening ---- */

/* desc, linkname and warning of an opened set */
static void describe(struct cap_source *cs)
{
	size_t need = 32, lneed = 1, wneed = 1;
	for (size_t i = 0; i < cs->n; i++) {
		need += strlen(cs->legs[i].name) + 2;
		lneed += strlen(cap_input_linktype_name(cs, i)) + 1;
		wneed += strlen(cs->legs[i].warning) + 2;
	}
	cs->desc = malloc(need);
	cs->linkname = malloc(lneed);
	cs->warning = malloc(wneed);
	if (!cs->desc || !cs->linkname || !cs->warning)
		abort(); /* a few hundred bytes at start-up */
	if (cs->n == 1) {
		snprintf(cs->desc, need, "%s", cs->legs[0].desc);
	} else {
		strcpy(cs->desc, cs->live ? "interfaces " : "files ");
		for (size_t i = 0; i < cs->n; i++) {
			if (i)
				strcat(cs->desc, ", ");
			strcat(cs->desc, cs->legs[i].name);
		}
	}
	cs->linkname[0] = cs->warning[0] = '\0';
	cs->linktype = cs->legs[0].linktype;
	for (size_t i = 0; i < cs->n; i++) {
		const char *ln = cap_input_linktype_name(cs, i);
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= cs->legs[k].linktype == cs->legs[i].linktype;
		if (!seen) {
			if (cs->linkname[0])
				strcat(cs->linkname, ",");
			strcat(cs->linkname, ln);
		}
		if (cs->legs[i].linktype != cs->linktype)
			cs->linktype = -1;
		if (cs->legs[i].warning[0]) {
			if (cs->warning[0])
				strcat(cs->warning, "; ");
			strcat(cs->warning, cs->legs[i].warning);
		}
	}
}

static bool check_inputs(const struct cap_options *opt, size_t nf, size_t ni, char *err,
			 size_t errlen)
{
	if (!opt || (nf == 0) == (ni == 0)) {
		errf(err, errlen, "capture: give files or interfaces, not both and not neither");
		return false;
	}
	if (nf > CAP_MAX_INPUTS || ni > CAP_MAX_INPUTS) {
		errf(err, errlen, "capture: at most %d files or interfaces", CAP_MAX_INPUTS);
		return false;
	}
	for (size_t i = 0; nf > 1 && i < nf; i++) {
		if (strcmp(opt->files[i], "-") == 0) {
			errf(err, errlen, "stdin (-r -) can only be read alone, not with other files");
			return false;
		}
	}
	return true;
}

static bool open_legs(struct cap_source *cs, const struct cap_options *opt,
		      const char *const *names, char *err, size_t errlen)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct cap_options one = *opt;
		one.file = cs->live ? NULL : names[i];
		one.iface = cs->live ? names[i] : NULL;
		cs->legs[i].deliver = on_leg_packet;
		cs->legs[i].owner = cs;
		if (!leg_open(&cs->legs[i], &one, err, errlen))
			return false;
		if (cs->live && cs->n > 1 && cs->legs[i].fd < 0) {
			errf(err, errlen, "%s: cannot be polled, so not read with other interfaces",
			     names[i]);
			return false;
		}
	}
	return true;
}

struct cap_source *cap_open(const struct cap_options *opt, char *err, size_t errlen)
{
	size_t nf = opt ? (opt->nfiles ? opt->nfiles : opt->file != NULL) : 0;
	size_t ni = opt ? (opt->nifaces ? opt->nifaces : opt->iface != NULL) : 0;
	if (!check_inputs(opt, nf, ni, err, errlen))
		return NULL;
	struct cap_source *cs = calloc(1, sizeof *cs);
	size_t n = nf ? nf : ni;
	if (cs) {
		cs->legs = calloc(n, sizeof *cs->legs);
		cs->ahead = calloc(n, sizeof *cs->ahead);
		cs->heap = calloc(n, sizeof *cs->heap);
		cs->pfd = calloc(n, sizeof *cs->pfd);
	}
	if (!cs || !cs->legs || !cs->ahead || !cs->heap || !cs->pfd) {
		errf(err, errlen, "capture: out of memory");
		cap_close(cs);
		return NULL;
	}
	cs->n = n;
	cs->live = ni > 0;
	const char *const *names = nf ? (opt->nfiles ? opt->files : &opt->file)
				      : (opt->nifaces ? opt->ifaces : &opt->iface);
	if (!open_legs(cs, opt, names, err, errlen)) {
		cap_close(cs);
		return NULL;
	}
	describe(cs);
	return cs;
}

/* ---- about the capture ---- */

int cap_linktype(const struct cap_source *cs)
{
	return cs->linktype;
}

const char *cap_linktype_name(const struct cap_source *cs)
{
	return cs->linkname;
}

int cap_snaplen(const struct cap_source *cs)
{
	int m = 0;
	for (size_t i = 0; i < cs->n; i++) {
		int s = pcap_snapshot(cs->legs[i].p);
		if (s > m)
			m = s;
	}
	return m;
}

bool cap_is_live(const struct cap_source *cs)
{
	return cs->live;
}

const char *cap_describe(const struct cap_source *cs)
{
	return cs->desc;
}

const char *cap_warning(const struct cap_source *cs)
{
	return cs->warning[0] ? cs->warning : NULL;
}

size_t cap_inputs(const struct cap_source *cs)
{
	return cs->n;
}

const char *cap_input_name(const struct cap_source *cs, size_t i)
{
	return i < cs->n ? cs->legs[i].name : "";
}

int cap_input_linktype(const struct cap_source *cs, size_t i)
{
	return i < cs->n ? cs->legs[i].linktype : -1;
}

const char *cap_input_linktype_name(const struct cap_source *cs, size_t i)
{
	const char *n = i < cs->n ? pcap_datalink_val_to_name(cs->legs[i].linktype) : NULL;
	return n ? n : "unknown";
}

void cap_stop(struct cap_source *cs)
{
	/* An atomic store (lock-free: async-signal-safe) and, on Linux, a
	 * write() to an eventfd that wakes a blocked poll: safe from a signal
	 * handler and from another thread. */
	atomic_store_explicit(&cs->stop, true, memory_order_release);
	for (size_t i = 0; i < cs->n; i++)
		leg_breakloop(&cs->legs[i]);
}

bool cap_stop_requested(const struct cap_source *cs)
{
	return atomic_load_explicit(&cs->stop, memory_order_acquire);
}

void cap_get_input_stats(struct cap_source *cs, size_t i, struct cap_stats *st)
{
	memset(st, 0, sizeof *st);
	if (i >= cs->n)
		return;
	struct cap_leg *leg = &cs->legs[i];
	st->inputs = 1;
	st->name = leg->name;
	st->linktype_name = cap_input_linktype_name(cs, i);
	st->packets = leg->packets;
	st->bytes = leg->bytes;
	st->wire_bytes = leg->wire_bytes;
	st->broken = leg->broken;
	st->broken_at_packet = leg->broken_at_packet;
	st->broken_at_offset = leg->broken_at_offset;
	st->broken_input = leg->broken ? leg->name : NULL;
	snprintf(st->error, sizeof st->error, "%s", leg->error);
	st->have_kernel_stats = leg_kernel_stats(leg, &st->dropped_kernel, &st->dropped_iface);
}

/* Sums; kernel figures only when every interface gave them; the read
 * error of the first input that broke. */
bool cap_file_progress(struct cap_source *cs, uint64_t *done, uint64_t *total)
{
	/* merged files: the bytes of all of them */
	bool any = false;
	*done = *total = 0;
	for (size_t i = 0; i < cs->n; i++) {
		uint64_t d, t;
		if (leg_file_progress(&cs->legs[i], &d, &t)) {
			*done += d;
			*total += t;
			any = true;
		}
	}
	return any;
}

void cap_get_stats(struct cap_source *cs, struct cap_stats *st)
{
	memset(st, 0, sizeof *st);
	st->broken_at_offset = -1;
	st->have_kernel_stats = cs->live;
	for (size_t i = 0; i < cs->n; i++) {
		struct cap_stats one;
		cap_get_input_stats(cs, i, &one);
		st->packets += one.packets;
		st->bytes += one.bytes;
		st->wire_bytes += one.wire_bytes;
		st->have_kernel_stats &= one.have_kernel_stats;
		st->dropped_kernel += one.dropped_kernel;
		st->dropped_iface += one.dropped_iface;
		if (one.broken && !st->broken) {
			st->broken = true;
			st->broken_at_packet = one.broken_at_packet;
			st->broken_at_offset = one.broken_at_offset;
			st->broken_input = one.broken_input;
			memcpy(st->error, one.error, sizeof st->error);
		}
	}
	if (!st->have_kernel_stats)
		st->dropped_kernel = st->dropped_iface = 0;
	st->inputs = cs->n;
}

void cap_close(struct cap_source *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; cs->legs && i < cs->n; i++)
		leg_close(&cs->legs[i]);
	free(cs->legs);
	free(cs->ahead);
	free(cs->heap);
	free(cs->pfd);
	free(cs->desc);
	free(cs->linkname);
	free(cs->warning);
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
