/* run_batch.c — analyse a file (or a headless live capture) and write the
 * JSON records or the text report. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "ui/app.h"
#include "ui/bundle.h"
#include "capture/evidence.h"
#include "capture/full_capture.h"
#include "ui/output/json_output.h"
#include "ui/output/text_output.h"
#include "decode/mem.h"
#include "rules/rule_lang.h"

/* Every output's records of the run so far: live every --stats-interval,
 * and once at the end (final). */
void app_emit_state(struct app *a, bool final)
{
	struct run_summary sum;
	struct cap_stats cs;
	struct evidence_stats es;
	struct full_capture_stats fs;
	/* a full disk shows at the flush: in the stats record, not after it */
	if (final && a->evidence)
		evidence_flush(a->evidence);
	app_summary(a, &sum, &cs, &es, &fs, final);
	pipeline_state(&a->pipe, &sum);
}

/* logrotate: the file was moved away; write to a fresh one at the same path */
static void reopen_output(struct app *a)
{
	if (!a->opt.output)
		return;
	FILE *f = fopen(a->opt.output, "a");
	if (!f) {
		fprintf(stderr, "smtpscope: SIGHUP: %s: %s (still writing to the old file)\n",
			a->opt.output, strerror(errno));
		return;
	}
	FILE *old = a->out;
	a->out = f;
	/* the outputs first: what the JSON writer still holds (a file read in
	 * batch keeps up to 8 KiB of records) belongs to the old file */
	if (a->json_out)
		json_output_set_file(a->json_out, f);
	if (a->text_out)
		text_output_set_file(a->text_out, f);
	fclose(old);
}

void app_on_hup(struct app *a)
{
	reopen_output(a);
	app_reload_rules(a);
}

/* SIGINT/SIGTERM while a file (or stdin) was being read: the outputs have
 * what was read; say so, and exit as a shell expects of a process stopped
 * by that signal (128 + its number), not 0 as if the file had ended. */
static int report_interrupted(struct app *a, const struct cap_stats *cs)
{
	const char *name = strcmp(a->opt.cap.file, "-") == 0 ? "stdin" : a->opt.cap.file;
	fprintf(stderr, "smtpscope: %s: interrupted by %s after %llu packets; "
		"the output covers those\n", name, a->interrupted_by == SIGINT ? "SIGINT" : "SIGTERM",
		(unsigned long long)cs->packets);
	return 128 + a->interrupted_by;
}

void app_live_tick(struct app *a, int64_t now_us)
{
	if (!a->opt.stats_interval)
		return;
	if (a->next_stats_us == 0)
		a->next_stats_us = now_us + (int64_t)a->opt.stats_interval * 1000000;
	if (now_us < a->next_stats_us)
		return;
	a->next_stats_us = now_us + (int64_t)a->opt.stats_interval * 1000000;
	app_emit_state(a, false);
	fflush(a->out);
}

int app_run_batch(struct app *a)
{
	app_install_signals(a);
	enum cap_status st = app_capture_run(a); /* the gateway decided first */
	app_clear_signals();
	/* live: a signal is how a capture ends (tcpdump's exit 0); a file
	 * stopped by one was cut short */
	if (st == CAP_STOPPED && !a->live)
		a->interrupted_by = app_stop_signal();
	dec_finish(a->dec);
	pipeline_queue_finish(&a->pipe);

	app_emit_state(a, true);
	struct cap_stats cs;
	cap_get_stats(a->cap, &cs);
	if (fflush(a->out) != 0 || ferror(a->out)) {
		fprintf(stderr, "smtpscope: writing output: %s\n", strerror(errno));
		return 2;
	}
	/* a truncated capture still gets its bundles: analysed up to the cut */
	int brc = a->opt.bundle_dir ? bundle_write_all(a) : 0;
	app_gateway_warn_unmatched(a);
	if (a->live)
		/* tcpdump's exit summary: was anything lost on the way in? */
		fprintf(stderr, "%llu packets captured, %llu dropped by kernel, %llu dropped by interface, "
			"%llu holes acknowledged but not captured\n", (unsigned long long)cs.packets,
			(unsigned long long)cs.dropped_kernel, (unsigned long long)cs.dropped_iface,
			(unsigned long long)dec_get_stats(a->dec)->acked_unseen);
	int rc = app_report_broken(a, st, &cs);
	if (!rc && a->interrupted_by)
		rc = report_interrupted(a, &cs);
	return rc ? rc : brc;
}
