/* run_tui.c — the dashboard: decoding in its own thread (live, a file fed
 * at capture pace with --replay, or a file read at full speed while the
 * screens already show what is loaded and how far), the screens in the
 * main thread. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/app.h"
#include "ui/bundle.h"
#include "ui/decoder_lock.h"
#include "rules/lock_hist.h"
#include "capture/evidence.h"
#include "decode/mem.h"
#include "ui/input_list.h"
#include "ui/session_export.h"
#include "ui/tui/tui.h"

struct feeder {
	struct app *a;
	enum cap_status status;
};

static void finish_capture(struct app *a)
{
	struct cap_stats cs;
	cap_get_stats(a->cap, &cs);
	model_lock(a->model);
	dec_finish(a->dec);
	pipeline_queue_finish(&a->pipe);
	a->model->stats.packets = cs.packets;
	a->model->stats.bytes = cs.wire_bytes;
	a->model->stats.capture_ts = dec_get_stats(a->dec)->last_ts;
	a->model->stats.finished = true;
	a->model->stats.file_read = a->model->stats.file_size; /* the bar full */
	a->model->stats.memory_used = app_memory_used(a);
	a->model->version++;
	model_unlock(a->model);
	app_metrics_serve(a, true); /* --metrics-listen: the final figures */
}

static void *feed(void *arg)
{
	struct feeder *f = arg;
	if (f->a->live || f->a->opt.replay_speed > 0)
		f->status = cap_run(f->a->cap, f->a->opt.count, app_on_packet, app_on_tick, f->a);
	else /* a file at full speed: the gateway decided first, in this thread */
		f->status = app_capture_run(f->a);
	app_batch_end(f->a);
	finish_capture(f->a);
	return NULL;
}

static int write_pcap(void *ctx, const uint64_t *ids, size_t n, const char *path, char *err,
		      size_t errlen)
{
	struct app *a = ctx;
	if (!a->opt.cap.file) {
		/* live: from the packets kept in memory for this */
		if (!a->evidence) {
			snprintf(err, errlen, "live capture: no packets kept");
			return -1;
		}
		model_lock(a->model);
		long w = evidence_export(a->evidence, ids, n, path, a->linktype, cap_snaplen(a->cap), err,
					 errlen);
		model_unlock(a->model);
		return w < 0 ? -1 : 0;
	}
	const struct smtp_session **v = xcalloc(n ? n : 1, sizeof *v);
	size_t k = 0;
	model_lock(a->model);
	for (size_t i = 0; i < n; i++) {
		const struct smtp_session *s = model_find_session(a->model, ids[i]);
		if (s)
			v[k++] = s;
	}
	/* the sessions found are finished ones (kept until evicted) or open
	 * ones: export reads only their endpoints and times, copy those */
	struct smtp_session *copies = xcalloc(k ? k : 1, sizeof *copies);
	for (size_t i = 0; i < k; i++) {
		copies[i].client = v[i]->client;
		copies[i].server = v[i]->server;
		copies[i].client_port = v[i]->client_port;
		copies[i].server_port = v[i]->server_port;
		copies[i].start_ts = v[i]->start_ts;
		copies[i].end_ts = v[i]->end_ts ? v[i]->end_ts : INT64_MAX;
		v[i] = &copies[i];
	}
	model_unlock(a->model);
	long rc = k ? pcap_export_sessions(&a->opt.cap, v, k, path, err, errlen) : -1;
	if (!k)
		snprintf(err, errlen, "no such session");
	free(copies);
	free(v);
	return rc < 0 ? -1 : 0;
}

static int write_bundle(void *ctx, const struct ip_addr *host, const char *dir, char *err,
			size_t errlen)
{
	return bundle_write_host(ctx, host, dir, err, errlen);
}

/* SMTPSCOPE_LOCK_STATS=FILE (a bench figure, doc/performance.md): how long
 * the dashboard holds the model lock and waits for it, and how long the
 * decoder waits for it, written to FILE at the end. */
static void lock_stats_start(struct model *m)
{
	const char *path = getenv("SMTPSCOPE_LOCK_STATS");
	if (!path || !*path)
		return;
	m->hold_hist = xcalloc(1, sizeof *m->hold_hist);
	m->tui_wait_hist = xcalloc(1, sizeof *m->tui_wait_hist);
	m->wait_hist = xcalloc(1, sizeof *m->wait_hist);
}

static void lock_stats_end(struct model *m)
{
	const char *path = getenv("SMTPSCOPE_LOCK_STATS");
	FILE *f = m->hold_hist ? fopen(path, "w") : NULL;
	if (f) {
		lock_hist_print(m->hold_hist, "dashboard holds", f);
		lock_hist_print(m->tui_wait_hist, "dashboard waits", f);
		lock_hist_print(m->wait_hist, "decoder waits", f);
		fclose(f);
	}
	free(m->hold_hist);
	free(m->tui_wait_hist);
	free(m->wait_hist);
	m->hold_hist = m->tui_wait_hist = m->wait_hist = NULL;
}

static void set_replay_paused(void *ctx, bool paused)
{
	struct app *a = ctx;
	atomic_store_explicit(&a->replay_paused, paused, memory_order_relaxed);
}

int app_run_tui(struct app *a)
{
	struct tui_options to = { .ascii = a->opt.ascii, .refresh_ms = 250,
				  .replay_speed = a->opt.replay_speed };
	struct tui_hooks hooks = { .ctx = a, .write_pcap = write_pcap, .write_bundle = write_bundle,
				   .set_replay_paused = set_replay_paused };
	input_short_description(a->cap, a->model->stats.source, sizeof a->model->stats.source);
	a->model->stats.live = a->live;
	a->model->stats.memcap = a->opt.memcap;

	struct feeder f = { a, CAP_END };
	/* --replay: the gateway decided before anything is shown, so that the
	 * pacing starts with the first packet; a file read at full speed
	 * decides it in the capture thread, the screen painted at once */
	if (a->opt.replay_speed > 0)
		app_gateway_first_pass(a);
	pthread_t th;
	lock_stats_start(a->model);
	a->locked = true;
	if (pthread_create(&th, NULL, feed, &f) != 0) {
		fprintf(stderr, "smtpscope: cannot start the capture thread\n");
		return 2;
	}
	int rc = tui_run(a->model, &to, &hooks);
	atomic_store_explicit(&a->replay_paused, false, memory_order_relaxed);
	cap_stop(a->cap);
	pthread_join(th, NULL);
	lock_stats_end(a->model);
	app_emit_state(a, true); /* the final figures (the metrics file) */
	struct cap_stats cs;
	cap_get_stats(a->cap, &cs);
	int brc = app_report_broken(a, f.status, &cs);
	app_gateway_warn_unmatched(a);
	return rc ? rc : brc;
}
