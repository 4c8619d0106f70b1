/* evidence.c — per-session packet buffers for -w DIR, flagged by alerts and
 * written out through evidence_file.c. */
#include "config.h"

#include "capture/evidence.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/evidence_file.h"
#include "capture/out_dir.h"

struct ev_frame {
	struct ev_frame *next;
	int64_t ts_us;
	uint32_t caplen, wirelen;
	uint8_t data[];
};

struct ev_list {
	struct ev_frame *first, *last;
	uint32_t n;
	size_t bytes;
};

struct ev_sess {
	struct ev_sess *hnext;         /* hash chain */
	struct ev_sess *older, *newer; /* unflagged sessions by start: eviction order */
	uint64_t id;
	struct ev_list head;           /* the first frames */
	struct ev_list tail;           /* the latest frames after the head */
	bool head_closed;              /* later frames go to the tail only */
	bool flagged;
	bool ended;                    /* keep mode: the session is over, kept for 'w' */
	uint64_t not_kept;             /* frames dropped from the buffer so far */
	char file[EVF_NAME_MAX];       /* flagged: where its frames go */
};

struct evidence {
	struct ev_files *files;        /* NULL in keep-only mode (no -w DIR) */
	bool keep_ended;
	size_t budget, held;           /* frame bytes buffered, against the budget */
	size_t overhead;               /* the table and session entries (evidence_memory) */
	size_t peak;                   /* high-water mark of held + overhead */
	struct ev_sess **buckets;
	size_t nbuckets, nsess;
	struct ev_sess *oldest, *newest;
	struct ev_sess *last;          /* consecutive frames tend to share a session */
	struct evidence_stats st;
};

static size_t frame_cost(uint32_t caplen)
{
	return sizeof(struct ev_frame) + caplen;
}

static void note_peak(struct evidence *ev)
{
	if (ev->held + ev->overhead > ev->peak)
		ev->peak = ev->held + ev->overhead;
}

struct evidence *evidence_open(const struct evidence_config *c, char *err, size_t errlen)
{
	if (c->dir && !out_dir_ready("-w", c->dir, err, errlen))
		return NULL;
	struct evidence *ev = calloc(1, sizeof *ev);
	if (ev) {
		ev->nbuckets = 1024;
		ev->buckets = calloc(ev->nbuckets, sizeof *ev->buckets);
	}
	if (ev && ev->buckets && c->dir)
		ev->files = evf_new(c->dir, c->linktype, c->snaplen);
	if (!ev || !ev->buckets || (c->dir && !ev->files)) {
		snprintf(err, errlen, "out of memory for the evidence buffers");
		if (ev)
			free(ev->buckets);
		free(ev);
		return NULL;
	}
	ev->keep_ended = c->keep_ended;
	/* at least one session's full buffer, however small --memcap is */
	ev->budget = c->budget > 2 * EV_SESSION_BYTES ? c->budget : 2 * EV_SESSION_BYTES;
	ev->overhead = sizeof *ev + ev->nbuckets * sizeof *ev->buckets;
	return ev;
}

/* --- the session table --------------------------------------------------------- */

static size_t bucket_of(const struct evidence *ev, uint64_t id)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ULL >> 17) & (ev->nbuckets - 1);
}

static struct ev_sess *find(struct evidence *ev, uint64_t id)
{
	if (ev->last && ev->last->id == id)
		return ev->last;
	for (struct ev_sess *e = ev->buckets[bucket_of(ev, id)]; e; e = e->hnext)
		if (e->id == id)
			return ev->last = e;
	return NULL;
}

static void grow(struct evidence *ev)
{
	size_t old_n = ev->nbuckets;
	struct ev_sess **old = ev->buckets;
	struct ev_sess **fresh = calloc(old_n * 2, sizeof *fresh);
	if (!fresh)
		return; /* longer chains, still correct */
	ev->nbuckets = old_n * 2;
	ev->buckets = fresh;
	for (size_t i = 0; i < old_n; i++) {
		for (struct ev_sess *e = old[i], *next; e; e = next) {
			next = e->hnext;
			size_t b = bucket_of(ev, e->id);
			e->hnext = ev->buckets[b];
			ev->buckets[b] = e;
		}
	}
	free(old);
	ev->overhead += old_n * sizeof *ev->buckets;
}

static void lru_unlink(struct evidence *ev, struct ev_sess *e)
{
	if (e->older)
		e->older->newer = e->newer;
	else if (ev->oldest == e)
		ev->oldest = e->newer;
	if (e->newer)
		e->newer->older = e->older;
	else if (ev->newest == e)
		ev->newest = e->older;
	e->older = e->newer = NULL;
}

static struct ev_sess *add(struct evidence *ev, uint64_t session_id)
{
	if (ev->nsess >= ev->nbuckets)
		grow(ev);
	struct ev_sess *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	ev->overhead += sizeof *e;
	note_peak(ev);
	e->id = session_id;
	size_t b = bucket_of(ev, e->id);
	e->hnext = ev->buckets[b];
	ev->buckets[b] = e;
	ev->nsess++;
	e->older = ev->newest;
	if (ev->newest)
		ev->newest->newer = e;
	else
		ev->oldest = e;
	ev->newest = e;
	return ev->last = e;
}

/* --- buffers --------------------------------------------------------------------- */

static void list_push(struct ev_list *l, struct ev_frame *f)
{
	f->next = NULL;
	if (l->last)
		l->last->next = f;
	else
		l->first = f;
	l->last = f;
	l->n++;
	l->bytes += frame_cost(f->caplen);
}

static void drop_first(struct evidence *ev, struct ev_sess *e, struct ev_list *l)
{
	struct ev_frame *f = l->first;
	l->first = f->next;
	if (!l->first)
		l->last = NULL;
	l->n--;
	l->bytes -= frame_cost(f->caplen);
	ev->held -= frame_cost(f->caplen);
	free(f);
	e->not_kept++;
}

static void drop_all(struct evidence *ev, struct ev_sess *e)
{
	while (e->head.first)
		drop_first(ev, e, &e->head);
	while (e->tail.first)
		drop_first(ev, e, &e->tail);
}

/* Removes a session's entry and buffers altogether. */
static void forget(struct evidence *ev, struct ev_sess *e)
{
	drop_all(ev, e);
	lru_unlink(ev, e);
	struct ev_sess **pp = &ev->buckets[bucket_of(ev, e->id)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	ev->nsess--;
	if (ev->last == e)
		ev->last = NULL;
	ev->overhead -= sizeof *e;
	free(e);
}

/* Frees the buffers of the oldest unflagged sessions (other than `keep`)
 * until `need` more bytes fit the budget; a session that loses its buffer
 * keeps collecting its latest frames, but its first ones are gone. */
static void make_room(struct evidence *ev, const struct ev_sess *keep, size_t need)
{
	struct ev_sess *e = ev->oldest;
	while (ev->held + need > ev->budget && e) {
		struct ev_sess *next = e->newer;
		if (e != keep && e->ended) {
			forget(ev, e); /* kept only for 'w': the oldest go first */
		} else if (e != keep && (e->head.n || e->tail.n)) {
			drop_all(ev, e);
			e->head_closed = true;
			ev->st.buffers_evicted++;
		}
		e = next;
	}
}

static void buffer_frame(struct evidence *ev, struct ev_sess *e, int64_t ts_us, const uint8_t *frame,
			 uint32_t caplen, uint32_t wirelen)
{
	size_t cost = frame_cost(caplen);
	if (cost > EV_SESSION_BYTES - EV_HEAD_BYTES) {
		e->not_kept++; /* larger than any buffer: cannot be kept */
		return;
	}
	if (ev->held + cost > ev->budget)
		make_room(ev, e, cost);
	struct ev_list *l = &e->tail;
	if (!e->head_closed && e->head.n < EV_HEAD_FRAMES && e->head.bytes + cost <= EV_HEAD_BYTES)
		l = &e->head;
	else
		e->head_closed = true; /* the head stays the session's very first frames */
	if (l == &e->tail) {
		while (e->tail.first && (e->tail.n >= EV_TAIL_FRAMES ||
					 e->head.bytes + e->tail.bytes + cost > EV_SESSION_BYTES))
			drop_first(ev, e, &e->tail);
	}
	struct ev_frame *f = malloc(cost);
	if (!f) {
		e->not_kept++;
		return;
	}
	f->ts_us = ts_us;
	f->caplen = caplen;
	f->wirelen = wirelen;
	memcpy(f->data, frame, caplen);
	list_push(l, f);
	ev->held += cost;
	note_peak(ev);
}

void evidence_packet(struct evidence *ev, uint64_t session_id, int64_t ts_us,
		     const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
	struct ev_sess *e = find(ev, session_id);
	if (!e)
		e = add(ev, session_id);
	if (!e) {
		ev->st.packets_not_kept++; /* no memory even for its entry */
		return;
	}
	if (e->flagged) {
		if (evf_write(ev->files, e->file, ts_us, frame, caplen, wirelen))
			ev->st.packets_written++;
		return;
	}
	buffer_frame(ev, e, ts_us, frame, caplen, wirelen);
}

/* --- flagging ---------------------------------------------------------------------- */

static void write_list(struct evidence *ev, struct ev_sess *e, struct ev_list *l)
{
	while (l->first) {
		struct ev_frame *f = l->first;
		if (evf_write(ev->files, e->file, f->ts_us, f->data, f->caplen, f->wirelen))
			ev->st.packets_written++;
		drop_first(ev, e, l);
		e->not_kept--; /* written, not lost */
	}
}

void evidence_alert(struct evidence *ev, uint64_t session_id, const char *host, int64_t ts_us)
{
	if (session_id == 0 || !ev->files)
		return; /* a host-wide alert (the sessions behind it have their own), or no -w */
	struct ev_sess *e = find(ev, session_id);
	if (!e || e->flagged)
		return;
	if (!host || !host[0])
		host = "unknown-host";
	evf_name(e->file, host, ts_us);
	e->flagged = true;
	lru_unlink(ev, e);
	ev->st.sessions_flagged++;
	ev->st.packets_not_kept += e->not_kept;
	write_list(ev, e, &e->head);
	write_list(ev, e, &e->tail);
	/* on disk while the alert is news (a live operator may open it now) */
	evf_flush(ev->files, e->file);
}

void evidence_session_end(struct evidence *ev, uint64_t session_id)
{
	struct ev_sess *e = find(ev, session_id);
	if (!e)
		return;
	if (ev->keep_ended && !e->flagged) {
		e->ended = true; /* the dashboard may still want it ('w') */
		return;
	}
	if (e->flagged)
		evf_flush(ev->files, e->file);
	forget(ev, e);
}

long evidence_export(struct evidence *ev, const uint64_t *ids, size_t n, const char *path,
		     int linktype, int snaplen, char *err, size_t errlen)
{
	pcap_t *dead = pcap_open_dead(linktype, snaplen > 0 ? snaplen : 262144);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
	if (!d) {
		snprintf(err, errlen, "%s", dead ? pcap_geterr(dead) : "cannot create");
		if (dead)
			pcap_close(dead);
		return -1;
	}
	long written = 0;
	size_t found = 0;
	for (size_t i = 0; i < n; i++) {
		struct ev_sess *e = find(ev, ids[i]);
		if (!e)
			continue;
		found++;
		const struct ev_list *lists[2] = { &e->head, &e->tail };
		for (int k = 0; k < 2; k++) {
			for (const struct ev_frame *f = lists[k]->first; f; f = f->next) {
				struct pcap_pkthdr h;
				h.ts.tv_sec = f->ts_us / 1000000;
				h.ts.tv_usec = f->ts_us % 1000000;
				h.caplen = f->caplen;
				h.len = f->wirelen;
				pcap_dump((u_char *)d, &h, f->data);
				written++;
			}
		}
	}
	pcap_dump_close(d);
	pcap_close(dead);
	if (!found) {
		snprintf(err, errlen, "the packets of these sessions are no longer kept");
		return -1;
	}
	return written;
}

void evidence_flush(struct evidence *ev)
{
	if (ev->files)
		evf_flush(ev->files, NULL);
}

size_t evidence_memory(const struct evidence *ev)
{
	return ev ? ev->held + ev->overhead + (ev->files ? evf_memory(ev->files) : 0) : 0;
}

size_t evidence_memory_peak(const struct evidence *ev)
{
	return ev ? ev->peak + (ev->files ? evf_memory(ev->files) : 0) : 0;
}

void evidence_get_stats(const struct evidence *ev, struct evidence_stats *st)
{
	*st = ev->st;
	st->files = ev->files ? evf_files_written(ev->files) : 0;
	st->write_errors = ev->files ? evf_errors(ev->files) : 0;
}

bool evidence_close(struct evidence *ev)
{
	if (!ev)
		return true;
	for (size_t i = 0; i < ev->nbuckets; i++) {
		for (struct ev_sess *e = ev->buckets[i], *next; e; e = next) {
			next = e->hnext;
			drop_all(ev, e);
			free(e);
		}
	}
	bool ok = ev->files ? evf_free(ev->files) : true;
	free(ev->buckets);
	free(ev);
	return ok;
}
