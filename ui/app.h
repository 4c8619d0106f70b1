/* app.h — the running program: what main() set up and the callbacks that
 * carry decode/ events to rules/ and to the outputs. */
#ifndef SMTPSCOPE_APP_H
#define SMTPSCOPE_APP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "rules/host_model.h"
#include "ui/output/json_writer.h"
#include "rules/model.h"
#include "ui/options.h"
#include "ui/output/text_report.h"

struct rule_set;
struct metrics;
struct evidence;
struct full_capture;

struct app {
	struct options opt;
	struct cap_source *cap;
	struct decoder *dec;
	struct host_model *hm;
	struct model *model;        /* TUI: what the screens read; NULL in batch mode */
	struct rule_set *rules;     /* NULL: no rules loaded */
	struct geo_db *geo;         /* --geoip, NULL without */
	struct report *report;      /* text report */
	FILE *out;
	struct jw jw;
	bool json;                  /* JSON lines out (batch or headless live) */
	bool live;
	bool tui;
	bool locked;                /* decoding runs beside the TUI: take the model lock */
	int linktype;
	uint64_t alerts;            /* raised so far */
	struct dec_sink sink;
	struct evidence *evidence;  /* -w DIR, NULL without */
	struct full_capture *fullcap; /* --write-all FILE, NULL without */
	struct model *bundle_model; /* batch --bundle: finished sessions and alerts kept */
	int64_t next_stats_us;      /* --stats-interval: when the next records are due */
	struct metrics *metrics;    /* --metrics-file, NULL without (ui/metrics.h) */
	/* --replay pacing */
	int64_t replay_first_ts, replay_wall0;
	/* written by the dashboard thread ('p'), read by the capture thread's
	 * pacing loop */
	atomic_bool replay_paused;
};

/* main.c: memory in use and its peak: the analysis (decode/mem.h's account,
 * capped at --memcap less the evidence share) plus the evidence buffers
 * (capture/evidence.c, which keep to their own share). */
size_t app_memory_used(const struct app *a);
size_t app_memory_peak(const struct app *a);

/* sink.c: decode/ events to the host model, rules, model and outputs. */
void app_init_sink(struct app *a);
/* The host model's status-change hook (live JSON: a host record at once). */
void app_host_status(void *ctx, const struct host_entry *e, enum host_status old);

/* run_batch.c: -r FILE or headless -i; returns the exit status. */
int app_run_batch(struct app *a);
/* run_tui.c: the dashboard on a file (analyse then browse, or --replay) or
 * a live interface; returns the exit status. */
int app_run_tui(struct app *a);

/* Shared by both: the packet callback and the timer tick. */
void app_on_packet(void *ctx, int64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen);
void app_on_tick(void *ctx);
/* Stops the capture from a signal handler. */
void app_install_signals(struct app *a);
void app_clear_signals(void);
/* run_batch.c: live JSON upkeep from the timer tick (SIGHUP reopens -o,
 * --stats-interval records). */
void app_live_tick(struct app *a, int64_t now_us);
/* main.c: rules again from the same files (SIGHUP); old ones kept on error. */
void app_reload_rules(struct app *a);
/* A SIGHUP arrived since the last call. */
bool app_take_hup(void);
/* host and stats records now (live: periodic; the end of a run). */
void app_emit_state(struct app *a, const struct cap_stats *cs);

/* "truncated at packet N ..." on stderr; returns 2, or 0 if not broken. */
int app_report_broken(struct app *a, enum cap_status st, const struct cap_stats *cs);

#endif
