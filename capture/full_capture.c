/* full_capture.c — --write-all FILE with tcpdump's rotation: -C by size,
 * -G by (capture) time with strftime names, -W to bound the number of files. */
#include "config.h"

#include "capture/full_capture.h"

#include <errno.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16

struct full_capture {
	struct full_capture_config c;
	char *pattern;
	pcap_t *dead;
	pcap_dumper_t *d;
	char name[PATH_MAX];
	uint64_t size;          /* bytes in the current file, counted (no ftell per packet) */
	int64_t start_us;       /* -G: the current interval */
	int64_t next_us;        /* -G: when the next one begins */
	unsigned count;         /* -C: number of the current file (in the interval) */
	int digits;             /* -C with -W: width of the number, as tcpdump */
	char **ring;            /* -G with -W: the files kept, oldest first */
	size_t ring_n;
	bool running;           /* past the start: failures are reported here */
	bool failed;
	char why[PATH_MAX + 128]; /* the first failure */
	struct full_capture_stats st;
};

/* tcpdump's getWflagChars(): the digits of N-1, so that -W 10 names files
 * FILE0 .. FILE9 and -W 100 FILE00 .. FILE99. */
static int width_for(unsigned n)
{
	int c = 0;
	for (unsigned x = n ? n - 1 : 0; x > 0; x /= 10)
		c++;
	return c;
}

/* The interval of -G that holds ts, aligned on local clock boundaries (with
 * -G 3600, files start on the hour, so a name like %H means that hour). */
static int64_t interval_start(int64_t ts_us, unsigned secs)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;
	long off = localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
	int64_t local = (int64_t)t + off;
	int64_t r = local % (int64_t)secs;
	if (r < 0)
		r += secs;
	return (local - r - off) * 1000000;
}

static bool make_name(struct full_capture *fc, char *out, size_t sz)
{
	char base[PATH_MAX];
	if (fc->c.secs) {
		time_t t = (time_t)(fc->start_us / 1000000);
		struct tm tm;
		if (!localtime_r(&t, &tm))
			return false;
		/* the pattern is the user's, as with tcpdump -G */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		size_t n = strftime(base, sizeof base, fc->pattern, &tm);
#pragma GCC diagnostic pop
		if (n == 0)
			return false;
	} else {
		snprintf(base, sizeof base, "%s", fc->pattern);
	}
	int n;
	if (fc->c.max_bytes && (fc->count > 0 || fc->digits > 0))
		n = snprintf(out, sz, "%s%0*u", base, fc->digits, fc->count);
	else
		n = snprintf(out, sz, "%s", base);
	return n > 0 && (size_t)n < sz;
}

static void fail(struct full_capture *fc, const char *name, const char *why)
{
	if (fc->failed)
		return;
	fc->failed = true;
	snprintf(fc->why, sizeof fc->why, "%s: %s", name, why);
	if (fc->running)
		fprintf(stderr, "smtpscope: --write-all %s (full capture stopped; the analysis goes on)\n",
			fc->why);
}

static bool close_current(struct full_capture *fc)
{
	if (!fc->d)
		return true;
	errno = 0;
	bool ok = pcap_dump_flush(fc->d) == 0 && !ferror(pcap_dump_file(fc->d));
	if (!ok)
		fail(fc, fc->name, errno ? strerror(errno) : "write error");
	pcap_dump_close(fc->d);
	fc->d = NULL;
	return ok;
}

/* -G with -W: at most max_files files; the oldest goes (tcpdump would stop
 * capturing instead — an analyser that runs for days keeps a ring). */
static void keep_ring(struct full_capture *fc)
{
	if (!fc->c.secs || !fc->c.max_files)
		return;
	for (size_t i = 0; i < fc->ring_n; i++) {
		if (strcmp(fc->ring[i], fc->name) == 0) { /* the same name again: rewritten */
			free(fc->ring[i]);
			memmove(&fc->ring[i], &fc->ring[i + 1], (fc->ring_n - i - 1) * sizeof *fc->ring);
			fc->ring_n--;
			break;
		}
	}
	if (fc->ring_n == fc->c.max_files) {
		if (unlink(fc->ring[0]) != 0 && errno != ENOENT)
			fprintf(stderr, "smtpscope: --write-all: cannot remove %s: %s\n", fc->ring[0],
				strerror(errno));
		free(fc->ring[0]);
		memmove(&fc->ring[0], &fc->ring[1], (fc->ring_n - 1) * sizeof *fc->ring);
		fc->ring_n--;
	}
	char *copy = strdup(fc->name);
	if (copy)
		fc->ring[fc->ring_n++] = copy; /* else this file is never rotated away */
}

static bool open_next(struct full_capture *fc)
{
	char name[PATH_MAX];
	if (!make_name(fc, name, sizeof name)) {
		fail(fc, fc->pattern, "file name too long or empty");
		return false;
	}
	snprintf(fc->name, sizeof fc->name, "%s", name);
	fc->d = pcap_dump_open(fc->dead, fc->name);
	if (!fc->d) {
		fail(fc, fc->name, pcap_geterr(fc->dead));
		return false;
	}
	fc->size = PCAP_FILE_HDR;
	fc->st.files++;
	fc->st.bytes += PCAP_FILE_HDR;
	keep_ring(fc);
	return true;
}

struct full_capture *full_capture_open(const struct full_capture_config *c, char *err,
				       size_t errlen)
{
	struct full_capture *fc = calloc(1, sizeof *fc);
	if (!fc) {
		snprintf(err, errlen, "--write-all %s: out of memory", c->file);
		return NULL;
	}
	fc->c = *c;
	fc->pattern = strdup(c->file);
	fc->dead = pcap_open_dead(c->linktype, c->snaplen > 0 ? c->snaplen : 262144);
	fc->digits = c->max_bytes && c->max_files && !c->secs ? width_for(c->max_files) : 0;
	if (c->secs && c->max_files)
		fc->ring = calloc(c->max_files, sizeof *fc->ring);
	fc->next_us = INT64_MIN;
	if (!fc->dead || !fc->pattern || (c->secs && c->max_files && !fc->ring)) {
		snprintf(err, errlen, "--write-all %s: cannot create a pcap writer", c->file);
		full_capture_close(fc);
		return NULL;
	}
	bool ok;
	if (c->secs) {
		/* named by the first packet's time: check now that such a name can
		 * be made and that its directory can be written to */
		fc->start_us = interval_start((int64_t)time(NULL) * 1000000, c->secs);
		ok = make_name(fc, fc->name, sizeof fc->name);
		if (!ok) {
			snprintf(err, errlen, "--write-all %s: file name too long or empty", c->file);
		} else {
			char *slash = strrchr(fc->name, '/');
			const char *dir = !slash ? "." : slash == fc->name ? "/" : fc->name;
			if (slash && slash != fc->name)
				*slash = '\0';
			ok = access(dir, W_OK | X_OK) == 0;
			if (!ok)
				snprintf(err, errlen, "--write-all %s: %s: %s", c->file, dir, strerror(errno));
		}
		fc->name[0] = '\0';
	} else {
		ok = open_next(fc);
		if (!ok)
			snprintf(err, errlen, "--write-all %s", fc->why);
	}
	if (!ok) {
		full_capture_close(fc);
		return NULL;
	}
	fc->running = true;
	return fc;
}

static void rotate_time(struct full_capture *fc, int64_t ts_us)
{
	close_current(fc);
	fc->start_us = interval_start(ts_us, fc->c.secs);
	fc->next_us = fc->start_us + (int64_t)fc->c.secs * 1000000;
	fc->count = 0;
	open_next(fc);
}

static void rotate_size(struct full_capture *fc)
{
	close_current(fc);
	fc->count++;
	if (fc->c.max_files && !fc->c.secs && fc->count >= fc->c.max_files)
		fc->count = 0; /* tcpdump's ring: FILE0 again */
	open_next(fc);
}

void full_capture_packet(struct full_capture *fc, int64_t ts_us, const uint8_t *data,
			 uint32_t caplen, uint32_t wirelen)
{
	if (fc->failed)
		return;
	if (fc->c.secs && ts_us >= fc->next_us)
		rotate_time(fc, ts_us);
	else if (fc->c.max_bytes && fc->size > fc->c.max_bytes) /* tcpdump: "larger than" */
		rotate_size(fc);
	if (!fc->d)
		return;
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)fc->d, &h, data);
	fc->size += PCAP_REC_HDR + caplen;
	fc->st.packets++;
	fc->st.bytes += PCAP_REC_HDR + caplen;
}

void full_capture_flush(struct full_capture *fc)
{
	errno = 0;
	if (fc->d && pcap_dump_flush(fc->d) != 0)
		fail(fc, fc->name, errno ? strerror(errno) : "write error");
}

void full_capture_get_stats(const struct full_capture *fc, struct full_capture_stats *st)
{
	*st = fc->st;
}

bool full_capture_close(struct full_capture *fc)
{
	if (!fc)
		return true;
	bool ok = close_current(fc) && !fc->failed;
	for (size_t i = 0; i < fc->ring_n; i++)
		free(fc->ring[i]);
	free(fc->ring);
	if (fc->dead)
		pcap_close(fc->dead);
	free(fc->pattern);
	free(fc);
	return ok;
}
