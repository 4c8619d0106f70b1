/* metrics.c — Prometheus metrics (doc/metrics.md): counted from sink events,
 * written through prom.c every --metrics-interval and at the end of a run. */
#include "config.h"

#include "ui/output/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "ui/output/prom.h"
#include "rules/session_verdict.h"

#define CODE_MIN 100
#define CODE_MAX 599

enum { VERDICT_N = 3 };
static const char *const verdict_names[VERDICT_N] = {
	[V_NEUTRAL] = "neutral", [V_SUCCESS] = "success", [V_FAILURE] = "failure",
};

struct rule_count {
	char *rule;
	enum severity severity;
	uint64_t n;
};

struct metrics {
	char *path;
	unsigned interval_s, top_hosts;
	int64_t next_us;
	uint64_t sessions[END__COUNT][VERDICT_N];
	uint64_t txns[OUT__COUNT];
	uint64_t replies[CODE_MAX + 1];     /* by code, CODE_MIN..CODE_MAX */
	uint64_t replies_other;             /* no code, or outside that range */
	struct rule_count *rules;
	size_t nrules;
	uint64_t alerts_other;              /* beyond METRICS_MAX_RULES distinct rules */
};

struct metrics *metrics_new(const char *path, unsigned interval_s, unsigned top_hosts)
{
	struct metrics *m = xcalloc(1, sizeof *m);
	m->path = xstrdup(path);
	m->interval_s = interval_s ? interval_s : 15;
	m->top_hosts = top_hosts;
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nrules; i++) {
		free(m->rules[i].rule);
	}
	free(m->rules);
	free(m->path);
	free(m);
}

/* --- events ------------------------------------------------------------------ */

void metrics_session_end(struct metrics *m, const struct smtp_session *s)
{
	unsigned r = (unsigned)s->end_reason < END__COUNT ? (unsigned)s->end_reason : END_NONE;
	enum verdict v = session_verdict(s);
	m->sessions[r][(unsigned)v < VERDICT_N ? (unsigned)v : V_NEUTRAL]++;
}

void metrics_txn_end(struct metrics *m, const struct smtp_txn *t)
{
	if ((unsigned)t->outcome < OUT__COUNT)
		m->txns[t->outcome]++;
}

void metrics_reply(struct metrics *m, const struct smtp_reply *r)
{
	if (r->code >= CODE_MIN && r->code <= CODE_MAX)
		m->replies[r->code]++;
	else
		m->replies_other++;
}

void metrics_alert(struct metrics *m, const char *rule, enum severity severity)
{
	rule = rule ? rule : "";
	for (size_t i = 0; i < m->nrules; i++) {
		if (strcmp(m->rules[i].rule, rule) == 0 && m->rules[i].severity == severity) {
			m->rules[i].n++;
			return;
		}
	}
	if (m->nrules == METRICS_MAX_RULES) {
		m->alerts_other++;
		return;
	}
	if ((m->nrules & (m->nrules - 1)) == 0) /* 0, 1, 2, 4, ...: grow */
		m->rules = xrealloc(m->rules, (m->nrules ? m->nrules * 2 : 8) * sizeof *m->rules);
	m->rules[m->nrules++] = (struct rule_count){ xstrdup(rule), severity, 1 };
}

/* --- writing -------------------------------------------------------------------- */

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

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

static void write_sessions(struct prom *p, const struct metrics *m, const struct dec_stats *d)
{
	const char *n = "smtpscope_sessions_total";
	prom_family(p, n, "counter", "SMTP sessions finished, by how they ended and whether they succeeded.");
	for (unsigned r = 0; r < END__COUNT; r++)
		for (unsigned v = 0; v < VERDICT_N; v++)
			if (end_reason_name((enum end_reason)r))
				prom_u64(p, n, L("end_reason", end_reason_name((enum end_reason)r),
						 "outcome", verdict_names[v]), m->sessions[r][v]);
	gauge(p, "smtpscope_sessions_open", "SMTP sessions open now.", d->sessions_open);
	n = "smtpscope_transactions_total";
	prom_family(p, n, "counter", "SMTP transactions (MAIL FROM to the final reply) by outcome.");
	for (unsigned o = 0; o < OUT__COUNT; o++)
		if (outcome_name((enum smtp_outcome)o))
			prom_u64(p, n, L("outcome", outcome_name((enum smtp_outcome)o)), m->txns[o]);
}

static void write_replies(struct prom *p, const struct metrics *m)
{
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	uint64_t by_class[5] = { 0 };
	for (unsigned c = CODE_MIN; c <= CODE_MAX; c++)
		by_class[c / 100 - 1] += m->replies[c];
	const char *n = "smtpscope_replies_total";
	prom_family(p, n, "counter", "SMTP server replies by class (\"other\": no valid code).");
	for (unsigned i = 0; i < 5; i++)
		prom_u64(p, n, L("class", classes[i]), by_class[i]);
	prom_u64(p, n, L("class", "other"), m->replies_other);
	n = "smtpscope_replies_by_code_total";
	prom_family(p, n, "counter", "SMTP server replies by code (codes seen; \"other\": outside 100-599).");
	for (unsigned c = CODE_MIN; c <= CODE_MAX; c++) {
		if (!m->replies[c])
			continue;
		char code[8];
		snprintf(code, sizeof code, "%u", c);
		prom_u64(p, n, L("code", code), m->replies[c]);
	}
	if (m->replies_other)
		prom_u64(p, n, L("code", "other"), m->replies_other);
}

static void write_alerts(struct prom *p, const struct metrics *m)
{
	const char *n = "smtpscope_alerts_total";
	prom_family(p, n, "counter", "Alerts raised, by rule and severity.");
	for (size_t i = 0; i < m->nrules; i++)
		prom_u64(p, n, L("rule", m->rules[i].rule, "severity", severity_name(m->rules[i].severity)),
			 m->rules[i].n);
	if (m->alerts_other)
		prom_u64(p, n, L("rule", "other", "severity", "other"), m->alerts_other);
}

static void write_capture(struct prom *p, const struct metrics_view *v)
{
	const struct dec_stats *d = v->dec;
	counter(p, "smtpscope_capture_packets_total", "Packets read from the capture.", d->packets);
	counter(p, "smtpscope_capture_bytes_total", "Bytes of those packets as on the wire.", d->bytes);
	counter(p, "smtpscope_capture_malformed_total", "Packets that could not be decoded.", d->malformed);
	/* absent, not 0, when the capture cannot say (files) */
	if (v->cap && v->cap->have_kernel_stats) {
		counter(p, "smtpscope_capture_kernel_drops_total",
			"Packets the kernel dropped (buffer full): pcap_stats ps_drop.", v->cap->dropped_kernel);
		counter(p, "smtpscope_capture_interface_drops_total",
			"Packets the interface or driver dropped: pcap_stats ps_ifdrop.", v->cap->dropped_iface);
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

static void write_memory(struct prom *p, const struct metrics_view *v)
{
	gauge(p, "smtpscope_memory_used_bytes", "Memory in use for sessions, flows and buffers.", v->memory_used);
	gauge(p, "smtpscope_memory_peak_bytes", "Highest memory use so far.", v->memory_peak);
	if (v->memcap)
		gauge(p, "smtpscope_memory_cap_bytes", "The memory cap (--memcap).", v->memcap);
}

/* Per-host families: one value per host entry. */
#define HOST_FIGURES(X) \
	X(sessions, "Sessions with the host since it was first seen.") \
	X(messages, "Message attempts (transactions) since the host was first seen.") \
	X(accepted, "Messages accepted (2xx final reply) since the host was first seen.") \
	X(deferred, "Messages deferred (4xx) since the host was first seen.") \
	X(rejected, "Messages rejected (5xx) since the host was first seen.") \
	X(aborted, "Messages cut off before a final reply since the host was first seen.") \
	X(resets, "Sessions ended by a TCP reset since the host was first seen.") \
	X(timeouts, "Sessions that went silent (idle timeout) since the host was first seen.") \
	X(retries, "Attempts of a message already attempted before.") \
	X(pending, "Messages attempted and not yet accepted, now.")

struct host_sum {
#define X(f, h) uint64_t f;
	HOST_FIGURES(X)
#undef X
	uint64_t status[HS__COUNT];
};

static void add_host(struct host_sum *s, const struct host_entry *e)
{
#define X(f, h) s->f += e->f;
	HOST_FIGURES(X)
#undef X
	if ((unsigned)e->status < HS__COUNT)
		s->status[e->status]++;
}

static void write_hosts(struct prom *p, const struct metrics *m, const struct metrics_view *v)
{
	const struct host_entry **hosts = NULL;
	size_t n = v->hm ? hm_hosts(v->hm, &hosts) : 0;
	size_t top = n < m->top_hosts ? n : m->top_hosts;
	/* the rest, by role, so the label set stays (host, role) everywhere */
	struct host_sum other[2], all;
	memset(other, 0, sizeof other);
	memset(&all, 0, sizeof all);
	for (size_t i = 0; i < n; i++) {
		add_host(&all, hosts[i]);
		if (i >= top)
			add_host(&other[hosts[i]->role == ROLE_CLIENT], hosts[i]);
	}
	char (*addr)[ADDR_STRLEN] = xcalloc(top ? top : 1, sizeof *addr);
	for (size_t i = 0; i < top; i++)
		addr_format(&hosts[i]->addr, addr[i]);
	static const char *const roles[2] = { "server", "client" };

#define X(f, h)                                                                                  \
	prom_family(p, "smtpscope_host_" #f, "gauge", h " Per remote host; host=\"other\": the " \
		    "hosts beyond the worst --metrics-hosts, summed.");                                \
	for (size_t i = 0; i < top; i++)                                                         \
		prom_u64(p, "smtpscope_host_" #f, L("host", addr[i], "role", host_role_name(hosts[i]->role)), \
			 hosts[i]->f);                                                           \
	for (int r = 0; r < 2; r++)                                                              \
		prom_u64(p, "smtpscope_host_" #f, L("host", "other", "role", roles[r]), other[r].f);
	HOST_FIGURES(X)
#undef X

	const char *name = "smtpscope_host_status";
	prom_family(p, name, "gauge", "Remote hosts in each status: 1 or 0 for a listed host, "
		    "the number of hosts for host=\"other\".");
	for (size_t i = 0; i < top; i++)
		for (int s = 0; s < HS__COUNT; s++)
			prom_u64(p, name, L("host", addr[i], "role", host_role_name(hosts[i]->role),
					    "status", host_status_name((enum host_status)s)),
				 hosts[i]->status == (enum host_status)s);
	for (int r = 0; r < 2; r++)
		for (int s = 0; s < HS__COUNT; s++)
			prom_u64(p, name, L("host", "other", "role", roles[r],
					    "status", host_status_name((enum host_status)s)),
				 other[r].status[s]);
	free(addr);

	name = "smtpscope_hosts";
	prom_family(p, name, "gauge", "Remote hosts tracked, by status.");
	for (int s = 0; s < HS__COUNT; s++)
		prom_u64(p, name, L("status", host_status_name((enum host_status)s)), all.status[s]);
	counter(p, "smtpscope_hosts_dropped_total", "Remote hosts not tracked: the host table was full.",
		v->hosts_dropped);
}

int metrics_write(struct metrics *m, const struct metrics_view *v, char *err, size_t errlen)
{
	struct prom *p = prom_begin(m->path, err, errlen);
	if (!p)
		return -1;
	prom_family(p, "smtpscope_info", "gauge", "Always 1; the version in a label.");
	prom_u64(p, "smtpscope_info", L("version", PACKAGE_VERSION), 1);
	write_sessions(p, m, v->dec);
	write_replies(p, m);
	write_alerts(p, m);
	write_capture(p, v);
	write_memory(p, v);
	write_hosts(p, m, v);
	return prom_commit(p, err, errlen);
}

bool metrics_due(struct metrics *m, int64_t now_us)
{
	int64_t step = (int64_t)m->interval_s * 1000000;
	if (m->next_us == 0)
		m->next_us = now_us + step;
	if (now_us < m->next_us)
		return false;
	m->next_us = now_us + step;
	return true;
}
