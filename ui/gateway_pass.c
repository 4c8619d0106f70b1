/* gateway_pass.c — who the gateway is, decided before anything is judged.
 *
 * Without --gateway, a verdict taken on the way (an alert at the end of the
 * first session, the outbound/inbound side of a reply) must not depend on
 * how much of the capture has been seen.  A capture file that can be read
 * twice is therefore read once first, by the facts scanner
 * (decode/smtp_facts.h), which only hands each session's facts (addresses,
 * EHLO and banner names, TTLs) to the gateway inference; the decision is
 * then frozen and the real pass runs with it, exactly as with the right
 * --gateway.  Stdin (or a FIFO, a device: anything but a regular file)
 * cannot be read twice: its first packets (up to LOOKAHEAD_MAX bytes, at
 * most a quarter of --memcap) are held while the same scanner reads them, the decision
 * is taken, then they go through the real pass; what comes after keeps the
 * decision provisional.  A live capture cannot wait: its decision is
 * provisional from the start.  Every provisional change is announced
 * (ui/pipeline.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture/pcap_map.h"
#include "decode/mem.h"
#include "decode/smtp_facts.h"
#include "rules/gateway.h"
#include "ui/app.h"
#include "ui/decoder_lock.h"

/* --- the facts of every session, for the inference ---------------------------- */

/* The facts scanner (decode/smtp_facts.h) reads what the inference needs at
 * a small fraction of the decoder's cost.  The full decoder stays for
 * --any-port (which flows are SMTP is then nDPI's verdict, that only the
 * decoder has), and on request: SMTPSCOPE_GATEWAY_PASS=decoder, which
 * tests/gateway-pass.py uses to show that both decide the same. */
struct facts_pass {
	struct decoder *dec;       /* or */
	struct facts_scanner *sc;
	struct dec_sink dsink;
	struct facts_sink fsink;
};

static void dec_start(void *ctx, const struct smtp_session *s)
{
	gw_session_start(ctx, s);
}

static bool dec_end(void *ctx, struct smtp_session *s)
{
	gw_session_end(ctx, s);
	return false;
}

static void facts_start(void *ctx, const struct smtp_facts *f)
{
	gw_facts_start(ctx, f);
}

static void facts_end(void *ctx, const struct smtp_facts *f)
{
	gw_facts_end(ctx, f);
}

static bool full_decoder_wanted(const struct app *a)
{
	const char *e = getenv("SMTPSCOPE_GATEWAY_PASS");
	return a->opt.dec.any_port || (e && strcmp(e, "decoder") == 0);
}

/* The scanner's share of --memcap: an eighth (the look-ahead of stdin may
 * hold a quarter beside it). */
static void facts_pass_open(struct app *a, struct facts_pass *fp)
{
	struct gateway *g = hm_gateway(a->pipe.hm);
	memset(fp, 0, sizeof *fp);
	gw_defer(g);
	if (full_decoder_wanted(a)) {
		struct dec_config dc = a->opt.dec;
		dc.smtp.tr_head = dc.smtp.tr_tail = 0; /* no dialogue needed for names */
		fp->dsink = (struct dec_sink){ .ctx = g, .session_start = dec_start,
					       .session_end = dec_end };
		fp->dec = dec_new(&dc, &fp->dsink);
		return;
	}
	fp->fsink = (struct facts_sink){ .ctx = g, .session_start = facts_start,
					 .session_end = facts_end };
	fp->sc = facts_new(&a->opt.dec, a->opt.memcap / 8, &fp->fsink);
}

static inline void facts_pass_packet(struct facts_pass *fp, int linktype, int64_t ts,
				     const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	if (fp->sc)
		facts_packet(fp->sc, linktype, ts, data, caplen, wirelen);
	else
		dec_packet(fp->dec, linktype, ts, data, caplen, wirelen);
}

/* Ends the sessions still open (their facts count) and frees the reader;
 * the scanner's counters (what its bounded pools lost) stay with the
 * gateway for the stats record and the report. */
static void facts_pass_close(struct facts_pass *fp, struct gateway *g)
{
	if (fp->sc) {
		facts_finish(fp->sc);
		gw_note_first_pass(g, facts_get_stats(fp->sc));
		facts_free(fp->sc);
	} else if (fp->dec) {
		dec_finish(fp->dec);
		/* the decoder reads names in its sessions: what it loses is sessions */
		const struct dec_stats *ds = dec_get_stats(fp->dec);
		struct facts_stats st = { .sessions = ds->sessions,
					  .flows_evicted = ds->sessions_evicted };
		gw_note_first_pass(g, &st);
		dec_free(fp->dec);
	}
	fp->sc = NULL;
	fp->dec = NULL;
}

static bool facts_pass_active(const struct facts_pass *fp)
{
	return fp->sc || fp->dec;
}

/* Beside the dashboard (a->locked) the gateway object is read by the
 * screens under the model lock: the first pass writes it under the lock
 * too (nothing to do while a batch of packets holds it). */
static void lock_if_shared(struct app *a)
{
	app_lock(a);
}

static void unlock_if_shared(struct app *a)
{
	app_unlock(a);
}

/* The first pass reads a plain pcap file in place (capture/pcap_map.h: no
 * copy through stdio, which would cost more than the scanner), anything
 * else through cap_run like the real pass. */
struct pass {
	struct app *a;
	struct cap_source *cap;    /* or */
	struct pcap_map *map;
	struct facts_pass fp;
};

static void pass_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
			uint32_t wirelen)
{
	struct pass *p = ctx;
	if (p->a->locked)
		app_batch_packet(p->a); /* the lock once per batch, as the real pass */
	facts_pass_packet(&p->fp, linktype, ts, data, caplen, wirelen);
}

/* Between batches of the first pass: a stop asked of the real pass (the
 * dashboard's quit, Ctrl-C) ends this one too; the dashboard's progress
 * bar. */
static void pass_tick(void *ctx)
{
	struct pass *p = ctx;
	if (cap_stop_requested(p->a->cap)) {
		if (p->map)
			pmap_stop(p->map);
		else
			cap_stop(p->cap);
	}
	if (p->map) {
		uint64_t done, total;
		pmap_progress(p->map, &done, &total);
		app_publish_file_progress(p->a, done, total, 1);
	} else {
		app_publish_progress(p->a, p->cap, 1);
	}
	app_batch_end(p->a);
}

/* A file read once already by the time the real pass starts: a regular
 * file (plain or gzip) can be opened again; stdin, a FIFO or a device would
 * hand the first pass what the real pass needs. */
static bool regular_file(const char *f)
{
	struct stat st;
	return f && strcmp(f, "-") != 0 && stat(f, &st) == 0 && S_ISREG(st.st_mode);
}

/* Several -r (merged by time): every one of them. */
static bool readable_twice(const struct app *a)
{
	if (a->live || !a->opt.cap.file)
		return false;
	if (a->opt.cap.nfiles == 0)
		return regular_file(a->opt.cap.file);
	for (size_t i = 0; i < a->opt.cap.nfiles; i++)
		if (!regular_file(a->opt.cap.files[i]))
			return false;
	return true;
}

/* Read once, not live: stdin, a FIFO, a device. */
static bool read_once(const struct app *a)
{
	return !a->live && a->opt.cap.file && !readable_twice(a);
}

bool app_gateway_first_pass(struct app *a)
{
	struct gateway *g = hm_gateway(a->pipe.hm);
	if (gw_given(g) || !readable_twice(a))
		return false;
	struct pass p = { .a = a };
	if (a->opt.cap.nfiles <= 1) /* several files are merged by time: cap_run */
		p.map = pmap_open(a->opt.cap.file, a->opt.cap.bpf);
	if (!p.map) {
		char err[512];
		p.cap = cap_open(&a->opt.cap, err, sizeof err);
		if (!p.cap)
			return false; /* the real pass opened it a moment ago: it will say why */
	}
	lock_if_shared(a);
	facts_pass_open(a, &p.fp);
	unlock_if_shared(a);
	/* a truncated file stops here as in the real pass, which reports it;
	 * the dashboard's quit stops it too (a->cap is the one stopped) */
	if (p.map)
		pmap_run(p.map, a->opt.count, pass_packet, pass_tick, &p);
	else
		cap_run(p.cap, a->opt.count, pass_packet, pass_tick, &p);
	app_batch_end(a);
	lock_if_shared(a);
	facts_pass_close(&p.fp, g);
	gw_freeze(g);
	unlock_if_shared(a);
	if (p.map)
		pmap_close(p.map);
	else
		cap_close(p.cap);
	return true;
}

/* --- stdin: a bounded look-ahead ------------------------------------------------ */

#define LOOKAHEAD_MAX ((size_t)64 << 20)

struct rec_head {          /* one held packet; its bytes follow */
	int64_t ts;
	uint32_t caplen, wirelen;
	int linktype;
};

struct lookahead {
	struct app *a;
	struct facts_pass fp;      /* inactive once decided */
	uint8_t *buf;
	size_t len, cap, max;
};

/* Decide from what is held, then hand it to the real pass in order. */
static void lookahead_flush(struct lookahead *la)
{
	if (!facts_pass_active(&la->fp))
		return;
	struct gateway *g = hm_gateway(la->a->pipe.hm);
	lock_if_shared(la->a);
	facts_pass_close(&la->fp, g);
	gw_freeze(g); /* the held sessions were counted once, by the second decoder */
	unlock_if_shared(la->a);
	for (size_t off = 0; off < la->len;) {
		struct rec_head h;
		memcpy(&h, la->buf + off, sizeof h);
		off += sizeof h;
		app_on_packet(la->a, h.linktype, h.ts, la->buf + off, h.caplen, h.wirelen);
		off += h.caplen;
	}
	lock_if_shared(la->a);
	gw_thaw(g);
	/* the account is shared with the dashboard's copies: under the lock */
	mem_release(la->cap);
	unlock_if_shared(la->a);
	free(la->buf);
	la->buf = NULL;
	la->len = la->cap = 0;
}

static void lookahead_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data,
			     uint32_t caplen, uint32_t wirelen)
{
	struct lookahead *la = ctx;
	if (facts_pass_active(&la->fp) && la->len + sizeof(struct rec_head) + caplen > la->max)
		lookahead_flush(la);
	if (!facts_pass_active(&la->fp)) {
		app_on_packet(la->a, linktype, ts, data, caplen, wirelen);
		return;
	}
	if (la->a->locked)
		app_batch_packet(la->a);
	facts_pass_packet(&la->fp, linktype, ts, data, caplen, wirelen);
	size_t need = la->len + sizeof(struct rec_head) + caplen;
	if (need > la->cap) {
		size_t cap = la->cap ? la->cap : (size_t)1 << 20;
		while (cap < need)
			cap *= 2;
		la->buf = xrealloc(la->buf, cap);
		mem_charge(cap - la->cap);
		la->cap = cap;
	}
	struct rec_head h = { ts, caplen, wirelen, linktype };
	memcpy(la->buf + la->len, &h, sizeof h);
	memcpy(la->buf + la->len + sizeof h, data, caplen);
	la->len = need;
}

static void lookahead_tick(void *ctx)
{
	struct lookahead *la = ctx;
	app_on_tick(la->a);
}

enum cap_status app_capture_run(struct app *a)
{
	bool ahead = !app_gateway_first_pass(a) && read_once(a) && !gw_given(hm_gateway(a->pipe.hm));
	if (!ahead)
		return cap_run(a->cap, a->opt.count, app_on_packet, app_on_tick, a);
	struct lookahead la = { .a = a, .max = a->opt.memcap / 4 };
	if (la.max > LOOKAHEAD_MAX)
		la.max = LOOKAHEAD_MAX;
	lock_if_shared(a);
	facts_pass_open(a, &la.fp);
	unlock_if_shared(a);
	enum cap_status st = cap_run(a->cap, a->opt.count, lookahead_packet, lookahead_tick, &la);
	lookahead_flush(&la);
	return st;
}

/* --gateway blocks that no session's address fell into: a typo, or the
 * wrong capture; said on stderr once at the end (the stats record lists
 * them too). */
void app_gateway_warn_unmatched(struct app *a)
{
	const struct ip_prefix *u[16];
	size_t n = gw_unmatched(hm_gateway(a->pipe.hm), u, 16);
	for (size_t i = 0; i < n; i++) {
		char p[ADDR_STRLEN + 8];
		gw_prefix_format(u[i], p, sizeof p);
		fprintf(stderr, "smtpscope: warning: --gateway %s: no session has an address in it\n", p);
	}
}
