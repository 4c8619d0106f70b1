/* evidence_file.c — appending frames to the per-host, per-day evidence
 * pcaps of -w DIR, keeping at most EVF_OPEN_MAX of them open. */
#include "config.h"

#include "capture/evidence_file.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/out_dir.h"

/* Flagged sessions of many hosts can be open at once; a file descriptor per
 * host would run into the process limit, so the least recently written file
 * is closed (and reopened for appending when needed again). */
#define EVF_OPEN_MAX 16
/* A pcap file this size or smaller holds no packet (the file header is 24
 * bytes): what a full disk leaves of a file it let us create. */
#define PCAP_FILE_HDR 24

struct evf_slot {
	char name[EVF_NAME_MAX];
	pcap_dumper_t *d;
	uint64_t last_use;
	bool created;                  /* this run created the file (it was not there) */
};

struct ev_files {
	char *dir;
	pcap_t *dead;                  /* link type and snaplen for the headers */
	struct evf_slot open[EVF_OPEN_MAX];
	uint64_t clock;                /* for least recently used */
	char **seen;                   /* names written to, for the count */
	size_t nseen, seen_cap;
	uint64_t frames, errors;
};

struct ev_files *evf_new(const char *dir, int linktype, int snaplen)
{
	struct ev_files *f = calloc(1, sizeof *f);
	if (!f)
		return NULL;
	f->dir = strdup(dir);
	f->dead = pcap_open_dead(linktype, snaplen > 0 ? snaplen : 262144);
	if (!f->dir || !f->dead) {
		evf_free(f);
		return NULL;
	}
	return f;
}

void evf_name(char out[EVF_NAME_MAX], const char *host, int64_t ts_us)
{
	char h[EVF_NAME_MAX - 20];
	out_dir_host_name(h, sizeof h, host);
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;
	char day[16] = "00000000";
	if (gmtime_r(&t, &tm))
		strftime(day, sizeof day, "%Y%m%d", &tm);
	snprintf(out, EVF_NAME_MAX, "%s-%s.pcap", h, day);
}

static void fail(struct ev_files *f, const char *name, const char *why)
{
	if (f->errors++ == 0)
		fprintf(stderr, "smtpscope: --evidence %s/%s: %s (later evidence write errors are only counted)\n",
			f->dir, name, why);
}

static void forget_seen(struct ev_files *f, const char *name)
{
	for (size_t i = 0; i < f->nseen; i++) {
		if (strcmp(f->seen[i], name) == 0) {
			free(f->seen[i]);
			f->seen[i] = f->seen[--f->nseen];
			return;
		}
	}
}

/* A file this run created but could not write a packet into (a full disk)
 * is removed: an empty or header-only pcap is no evidence, and a folder of
 * them hides the failure the error message and write_errors report. */
static void drop_if_empty(struct ev_files *f, const char *name)
{
	char path[4096];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size <= PCAP_FILE_HDR &&
	    unlink(path) == 0)
		forget_seen(f, name);
}

/* Flushes a slot; false (counted, the first one said) if frames were lost
 * now or in an earlier buffered write (the stream's error flag). */
static bool flush_slot(struct ev_files *f, struct evf_slot *s)
{
	errno = 0;
	if (pcap_dump_flush(s->d) == 0 && !ferror(pcap_dump_file(s->d)))
		return true;
	fail(f, s->name, errno ? strerror(errno) : "write error");
	clearerr(pcap_dump_file(s->d)); /* each failure counted once */
	return false;
}

static void release_slot(struct ev_files *f, struct evf_slot *s, bool failed)
{
	pcap_dump_close(s->d);
	if (failed && s->created)
		drop_if_empty(f, s->name);
	s->d = NULL;
	s->name[0] = '\0';
}

/* Closes a slot; a failed flush means frames were lost. */
static void close_slot(struct ev_files *f, struct evf_slot *s)
{
	if (s->d)
		release_slot(f, s, !flush_slot(f, s));
}

static void note_seen(struct ev_files *f, const char *name)
{
	for (size_t i = 0; i < f->nseen; i++)
		if (strcmp(f->seen[i], name) == 0)
			return;
	if (f->nseen == f->seen_cap) {
		size_t cap = f->seen_cap ? 2 * f->seen_cap : 16;
		char **grown = realloc(f->seen, cap * sizeof *grown);
		if (!grown)
			return; /* only the count of files suffers */
		f->seen = grown;
		f->seen_cap = cap;
	}
	char *copy = strdup(name);
	if (copy)
		f->seen[f->nseen++] = copy;
}

static struct evf_slot *slot_for(struct ev_files *f, const char *name)
{
	struct evf_slot *lru = &f->open[0];
	for (int i = 0; i < EVF_OPEN_MAX; i++) {
		struct evf_slot *s = &f->open[i];
		if (s->d && strcmp(s->name, name) == 0) {
			s->last_use = ++f->clock;
			return s;
		}
		if (!s->d || (lru->d && s->last_use < lru->last_use))
			lru = s;
	}
	close_slot(f, lru);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	/* appends to the file of an earlier run on the same day (a restarted
	 * service keeps the morning's evidence); writes the header if new */
	struct stat sb;
	bool existed = stat(path, &sb) == 0;
	pcap_dumper_t *d = f->dead ? pcap_dump_open_append(f->dead, path) : NULL;
	if (!d) {
		fail(f, name, f->dead ? pcap_geterr(f->dead) : "cannot create a pcap writer");
		if (!existed)
			drop_if_empty(f, name);
		return NULL;
	}
	lru->d = d;
	lru->created = !existed;
	snprintf(lru->name, sizeof lru->name, "%s", name);
	lru->last_use = ++f->clock;
	note_seen(f, name);
	return lru;
}

bool evf_write(struct ev_files *f, const char *name, int64_t ts_us, const uint8_t *frame,
	       uint32_t caplen, uint32_t wirelen)
{
	struct evf_slot *s = slot_for(f, name);
	if (!s)
		return false; /* counted (and the first one reported) by fail() */
	struct pcap_pkthdr h;
	h.ts.tv_sec = (time_t)(ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	h.caplen = caplen;
	h.len = wirelen;
	pcap_dump((u_char *)s->d, &h, frame);
	f->frames++;
	return true;
}

void evf_flush(struct ev_files *f, const char *name)
{
	for (int i = 0; i < EVF_OPEN_MAX; i++) {
		struct evf_slot *s = &f->open[i];
		if (!s->d || (name && strcmp(s->name, name) != 0))
			continue;
		/* a file this run created is closed at a failure, so one left
		 * empty is gone before the stats record counts the files (a
		 * later frame reopens it) */
		if (!flush_slot(f, s) && s->created)
			release_slot(f, s, true);
	}
}

bool evf_free(struct ev_files *f)
{
	if (!f)
		return true;
	for (int i = 0; i < EVF_OPEN_MAX; i++)
		close_slot(f, &f->open[i]);
	bool ok = f->errors == 0;
	for (size_t i = 0; i < f->nseen; i++)
		free(f->seen[i]);
	free(f->seen);
	if (f->dead)
		pcap_close(f->dead);
	free(f->dir);
	free(f);
	return ok;
}

size_t evf_memory(const struct ev_files *f)
{
	return sizeof *f + f->seen_cap * sizeof *f->seen + f->nseen * EVF_NAME_MAX;
}

uint64_t evf_files_written(const struct ev_files *f)
{
	return f->nseen;
}

uint64_t evf_frames_written(const struct ev_files *f)
{
	return f->frames;
}

uint64_t evf_errors(const struct ev_files *f)
{
	return f->errors;
}
