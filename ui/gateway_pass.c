/* gateway_pass.c — who the gateway is, decided before anything is judged.
 *
 * Without --gateway, a verdict taken on the way (an alert at the end of the
 * first session, the outbound/inbound side of a reply) must not depend on
 * how much of the capture has been seen.  A capture file that can be read
 * twice is therefore read once first, by a second decoder whose sink only
 * hands each session's facts (addresses, EHLO and banner names, TTLs) to
 * the gateway inference; the decision is then frozen and the real pass runs
 * with it, exactly as with the right --gateway.  Stdin (or a FIFO, a
 * device: anything but a regular file) cannot be read twice: its first packets (up to LOOKAHEAD_MAX bytes, at most a quarter of
 * --memcap) are held while the same second decoder reads them, the decision
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

#include "decode/mem.h"
#include "rules/gateway.h"
#include "ui/app.h"

static void pass_start(void *ctx, const struct smtp_session *s)
{
	gw_session_start(ctx, s);
}

static bool pass_end(void *ctx, struct smtp_session *s)
{
	gw_session_end(ctx, s);
	return false;
}

/* Beside the dashboard (a->locked) the gateway object is read by the
 * screens under the model lock: the first pass writes it under the lock
 * too. */
static void lock_if_shared(struct app *a)
{
	if (a->locked)
		model_lock(a->model);
}

static void unlock_if_shared(struct app *a)
{
	if (a->locked)
		model_unlock(a->model);
}

struct pass {
	struct app *a;
	struct cap_source *cap;
	struct decoder *dec;
};

static void pass_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
			uint32_t wirelen)
{
	struct pass *p = ctx;
	lock_if_shared(p->a);
	dec_packet(p->dec, linktype, ts, data, caplen, wirelen);
	unlock_if_shared(p->a);
}

/* Between batches of the first pass: a stop asked of the real pass (the
 * dashboard's quit, Ctrl-C) ends this one too; the dashboard's progress
 * bar. */
static void pass_tick(void *ctx)
{
	struct pass *p = ctx;
	if (cap_stop_requested(p->a->cap))
		cap_stop(p->cap);
	app_publish_progress(p->a, p->cap, 1);
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

/* The second decoder: only session facts, for the gateway inference. */
static struct decoder *facts_decoder(struct app *a, struct dec_sink *sink)
{
	struct dec_config dc = a->opt.dec;
	dc.smtp.tr_head = dc.smtp.tr_tail = 0; /* no dialogue needed for names */
	*sink = (struct dec_sink){ .ctx = hm_gateway(a->pipe.hm), .session_start = pass_start,
				   .session_end = pass_end };
	gw_defer(hm_gateway(a->pipe.hm));
	return dec_new(&dc, sink);
}

bool app_gateway_first_pass(struct app *a)
{
	struct gateway *g = hm_gateway(a->pipe.hm);
	if (gw_given(g) || !readable_twice(a))
		return false;
	char err[512];
	struct cap_source *cap = cap_open(&a->opt.cap, err, sizeof err);
	if (!cap)
		return false; /* the real pass opened it a moment ago: it will say why */
	struct dec_sink sink;
	lock_if_shared(a);
	struct pass p = { a, cap, facts_decoder(a, &sink) };
	unlock_if_shared(a);
	/* a truncated file stops here as in the real pass, which reports it;
	 * the dashboard's quit stops it too (a->cap is the one stopped) */
	cap_run(cap, a->opt.count, pass_packet, pass_tick, &p);
	lock_if_shared(a);
	dec_finish(p.dec);
	dec_free(p.dec);
	gw_freeze(g);
	unlock_if_shared(a);
	cap_close(cap);
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
	struct decoder *dec;       /* NULL once decided */
	struct dec_sink sink;
	uint8_t *buf;
	size_t len, cap, max;
};

/* Decide from what is held, then hand it to the real pass in order. */
static void lookahead_flush(struct lookahead *la)
{
	if (!la->dec)
		return;
	struct gateway *g = hm_gateway(la->a->pipe.hm);
	lock_if_shared(la->a);
	dec_finish(la->dec);
	dec_free(la->dec);
	la->dec = NULL;
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
	unlock_if_shared(la->a);
	mem_release(la->cap);
	free(la->buf);
	la->buf = NULL;
	la->len = la->cap = 0;
}

static void lookahead_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data,
			     uint32_t caplen, uint32_t wirelen)
{
	struct lookahead *la = ctx;
	if (la->dec && la->len + sizeof(struct rec_head) + caplen > la->max)
		lookahead_flush(la);
	if (!la->dec) {
		app_on_packet(la->a, linktype, ts, data, caplen, wirelen);
		return;
	}
	lock_if_shared(la->a);
	dec_packet(la->dec, linktype, ts, data, caplen, wirelen);
	unlock_if_shared(la->a);
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
	la.dec = facts_decoder(a, &la.sink);
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
