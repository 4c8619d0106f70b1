/* main.c — wires the layers: capture -> decode -> rules -> ui, picks the
 * mode (text report, JSON lines, dashboard) and maps failures to exit codes
 * (0 ok, 1 usage, 2 input/runtime failure). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ui/app.h"
#include "ui/bundle.h"
#include "ui/decoder_lock.h"
#include "rules/default_rules.h"
#include "capture/evidence.h"
#include "capture/full_capture.h"
#include "decode/flow_idle.h"
#include "decode/mem.h"
#include "decode/packet.h"
#include "ui/output/csv_output.h"
#include "ui/output/json_output.h"
#include "ui/output/metrics_output.h"
#include "ui/output/model_output.h"
#include "ui/output/evidence_output.h"
#include "ui/output/text_output.h"
#include "capture/out_dir.h"
#include "rules/envelope_attempts.h"
#include "rules/path_memory.h"
#include "rules/rule_lang.h"

static struct cap_source *volatile stop_target;
static volatile sig_atomic_t hup_pending;
static volatile sig_atomic_t stop_signal; /* SIGINT or SIGTERM that stopped the run */

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		hup_pending = 1;
		return;
	}
	if (stop_target) {
		stop_signal = sig;
		cap_stop(stop_target);
	}
}

bool app_take_hup(void)
{
	if (!hup_pending)
		return false;
	hup_pending = 0;
	return true;
}

int app_stop_signal(void)
{
	return stop_signal;
}

/* SIGINT and SIGTERM interrupt a blocked read (no SA_RESTART: the run must
 * stop); SIGHUP only asks for the files to be reopened at the next tick, so
 * a read it interrupts is restarted rather than taken for a broken file. */
void app_install_signals(struct app *a)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	stop_target = a->cap;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
}

/* The capture is over: a second Ctrl-C while the report is written ends
 * the program at once, as the user then wants. */
void app_clear_signals(void)
{
	stop_target = NULL;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
}

static int64_t wall_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* While --replay waits through a silence, the dashboard's clock goes on (so
 * that an open session can be seen stalling), as it would live. */
static void replay_clock(struct app *a, int64_t wall)
{
	if (!a->locked)
		return;
	int64_t ts = a->replay_first_ts + (int64_t)((double)(wall - a->replay_wall0) * a->opt.replay_speed);
	app_lock(a);
	if (ts > a->model->stats.capture_ts) {
		a->model->stats.capture_ts = ts;
		a->model->version++;
	}
	app_unlock(a);
}

/* --replay: wait until this packet's moment has come (scaled by SPEED). */
static void replay_pace(struct app *a, int64_t ts)
{
	if (a->replay_wall0 == 0) {
		a->replay_wall0 = wall_us();
		a->replay_first_ts = ts;
	}
	for (;;) {
		int64_t now = wall_us();
		if (atomic_load_explicit(&a->replay_paused, memory_order_relaxed)) {
			usleep(50000);
			a->replay_wall0 += wall_us() - now; /* the clock stops while paused */
			continue;
		}
		int64_t due = a->replay_wall0 + (int64_t)((double)(ts - a->replay_first_ts) / a->opt.replay_speed);
		if (due <= now || cap_stop_requested(a->cap))
			return;
		app_batch_end(a); /* the dashboard is not kept waiting through a silence */
		int64_t wait = due - now;
		/* the capture thread waits here, not in cap_run's timer: a
		 * scrape of --metrics-listen gets its snapshot all the same */
		app_metrics_serve(a, false);
		usleep((useconds_t)(wait > 100000 ? 100000 : wait));
		replay_clock(a, wall_us());
	}
}

void app_on_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
		   uint32_t wirelen)
{
	struct app *a = ctx;
	if (a->opt.replay_speed > 0)
		replay_pace(a, ts);
	if (a->fullcap) /* --write-all: the one extra call per packet */
		full_capture_packet(a->fullcap, ts, data, caplen, wirelen);
	if (!a->locked) {
		dec_packet(a->dec, linktype, ts, data, caplen, wirelen);
		pipeline_queue_time(&a->pipe, ts);
		return;
	}
	app_batch_packet(a); /* the model lock, once per batch of packets */
	dec_packet(a->dec, linktype, ts, data, caplen, wirelen);
	pipeline_queue_time(&a->pipe, ts);
	struct model_stats *st = &a->model->stats;
	st->packets++;
	st->bytes += wirelen;
	st->capture_ts = ts;
	a->model->version++;
}

void app_summary(struct app *a, struct run_summary *sum, struct cap_stats *cs,
		 struct evidence_stats *es, struct full_capture_stats *fs, bool final)
{
	cap_get_stats(a->cap, cs);
	for (size_t i = 0; a->input_stats && i < cap_inputs(a->cap); i++)
		cap_get_input_stats(a->cap, i, &a->input_stats[i]);
	if (a->evidence)
		evidence_get_stats(a->evidence, es);
	if (a->fullcap)
		full_capture_get_stats(a->fullcap, fs);
	*sum = (struct run_summary){
		.source = cap_describe(a->cap),
		.linktype = cap_linktype_name(a->cap),
		.gateway_arg = a->opt.gateway_arg,
		.cap = cs,
		.inputs = a->input_stats,
		.ninputs = a->input_stats ? cap_inputs(a->cap) : 0,
		.dec = dec_get_stats(a->dec),
		.hm = a->pipe.hm,
		.memory_used = app_memory_used(a),
		.memory_peak = app_memory_peak(a),
		.memcap = a->opt.memcap,
		.hosts_dropped = hm_hosts_dropped(a->pipe.hm),
		.alerts = a->pipe.alerts,
		.rule_groups_evicted = a->pipe.rules ? rules_groups_evicted(a->pipe.rules) : 0,
		.triplets_used = ea_used(a->pipe.triplets),
		.triplets_tracked = ea_tracked(a->pipe.triplets),
		.triplets_evicted = ea_evicted(a->pipe.triplets),
		.evidence = a->evidence ? es : NULL,
		.full_capture = a->fullcap ? fs : NULL,
		.final = final,
		.sessions_stalled = -1,
		.interrupted = a->interrupted_by != 0,
		.mt = a->pipe.mt,
		.mq = a->pipe.mq,
		.now = a->pipe.last_ts,
	};
	pipeline_queue_refresh(&a->pipe, final); /* the queued figures as of now */
	if (a->live) { /* on the wall clock, as dec_advance */
		struct timeval tv;
		gettimeofday(&tv, NULL);
		sum->sessions_stalled = (int64_t)dec_stalled(
			a->dec, (int64_t)tv.tv_sec * 1000000 + tv.tv_usec, IDLE_STALLED_US);
	}
}

void app_metrics_serve(struct app *a, bool force)
{
	if (!a->metrics_out || (!force && !metrics_output_wanted(a->metrics_out)))
		return;
	app_lock(a);
	struct run_summary sum;
	struct cap_stats cs;
	struct evidence_stats es;
	struct full_capture_stats fs;
	app_summary(a, &sum, &cs, &es, &fs, false);
	metrics_output_publish(a->metrics_out, &sum);
	app_unlock(a);
}

void app_publish_progress(struct app *a, struct cap_source *cap, int pass)
{
	if (!a->locked || !a->model || a->live)
		return;
	uint64_t done, total;
	if (cap_file_progress(cap, &done, &total))
		app_publish_file_progress(a, done, total, pass);
}

void app_publish_file_progress(struct app *a, uint64_t done, uint64_t total, int pass)
{
	if (!a->locked || !a->model || a->live)
		return;
	app_lock(a);
	struct model_stats *st = &a->model->stats;
	st->file_read = done;
	st->file_size = total;
	if (pass == 1 && st->passes < 2)
		st->passes = 2; /* a first pass: the analysis is the second */
	st->pass = pass ? pass : st->passes ? st->passes : 1;
	if (!st->passes)
		st->passes = 1;
	a->model->version++;
	app_unlock(a);
}

/* Beside the dashboard the run summary (every input's counters, the
 * evidence's, stalled sessions) feeds only the metrics output: without
 * one, the header's few figures and the queue's are brought up alone. */
static bool summary_wanted(const struct app *a)
{
	return !a->locked || a->metrics_out;
}

void app_on_tick(void *ctx)
{
	struct app *a = ctx;
	if (!a->tui && app_take_hup()) /* the dashboard writes no files to rotate */
		app_on_hup(a);
	app_publish_progress(a, a->cap, 0); /* a file beside the dashboard */
	if (!a->live && !a->locked) {
		/* a file read at full speed: only --metrics-listen's snapshots */
		app_metrics_serve(a, false);
		return;
	}
	app_lock(a);
	struct run_summary sum;
	struct cap_stats cs;
	struct evidence_stats es;
	struct full_capture_stats fs;
	bool want = summary_wanted(a);
	if (want) {
		app_summary(a, &sum, &cs, &es, &fs, false);
	} else {
		cap_get_stats(a->cap, &cs);
		sum.memory_used = app_memory_used(a);
		/* the Queue screen's figures, at most once a second (as the summary did) */
		pipeline_queue_refresh(&a->pipe, false);
	}
	if (a->live) {
		struct timeval tv;
		gettimeofday(&tv, NULL);
		int64_t now = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		dec_advance(a->dec, now);
		if (a->json)
			app_live_tick(a, now);
		/* live files readable while the capture runs; metrics on time */
		if (a->fullcap)
			full_capture_flush(a->fullcap);
		pipeline_tick(&a->pipe, now, want ? &sum : NULL);
		/* a quiet link still gets its queue ticks: packet times are wall times live */
		pipeline_queue_time(&a->pipe, now);
	} else if (want && a->metrics_out && metrics_output_wanted(a->metrics_out)) {
		metrics_output_publish(a->metrics_out, &sum); /* --replay */
	}
	if (a->model) {
		struct model_stats *st = &a->model->stats;
		st->have_kernel_stats = cs.have_kernel_stats;
		st->dropped_kernel = cs.dropped_kernel;
		st->dropped_iface = cs.dropped_iface;
		st->acked_unseen = dec_get_stats(a->dec)->acked_unseen;
		st->memory_used = sum.memory_used;
		if (!a->locked) {
			st->packets = cs.packets;
			st->bytes = cs.wire_bytes;
		}
	}
	app_unlock(a);
	app_batch_end(a); /* a batch of packets ends with the tick */
}

int app_report_broken(struct app *a, enum cap_status st, const struct cap_stats *cs)
{
	if (st != CAP_BROKEN)
		return 0;
	/* every input that broke: the others were read to their end */
	for (size_t i = 0; i < cap_inputs(a->cap); i++) {
		struct cap_stats one;
		cap_get_input_stats(a->cap, i, &one);
		if (!one.broken)
			continue;
		fprintf(stderr, "smtpscope: %s%s: truncated at packet %llu (byte offset ",
			a->live ? "interface " : "", one.broken_input,
			(unsigned long long)one.broken_at_packet);
		if (one.broken_at_offset >= 0)
			fprintf(stderr, "%lld", (long long)one.broken_at_offset);
		else
			fputs("unknown", stderr);
		fprintf(stderr, "): %s\n", one.error);
	}
	(void)cs; /* the sums: each input's own figures are read above */
	return 2;
}

static char *default_filter(const struct dec_config *dc)
{
	size_t n = 16 + dc->nports * 16;
	if (dc->any_port) /* every TCP flow is classified */
		return xstrdup("tcp");
	char *f = xmalloc(n);
	strcpy(f, "tcp and (");
	for (size_t i = 0; i < dc->nports; i++)
		snprintf(f + strlen(f), n - strlen(f), "%sport %u", i ? " or " : "", dc->ports[i]);
	strcat(f, ")");
	return f;
}

static int open_input(struct app *a, char **filter_owned)
{
	char err[512];
	if (a->opt.cap.iface && !a->opt.cap.bpf) {
		*filter_owned = default_filter(&a->opt.dec);
		a->opt.cap.bpf = *filter_owned;
	}
	a->cap = cap_open(&a->opt.cap, err, sizeof err);
	if (!a->cap) {
		fprintf(stderr, "smtpscope: %s\n", err);
		return 2;
	}
	a->live = cap_is_live(a->cap);
	if (cap_warning(a->cap))
		fprintf(stderr, "smtpscope: warning: %s\n", cap_warning(a->cap));
	a->linktype = cap_linktype(a->cap);
	/* every packet would only be counted as malformed: say so and stop,
	 * rather than exit 0 with a report of nothing (each input: they may
	 * differ) */
	for (size_t i = 0; i < cap_inputs(a->cap); i++) {
		int dlt = cap_input_linktype(a->cap, i);
		if (pkt_linktype_supported(dlt))
			continue;
		const char *name = cap_input_name(a->cap, i);
		const char *lt = cap_input_linktype_name(a->cap, i);
		fprintf(stderr, "smtpscope: %s: link type %s%sDLT %d%s is not one smtpscope can decode "
			"(EN10MB, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4, IPV6)\n", name,
			strcmp(lt, "unknown") ? lt : "", strcmp(lt, "unknown") ? " (" : "", dlt,
			strcmp(lt, "unknown") ? ")" : "");
		return 2;
	}
	if (cap_inputs(a->cap) > 1)
		a->input_stats = xcalloc(cap_inputs(a->cap), sizeof *a->input_stats);
	return 0;
}

/* -Z USER: tcpdump's order -- the capture, the output file and the GeoIP
 * databases are open; now give up root for good. */
static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		fprintf(stderr, "smtpscope: -Z %s: no such user\n", user);
		return 2;
	}
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "smtpscope: -Z %s: cannot switch to that user: %s\n", user, strerror(errno));
		return 2;
	}
	if (setuid(0) == 0 && pw->pw_uid != 0) {
		fprintf(stderr, "smtpscope: -Z %s: root privileges could be regained, refusing to go on\n", user);
		return 2;
	}
	return 0;
}

/* --write-all: the first file is opened before -Z drops privileges, as
 * tcpdump opens its -w file (with -G the first packet names it: later). */
static int open_full_capture(struct app *a)
{
	if (!a->opt.write_all)
		return 0;
	if (a->linktype < 0) {
		/* a pcap file holds one link type; pcapng would not, but -C/-G
		 * rotation and every reader of these files expect pcap */
		fprintf(stderr, "smtpscope: -w/--write-all %s: the inputs have different link types (%s); "
			"one file cannot hold them: capture them separately\n", a->opt.write_all,
			cap_linktype_name(a->cap));
		return 2;
	}
	struct full_capture_config c = {
		.file = a->opt.write_all,
		.linktype = a->linktype,
		.snaplen = cap_snaplen(a->cap),
		.max_bytes = a->opt.rotate_bytes,
		.secs = a->opt.rotate_secs,
		.max_files = a->opt.rotate_files,
	};
	char err[4600];
	a->fullcap = full_capture_open(&c, err, sizeof err);
	if (!a->fullcap) {
		fprintf(stderr, "smtpscope: %s\n", err);
		return 2;
	}
	return 0;
}

/* --evidence DIR and --bundle DIR: checked (or created) once privileges are
 * dropped, by the user that will write into them. */
static int evidence_failed(const struct app *a, const char *err)
{
	if (a->opt.user)
		fprintf(stderr, "smtpscope: %s (as -Z %s)\n", err, a->opt.user);
	else
		fprintf(stderr, "smtpscope: %s\n", err);
	return 2;
}

/* The dashboard for --tui, and for -i on a terminal when no format was asked. */
static bool wants_tui(const struct app *a)
{
	if (a->opt.tui)
		return true;
	return a->live && a->opt.format == FMT_DEFAULT && !a->opt.output && isatty(STDOUT_FILENO);
}

static int open_evidence(struct app *a)
{
	char err[512];
	if (a->opt.bundle_dir && !out_dir_ready("--bundle", a->opt.bundle_dir, err, sizeof err))
		return evidence_failed(a, err);
	/* the live dashboard keeps packets for its 'w' key even without -w */
	bool keep = a->live && wants_tui(a);
	if (a->linktype < 0) { /* evidence files are pcap: one link type each */
		if (a->opt.evidence_dir) {
			char why[512];
			snprintf(why, sizeof why, "--evidence %s: the inputs have different link types (%s); "
				 "evidence files hold one", a->opt.evidence_dir, cap_linktype_name(a->cap));
			return evidence_failed(a, why);
		}
		keep = false; /* the dashboard's 'w' says no packets were kept */
	}
	if (!a->opt.evidence_dir && !keep)
		return 0;
	/* a quarter of --memcap: the sessions themselves need the rest */
	struct evidence_config c = {
		.dir = a->opt.evidence_dir,
		.keep_ended = keep,
		.linktype = cap_linktype(a->cap),
		.snaplen = cap_snaplen(a->cap),
		.budget = a->opt.memcap / 4,
	};
	a->evidence = evidence_open(&c, err, sizeof err);
	if (!a->evidence)
		return evidence_failed(a, err);
	output_add(&a->pipe.outs, &evidence_output_ops, a->evidence);
	/* the evidence buffers keep to their share; the analysis gets the rest */
	if (mem_acct.cap > c.budget)
		mem_acct.cap -= c.budget;
	return 0;
}

size_t app_memory_used(const struct app *a)
{
	return mem_acct.used + evidence_memory(a->evidence);
}

size_t app_memory_peak(const struct app *a)
{
	/* both high-water marks added: at most that much was ever held at once */
	return mem_acct.peak + evidence_memory_peak(a->evidence);
}

/* Closes -w and --write-all files; 2 if anything could not be written. */
static int close_evidence(struct app *a)
{
	int rc = 0;
	if (a->evidence) {
		struct evidence_stats es;
		evidence_get_stats(a->evidence, &es);
		if (es.packets_not_kept)
			fprintf(stderr, "smtpscope: --evidence %s: %llu packets of flagged sessions were not kept "
				"(buffer limits or --memcap; doc/evidence.md)\n", a->opt.evidence_dir,
				(unsigned long long)es.packets_not_kept);
		if (!evidence_close(a->evidence))
			rc = 2;
		a->evidence = NULL;
	}
	if (a->fullcap && !full_capture_close(a->fullcap))
		rc = 2;
	a->fullcap = NULL;
	return rc;
}

static int open_output(struct app *a)
{
	a->out = stdout;
	if (a->opt.output) {
		a->out = fopen(a->opt.output, "w");
		if (!a->out) {
			fprintf(stderr, "smtpscope: %s: %s\n", a->opt.output, strerror(errno));
			return 2;
		}
	}
	return 0;
}


/* The host tables get at most a quarter of --memcap, the rest is for the
 * connections: past that, hosts are counted as dropped (stats record). */
static uint32_t host_cap(size_t memcap)
{
	size_t n = memcap / 4 / hm_entry_cost();
	return n < 1000 ? 1000 : n > 1000000 ? 1000000 : (uint32_t)n;
}

/* The outputs this run writes, in the order they see each event; the ones
 * that keep finished sessions (bundle store, dashboard model) come last.
 * The metrics file and the evidence writer were registered when opened. */
static void add_outputs(struct app *a)
{
	struct outputs *o = &a->pipe.outs;
	if (a->json) {
		a->json_out = json_output_new(a->out, a->live, a->opt.transcript);
		output_add(o, &json_output_ops, a->json_out);
	} else if (a->opt.format == FMT_CSV && !a->tui) {
		output_add(o, &csv_output_ops, csv_output_new(a->out));
	} else if (!a->tui) {
		a->text_out = text_output_new(a->out);
		text_output_set_transcripts(a->text_out, a->opt.transcript);
		output_add(o, &text_output_ops, a->text_out);
	}
	if (a->bundle_model)
		output_add(o, &bundle_output_ops, a);
	if (a->model)
		output_add(o, &model_output_ops, a->model);
}

static int run(struct app *a)
{
	a->tui = wants_tui(a);
	a->json = !a->tui && (a->opt.format == FMT_JSON || (a->opt.format == FMT_DEFAULT && a->live));
	struct host_model_config hc = {
		.on_status = pipeline_host_status,
		.status_ctx = &a->pipe,
		.geo = a->geo,
		.gateway = a->opt.gateway,
		.ngateway = a->opt.ngateway,
		.window_us = 3600LL * 1000000,
		.max_hosts = host_cap(a->opt.memcap),
	};
	a->pipe.hm = hm_new(&hc);
	if (a->metrics_out) /* which side is the gateway: the direction label */
		metrics_output_set_model(a->metrics_out, a->pipe.hm);
	a->pipe.triplets = ea_new();
	a->pipe.paths = pm_new();
	if (!a->opt.no_queue)
		pipeline_queue_init(&a->pipe, a->opt.memcap, &a->opt.sched);
	if (a->json && !a->opt.transcript && !a->opt.bundle_dir) {
		/* nothing will print a dialogue: do not keep one */
		a->opt.dec.smtp.tr_head = 0;
		a->opt.dec.smtp.tr_tail = 0;
	}
	if (a->tui) {
		/* the ladder shows whole dialogues */
		a->opt.dec.smtp.tr_head = 32;
		a->opt.dec.smtp.tr_tail = 32;
	}
	if (a->tui) {
		a->model = model_new(a->pipe.hm, 20000, 10000);
		a->model->mt = a->pipe.mt;
		a->model->mq = a->pipe.mq;
	}
	else if (a->opt.bundle_dir)
		a->bundle_model = model_new(a->pipe.hm, BUNDLE_KEEP_SESSIONS, BUNDLE_KEEP_ALERTS);
	add_outputs(a);
	a->opt.dec.live = a->live; /* live: a timed-out session is reported at once */
	a->dec = dec_new(&a->opt.dec, pipeline_sink(&a->pipe));
	a->pipe.dec = a->dec;
	int rc = a->tui ? app_run_tui(a) : app_run_batch(a);
	int orc = pipeline_close(&a->pipe);
	dec_free(a->dec);
	model_free(a->model);
	model_free(a->bundle_model);
	hm_free(a->pipe.hm);
	ea_free(a->pipe.triplets);
	pm_free(a->pipe.paths);
	pipeline_queue_free(&a->pipe);
	return rc ? rc : orc;
}

/* --metrics-file and --metrics-listen: the file written once and the
 * socket bound before -Z (a path that cannot be written or an address that
 * cannot be bound stops the run at once), then an output like the others. */
static int open_metrics(struct app *a)
{
	if (!a->opt.metrics_file && !a->opt.metrics_listen)
		return 0;
	char err[512];
	struct metrics_output *mo = metrics_output_open(a->opt.metrics_file, a->opt.metrics_listen,
							a->opt.metrics_interval, a->opt.metrics_hosts,
							a->opt.memcap, err, sizeof err);
	if (!mo) {
		fprintf(stderr, "smtpscope: %s\n", err);
		return 2;
	}
	output_add(&a->pipe.outs, &metrics_output_ops, mo);
	a->metrics_out = mo;
	return 0;
}

static struct rule_set *read_rules(const struct options *o, char *err, size_t errlen)
{
	return rules_load_base("(built-in default.rules)",
			       o->no_default_rules ? NULL : smtpscope_default_rules, o->rule_files,
			       o->nrule_files, o->disabled_rules, o->ndisabled_rules, err, errlen);
}

/* Built-in rules, then --rules files; a bad file stops everything (exit 1). */
static int load_rules(struct app *a)
{
	char err[512];
	a->pipe.rules = read_rules(&a->opt, err, sizeof err);
	if (!a->pipe.rules) {
		fprintf(stderr, "smtpscope: %s\n", err);
		return 1;
	}
	return 0;
}

/* SIGHUP: the rule files again; on an error the old rules stay in force. */
void app_reload_rules(struct app *a)
{
	char err[512];
	struct rule_set *rs = read_rules(&a->opt, err, sizeof err);
	if (!rs) {
		fprintf(stderr, "smtpscope: SIGHUP: %s (keeping the rules in force)\n", err);
		return;
	}
	rules_free(a->pipe.rules);
	a->pipe.rules = rs;
	fprintf(stderr, "smtpscope: SIGHUP: %zu rules reloaded\n", rules_count(rs));
}

int main(int argc, char **argv)
{
	struct app a;
	memset(&a, 0, sizeof a);
	switch (opt_parse(&a.opt, argc, argv)) {
	case OPT_EXIT_OK:
		return 0;
	case OPT_EXIT_USAGE:
		return 1;
	case OPT_RUN:
		break;
	}
	if (a.opt.list_interfaces) {
		char err[512];
		int rc = cap_list_interfaces(stdout, err, sizeof err);
		if (rc != 0)
			fprintf(stderr, "smtpscope: %s\n", err);
		opt_free(&a.opt);
		return rc ? 2 : 0;
	}
	/* the dashboard asked for by name (--tui, --replay) without a terminal
	 * to draw on is a usage mistake: say it before reading anything */
	if (a.opt.tui && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "smtpscope: %s needs a terminal (for a report: --format text or json)\n",
			a.opt.replay_speed > 0 ? "--replay" : "--tui");
		opt_free(&a.opt);
		return 1;
	}
	mem_acct.cap = a.opt.memcap;
	char *filter = NULL;
	int rc = load_rules(&a);
	if (rc == 0 && a.opt.check_rules) {
		rules_list(a.pipe.rules, stdout);
		printf("%zu rules enabled\n", rules_count(a.pipe.rules));
		rules_free(a.pipe.rules);
		opt_free(&a.opt);
		return 0;
	}
	if (rc == 0)
		rc = open_input(&a, &filter);
	if (rc == 0 && a.opt.geoip) {
		char err[512];
		a.geo = geo_open(a.opt.geoip, err, sizeof err);
		if (!a.geo) {
			fprintf(stderr, "smtpscope: %s\n", err);
			rc = 2;
		}
	}
	if (rc == 0)
		rc = open_output(&a);
	if (rc == 0)
		rc = open_metrics(&a); /* --metrics-file writable, --metrics-listen bound, before -Z */
	if (rc == 0)
		rc = open_full_capture(&a);
	if (rc == 0 && a.opt.user)
		rc = drop_privileges(a.opt.user);
	if (rc == 0)
		rc = open_evidence(&a);
	if (rc == 0)
		rc = run(&a);
	int erc = close_evidence(&a);
	if (rc == 0)
		rc = erc;
	if (a.out && a.out != stdout)
		fclose(a.out);
	if (a.cap)
		cap_close(a.cap);
	free(a.input_stats);
	geo_close(a.geo);
	pipeline_close(&a.pipe); /* outputs opened before a run that did not start */
	rules_free(a.pipe.rules);
	free(filter);
	opt_free(&a.opt);
	return rc;
}
