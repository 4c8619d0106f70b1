/* metrics_output.c — the Prometheus metrics as an output: the file and
 * the HTTP listener. */
#include "config.h"

#include "ui/output/metrics_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/rule_lang.h"
#include "ui/output/metrics.h"
#include "ui/output/metrics_http.h"

struct metrics_output {
	struct metrics *m;
	struct metrics_http *http;  /* --metrics-listen, NULL without */
	struct host_model *hm;      /* for the direction; NULL before the run */
	char *path;                 /* --metrics-file, NULL without */
	bool failing;               /* the last periodic write failed: said once */
	bool final_failed;          /* the final write failed: exit 2 at close */
};

static void free_output(struct metrics_output *mo)
{
	metrics_http_stop(mo->http);
	metrics_free(mo->m);
	free(mo->path);
	free(mo);
}

struct metrics_output *metrics_output_open(const char *path, const char *listen, unsigned interval_s,
					   unsigned top_hosts, size_t memcap, char *err, size_t errlen)
{
	struct metrics_output *mo = xcalloc(1, sizeof *mo);
	mo->m = metrics_new(path, interval_s, top_hosts);
	mo->path = path ? xstrdup(path) : NULL;
	/* nothing decoded yet: the zero figures, to prove the path works and
	 * so that a scrape before the first packet has an answer */
	struct dec_stats none;
	memset(&none, 0, sizeof none);
	struct metrics_view v = { .dec = &none, .memcap = memcap };
	if (path && metrics_write(mo->m, &v, err, errlen) != 0) {
		free_output(mo);
		return NULL;
	}
	if (listen) {
		metrics_publish(mo->m, &v);
		mo->http = metrics_http_start(listen, mo->m, err, errlen);
		if (!mo->http) {
			free_output(mo);
			return NULL;
		}
	}
	return mo;
}

void metrics_output_set_model(struct metrics_output *mo, struct host_model *hm)
{
	mo->hm = hm;
}

static void view_of(const struct run_summary *sum, struct metrics_view *v)
{
	*v = (struct metrics_view){
		.dec = sum->dec,
		.cap = sum->cap,
		.hm = sum->hm,
		.memory_used = sum->memory_used,
		.memory_peak = sum->memory_peak,
		.memcap = sum->memcap,
		.hosts_dropped = sum->hosts_dropped,
		.mq = sum->mq,
		.now = sum->now,
	};
}

bool metrics_output_wanted(const struct metrics_output *mo)
{
	return mo->http && metrics_publish_due(mo->m);
}

void metrics_output_publish(struct metrics_output *mo, const struct run_summary *sum)
{
	if (!mo->http)
		return;
	struct metrics_view v;
	view_of(sum, &v);
	metrics_publish(mo->m, &v);
}

static int write_now(struct metrics_output *mo, const struct run_summary *sum, char *err,
		     size_t errlen)
{
	struct metrics_view v;
	view_of(sum, &v);
	return metrics_write(mo->m, &v, err, errlen);
}

static bool on_session_end(void *self, struct smtp_session *s)
{
	struct metrics_output *mo = self;
	/* outbound when the gateway is the client (DESIGN.md "remote host"),
	 * as the pipeline decides it for the rules */
	bool outbound = !mo->hm || !hm_is_gateway(mo->hm, &s->server);
	metrics_session_end(mo->m, s, outbound);
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

static void on_alert(void *self, const struct alert *al)
{
	struct metrics_output *mo = self;
	if (!al->update) /* an update is the same alert grown, not one more */
		metrics_alert(mo->m, al->rule, al->severity);
}

/* Live: the file every --metrics-interval (a failure is reported on
 * stderr once, until a write succeeds again), and a snapshot for the
 * listener when it waits for one. */
static void on_tick(void *self, int64_t now_us, const struct run_summary *sum)
{
	struct metrics_output *mo = self;
	if (metrics_output_wanted(mo))
		metrics_output_publish(mo, sum);
	if (!mo->path || !metrics_due(mo->m, now_us))
		return;
	char err[512];
	int rc = write_now(mo, sum, err, sizeof err);
	if (rc != 0 && !mo->failing)
		fprintf(stderr, "smtpscope: warning: %s (will retry)\n", err);
	else if (rc == 0 && mo->failing)
		fprintf(stderr, "smtpscope: %s written again\n", mo->path);
	mo->failing = rc != 0;
}

/* The end of the run: the final figures, for the last scrape and the file.
 * A final write that fails loses the run's figures (the file keeps an
 * earlier write, at start all zero): reported, and exit 2 (at close). */
static int on_state(void *self, const struct run_summary *sum)
{
	struct metrics_output *mo = self;
	if (!sum->final)
		return 0;
	metrics_output_publish(mo, sum);
	if (!mo->path)
		return 0;
	char err[512];
	if (write_now(mo, sum, err, sizeof err) != 0) {
		fprintf(stderr, "smtpscope: %s\n", err);
		mo->final_failed = true;
		return 2;
	}
	return 0;
}

static int on_close(void *self)
{
	struct metrics_output *mo = self;
	int rc = mo->final_failed ? 2 : 0;
	free_output(mo);
	return rc;
}

const struct output_ops metrics_output_ops = {
	.name = "metrics",
	.session_end = on_session_end,
	.reply = on_reply,
	.alert = on_alert,
	.tick = on_tick,
	.state = on_state,
	.close = on_close,
};
