/* fuzz_capture.c — whole capture files through the whole pipeline.
 *
 * The input is the bytes of a capture file (pcap, pcapng, either gzipped):
 * cap_open (through a memfd, so capture.c's own file handling, gzip
 * detection and read-error accounting run as they do for -r FILE), then the
 * decoder, the host model, the message tracker, the built-in rules and the
 * outputs, through the
 * program's own pipeline (ui/pipeline.c, wired as ui/main.c wires it, plus
 * an output that checks invariants on every event): JSON lines
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
#include "rules/envelope_attempts.h"
#include "fuzz.h"
#include "rules/host_model.h"
#include "ui/output/json_out.h"
#include "ui/output/json_writer.h"
#include "decode/mem.h"
#include "rules/model.h"
#include "rules/path_memory.h"
#include "rules/rule_lang.h"
#include "ui/output/json_output.h"
#include "ui/output/model_output.h"
#include "ui/output/text_output.h"
#include "ui/pipeline.h"

/* Small enough that eviction runs on fuzz-sized inputs. */
#define FUZZ_MEMCAP (4u << 20)

/* --- the invariants, checked as an output of the same pipeline ------------ */

static void check_reply(void *self, const struct smtp_session *s, const struct smtp_reply *rp,
			const char *verb)
{
	(void)self;
	(void)s;
	FZ_CHECK(memchr(rp->text, '\0', sizeof rp->text) != NULL, "reply text not terminated");
	FZ_CHECK(strlen(verb) < 64, "verb of %zu bytes", strlen(verb));
}

static void check_txn_end(void *self, const struct smtp_session *s, const struct smtp_txn *t)
{
	(void)self;
	(void)s;
	FZ_CHECK(t->outcome != OUT_OPEN, "txn_end with an open outcome");
}

static bool check_session_end(void *self, struct smtp_session *s)
{
	(void)self;
	FZ_CHECK(s->end_reason != END_NONE, "session ended without a reason");
	return false;
}

static void check_alert(void *self, const struct alert *al)
{
	(void)self;
	FZ_CHECK(al->rule && al->message, "alert with a NULL string");
	FZ_CHECK(al->severity <= SEV_CRITICAL, "alert severity %d", (int)al->severity);
	FZ_CHECK(al->count >= 1, "alert with count 0");
	FZ_CHECK(al->id >= 1, "alert without an id");
	/* ids come in order; an update repeats one raised before */
	static uint64_t last_id;
	if (al->update)
		FZ_CHECK(al->id <= last_id && al->count >= 2, "update of alert %llu before it was raised",
			 (unsigned long long)al->id);
	else if (al->id > last_id)
		last_id = al->id;
}

static void check_host_status(void *self, const struct host_entry *e)
{
	(void)self;
	FZ_CHECK(e->status < HS__COUNT, "host status %d", (int)e->status);
}

static const struct output_ops fuzz_checks = {
	.name = "fuzz-checks",
	.reply = check_reply,
	.txn_end = check_txn_end,
	.session_end = check_session_end,
	.alert = check_alert,
	.host_status = check_host_status,
};

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

struct run {
	struct decoder *dec;
	int linktype;
	struct pipeline pipe;
	struct model *model;
};

static void on_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
		      uint32_t wirelen)
{
	struct run *r = ctx;
	FZ_CHECK(linktype == r->linktype, "packet link type %d, capture's %d", linktype, r->linktype);
	dec_packet(r->dec, linktype, ts, data, caplen, wirelen);
	pipeline_queue_time(&r->pipe, ts);
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
	r.pipe.rules = rules_load_string("(built-in default.rules)", smtpscope_default_rules, err,
					 sizeof err);
	FZ_CHECK(r.pipe.rules != NULL, "the built-in rules do not load: %s", err);
	struct host_model_config hc = { .window_us = 3600LL * 1000000, .max_hosts = 64,
					.on_status = pipeline_host_status, .status_ctx = &r.pipe };
	r.pipe.hm = hm_new(&hc);
	r.pipe.triplets = ea_new(); /* greylisting and PMTU look across sessions, as in ui/main.c */
	r.pipe.paths = pm_new();
	/* the queue as the program wires it (--memcap: the smallest table) */
	pipeline_queue_init(&r.pipe, FUZZ_MEMCAP, NULL);
	char *json = NULL, *text = NULL;
	size_t jlen = 0, tlen = 0;
	FILE *jf = open_memstream(&json, &jlen);
	FILE *tf = open_memstream(&text, &tlen);
	if (!jf || !tf)
		abort();
	/* the program's own outputs, wired as ui/main.c wires them: JSON lines
	 * (live: host records on every status change too), and either the text
	 * report or the dashboard's model */
	output_add(&r.pipe.outs, &fuzz_checks, NULL);
	output_add(&r.pipe.outs, &json_output_ops, json_output_new(jf, true, true));
	if (size & 1) {
		r.model = model_new(r.pipe.hm, 16, 16);
		output_add(&r.pipe.outs, &model_output_ops, r.model);
	} else {
		output_add(&r.pipe.outs, &text_output_ops, text_output_new(tf));
	}

	struct dec_config cfg;
	dec_config_default(&cfg);
	cfg.smtp.tr_head = 32;
	cfg.smtp.tr_tail = 32;
	r.dec = dec_new(&cfg, pipeline_sink(&r.pipe));
	r.pipe.dec = r.dec;
	enum cap_status st = cap_run(cs, 0, on_packet, NULL, &r);
	FZ_CHECK(st == CAP_END || st == CAP_BROKEN, "cap_run returned %d", (int)st);
	dec_finish(r.dec);
	pipeline_queue_finish(&r.pipe);
	const struct dec_stats *ds = dec_get_stats(r.dec);
	FZ_CHECK(ds->sessions_open == 0, "%llu sessions open after dec_finish",
		 (unsigned long long)ds->sessions_open);

	struct cap_stats cst;
	cap_get_stats(cs, &cst);
	struct run_summary sum = {
		.source = cap_describe(cs),
		.linktype = cap_linktype_name(cs),
		.cap = &cst,
		.dec = ds,
		.hm = r.pipe.hm,
		.memory_used = mem_acct.used,
		.memory_peak = mem_acct.peak,
		.memcap = mem_acct.cap,
		.hosts_dropped = hm_hosts_dropped(r.pipe.hm),
		.alerts = r.pipe.alerts,
		.triplets_used = ea_used(r.pipe.triplets),
		.triplets_tracked = ea_tracked(r.pipe.triplets),
		.triplets_evicted = ea_evicted(r.pipe.triplets),
		.final = true,
		.sessions_stalled = -1, /* a file */
		.mt = r.pipe.mt,
		.mq = r.pipe.mq,
		.now = r.pipe.last_ts,
	};
	mq_refresh(r.pipe.mq, r.pipe.mt, r.pipe.last_ts);
	FZ_CHECK(pipeline_state(&r.pipe, &sum) == 0, "final records failed");
	if (r.model) {
		/* the dashboard's sessions, as the JSON writer would print them */
		struct jw w;
		jw_init(&w, jf);
		for (size_t i = 0; i < model_done_count(r.model); i++)
			json_session(&w, model_done(r.model, i), true);
	}
	FZ_CHECK(pipeline_close(&r.pipe) == 0, "closing the outputs failed");
	fclose(jf);
	fclose(tf);
	fz_check_json_lines(json, jlen);
	fz_check_terminal_text(text, tlen);
	free(json);
	free(text);

	dec_free(r.dec);
	rules_free(r.pipe.rules);
	model_free(r.model);
	hm_free(r.pipe.hm);
	ea_free(r.pipe.triplets);
	pm_free(r.pipe.paths);
	pipeline_queue_free(&r.pipe);
	cap_close(cs);
	/* Everything charged to --memcap was released: accounting does not
	 * drift (a live capture runs for weeks on the same counters). */
	FZ_CHECK(mem_acct.used == mem_before, "memory accounting drifted by %zd bytes",
		 (ssize_t)(mem_acct.used - mem_before));
	return 0;
}
