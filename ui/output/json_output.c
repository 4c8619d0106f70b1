/* json_output.c — the JSON lines writer as an output. */
#include "config.h"

#include "ui/output/json_output.h"

#include <stdlib.h>
#include <unistd.h>

#include "decode/mem.h"
#include "ui/output/alert_updates.h"
#include "ui/output/json_out.h"
#include "ui/output/json_writer.h"

struct json_output {
	struct jw jw;
	FILE *out;
	bool live;        /* a reader may be tailing the file: flush per record */
	bool transcript;  /* --transcript */
	int64_t now_us;   /* live: the clock of the last tick (for next_retry_overdue) */
	struct alert_updates *updates; /* which update records to write, and when */
};

static void flush_if_live(struct json_output *jo);

static void write_alert(void *ctx, const struct alert *al)
{
	struct json_output *jo = ctx;
	json_alert(&jo->jw, al);
	flush_if_live(jo);
}

struct json_output *json_output_new(FILE *out, bool live, bool transcript)
{
	struct json_output *jo = xcalloc(1, sizeof *jo);
	jo->updates = au_new(write_alert, jo);
	jw_init(&jo->jw, out);
	/* Whole buffers to stdio, flushed by on_state and on_close; but a
	 * terminal, which stdio writes a line at a time, keeps seeing each
	 * record as it ends. */
	jo->jw.batch = !live && !isatty(fileno(out));
	jo->out = out;
	jo->live = live;
	jo->transcript = transcript;
	return jo;
}

void json_output_set_file(struct json_output *jo, FILE *out)
{
	jw_flush(&jo->jw); /* a record cut short stays in the file it began in */
	jo->out = out;
	jo->jw.out = out;
}

static void flush_if_live(struct json_output *jo)
{
	if (jo->live)
		fflush(jo->out);
}

static bool on_session_end(void *self, struct smtp_session *s)
{
	struct json_output *jo = self;
	au_clock(jo->updates, s->end_ts);
	json_session(&jo->jw, s, jo->transcript);
	flush_if_live(jo);
	return false;
}

static void on_alert(void *self, const struct alert *al)
{
	struct json_output *jo = self;
	au_alert(jo->updates, al); /* alert_updates.h: a growing alert's records are spaced */
}

static void on_gateway_changed(void *self, const struct gateway *g, int64_t ts_us)
{
	struct json_output *jo = self;
	json_gateway(&jo->jw, g, ts_us);
	flush_if_live(jo);
}

static void on_host_status(void *self, const struct host_entry *e)
{
	struct json_output *jo = self;
	if (!jo->live)
		return; /* a file gets every host once, at the end */
	json_host(&jo->jw, e, jo->now_us);
	fflush(jo->out);
}

static void on_tick(void *self, int64_t now_us, const struct run_summary *sum)
{
	struct json_output *jo = self;
	(void)sum;
	jo->now_us = now_us;
	au_clock(jo->updates, now_us);
}

static int on_state(void *self, const struct run_summary *sum)
{
	struct json_output *jo = self;
	if (sum->final)
		au_finish(jo->updates); /* the last record of every alert is its final state */
	const struct host_entry **hosts;
	size_t n = hm_hosts(sum->hm, &hosts);
	/* now: the last packet, or the live clock if it has gone further */
	int64_t now = sum->dec ? sum->dec->last_ts : 0;
	if (jo->now_us > now)
		now = jo->now_us;
	for (size_t i = 0; i < n; i++)
		json_host(&jo->jw, hosts[i], now);
	n = hm_domains(sum->hm, &hosts);
	for (size_t i = 0; i < n; i++)
		json_domain(&jo->jw, hosts[i], sum->mq, sum->now);
	/* message records once, at the end: periodic live state would repeat
	 * the whole table every --stats-interval */
	const struct mt_message **msgs;
	n = sum->mt && sum->final ? mt_messages(sum->mt, &msgs) : 0;
	for (size_t i = 0; i < n; i++)
		json_message(&jo->jw, msgs[i], sum->mq);
	struct mt_stats ms;
	if (sum->mt)
		mt_get_stats(sum->mt, &ms);
	struct stats_view v = {
		.source = sum->source,
		.linktype = sum->linktype,
		.cap = sum->cap,
		.inputs = sum->inputs,
		.ninputs = sum->ninputs,
		.dec = sum->dec,
		.memory_used = sum->memory_used,
		.memory_peak = sum->memory_peak,
		.memcap = sum->memcap,
		.hosts_dropped = sum->hosts_dropped,
		.alerts = sum->alerts,
		.rule_groups_evicted = sum->rule_groups_evicted,
		.triplets_used = sum->triplets_used,
		.triplets_tracked = sum->triplets_tracked,
		.triplets_evicted = sum->triplets_evicted,
		.evidence = sum->evidence,
		.full_capture = sum->full_capture,
		.sessions_stalled = sum->sessions_stalled,
		.interrupted = sum->interrupted,
		.gateway = hm_gateway(sum->hm),
		.messages = sum->mt ? &ms : NULL,
	};
	json_stats(&jo->jw, &v);
	jw_flush(&jo->jw); /* the caller flushes out and checks it next */
	flush_if_live(jo);
	return 0;
}

static int on_close(void *self)
{
	struct json_output *jo = self;
	jw_flush(&jo->jw);
	au_free(jo->updates);
	free(jo); /* the file is the caller's */
	return 0;
}

const struct output_ops json_output_ops = {
	.name = "json",
	.session_end = on_session_end,
	.alert = on_alert,
	.gateway_changed = on_gateway_changed,
	.host_status = on_host_status,
	.tick = on_tick,
	.state = on_state,
	.close = on_close,
};
