/* metrics_render.c — one snapshot (metrics_snapshot.h) as the Prometheus
 * text exposition (doc/metrics.md lists every family). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "decode/dpi.h"
#include "decode/mem.h"
#include "ui/output/metrics_snapshot.h"

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const verdict_names[METRICS_VERDICTS] = { "neutral", "success", "failure" };
static const char *const dir_names[DIR__COUNT] = { "inbound", "outbound" };

static void counter(struct prom *p, const char *name, const char *help, uint64_t v)
{
	prom_family(p, name, "counter", help);
	prom_u64(p, name, NULL, v);
}

static void gauge(struct prom *p, const char *name, const char *help, uint64_t v)
{
	prom_family(p, name, "gauge", help);
	prom_u64(p, name, NULL, v);
}

static void write_info(struct prom *p)
{
	prom_family(p, "smtpscope_info", "gauge", "Always 1; the version in a label.");
	prom_u64(p, "smtpscope_info", L("version", PACKAGE_VERSION), 1);
	char pcap[32];
	cap_lib_version(pcap, sizeof pcap);
	prom_family(p, "smtpscope_build_info", "gauge",
		    "Always 1; the version and the libraries it runs with in labels.");
	prom_u64(p, "smtpscope_build_info", L("version", PACKAGE_VERSION, "libpcap", pcap,
					      "ndpi", dpi_lib_version()), 1);
}

static void write_sessions(struct prom *p, const struct metrics_snapshot *s)
{
	const char *n = "smtpscope_sessions_total";
	prom_family(p, n, "counter",
		    "SMTP sessions finished, by direction, how they ended and whether they succeeded.");
	for (unsigned d = 0; d < DIR__COUNT; d++)
		for (unsigned r = 0; r < END__COUNT; r++)
			for (unsigned v = 0; v < METRICS_VERDICTS; v++)
				if (end_reason_name((enum end_reason)r))
					prom_u64(p, n, L("direction", dir_names[d], "end_reason",
							 end_reason_name((enum end_reason)r), "outcome",
							 verdict_names[v]), s->c.sessions[r][v][d]);
	gauge(p, "smtpscope_sessions_open", "SMTP sessions open now.", s->dec.sessions_open);
	n = "smtpscope_sessions_reset_mid_data_total";
	prom_family(p, n, "counter", "SMTP sessions ended by a TCP reset during the message content, "
		    "by direction and the side that sent it.");
	for (unsigned d = 0; d < DIR__COUNT; d++)
		for (unsigned b = 0; b < 2; b++)
			prom_u64(p, n, L("direction", dir_names[d], "end_by", b ? "server" : "client"),
				 s->c.resets_mid_data[d][b]);
	n = "smtpscope_transactions_total";
	prom_family(p, n, "counter", "SMTP transactions (MAIL FROM to the final reply) by direction and outcome.");
	for (unsigned d = 0; d < DIR__COUNT; d++)
		for (unsigned o = 0; o < OUT__COUNT; o++)
			if (outcome_name((enum smtp_outcome)o))
				prom_u64(p, n, L("direction", dir_names[d], "outcome",
						 outcome_name((enum smtp_outcome)o)), s->c.txns[o][d]);
}

static void write_replies(struct prom *p, const struct metrics_snapshot *s)
{
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	uint64_t by_class[5] = { 0 };
	for (unsigned c = METRICS_CODE_MIN; c <= METRICS_CODE_MAX; c++)
		by_class[c / 100 - 1] += s->c.replies[c];
	const char *n = "smtpscope_replies_total";
	prom_family(p, n, "counter", "SMTP server replies by class (\"other\": no valid code).");
	for (unsigned i = 0; i < 5; i++)
		prom_u64(p, n, L("class", classes[i]), by_class[i]);
	prom_u64(p, n, L("class", "other"), s->c.replies_other);
	n = "smtpscope_replies_by_code_total";
	prom_family(p, n, "counter", "SMTP server replies by code (codes seen; \"other\": outside 100-599).");
	for (unsigned c = METRICS_CODE_MIN; c <= METRICS_CODE_MAX; c++) {
		if (!s->c.replies[c])
			continue;
		char code[8];
		snprintf(code, sizeof code, "%u", c);
		prom_u64(p, n, L("code", code), s->c.replies[c]);
	}
	if (s->c.replies_other)
		prom_u64(p, n, L("code", "other"), s->c.replies_other);
}

static void write_alerts(struct prom *p, const struct metrics_snapshot *s)
{
	const char *n = "smtpscope_alerts_total";
	prom_family(p, n, "counter", "Alerts raised, by rule and severity.");
	for (size_t i = 0; i < s->nrules; i++)
		prom_u64(p, n, L("rule", s->rules[i].rule, "severity", severity_name(s->rules[i].severity)),
			 s->rules[i].n);
	if (s->c.alerts_other)
		prom_u64(p, n, L("rule", "other", "severity", "other"), s->c.alerts_other);
}

/* A bound as Prometheus's own clients write it (Go's FormatFloat 'g', -1):
 * the fewest digits that read back as v, in exponent form only from 1e6 or
 * below 1e-4 -- "0.1", "30", "262144", "1.048576e+06".  le labels are
 * matched as text, so "3e+01" or a rounded "1.04858e+06" would not do. */
static void shortest(char *buf, size_t n, double v)
{
	int prec = 1;
	for (; prec < 17; prec++) {
		snprintf(buf, n, "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, n, "%.*e", prec - 1, v);
	int exp = atoi(strchr(buf, 'e') + 1);
	if (exp >= -4 && exp < 6)
		snprintf(buf, n, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
}

/* One histogram series: cumulative buckets, then _sum and _count. */
static void hist_series(struct prom *p, const struct hist_def *d, const struct hist *h,
			const char *lname, const char *lvalue)
{
	char bname[128], sname[128], cname[128], le[32];
	snprintf(bname, sizeof bname, "%s_bucket", d->name);
	snprintf(sname, sizeof sname, "%s_sum", d->name);
	snprintf(cname, sizeof cname, "%s_count", d->name);
	uint64_t cum = 0;
	for (size_t i = 0; i <= d->nbounds; i++) {
		cum += h->counts[i];
		if (i < d->nbounds)
			shortest(le, sizeof le, d->bounds[i]);
		else
			snprintf(le, sizeof le, "+Inf");
		prom_u64(p, bname, lname ? L(lname, lvalue, "le", le) : L("le", le), cum);
	}
	prom_f64(p, sname, lname ? L(lname, lvalue) : NULL, h->sum);
	prom_u64(p, cname, lname ? L(lname, lvalue) : NULL, h->count);
}

static void write_histograms(struct prom *p, const struct metrics_snapshot *s)
{
	for (int k = 0; k < HIST__COUNT; k++) {
		const struct hist_def *d = &metrics_hist_defs[k];
		prom_family(p, d->name, "histogram", d->help);
		for (unsigned dir = 0; dir < DIR__COUNT; dir++)
			hist_series(p, d, &s->c.hist[k][dir], "direction", dir_names[dir]);
	}
	prom_family(p, metrics_relay_def.name, "histogram", metrics_relay_def.help);
	hist_series(p, &metrics_relay_def, &s->c.relay, NULL, NULL);
}

static void write_capture(struct prom *p, const struct metrics_snapshot *s)
{
	const struct dec_stats *d = &s->dec;
	counter(p, "smtpscope_capture_packets_total", "Packets read from the capture.", d->packets);
	counter(p, "smtpscope_capture_bytes_total", "Bytes of those packets as on the wire.", d->bytes);
	counter(p, "smtpscope_capture_malformed_total", "Packets that could not be decoded.", d->malformed);
	/* absent, not 0, when the capture cannot say (files) */
	if (s->have_cap && s->cap.have_kernel_stats) {
		counter(p, "smtpscope_capture_kernel_drops_total",
			"Packets the kernel dropped (buffer full): pcap_stats ps_drop.", s->cap.dropped_kernel);
		counter(p, "smtpscope_capture_interface_drops_total",
			"Packets the interface or driver dropped: pcap_stats ps_ifdrop.", s->cap.dropped_iface);
	}
	counter(p, "smtpscope_capture_acked_unseen_total",
		"Holes in a stream that the peer's ACK proves were sent: loss on the capture path.",
		d->acked_unseen);
	counter(p, "smtpscope_tcp_retransmits_total", "TCP retransmissions in SMTP sessions.", d->retransmits);
	if (d->last_ts) {
		prom_family(p, "smtpscope_last_packet_timestamp_seconds", "gauge",
			    "Capture time of the latest packet (Unix time).");
		prom_f64(p, "smtpscope_last_packet_timestamp_seconds", NULL, (double)d->last_ts / 1e6);
	}
	const char *n = "smtpscope_dpi_flows_total";
	prom_family(p, n, "counter", "Flows classified by nDPI, by result.");
	prom_u64(p, n, L("result", "classified"), d->dpi.flows);
	prom_u64(p, n, L("result", "skipped_memcap"), d->dpi.skipped_memcap);
	prom_u64(p, n, L("result", "smtp_other_port"), d->dpi.promoted);
	prom_u64(p, n, L("result", "not_smtp_other_port"), d->dpi.ignored);
	prom_u64(p, n, L("result", "not_smtp_smtp_port"), d->dpi.not_smtp);
}

static void write_memory(struct prom *p, const struct metrics_snapshot *s)
{
	gauge(p, "smtpscope_memory_used_bytes", "Memory in use for sessions, flows and buffers.", s->memory_used);
	gauge(p, "smtpscope_memory_peak_bytes", "Highest memory use so far.", s->memory_peak);
	if (s->memcap)
		gauge(p, "smtpscope_memory_cap_bytes", "The memory cap (--memcap).", s->memcap);
}

/* The per-entry families of hosts (label host, and role) or domains
 * (label domain): counters, pending, status, and the totals by status. */
struct entry_kind {
	const char *prefix;   /* "smtpscope_host_" */
	const char *label;    /* "host" */
	const char *all;      /* "smtpscope_hosts" */
	const char *what;     /* "remote host" */
	bool by_role;
};

static const char *entry_name(const struct entry_kind *k, const struct host_entry *e,
			      char buf[ADDR_STRLEN])
{
	if (!k->by_role)
		return e->name;
	addr_format(&e->addr, buf);
	return buf;
}

static void write_entries(struct prom *p, const struct entry_kind *k, const struct entry_list *l)
{
	static const char *const roles[2] = { "server", "client" };
	int nroles = k->by_role ? 2 : 1;
	char name[96], help[256], a[ADDR_STRLEN];
	uint64_t c[EC__COUNT];
#define X(f, h)                                                                                        \
	snprintf(name, sizeof name, "%s" #f "_total", k->prefix);                                      \
	snprintf(help, sizeof help, h " with the %s since it was first seen; %s=\"other\": those "     \
		 "not listed, counted while they were not.", k->what, k->label);                       \
	prom_family(p, name, "counter", help);                                                         \
	for (size_t i = 0; i < l->ntop; i++) {                                                         \
		c[EC_##f] = l->top[i].f;                                                               \
		prom_u64(p, name, k->by_role ? L(k->label, entry_name(k, &l->top[i], a), "role",       \
						 host_role_name(l->top[i].role))                       \
					     : L(k->label, entry_name(k, &l->top[i], a)), c[EC_##f]);  \
	}                                                                                              \
	for (int r = 0; r < nroles; r++)                                                               \
		prom_u64(p, name, k->by_role ? L(k->label, "other", "role", roles[r]) : L(k->label, "other"), \
			 l->other[r].c[EC_##f]);
	ENTRY_COUNTERS(X)
#undef X

	snprintf(name, sizeof name, "%spending", k->prefix);
	snprintf(help, sizeof help, "Messages attempted and not yet accepted, now, per %s; "
		 "%s=\"other\": the others summed.", k->what, k->label);
	prom_family(p, name, "gauge", help);
	for (size_t i = 0; i < l->ntop; i++)
		prom_u64(p, name, k->by_role ? L(k->label, entry_name(k, &l->top[i], a), "role",
						 host_role_name(l->top[i].role))
					     : L(k->label, entry_name(k, &l->top[i], a)), l->top[i].pending);
	for (int r = 0; r < nroles; r++)
		prom_u64(p, name, k->by_role ? L(k->label, "other", "role", roles[r]) : L(k->label, "other"),
			 l->other[r].pending);

	snprintf(name, sizeof name, "%sstatus", k->prefix);
	snprintf(help, sizeof help, "Each %s's status: 1 or 0 for a listed one, the number of them "
		 "for %s=\"other\".", k->what, k->label);
	prom_family(p, name, "gauge", help);
	for (size_t i = 0; i < l->ntop; i++)
		for (int s = 0; s < HS__COUNT; s++) {
			const char *st = host_status_name((enum host_status)s);
			const char *en = entry_name(k, &l->top[i], a);
			prom_u64(p, name, k->by_role ? L(k->label, en, "role", host_role_name(l->top[i].role),
							 "status", st)
						     : L(k->label, en, "status", st),
				 l->top[i].status == (enum host_status)s);
		}
	for (int r = 0; r < nroles; r++)
		for (int s = 0; s < HS__COUNT; s++) {
			const char *st = host_status_name((enum host_status)s);
			prom_u64(p, name, k->by_role ? L(k->label, "other", "role", roles[r], "status", st)
						     : L(k->label, "other", "status", st),
				 l->other[r].status[s]);
		}

	snprintf(help, sizeof help, "Every %s tracked, by status.", k->what);
	prom_family(p, k->all, "gauge", help);
	for (int s = 0; s < HS__COUNT; s++)
		prom_u64(p, k->all, L("status", host_status_name((enum host_status)s)), l->by_status[s]);
}

void metrics_render(struct prom *p, const struct metrics_snapshot *s)
{
	static const struct entry_kind hosts = { "smtpscope_host_", "host", "smtpscope_hosts",
						 "remote host", true };
	static const struct entry_kind domains = { "smtpscope_domain_", "domain", "smtpscope_domains",
						   "recipient domain", false };
	write_info(p);
	write_sessions(p, s);
	write_replies(p, s);
	write_alerts(p, s);
	write_histograms(p, s);
	write_capture(p, s);
	write_memory(p, s);
	write_entries(p, &hosts, &s->hosts);
	counter(p, "smtpscope_hosts_dropped_total", "Remote hosts not tracked: the host table was full.",
		s->hosts_dropped);
	write_entries(p, &domains, &s->domains);
	metrics_queue_render(p, &s->queue);
}
