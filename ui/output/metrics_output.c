/* metrics_output.c — the Prometheus textfile as an output. */
#include "config.h"

#include "ui/output/metrics_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/rule_lang.h"
#include "ui/output/metrics.h"

struct metrics_output {
	struct metrics *m;
	char *path;
	bool failing; /* the last write failed: said once, until one succeeds */
};

struct metrics_output *metrics_output_open(const char *path, unsigned interval_s, unsigned top_hosts,
					   size_t memcap, char *err, size_t errlen)
{
	struct metrics_output *mo = xcalloc(1, sizeof *mo);
	mo->m = metrics_new(path, interval_s, top_hosts);
	mo->path = xstrdup(path);
	/* nothing decoded yet: the zero figures, to prove the path works */
	struct dec_stats none;
	memset(&none, 0, sizeof none);
	struct metrics_view v = { .dec = &none, .memcap = memcap };
	if (metrics_write(mo->m, &v, err, errlen) != 0) {
		metrics_free(mo->m);
		free(mo->path);
		free(mo);
		return NULL;
	}
	return mo;
}

static int write_now(struct metrics_output *mo, const struct run_summary *sum, char *err,
		     size_t errlen)
{
	struct metrics_view v = {
		.dec = sum->dec,
		.cap = sum->cap,
		.hm = sum->hm,
		.memory_used = sum->memory_used,
		.memory_peak = sum->memory_peak,
		.memcap = sum->memcap,
		.hosts_dropped = sum->hosts_dropped,
	};
	return metrics_write(mo->m, &v, err, errlen);
}

static bool on_session_end(void *self, struct smtp_session *s)
{
	struct metrics_output *mo = self;
	metrics_session_end(mo->m, s);
	return false;
}

static void on_reply(void *self, const struct smtp_session *s, const struct smtp_reply *r,
		     const char *verb)
{
	struct metrics_output *mo = self;
	(void)s;
	(void)verb;
	metrics_reply(mo->m, r);
}

static void on_txn_end(void *self, const struct smtp_session *s, const struct smtp_txn *t)
{
	struct metrics_output *mo = self;
	(void)s;
	metrics_txn_end(mo->m, t);
}

static void on_alert(void *self, const struct alert *al)
{
	struct metrics_output *mo = self;
	metrics_alert(mo->m, al->rule, al->severity);
}

/* Live: the file every --metrics-interval; a failure is reported on stderr
 * once, until a write succeeds again. */
static void on_tick(void *self, int64_t now_us, const struct run_summary *sum)
{
	struct metrics_output *mo = self;
	if (!metrics_due(mo->m, now_us))
		return;
	char err[512];
	int rc = write_now(mo, sum, err, sizeof err);
	if (rc != 0 && !mo->failing)
		fprintf(stderr, "smtpscope: warning: %s (will retry)\n", err);
	else if (rc == 0 && mo->failing)
		fprintf(stderr, "smtpscope: %s written again\n", mo->path);
	mo->failing = rc != 0;
}

/* The end of the run: the final figures. */
static int on_state(void *self, const struct run_summary *sum)
{
	struct metrics_output *mo = self;
	if (!sum->final)
		return 0;
	char err[512];
	if (write_now(mo, sum, err, sizeof err) != 0) {
		fprintf(stderr, "smtpscope: warning: %s\n", err);
		return 0;
	}
	return 0;
}

static int on_close(void *self)
{
	struct metrics_output *mo = self;
	metrics_free(mo->m);
	free(mo->path);
	free(mo);
	return 0;
}

const struct output_ops metrics_output_ops = {
	.name = "metrics",
	.session_end = on_session_end,
	.reply = on_reply,
	.txn_end = on_txn_end,
	.alert = on_alert,
	.tick = on_tick,
	.state = on_state,
	.close = on_close,
};
