/* text_report.c — the batch report for people, one screen for a reader
 * woken at 3 a.m.: the summary and its verdict, findings by remote host and
 * cause newest first, the remote host and domain tables, then (only when
 * asked, --transcript) the dialogues of the sessions that did not end well,
 * newest first; capture notes last.  100 columns at most, deterministic,
 * every string from the wire sanitised for terminals. */
#include "config.h"

#include "ui/output/text_report.h"
#include "ui/output/text_format.h"
#include "ui/output/line_buf.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/gateway.h"
#include "rules/session_verdict.h"
#include "rules/units.h"

#define WIDTH TXT_WIDTH
#define BLOCKS_MAX 50   /* session blocks kept (the newest); the rest are counted */
#define SANE_MAX (4 * WIDTH + 16)
#define NAME_MIN 15     /* the NAME column of the host table */
#define NAME_MAX 22

struct block {
	char *text;
	size_t len;
	int64_t end_ts;  /* the session's last packet: blocks print newest first */
	uint64_t id;
};

/* Alerts grouped by (rule, host). */
struct alert_group {
	char rule[48];
	enum severity severity;
	char host[ADDR_STRLEN];
	uint64_t count;          /* alerts raised */
	uint64_t events;         /* events they counted (aggregating rules) */
	int64_t first_ts, last_ts;
	int64_t host_last;       /* newest last_ts of the host's groups (sorting) */
	char message[256];       /* the latest */
};

#define ALERT_GROUPS_MAX 200

struct report {
	uint64_t sessions, messages, bad;
	uint64_t ends[END__COUNT];
	uint64_t outcomes[OUT__COUNT];
	struct block blocks[BLOCKS_MAX]; /* a ring: the newest BLOCKS_MAX */
	size_t nblocks, first_block;
	bool transcripts;                /* keep and print the session blocks */
	struct alert_group *groups;
	size_t ngroups;
	uint64_t groups_dropped;
};

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* --- session blocks ---------------------------------------------------------- */

static const char *ending(const struct smtp_session *s)
{
	switch (s->end_reason) {
	case END_RST: return "RST";
	case END_FIN: return "FIN";
	case END_QUIT: return "QUIT";
	case END_TIMEOUT: return "idle timeout";
	case END_CAPTURE_END: return "capture end";
	case END_EVICTED: return "evicted (memcap)";
	default: return "open";
	}
}

static void block_head(FILE *f, const struct smtp_session *s, const char *desc)
{
	char ts[40], cli[64], srv[64], name[SMTP_REPLY_TEXT_MAX], line[SANE_MAX], sane[4 * 256];
	txt_time(ts, sizeof ts, s->start_ts, true);
	txt_endpoint(cli, sizeof cli, &s->client, s->client_port);
	txt_endpoint(srv, sizeof srv, &s->server, s->server_port);
	snprintf(line, sizeof line, "#%" PRIu64 "  %s  %s \xe2\x86\x92 %s", s->id, ts, cli, srv);
	size_t used = txt_cols(line);
	fputs(line, f);
	hm_banner_name(s, name, sizeof name);
	if (name[0] && used + 3 < WIDTH) {
		txt_sanitize(sane, sizeof sane, name, strlen(name), WIDTH - used - 2);
		fprintf(f, "  %s", sane);
	}
	putc('\n', f);
	const char *by = side_name(s->end_by);
	snprintf(line, sizeof line, "    %s%s%s in state %s: ", ending(s),
		 by && s->end_reason != END_QUIT ? " from " : "",
		 by && s->end_reason != END_QUIT ? by : "", smtp_state_name(s->state));
	txt_sanitize(sane, sizeof sane, desc, strlen(desc), sizeof sane / 4 - 1);
	txt_wrapped(f, line, 6, sane);
}

/* One transcript entry as "C: ..." / "S: ...", cut to the width. */
static void put_entry(FILE *f, const struct tr_entry *e)
{
	char text[TR_TEXT_MAX + 64], size[32], sane[SANE_MAX];
	size_t n;
	switch (e->kind) {
	case TR_REPLY:
		n = strcspn(e->text, "\n");
		snprintf(text, sizeof text, "%u %.*s", e->code, (int)n, e->text);
		break;
	case TR_DATA:
		format_size(size, sizeof size, e->bytes);
		snprintf(text, sizeof text, "[message content: %s, %s]", size,
			 e->complete ? "complete" : "incomplete");
		break;
	case TR_GAP:
		format_size(size, sizeof size, e->bytes);
		snprintf(text, sizeof text, "[%s missing from the capture]", size);
		break;
	case TR_TCP:
		if (e->bytes)
			snprintf(text, sizeof text, "[TCP %.*s %" PRIu64 "]", (int)e->len, e->text, e->bytes);
		else
			snprintf(text, sizeof text, "[TCP %.*s]", (int)e->len, e->text);
		break;
	default:
		snprintf(text, sizeof text, "%.*s", (int)e->len, e->text);
		break;
	}
	txt_sanitize(sane, sizeof sane, text, strlen(text), WIDTH - 7);
	fprintf(f, "    %c: %s\n", e->dir == 'S' ? 'S' : 'C', sane);
}

static void put_transcript(FILE *f, const struct transcript *t)
{
	if (!t)
		return;
	/* the whole dialogue kept, in wire order (asked for: --transcript) */
	uint32_t kept = tr_kept(t), head = tr_head_count(t);
	uint64_t omitted = tr_omitted(t);
	for (uint32_t i = 0; i < kept; i++) {
		if (i == head && i > 0 && omitted)
			fprintf(f, "    [%" PRIu64 " %s not kept]\n", omitted,
				plural(omitted, "entry", "entries"));
		const struct tr_entry *e = tr_get(t, i);
		if (e)
			put_entry(f, e);
	}
}

/* Keeps the newest BLOCKS_MAX blocks: when full, the oldest makes room. */
static void keep_block(struct report *r, const struct smtp_session *s, const char *desc)
{
	if (r->nblocks == BLOCKS_MAX) {
		struct block *old = &r->blocks[r->first_block];
		mem_release(old->len + 1);
		free(old->text);
		old->text = NULL;
		r->first_block = (r->first_block + 1) % BLOCKS_MAX;
		r->nblocks--;
	}
	struct block *b = &r->blocks[(r->first_block + r->nblocks) % BLOCKS_MAX];
	FILE *f = open_memstream(&b->text, &b->len);
	if (!f)
		return;
	block_head(f, s, desc);
	put_transcript(f, s->transcript);
	if (fclose(f) != 0 || !b->text) {
		free(b->text);
		b->text = NULL;
		return;
	}
	mem_charge(b->len + 1);
	b->end_ts = s->end_ts;
	b->id = s->id;
	r->nblocks++;
}

/* --- report lifecycle ---------------------------------------------------------- */

struct report *rep_new(void)
{
	struct report *r = xcalloc(1, sizeof *r);
	mem_charge(sizeof *r);
	r->transcripts = true;
	return r;
}

void rep_set_transcripts(struct report *r, bool on)
{
	r->transcripts = on;
}

void rep_alert(struct report *r, const char *rule, enum severity severity, int64_t ts_us,
	       const char *host, const char *message, uint64_t count, bool update)
{
	host = host ? host : "";
	struct alert_group *g = NULL;
	for (size_t i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i].rule, rule) == 0 && strcmp(r->groups[i].host, host) == 0)
			g = &r->groups[i];
	if (!g) {
		if (r->ngroups == ALERT_GROUPS_MAX) {
			r->groups_dropped++;
			return;
		}
		if (!r->groups)
			r->groups = xcalloc(ALERT_GROUPS_MAX, sizeof *r->groups);
		g = &r->groups[r->ngroups++];
		snprintf(g->rule, sizeof g->rule, "%s", rule);
		g->severity = severity;
		snprintf(g->host, sizeof g->host, "%s", host);
		g->first_ts = ts_us;
	}
	if (update) { /* one more event of an alert already counted */
		g->events++;
	} else {
		g->count++;
		g->events += count;
	}
	g->last_ts = ts_us;
	snprintf(g->message, sizeof g->message, "%s", message);
}

/* Findings are grouped by remote host, the host whose latest finding is
 * newest first; within a host, the newest cause first. */
static int cmp_groups(const void *pa, const void *pb)
{
	const struct alert_group *a = pa, *b = pb;
	if (a->host_last != b->host_last)
		return a->host_last < b->host_last ? 1 : -1;
	int c = strcmp(a->host, b->host);
	if (c)
		return c;
	if (a->last_ts != b->last_ts)
		return a->last_ts < b->last_ts ? 1 : -1;
	c = (int)b->severity - (int)a->severity; /* critical first */
	return c ? c : strcmp(a->rule, b->rule);
}

/* The host's status as the host table shows it ("-" when not a tracked
 * remote host): the first row of the table, which is the worst role. */
/* The status of the first host in v whose address is written `host`.  The
 * address is parsed once and compared in binary: formatting every host's
 * address for each of up to ALERT_GROUPS_MAX findings was quadratic. */
static const char *finding_status(const char *host, const struct host_entry *const *v, size_t n)
{
	struct ip_addr want;
	bool parsed = host[0] && addr_parse(host, &want);
	for (size_t i = 0; host[0] && i < n; i++) {
		if (parsed && !addr_eq(&v[i]->addr, &want))
			continue;
		char a[ADDR_STRLEN];
		addr_format(&v[i]->addr, a);
		if (strcmp(a, host) == 0)
			return host_status_name(v[i]->status);
	}
	return "-";
}

static void put_findings(FILE *out, struct report *r, const struct host_entry *const *v, size_t n,
			 int64_t day)
{
	if (r->ngroups == 0)
		return;
	for (size_t i = 0; i < r->ngroups; i++) {
		struct alert_group *g = &r->groups[i];
		g->host_last = g->last_ts;
		for (size_t j = 0; j < r->ngroups; j++)
			if (strcmp(r->groups[j].host, g->host) == 0 && r->groups[j].last_ts > g->host_last)
				g->host_last = r->groups[j].last_ts;
	}
	qsort(r->groups, r->ngroups, sizeof *r->groups, cmp_groups);
	fprintf(out, "\nFindings (by remote host and cause, newest first)\n");
	fprintf(out, "HOST            STATUS   CAUSE                  COUNT  SINCE     LAST\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct alert_group *g = &r->groups[i];
		char a[40], b[40], sane[4 * sizeof g->message], lead[64];
		txt_clock(a, sizeof a, g->first_ts, day);
		txt_clock(b, sizeof b, g->last_ts, day);
		char row[256];
		const char *host = g->host[0] ? g->host : "-";
		snprintf(row, sizeof row, "%-15s %-8s %-22s x%-5" PRIu64 " %-9s %s", host,
			 finding_status(g->host, v, n), g->rule, g->count, a, b);
		if (txt_cols(row) > WIDTH) /* an IPv6 host, dates of another day: host alone */
			snprintf(row, sizeof row, "%s\n%-15s %-8s %-22s x%-5" PRIu64 " %-9s %s", host, "",
				 finding_status(g->host, v, n), g->rule, g->count, a, b);
		fprintf(out, "%s\n", row);
		txt_sanitize(sane, sizeof sane, g->message, strlen(g->message), sizeof sane / 4 - 1);
		snprintf(lead, sizeof lead, "%16s%s: ", "", severity_name(g->severity));
		txt_wrapped(out, lead, 16, sane);
	}
	if (r->groups_dropped)
		fprintf(out, "... and %" PRIu64 " more alerts in other groups\n", r->groups_dropped);
}

void rep_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nblocks; i++) {
		struct block *b = &r->blocks[(r->first_block + i) % BLOCKS_MAX];
		mem_release(b->len + 1);
		free(b->text);
	}
	free(r->groups);
	mem_release(sizeof *r);
	free(r);
}

void rep_session_end(struct report *r, const struct smtp_session *s)
{
	r->sessions++;
	if ((unsigned)s->end_reason < END__COUNT)
		r->ends[s->end_reason]++;
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		r->messages++;
		if ((unsigned)t->outcome < OUT__COUNT)
			r->outcomes[t->outcome]++;
	}
	char desc[256];
	hm_describe_failure(s, desc, sizeof desc);
	if (!desc[0])
		return;
	r->bad++;
	if (r->transcripts)
		keep_block(r, s, desc);
}

/* --- the report ---------------------------------------------------------------- */

static void put_title(FILE *out, const struct report_context *ctx)
{
	char sane[SANE_MAX];
	const char *src = ctx->source ? ctx->source : "unknown source";
	txt_sanitize(sane, sizeof sane, src, strlen(src), 70);
	fprintf(out, "smtpscope \xe2\x80\x94 %s", sane);
	if (ctx->linktype)
		fprintf(out, " (%s)", ctx->linktype);
	putc('\n', out);
}

static void put_capture_line(FILE *out, const struct report_context *ctx)
{
	const struct dec_stats *d = ctx->dec;
	uint64_t packets = ctx->cap ? ctx->cap->packets : d ? d->packets : 0;
	uint64_t bytes = ctx->cap ? ctx->cap->bytes : d ? d->bytes : 0;
	if (packets == 0 || !d) {
		fprintf(out, "Capture   no packets\n");
		return;
	}
	char a[40], b[40], dur[32], size[32];
	txt_time(a, sizeof a, d->first_ts, false);
	txt_time(b, sizeof b, d->last_ts, false);
	format_duration(dur, sizeof dur, d->last_ts - d->first_ts);
	format_size(size, sizeof size, bytes);
	fprintf(out, "Capture   %s \xe2\x86\x92 %s UTC (%s), %" PRIu64 " %s, %s\n", a, b, dur,
		packets, plural(packets, "packet", "packets"), size);
}

/* Appends name to a ", "-separated list unless it is empty or already in
 * it (the names that tie a gateway's addresses together). */
static void add_name(char *list, size_t size, const char *name)
{
	size_t len = strlen(list), n = strlen(name);
	for (const char *p = list; n && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 2 : 0))
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return;
	if (n && len + n + 3 < size)
		snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

/* The gateway's addresses and why: given, or inferred with the evidence
 * (sessions it took part in, in which roles, under which names). */
static void put_gateway_line(FILE *out, const struct report_context *ctx)
{
	const struct gateway *g = ctx->hm ? hm_gateway(ctx->hm) : NULL;
	struct gw_member m[GW_MAX_MEMBERS];
	size_t n = g ? gw_members(g, m, GW_MAX_MEMBERS) : 0;
	if (g && gw_given(g)) {
		fprintf(out, "Gateway   %s (--gateway)\n", ctx->gateway_arg ? ctx->gateway_arg : "");
		const struct ip_prefix *u[16];
		size_t nu = gw_unmatched(g, u, 16);
		for (size_t i = 0; i < nu; i++) {
			char p[ADDR_STRLEN + 8];
			gw_prefix_format(u[i], p, sizeof p);
			fprintf(out, "          warning: --gateway %s: no session has an address in it\n", p);
		}
		return;
	}
	if (n == 0) {
		fprintf(out, "Gateway   unknown (no sessions)\n");
		return;
	}
	uint64_t cl = 0, sv = 0, in = gw_sessions_with_gateway(g), of = gw_sessions(g);
	char names[160] = "", line[1024], sane[4 * sizeof line];
	size_t len = 0;
	line[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char a[ADDR_STRLEN];
		addr_format(&m[i].addr, a);
		if (len + strlen(a) + 3 < sizeof line)
			len += (size_t)snprintf(line + len, sizeof line - len, "%s%s", i ? ", " : "", a);
		cl += m[i].as_client;
		sv += m[i].as_server;
		add_name(names, sizeof names, m[i].ehlo);
		add_name(names, sizeof names, m[i].banner);
	}
	snprintf(line + len, sizeof line - len, " (inferred: in %" PRIu64 " of %" PRIu64 " %s, %" PRIu64
		 " as client, %" PRIu64 " as server%s%s)", in, of, plural(of, "session", "sessions"), cl,
		 sv, names[0] ? "; " : "", names);
	/* the names came from the wire; a cluster's line is broken at spaces */
	txt_sanitize(sane, sizeof sane, line, strlen(line), sizeof sane / 4 - 1);
	txt_wrapped(out, "Gateway   ", 10, sane);
}

static void put_counts_line(FILE *out, const struct report *r)
{
	static const char *const endw[END__COUNT] = {
		[END_NONE] = "open", [END_QUIT] = "quit", [END_FIN] = "fin", [END_RST] = "rst",
		[END_TIMEOUT] = "timeout", [END_CAPTURE_END] = "capture end", [END_EVICTED] = "evicted",
	};
	static const char *const outw[OUT__COUNT] = {
		[OUT_OPEN] = "open", [OUT_ACCEPTED] = "accepted", [OUT_DEFERRED] = "deferred",
		[OUT_REJECTED] = "rejected", [OUT_ABORTED] = "aborted",
	};
	char left[256];
	int n = snprintf(left, sizeof left, "Sessions  %" PRIu64, r->sessions);
	const char *sep = ": ";
	for (int i = 0; i < END__COUNT && n > 0 && (size_t)n < sizeof left; i++) {
		if (!r->ends[i])
			continue;
		n += snprintf(left + n, sizeof left - (size_t)n, "%s%" PRIu64 " %s", sep, r->ends[i], endw[i]);
		sep = ", ";
	}
	size_t lc = txt_cols(left);
	fprintf(out, "%s%*s", left, lc + 2 < 38 ? (int)(38 - lc) : 2, "");
	fprintf(out, "Messages %" PRIu64, r->messages);
	sep = ": ";
	for (int i = 0; i < OUT__COUNT; i++) {
		if (!r->outcomes[i])
			continue;
		fprintf(out, "%s%" PRIu64 " %s", sep, r->outcomes[i], outw[i]);
		sep = ", ";
	}
	putc('\n', out);
}

static void put_problems_line(FILE *out, const struct report *r, const struct host_entry *const *v,
			      size_t n)
{
	uint64_t failing = 0, retrying = 0, rejected = 0;
	for (size_t i = 0; i < n; i++) {
		failing += v[i]->status == HS_FAILING;
		retrying += v[i]->status == HS_RETRY;
		rejected += v[i]->status == HS_REJECTED;
	}
	char line[256];
	int k = snprintf(line, sizeof line, "%" PRIu64 " %s ended badly; %" PRIu64 " remote %s failing, %"
			 PRIu64 " retrying", r->bad, plural(r->bad, "session", "sessions"), failing,
			 plural(failing, "host", "hosts"), retrying);
	if (rejected && k > 0 && (size_t)k < sizeof line)
		snprintf(line + k, sizeof line - (size_t)k, ", %" PRIu64 " rejected (5xx: no retry)",
			 rejected);
	txt_wrapped(out, "Problems  ", 10, line);
}

/* The STATUS column: 7 wide, 8 when a "rejected" row is shown. */
static int status_width(const struct host_entry *const *v, size_t n)
{
	int w = 7;
	for (size_t i = 0; i < n; i++) {
		int k = (int)strlen(host_status_name(v[i]->status));
		if (k > w)
			w = k;
	}
	return w;
}

/* One row per remote host, and there may be tens of thousands: built in
 * memory, one fwrite (the fprintf calls it replaces were most of the
 * report's cost); the same text as "%-15s %s%*s %-6s %-*s %4llu ...". */
static void put_host_row(FILE *out, const struct host_entry *e, int name_w, int status_w)
{
	static const int widths[10] = { 4, 4, 3, 3, 3, 4, 3, 3, 5, 4 };
	const uint64_t counts[10] = { e->sessions, e->messages, e->accepted, e->deferred,
				      e->rejected, e->aborted, e->resets, e->timeouts,
				      e->retries, e->pending };
	char a[ADDR_STRLEN], name[SANE_MAX];
	struct line_buf l;
	lb_init(&l, out);
	addr_format(&e->addr, a);
	/* a long IPv6 address gets a line of its own so the columns stay put */
	if (strlen(a) > 15) {
		lb_str(&l, a);
		lb_ch(&l, '\n');
		lb_spaces(&l, 15);
	} else {
		lb_str_left(&l, a, 15);
	}
	lb_ch(&l, ' ');
	size_t nc = txt_sanitize(name, sizeof name, e->name, strlen(e->name), (size_t)name_w);
	lb_str(&l, name);
	lb_spaces(&l, name_w - (int)nc);
	lb_ch(&l, ' ');
	lb_str_left(&l, host_role_name(e->role), 6);
	lb_ch(&l, ' ');
	lb_str_left(&l, host_status_name(e->status), status_w);
	for (int i = 0; i < 10; i++) {
		lb_ch(&l, ' ');
		lb_u64_right(&l, counts[i], widths[i]);
	}
	lb_ch(&l, '\n');
	lb_flush(&l);
}

static void put_host_details(FILE *out, const struct host_entry *e, int64_t day, int64_t now)
{
	char sane[4 * HOST_ERROR_MAX], t[40], iv[32];
	if (e->last_error[0]) {
		txt_sanitize(sane, sizeof sane, e->last_error, strlen(e->last_error), sizeof sane / 4 - 1);
		txt_wrapped(out, "   last error  ", 15, sane);
	}
	if (e->geo.found) {
		char where[256];
		int n = snprintf(where, sizeof where, "%s%s%s", e->geo.country,
				 e->geo.country[0] && e->geo.city[0] ? " " : "", e->geo.city);
		if (e->geo.asn && n >= 0 && (size_t)n < sizeof where)
			snprintf(where + n, sizeof where - (size_t)n, "%sAS%u %s", n ? ", " : "",
				 e->geo.asn, e->geo.org);
		txt_sanitize(sane, sizeof sane, where, strlen(where), 80);
		fprintf(out, "   location    %s\n", sane);
	}
	if (e->status != HS_FAILING && e->status != HS_RETRY)
		return;
	txt_clock(t, sizeof t, e->failing_since, day);
	fprintf(out, "   %s since %s", e->status == HS_FAILING ? "failing" : "failed attempts", t);
	if (e->retry_interval_us > 0) {
		format_duration(iv, sizeof iv, e->retry_interval_us);
		fprintf(out, ", retry every %s", iv);
	}
	if (e->next_retry_estimate) {
		txt_clock(t, sizeof t, e->next_retry_estimate, day);
		fprintf(out, ", next attempt expected ~%s%s", t,
			hm_retry_overdue(e, now) ? " (overdue)" : "");
	}
	putc('\n', out);
}

static void put_hosts(FILE *out, const struct host_entry *const *v, size_t n, int64_t day,
		      int64_t now)
{
	fprintf(out, "\nRemote hosts (worst first)\n");
	if (n == 0) {
		fprintf(out, "  (none)\n");
		return;
	}
	/* the NAME column grows from 15 to 22 columns to fit the names shown */
	int name_w = NAME_MIN;
	for (size_t i = 0; i < n; i++) {
		size_t c = txt_cols(v[i]->name);
		if (c > (size_t)name_w)
			name_w = c > NAME_MAX ? NAME_MAX : (int)c;
	}
	int status_w = status_width(v, n);
	fprintf(out, "HOST            %-*s ROLE   %-*s SESS MSGS ACC DEF REJ ABRT "
		     "RST T/O RETRY PEND\n", name_w, "NAME", status_w, "STATUS");
	for (size_t i = 0; i < n; i++) {
		put_host_row(out, v[i], name_w, status_w);
		put_host_details(out, v[i], day, now);
	}
}

#define DOMAINS_SHOWN 15

static void put_domains(FILE *out, struct host_model *hm)
{
	const struct host_entry **v;
	size_t n = hm ? hm_domains(hm, &v) : 0;
	if (n == 0)
		return;
	fprintf(out, "\nRecipient domains (worst first)\n");
	size_t shown = n < DOMAINS_SHOWN ? n : DOMAINS_SHOWN;
	int status_w = status_width(v, shown);
	fprintf(out, "DOMAIN                   %-*s SESS MSGS ACC DEF REJ ABRT RETRY PEND  LAST ERROR\n",
		status_w, "STATUS");
	for (size_t i = 0; i < n && i < DOMAINS_SHOWN; i++) {
		const struct host_entry *e = v[i];
		char name[SANE_MAX], err[SANE_MAX];
		size_t nc = txt_sanitize(name, sizeof name, e->name, strlen(e->name), 24);
		txt_sanitize(err, sizeof err, e->last_error, strlen(e->last_error), 26);
		fprintf(out, "%s%*s %-*s %4" PRIu64 " %4" PRIu64 " %3" PRIu64 " %3" PRIu64 " %3" PRIu64
			" %4" PRIu64 " %5" PRIu64 " %4" PRIu64 "  %s\n", name, 24 - (int)nc, "",
			status_w, host_status_name(e->status), e->sessions, e->messages, e->accepted, e->deferred,
			e->rejected, e->aborted, e->retries, e->pending,
			e->status == HS_READY && e->failed_attempts == 0 ? "" : err);
	}
	if (n > DOMAINS_SHOWN)
		fprintf(out, "... and %zu more %s\n", n - DOMAINS_SHOWN, plural(n - DOMAINS_SHOWN, "domain", "domains"));
}

static int cmp_blocks(const void *pa, const void *pb)
{
	const struct block *a = *(const struct block *const *)pa, *b = *(const struct block *const *)pb;
	if (a->end_ts != b->end_ts)
		return a->end_ts < b->end_ts ? 1 : -1;
	return a->id < b->id ? 1 : a->id > b->id ? -1 : 0;
}

static void put_blocks(FILE *out, const struct report *r)
{
	if (r->bad == 0)
		return;
	if (!r->transcripts) { /* dialogues only on request */
		fprintf(out, "\n%" PRIu64 " %s did not end well: --transcript shows %s dialogue\n",
			r->bad, plural(r->bad, "session", "sessions"), plural(r->bad, "its", "each one's"));
		return;
	}
	/* sessions are reported as they end, and a timeout only later: order
	 * by the last packet, newest first */
	const struct block *v[BLOCKS_MAX];
	for (size_t i = 0; i < r->nblocks; i++)
		v[i] = &r->blocks[(r->first_block + i) % BLOCKS_MAX];
	qsort(v, r->nblocks, sizeof v[0], cmp_blocks);
	fprintf(out, "\nSessions that did not end well (newest first)\n");
	for (size_t i = 0; i < r->nblocks; i++) {
		if (i)
			putc('\n', out);
		fwrite(v[i]->text, 1, v[i]->len, out);
	}
	if (r->bad > r->nblocks)
		fprintf(out, "\n... and %" PRIu64 " older %s that did not end well\n",
			r->bad - r->nblocks, plural(r->bad - r->nblocks, "session", "sessions"));
}

static void put_decode_notes(FILE *out, const struct dec_stats *d)
{
	char size[32];
	if (d->malformed)
		fprintf(out, "  %" PRIu64 " malformed %s\n", d->malformed,
			plural(d->malformed, "frame", "frames"));
	if (d->gaps) {
		format_size(size, sizeof size, d->gap_bytes);
		fprintf(out, "  %" PRIu64 " %s in TCP streams (%s missing)\n", d->gaps,
			plural(d->gaps, "gap", "gaps"), size);
	}
	if (d->sessions_evicted)
		fprintf(out, "  %" PRIu64 " %s ended early to stay under --memcap\n",
			d->sessions_evicted, plural(d->sessions_evicted, "session", "sessions"));
	for (int a = 0; a < ANOM__COUNT; a++)
		if (d->anomalies[a])
			fprintf(out, "  anomaly %s: %" PRIu64 "\n", anomaly_name((enum anomaly)a),
				d->anomalies[a]);
}

/* What the gateway inference could not keep under --memcap: its decision
 * rests on less than every session, which the reader must know. */
static void put_gateway_notes(FILE *out, const struct gateway *g)
{
	const struct facts_stats *fp = gw_first_pass(g);
	if (fp && fp->flows_evicted)
		fprintf(out, "  gateway first pass: %" PRIu64 " %s ended early to stay under --memcap\n",
			fp->flows_evicted, plural(fp->flows_evicted, "session", "sessions"));
	if (fp && fp->names_dropped)
		fprintf(out, "  gateway first pass: %" PRIu64 " %s read without names (--memcap)\n",
			fp->names_dropped, plural(fp->names_dropped, "session", "sessions"));
	if (gw_addrs_dropped(g))
		fprintf(out, "  gateway inference: %" PRIu64 " session %s not tracked (table full)\n",
			gw_addrs_dropped(g), plural(gw_addrs_dropped(g), "address", "addresses"));
	if (gw_names_dropped(g))
		fprintf(out, "  gateway inference: %" PRIu64 " %s not kept as text (name store full)\n",
			gw_names_dropped(g), plural(gw_names_dropped(g), "name", "names"));
}

/* Several -r or -i: every input, as the title shows only the first few. */
static void put_inputs(FILE *out, const struct report_context *ctx)
{
	char sane[SANE_MAX];
	for (size_t i = 0; i < ctx->ninputs; i++) {
		const struct cap_stats *s = &ctx->inputs[i];
		const char *name = s->name ? s->name : "";
		txt_sanitize(sane, sizeof sane, name, strlen(name), 2 * WIDTH);
		fprintf(out, "  source %s (%s): %" PRIu64 " packets", sane,
			s->linktype_name ? s->linktype_name : "unknown", s->packets);
		if (s->have_kernel_stats)
			fprintf(out, ", dropped by the kernel %" PRIu64 ", by the interface %" PRIu64,
				s->dropped_kernel, s->dropped_iface);
		if (s->broken)
			fprintf(out, ", truncated at packet %" PRIu64, s->broken_at_packet);
		putc('\n', out);
	}
}

static void put_footer(FILE *out, const struct report_context *ctx)
{
	const struct cap_stats *c = ctx->cap;
	char size[32], sane[SANE_MAX];
	fprintf(out, "\nCapture\n");
	put_inputs(out, ctx);
	if (c && c->broken) {
		char lead[128];
		int n = snprintf(lead, sizeof lead, "  capture truncated at packet %" PRIu64,
				 c->broken_at_packet);
		if (c->broken_at_offset >= 0 && n > 0 && (size_t)n < sizeof lead)
			snprintf(lead + n, sizeof lead - (size_t)n, " (byte offset %" PRId64 ")",
				 c->broken_at_offset);
		strncat(lead, ": ", sizeof lead - strlen(lead) - 1);
		txt_sanitize(sane, sizeof sane, c->error, strnlen(c->error, sizeof c->error), 2 * WIDTH);
		txt_wrapped(out, lead, 4, sane);
	}
	if (ctx->interrupted)
		fputs("  interrupted (SIGINT or SIGTERM): the report covers the packets read until then\n",
		      out);
	if (c && c->have_kernel_stats && (c->dropped_kernel || c->dropped_iface))
		fprintf(out, "  dropped by the kernel: %" PRIu64 ", by the interface: %" PRIu64 "\n",
			c->dropped_kernel, c->dropped_iface);
	if (ctx->dec)
		put_decode_notes(out, ctx->dec);
	if (ctx->hm && hm_hosts_dropped(ctx->hm))
		fprintf(out, "  %" PRIu64 " %s not tracked (host table full)\n",
			hm_hosts_dropped(ctx->hm), plural(hm_hosts_dropped(ctx->hm), "host", "hosts"));
	if (ctx->hm)
		put_gateway_notes(out, hm_gateway(ctx->hm));
	format_size(size, sizeof size, ctx->memory_peak);
	fprintf(out, "  memory peak %s\n", size);
}

void rep_print(struct report *r, FILE *out, const struct report_context *ctx)
{
	const struct host_entry **v = NULL;
	size_t n = ctx->hm ? hm_hosts(ctx->hm, &v) : 0;
	const struct host_entry *mine[2]; /* the host in both roles at most */
	if (ctx->only_host) {
		size_t k = 0;
		for (size_t i = 0; i < n && k < 2; i++)
			if (addr_eq(&v[i]->addr, ctx->only_host))
				mine[k++] = v[i];
		v = mine;
		n = k;
	}
	int64_t day = ctx->dec ? ctx->dec->first_ts : 0;
	put_title(out, ctx);
	if (ctx->only_host) {
		char a[ADDR_STRLEN];
		addr_format(ctx->only_host, a);
		fprintf(out, "Host      %s (this report covers only this remote host)\n", a);
	}
	put_capture_line(out, ctx);
	put_gateway_line(out, ctx);
	put_counts_line(out, r);
	put_problems_line(out, r, v, n);
	put_findings(out, r, v, n, day);
	if (!ctx->only_host) /* what is waiting, before the tables of who */
		rep_queue(out, ctx->mq, ctx->now);
	put_hosts(out, v, n, day, ctx->dec ? ctx->dec->last_ts : 0);
	if (!ctx->only_host)
		put_domains(out, ctx->hm);
	put_blocks(out, r);
	put_footer(out, ctx);
}
