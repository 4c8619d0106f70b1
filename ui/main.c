/* main.c — wires the layers: capture -> decode -> rules (host model) -> ui
 * (JSON lines or the text report), and maps failures to exit codes
 * (0 ok, 1 usage, 2 input/runtime failure). */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "capture.h"
#include "decoder.h"
#include "host_model.h"
#include "json_out.h"
#include "mem.h"
#include "options.h"
#include "smtp_session.h"
#include "text_report.h"

struct app {
	struct options opt;
	struct cap_source *cap;
	struct decoder *dec;
	struct host_model *hm;
	struct report *report;
	FILE *out;
	struct jw jw;
	bool json;
	bool live;
	int linktype;
};

static struct cap_source *volatile stop_target;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_target)
		cap_stop(stop_target);
}

static void on_session_start(void *ctx, const struct smtp_session *s)
{
	struct app *a = ctx;
	hm_session_start(a->hm, s);
}

static bool on_session_end(void *ctx, struct smtp_session *s)
{
	struct app *a = ctx;
	hm_session_end(a->hm, s);
	if (a->json) {
		json_session(&a->jw, s, a->opt.transcript);
		if (a->live)
			fflush(a->out);
	} else {
		rep_session_end(a->report, s);
	}
	return false;
}

static void on_packet(void *ctx, int64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct app *a = ctx;
	dec_packet(a->dec, a->linktype, ts, data, caplen, wirelen);
}

static void on_tick(void *ctx)
{
	struct app *a = ctx;
	if (!a->live)
		return;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	dec_advance(a->dec, (int64_t)tv.tv_sec * 1000000 + tv.tv_usec);
}

static char *default_filter(const struct dec_config *dc)
{
	size_t n = 16 + dc->nports * 16;
	char *f = xmalloc(n);
	strcpy(f, "tcp and (");
	for (size_t i = 0; i < dc->nports; i++)
		snprintf(f + strlen(f), n - strlen(f), "%sport %u", i ? " or " : "", dc->ports[i]);
	strcat(f, ")");
	return f;
}

static void emit_final_records(struct app *a, const struct cap_stats *cs)
{
	const struct host_entry **hosts;
	size_t n = hm_hosts(a->hm, &hosts);
	struct stats_view v = {
		.source = cap_describe(a->cap),
		.linktype = cap_linktype_name(a->cap),
		.cap = cs,
		.dec = dec_get_stats(a->dec),
		.memory_used = mem_acct.used,
		.memory_peak = mem_acct.peak,
		.memcap = mem_acct.cap,
		.hosts_dropped = hm_hosts_dropped(a->hm),
	};
	if (a->json) {
		for (size_t i = 0; i < n; i++)
			json_host(&a->jw, hosts[i]);
		n = hm_domains(a->hm, &hosts);
		for (size_t i = 0; i < n; i++)
			json_domain(&a->jw, hosts[i]);
		json_stats(&a->jw, &v);
		return;
	}
	struct report_context rc = {
		.source = v.source,
		.linktype = v.linktype,
		.gateway_arg = a->opt.gateway_arg,
		.cap = cs,
		.dec = v.dec,
		.hm = a->hm,
		.memory_peak = mem_acct.peak,
	};
	rep_print(a->report, a->out, &rc);
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
	return 0;
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

static int run(struct app *a)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	stop_target = a->cap;

	enum cap_status st = cap_run(a->cap, a->opt.count, on_packet, on_tick, a);
	stop_target = NULL;
	dec_finish(a->dec);

	struct cap_stats cs;
	cap_get_stats(a->cap, &cs);
	emit_final_records(a, &cs);
	if (fflush(a->out) != 0 || ferror(a->out)) {
		fprintf(stderr, "smtpscope: writing output: %s\n", strerror(errno));
		return 2;
	}
	if (st == CAP_BROKEN) {
		const char *name = !a->opt.cap.file ? cap_describe(a->cap)
				   : strcmp(a->opt.cap.file, "-") == 0 ? "stdin" : a->opt.cap.file;
		fprintf(stderr, "smtpscope: %s: truncated at packet %llu (byte offset ", name,
			(unsigned long long)cs.broken_at_packet);
		if (cs.broken_at_offset >= 0)
			fprintf(stderr, "%lld", (long long)cs.broken_at_offset);
		else
			fputs("unknown", stderr);
		fprintf(stderr, "): %s\n", cs.error);
		return 2;
	}
	return 0;
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
	mem_acct.cap = a.opt.memcap;
	char *filter = NULL;
	int rc = open_input(&a, &filter);
	if (rc == 0)
		rc = open_output(&a);
	if (rc == 0) {
		a.json = a.opt.format == FMT_JSON || (a.opt.format == FMT_DEFAULT && a.live);
		jw_init(&a.jw, a.out);
		struct host_model_config hc = {
			.gateway = a.opt.gateway,
			.ngateway = a.opt.ngateway,
			.window_us = 3600LL * 1000000,
			.max_hosts = 100000,
		};
		a.hm = hm_new(&hc);
		a.report = rep_new();
		struct dec_sink sink = {
			.ctx = &a,
			.session_start = on_session_start,
			.session_end = on_session_end,
		};
		a.dec = dec_new(&a.opt.dec, &sink);
		rc = run(&a);
		dec_free(a.dec);
		rep_free(a.report);
		hm_free(a.hm);
	}
	if (a.out && a.out != stdout)
		fclose(a.out);
	if (a.cap)
		cap_close(a.cap);
	free(filter);
	opt_free(&a.opt);
	return rc;
}
