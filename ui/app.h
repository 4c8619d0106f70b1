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
#include "rules/model.h"
#include "ui/options.h"
#include "ui/pipeline.h"
#include "capture/evidence.h"
#include "capture/full_capture.h"

struct evidence;
struct full_capture;
struct json_output;
struct metrics_output;
struct text_output;

struct app {
	struct options opt;
	struct cap_source *cap;
	struct decoder *dec;
	struct pipeline pipe;       /* host model, rules and the outputs (ui/pipeline.h) */
	struct model *model;        /* TUI: what the screens read; NULL in batch mode */
	struct model *bundle_model; /* batch --bundle: finished sessions and alerts kept */
	struct geo_db *geo;         /* --geoip, NULL without */
	FILE *out;                  /* -o FILE or stdout */
	struct json_output *json_out; /* the JSON lines output, NULL without (SIGHUP) */
	struct text_output *text_out; /* the text report output, NULL without (SIGHUP) */
	int interrupted_by;         /* SIGINT/SIGTERM that cut the reading of a file, 0 if none */
	bool json;                  /* JSON lines out (batch or headless live) */
	bool live;
	bool tui;
	bool locked;                /* decoding runs beside the TUI: take the model lock */
	bool batch_held;            /* the decoder holds it for a batch of packets (decoder_lock.h) */
	uint32_t batch_packets;     /* packets of that batch so far */
	struct cap_stats *input_stats; /* several inputs: each one's, for the records; else NULL */
	int linktype;               /* of every input, -1 when they differ (no pcap writers) */
	struct evidence *evidence;  /* -w DIR, NULL without */
	struct full_capture *fullcap; /* --write-all FILE, NULL without */
	int64_t next_stats_us;      /* --stats-interval: when the next records are due */
	struct metrics_output *metrics_out; /* --metrics-file/--metrics-listen, NULL without */
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

/* main.c: the state of the run for the outputs' records (final: the end). */
void app_summary(struct app *a, struct run_summary *sum, struct cap_stats *cs,
		 struct evidence_stats *es, struct full_capture_stats *fs, bool final);

/* run_batch.c: -r FILE or headless -i; returns the exit status. */
int app_run_batch(struct app *a);
/* run_tui.c: the dashboard on a file (analyse then browse, or --replay) or
 * a live interface; returns the exit status. */
int app_run_tui(struct app *a);

/* Shared by both: the packet callback and the timer tick. */
void app_on_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
		   uint32_t wirelen);
void app_on_tick(void *ctx);
/* --metrics-listen: a snapshot for a scrape that waits for one (force: in
 * any case), taking the model lock where there is one; from the capture
 * thread (--replay waits, the timer) and once the capture is over. */
void app_metrics_serve(struct app *a, bool force);
/* Stops the capture from a signal handler. */
void app_install_signals(struct app *a);
void app_clear_signals(void);
/* run_batch.c: live JSON upkeep from the timer tick (--stats-interval
 * records). */
void app_live_tick(struct app *a, int64_t now_us);
/* main.c: rules again from the same files (SIGHUP); old ones kept on error. */
void app_reload_rules(struct app *a);
/* A SIGHUP arrived since the last call. */
bool app_take_hup(void);
/* The SIGINT or SIGTERM that stopped the capture, 0 if none did. */
int app_stop_signal(void);
/* run_batch.c: SIGHUP: reopen -o (logrotate moved it) and reload the rules. */
void app_on_hup(struct app *a);
/* host and stats records now (live: periodic; the end of a run). */
void app_emit_state(struct app *a, bool final);

/* main.c: beside the dashboard, how far the reading of the file is (pass
 * 1: the gateway's first pass; 0: the analysis), for its progress bar;
 * from the thread reading cap.  Nothing in batch mode or live. */
void app_publish_progress(struct app *a, struct cap_source *cap, int pass);
/* The same from a reader that is not a cap_source (capture/pcap_map.h). */
void app_publish_file_progress(struct app *a, uint64_t done, uint64_t total, int pass);

/* gateway_pass.c: without --gateway, on a file that can be read twice,
 * decide the gateway in a first pass and freeze it (true if done). */
bool app_gateway_first_pass(struct app *a);
/* Reads the whole capture into the real pass, the gateway decided first
 * (files: app_gateway_first_pass; stdin: a bounded look-ahead). */
enum cap_status app_capture_run(struct app *a);
/* gateway_pass.c: the --gateway blocks that matched no session, on stderr. */
void app_gateway_warn_unmatched(struct app *a);

/* "truncated at packet N ..." on stderr; returns 2, or 0 if not broken. */
int app_report_broken(struct app *a, enum cap_status st, const struct cap_stats *cs);

#endif
