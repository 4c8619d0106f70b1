/* bundle.c — incident bundles: one folder per remote host with its evidence
 * pcap, its text report and its JSON records. */
#include "config.h"

#include "ui/bundle.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/app.h"
#include "ui/output/json_out.h"
#include "ui/output/text_report.h"
#include "decode/mem.h"
#include "capture/out_dir.h"
#include "ui/session_export.h"
#include "rules/rule_lang.h"

/* What is copied out of the model under its lock; the files are written
 * after it is released, so a slow disk never stalls a live capture. */
struct gathered {
	char *report;            /* report.txt */
	size_t report_len;
	char *records;           /* records.json */
	size_t records_len;
	struct smtp_session *ends; /* endpoints and times of its sessions, for the pcap */
	size_t nends;
	uint64_t kept, total;    /* its finished sessions in the model / seen in all */
};

static bool concerns(const struct smtp_session *s, const struct ip_addr *h)
{
	return addr_eq(&s->client, h) || addr_eq(&s->server, h);
}

bool bundle_keeps_session(const struct app *a, const struct smtp_session *s)
{
	if (a->opt.nbundle_hosts == 0)
		return true;
	for (size_t i = 0; i < a->opt.nbundle_hosts; i++)
		if (concerns(s, &a->opt.bundle_hosts[i]))
			return true;
	return false;
}

bool bundle_keeps_alert(const struct app *a, const char *host)
{
	if (a->opt.nbundle_hosts == 0)
		return true;
	struct ip_addr h;
	if (!host || !addr_parse(host, &h))
		return false;
	for (size_t i = 0; i < a->opt.nbundle_hosts; i++)
		if (addr_eq(&h, &a->opt.bundle_hosts[i]))
			return true;
	return false;
}

/* --- the --bundle store, as an output ------------------------------------------ */

static bool keep_session(void *self, struct smtp_session *s)
{
	struct app *a = self;
	if (!bundle_keeps_session(a, s))
		return false;
	model_session_end(a->bundle_model, s); /* kept for --bundle: ours now */
	return true;
}

static void keep_alert(void *self, const struct alert *al)
{
	struct app *a = self;
	if (bundle_keeps_alert(a, al->host))
		model_take_alert(a->bundle_model, al); /* a grown alert: once, its latest state */
}

const struct output_ops bundle_output_ops = {
	.name = "bundle",
	.session_end = keep_session,
	.alert = keep_alert,
};

/* --- report.txt ------------------------------------------------------------- */

static void gather_report(struct app *a, struct model *m, const struct ip_addr *host,
			  const char *hs, struct gathered *g)
{
	FILE *f = open_memstream(&g->report, &g->report_len);
	if (!f)
		return;
	struct report *r = rep_new();
	for (size_t i = 0; i < model_done_count(m); i++) {
		const struct smtp_session *s = model_done(m, i);
		if (concerns(s, host))
			rep_session_end(r, s);
	}
	for (size_t i = 0; i < model_alert_count(m); i++) {
		const struct alert_rec *al = model_alert(m, i);
		if (strcmp(al->host, hs) == 0)
			rep_alert(r, al->rule, al->severity, al->ts_us, al->host, al->message, al->count, false);
	}
	/* with decoding in another thread the capture's own counters are its
	 * business: take the copy the model keeps */
	struct cap_stats cs;
	if (a->locked) {
		memset(&cs, 0, sizeof cs);
		cs.packets = m->stats.packets;
		cs.bytes = m->stats.bytes;
		cs.have_kernel_stats = m->stats.have_kernel_stats;
		cs.dropped_kernel = m->stats.dropped_kernel;
		cs.dropped_iface = m->stats.dropped_iface;
	} else {
		cap_get_stats(a->cap, &cs);
	}
	struct dec_stats ds = *dec_get_stats(a->dec);
	struct report_context rc = {
		.source = cap_describe(a->cap),
		.linktype = cap_linktype_name(a->cap),
		.gateway_arg = a->opt.gateway_arg,
		.cap = &cs,
		.dec = &ds,
		.hm = a->pipe.hm,
		.memory_peak = mem_acct.peak,
		.only_host = host,
	};
	rep_print(r, f, &rc);
	rep_free(r);
	if (g->kept < g->total)
		fprintf(f, "\nBundle\n  %" PRIu64 " of the host's %" PRIu64 " sessions are in this bundle: "
			"only the latest %zu sessions of all hosts are kept\n",
			g->kept, g->total, m->done_cap);
	if (fclose(f) != 0) {
		free(g->report);
		g->report = NULL;
	}
}

/* --- records.json --------------------------------------------------------------- */

static void put_alert(struct jw *w, const struct alert_rec *r)
{
	struct alert al = {
		.rule = r->rule, .severity = r->severity, .ts_us = r->ts_us,
		.host = r->host[0] ? r->host : NULL, .session_id = r->session_id,
		.message = r->message, .count = r->count, .first_ts_us = r->first_ts_us,
		.id = r->id, .update = false, /* the model holds each alert once, grown */
	};
	json_alert(w, &al);
}

/* Its sessions and alerts in the order a JSON run writes them (an alert
 * raised as a session ends comes before that session's record), then its
 * host records. */
static void gather_records(struct app *a, struct model *m, const struct ip_addr *host,
			   const char *hs, struct gathered *g)
{
	FILE *f = open_memstream(&g->records, &g->records_len);
	if (!f)
		return;
	struct jw w;
	jw_init(&w, f);
	size_t ns = model_done_count(m), na = model_alert_count(m), i = 0, j = 0;
	while (i < ns || j < na) {
		const struct smtp_session *s = i < ns ? model_done(m, i) : NULL;
		const struct alert_rec *al = j < na ? model_alert(m, j) : NULL;
		if (s && !concerns(s, host)) {
			i++;
			continue;
		}
		if (al && strcmp(al->host, hs) != 0) {
			j++;
			continue;
		}
		if (al && (!s || al->ts_us <= s->end_ts)) {
			put_alert(&w, al);
			j++;
		} else {
			json_session(&w, s, a->opt.transcript);
			i++;
		}
	}
	for (int role = ROLE_SERVER; role <= ROLE_CLIENT; role++) {
		const struct host_entry *e = hm_find(a->pipe.hm, host, (enum host_role)role);
		if (e)
			json_host(&w, e, dec_get_stats(a->dec)->last_ts);
	}
	if (fclose(f) != 0) {
		free(g->records);
		g->records = NULL;
	}
}

/* --- evidence.pcap ------------------------------------------------------------------ */

/* Endpoints and time spans of its sessions, finished and open: all that
 * pcap_export reads of a session. */
static void gather_endpoints(struct model *m, const struct ip_addr *host, struct gathered *g)
{
	size_t cap = model_done_count(m) + m->open_n;
	g->ends = xcalloc(cap ? cap : 1, sizeof *g->ends);
	for (size_t i = 0; i < cap; i++) {
		const struct smtp_session *s = i < model_done_count(m) ? model_done(m, i)
								      : m->open[i - model_done_count(m)];
		if (!s || !concerns(s, host))
			continue;
		struct smtp_session *c = &g->ends[g->nends++];
		c->client = s->client;
		c->server = s->server;
		c->client_port = s->client_port;
		c->server_port = s->server_port;
		c->start_ts = s->start_ts;
		c->end_ts = s->end_reason != END_NONE && s->end_ts ? s->end_ts : INT64_MAX;
	}
}

static void gather(struct app *a, struct model *m, const struct ip_addr *host, const char *hs,
		   struct gathered *g)
{
	for (size_t i = 0; i < model_done_count(m); i++)
		g->kept += concerns(model_done(m, i), host);
	for (int role = ROLE_SERVER; role <= ROLE_CLIENT; role++) {
		const struct host_entry *e = hm_find(a->pipe.hm, host, (enum host_role)role);
		if (e)
			g->total += e->sessions;
	}
	gather_report(a, m, host, hs, g);
	gather_records(a, m, host, hs, g);
	gather_endpoints(m, host, g);
}

/* --- writing ---------------------------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const char *data, size_t len, char *err,
		      size_t errlen)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	errno = 0;
	FILE *f = fopen(path, "w");
	if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

static int write_pcap(struct app *a, const char *dir, const struct gathered *g, char *err,
		      size_t errlen)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/evidence.pcap", dir) >= (int)sizeof path) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	const char *file = a->opt.cap.file;
	if (!file || strcmp(file, "-") == 0) {
		snprintf(err, errlen, "%s: not written: packets are only re-read from a capture file "
			 "(-r FILE)%s", path, a->evidence ? "; see the -w evidence files" : "; -w DIR keeps "
			 "the packets of flagged sessions");
		return -1;
	}
	const struct smtp_session **v = xcalloc(g->nends ? g->nends : 1, sizeof *v);
	for (size_t i = 0; i < g->nends; i++)
		v[i] = &g->ends[i];
	char why[512];
	long n = pcap_export_sessions(&a->opt.cap, v, g->nends, path, why, sizeof why);
	free(v);
	if (n < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	return 0;
}

int bundle_write_host(struct app *a, const struct ip_addr *host, const char *dir, char *err,
		      size_t errlen)
{
	struct model *m = a->model ? a->model : a->bundle_model;
	if (!m) {
		snprintf(err, errlen, "no sessions are kept for bundles in this mode (use --bundle DIR)");
		return -1;
	}
	char hs[ADDR_STRLEN], hn[ADDR_STRLEN], sub[PATH_MAX - 32];
	addr_format(host, hs);
	out_dir_host_name(hn, sizeof hn, hs);
	if (snprintf(sub, sizeof sub, "%s/%s", dir, hn) >= (int)sizeof sub) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (!out_dir_ready("bundle", dir, err, errlen) || !out_dir_ready("bundle", sub, err, errlen))
		return -1;

	struct gathered g;
	memset(&g, 0, sizeof g);
	if (a->locked)
		model_lock(m);
	gather(a, m, host, hs, &g);
	if (a->locked)
		model_unlock(m);

	int rc = 0;
	if (!g.report || !g.records) {
		snprintf(err, errlen, "%s: out of memory while rendering the bundle", sub);
		rc = -1;
	}
	if (rc == 0)
		rc = write_file(sub, "report.txt", g.report, g.report_len, err, errlen);
	if (rc == 0)
		rc = write_file(sub, "records.json", g.records, g.records_len, err, errlen);
	if (rc == 0)
		rc = write_pcap(a, sub, &g, err, errlen);
	free(g.report);
	free(g.records);
	free(g.ends);
	return rc;
}

/* --- batch ------------------------------------------------------------------------------- */

int bundle_write_all(struct app *a)
{
	/* the host list first: bundle_write_host calls into the host model,
	 * which invalidates hm_hosts' array */
	size_t n = a->opt.nbundle_hosts;
	struct ip_addr *hosts = xcalloc(n ? n : 1, sizeof *hosts);
	if (n) {
		memcpy(hosts, a->opt.bundle_hosts, n * sizeof *hosts);
	} else {
		const struct host_entry **v;
		size_t nv = hm_hosts(a->pipe.hm, &v);
		hosts = xrealloc(hosts, (nv ? nv : 1) * sizeof *hosts);
		for (size_t i = 0; i < nv; i++)
			if (v[i]->status == HS_RETRY || v[i]->status == HS_FAILING)
				hosts[n++] = v[i]->addr;
	}
	int rc = 0;
	size_t done = 0;
	char names[256] = "";
	for (size_t i = 0; i < n; i++) {
		char err[1024], hs[ADDR_STRLEN];
		addr_format(&hosts[i], hs);
		if (!hm_find(a->pipe.hm, &hosts[i], ROLE_SERVER) && !hm_find(a->pipe.hm, &hosts[i], ROLE_CLIENT))
			fprintf(stderr, "smtpscope: --bundle-host %s: no session with this host\n", hs);
		if (bundle_write_host(a, &hosts[i], a->opt.bundle_dir, err, sizeof err) != 0) {
			fprintf(stderr, "smtpscope: --bundle: %s\n", err);
			rc = 2;
			continue;
		}
		done++;
		size_t l = strlen(names);
		if (l + strlen(hs) + 8 < sizeof names)
			snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", hs);
		else if (!strstr(names, "..."))
			snprintf(names + l, sizeof names - l, ", ...");
	}
	fprintf(stderr, "smtpscope: --bundle: %zu %s written to %s%s%s%s\n", done,
		done == 1 ? "host" : "hosts", a->opt.bundle_dir, done ? " (" : "", names, done ? ")" : "");
	free(hosts);
	return rc;
}
