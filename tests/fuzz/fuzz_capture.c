/* fuzz_capture.c — whole capture files through the whole pipeline.
 *
 * The input is the bytes of a capture file (pcap, pcapng, either gzipped):
 * cap_open (through a memfd, so capture.c's own file handling, gzip
 * detection and read-error accounting run as they do for -r FILE), then the
 * decoder, the host model, the built-in rules (evaluated on every event as
 * ui/sink.c does, alerts written as JSON), and both outputs: JSON lines
 * (checked to be valid JSON in UTF-8) and the text report (checked to be
 * terminal-safe).
 * Inputs of odd length go through the dashboard's path instead: the model
 * takes the finished sessions (the decoder shrinks them) and they are
 * written as JSON from there.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "rules/default_rules.h"
#include "fuzz.h"
#include "rules/host_model.h"
#include "ui/output/json_out.h"
#include "ui/output/json_writer.h"
#include "decode/mem.h"
#include "rules/model.h"
#include "rules/rule_event.h"
#include "rules/rule_lang.h"
#include "ui/output/text_report.h"

/* Small enough that eviction runs on fuzz-sized inputs. */
#define FUZZ_MEMCAP (4u << 20)

struct run {
	struct decoder *dec;
	int linktype;
	struct host_model *hm;
	struct rule_set *rules;
	uint64_t alerts;
	struct model *model;
	struct report *rep;
	struct jw jw;
};

/* --- rules, as ui/sink.c feeds them --- */

static void on_alert(void *ctx, const struct alert *al)
{
	struct run *r = ctx;
	FZ_CHECK(al->rule && al->severity && al->message, "alert with a NULL string");
	FZ_CHECK(al->count >= 1, "alert with count 0");
	r->alerts++;
	json_alert(&r->jw, al);
	if (r->rep)
		rep_alert(r->rep, al->rule, al->severity, al->ts_us, al->host, al->message, al->count);
}

static void event_for(struct run *r, struct rule_event *ev, enum rule_event_type type, int64_t ts,
		      const struct smtp_session *s)
{
	memset(ev, 0, sizeof *ev);
	ev->type = type;
	ev->ts_us = ts;
	ev->session = s;
	if (!s)
		return;
	ev->outbound = !hm_is_gateway(r->hm, &s->server);
	ev->host = ev->outbound ? hm_find(r->hm, &s->server, ROLE_SERVER)
				: hm_find(r->hm, &s->client, ROLE_CLIENT);
}

static void on_host_status(void *ctx, const struct host_entry *e, enum host_status old)
{
	struct run *r = ctx;
	FZ_CHECK(e->status < HS__COUNT && old < HS__COUNT, "host status %d -> %d", (int)old,
		 (int)e->status);
	if (hm_is_gateway(r->hm, &e->addr))
		return;
	struct rule_event ev;
	event_for(r, &ev, EV_HOST_STATUS, e->last_attempt, NULL);
	ev.host = e;
	ev.outbound = e->role == ROLE_SERVER;
	ev.old_status = old;
	ev.new_status = e->status;
	rules_eval(r->rules, &ev, on_alert, r);
	json_host(&r->jw, e);
}

static void on_start(void *ctx, const struct smtp_session *s)
{
	struct run *r = ctx;
	hm_session_start(r->hm, s);
	if (r->model)
		model_session_start(r->model, s);
}

static void on_reply(void *ctx, const struct smtp_session *s, const struct smtp_reply *rp,
		     const char *verb, int64_t cmd_ts)
{
	struct run *r = ctx;
	FZ_CHECK(memchr(rp->text, '\0', sizeof rp->text) != NULL, "reply text not terminated");
	FZ_CHECK(strlen(verb) < 64, "verb of %zu bytes", strlen(verb));
	struct rule_event ev;
	event_for(r, &ev, EV_REPLY, rp->ts_us, s);
	ev.reply = rp;
	ev.verb = verb;
	ev.latency_us = cmd_ts ? rp->ts_us - cmd_ts : 0;
	rules_eval(r->rules, &ev, on_alert, r);
}

static void on_txn_end(void *ctx, const struct smtp_session *s, const struct smtp_txn *t)
{
	struct run *r = ctx;
	FZ_CHECK(t->outcome != OUT_OPEN, "txn_end with an open outcome");
	struct rule_event ev;
	struct msg_history hist;
	event_for(r, &ev, EV_TXN_END, t->end_ts, s);
	hm_message_history(r->hm, s, t, &hist);
	ev.txn = t;
	ev.msg = &hist;
	rules_eval(r->rules, &ev, on_alert, r);
}

static void on_tcp(void *ctx, const struct smtp_session *s, const char *what, enum side side,
		   uint64_t value)
{
	struct run *r = ctx;
	struct rule_event ev;
	event_for(r, &ev, EV_TCP, dec_get_stats(r->dec)->last_ts, s);
	ev.tcp_what = what;
	ev.tcp_side = side;
	ev.tcp_value = value;
	rules_eval(r->rules, &ev, on_alert, r);
}

static bool on_end(void *ctx, struct smtp_session *s)
{
	struct run *r = ctx;
	FZ_CHECK(s->end_reason != END_NONE, "session ended without a reason");
	hm_session_end(r->hm, s);
	struct rule_event ev;
	event_for(r, &ev, EV_SESSION_END, s->end_ts, s);
	rules_eval(r->rules, &ev, on_alert, r);
	if (r->model) {
		model_session_end(r->model, s);
		return true;
	}
	json_session(&r->jw, s, true);
	rep_session_end(r->rep, s);
	return false;
}

static int memfd = -1;
static char memfd_path[64];

static void load(const uint8_t *data, size_t size)
{
	if (memfd < 0) {
		memfd = memfd_create("fuzz-capture", 0);
		if (memfd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0)
		abort();
	size_t off = 0;
	while (off < size) {
		ssize_t w = pwrite(memfd, data + off, size - off, (off_t)off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
}

static void final_records(struct run *r, struct cap_source *cs, const struct decoder *dec)
{
	struct cap_stats st;
	cap_get_stats(cs, &st);
	const struct host_entry **hosts;
	size_t n = hm_hosts(r->hm, &hosts);
	for (size_t i = 0; i < n; i++)
		json_host(&r->jw, hosts[i]);
	n = hm_domains(r->hm, &hosts);
	for (size_t i = 0; i < n; i++)
		json_domain(&r->jw, hosts[i]);
	struct stats_view v = {
		.source = cap_describe(cs),
		.linktype = cap_linktype_name(cs),
		.cap = &st,
		.dec = dec_get_stats(dec),
		.memory_used = mem_acct.used,
		.memory_peak = mem_acct.peak,
		.memcap = mem_acct.cap,
		.hosts_dropped = hm_hosts_dropped(r->hm),
	};
	json_stats(&r->jw, &v);
	if (r->rep) {
		struct report_context rc = {
			.source = v.source, .linktype = v.linktype, .cap = &st,
			.dec = v.dec, .hm = r->hm, .memory_peak = mem_acct.peak,
		};
		char *text = NULL;
		size_t tlen = 0;
		FILE *tf = open_memstream(&text, &tlen);
		if (!tf)
			abort();
		rep_print(r->rep, tf, &rc);
		fclose(tf);
		fz_check_terminal_text(text, tlen);
		free(text);
	}
	if (r->model) {
		for (size_t i = 0; i < model_done_count(r->model); i++)
			json_session(&r->jw, model_done(r->model, i), true);
	}
}

static void on_packet(void *ctx, int64_t ts, const uint8_t *data, uint32_t caplen,
		      uint32_t wirelen)
{
	struct run *r = ctx;
	dec_packet(r->dec, r->linktype, ts, data, caplen, wirelen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size);
	mem_acct.cap = FUZZ_MEMCAP;
	size_t mem_before = mem_acct.used;

	struct cap_options co = { .file = memfd_path };
	char err[512];
	struct cap_source *cs = cap_open(&co, err, sizeof err);
	if (!cs) {
		FZ_CHECK(err[0] != '\0' && !strchr(err, '\n'), "cap_open failed without one line of reason");
		return 0;
	}

	struct run r = { .linktype = cap_linktype(cs) };
	/* Loaded per input: aggregation state must not leak between inputs. */
	r.rules = rules_load_string("(built-in default.rules)", smtpscope_default_rules, err,
				    sizeof err);
	FZ_CHECK(r.rules != NULL, "the built-in rules do not load: %s", err);
	struct host_model_config hc = { .window_us = 3600LL * 1000000, .max_hosts = 64,
					.on_status = on_host_status, .status_ctx = &r };
	r.hm = hm_new(&hc);
	if (size & 1)
		r.model = model_new(r.hm, 16, 16);
	else
		r.rep = rep_new();
	char *json = NULL;
	size_t jlen = 0;
	FILE *jf = open_memstream(&json, &jlen);
	if (!jf)
		abort();
	jw_init(&r.jw, jf);

	struct dec_config cfg;
	dec_config_default(&cfg);
	cfg.smtp.tr_head = 32;
	cfg.smtp.tr_tail = 32;
	struct dec_sink sink = {
		.ctx = &r, .session_start = on_start, .reply = on_reply, .tcp = on_tcp,
		.txn_end = on_txn_end, .session_end = on_end,
	};
	r.dec = dec_new(&cfg, &sink);
	enum cap_status st = cap_run(cs, 0, on_packet, NULL, &r);
	FZ_CHECK(st == CAP_END || st == CAP_BROKEN, "cap_run returned %d", (int)st);
	dec_finish(r.dec);
	const struct dec_stats *ds = dec_get_stats(r.dec);
	FZ_CHECK(ds->sessions_open == 0, "%llu sessions open after dec_finish",
		 (unsigned long long)ds->sessions_open);
	final_records(&r, cs, r.dec);
	fclose(jf);
	fz_check_json_lines(json, jlen);
	free(json);

	dec_free(r.dec);
	rules_free(r.rules);
	model_free(r.model);
	rep_free(r.rep);
	hm_free(r.hm);
	cap_close(cs);
	/* Everything charged to --memcap was released: accounting does not
	 * drift (a live capture runs for weeks on the same counters). */
	FZ_CHECK(mem_acct.used == mem_before, "memory accounting drifted by %zd bytes",
		 (ssize_t)(mem_acct.used - mem_before));
	return 0;
}
