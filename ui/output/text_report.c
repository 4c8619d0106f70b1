/* text_report.c — the batch report for people: summary, remote hosts worst
 * first, the sessions that did not end well, capture notes; 100 columns,
 * deterministic, every string from the wire sanitised for terminals. */
#include "config.h"

#include "ui/output/text_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/mem.h"
#include "decode/utf8.h"
#include "rules/gateway.h"
#include "rules/session_verdict.h"

#define WIDTH 100
#define BLOCKS_MAX 50   /* session blocks kept; the rest are counted */
#define TAIL_SHOWN 8    /* transcript entries shown per session */
#define SANE_MAX (4 * WIDTH + 16)
#define NAME_MIN 15     /* the NAME column of the host table */
#define NAME_MAX 22

struct block {
	char *text;
	size_t len;
};

/* Alerts grouped by (rule, host). */
struct alert_group {
	char rule[48];
	enum severity severity;
	char host[ADDR_STRLEN];
	uint64_t count;          /* alerts raised */
	uint64_t events;         /* events they counted (aggregating rules) */
	int64_t first_ts, last_ts;
	char message[256];       /* the latest */
};

#define ALERT_GROUPS_MAX 200

struct report {
	uint64_t sessions, messages, bad;
	uint64_t ends[END__COUNT];
	uint64_t outcomes[OUT__COUNT];
	struct block blocks[BLOCKS_MAX];
	size_t nblocks;
	struct alert_group *groups;
	size_t ngroups;
	uint64_t groups_dropped;
};

/* --- sanitising ------------------------------------------------------------ */

/* Code points a terminal would act on rather than show: C1 controls (8-bit
 * CSI), bidirectional overrides that reorder what is displayed. */
static bool dangerous(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

/* Renders n bytes of s for a terminal into out (NUL-terminated), at most
 * max_cols columns; a cut is marked with "…".  Control bytes become \xNN,
 * invalid UTF-8 and display-reordering characters U+FFFD.  Returns columns. */
static size_t sanitize(char *out, size_t outsz, const char *str, size_t n, size_t max_cols)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, len = 0, cols = 0, mark = 0, mark_cols = 0;
	out[0] = '\0';
	if (max_cols == 0 || outsz < 4)
		return 0;
	while (i < n) {
		char r[8];
		size_t rl, used = 1, rc = 1;
		uint32_t cp = 0;
		if (s[i] >= 0x20 && s[i] < 0x7f) {
			r[0] = (char)s[i];
			rl = 1;
		} else if (s[i] == '\t') {
			r[0] = ' ';
			rl = 1;
		} else if (s[i] < 0x80) {
			rl = (size_t)snprintf(r, sizeof r, "\\x%02x", s[i]);
			rc = rl;
		} else if ((used = utf8_decode(s + i, n - i, &cp)) != 0 && !dangerous(cp)) {
			memcpy(r, s + i, used);
			rl = used;
		} else {
			used = used ? used : 1;
			memcpy(r, "\xef\xbf\xbd", 3);
			rl = 3;
		}
		if (cols + rc > max_cols || len + rl + 4 > outsz) {
			memcpy(out + mark, "\xe2\x80\xa6", 4); /* "…" and the NUL */
			return mark_cols + 1;
		}
		memcpy(out + len, r, rl);
		len += rl;
		cols += rc;
		out[len] = '\0';
		if (cols < max_cols) { /* room left for the cut mark after this */
			mark = len;
			mark_cols = cols;
		}
		i += used;
	}
	return cols;
}

/* Columns taken by UTF-8 text (one per code point). */
static size_t text_cols(const char *s)
{
	size_t c = 0;
	for (; *s; s++)
		c += ((unsigned char)*s & 0xc0) != 0x80;
	return c;
}

/* Writes already sanitised text after `lead`, broken at spaces so no line
 * passes WIDTH; continuation lines start with `indent` spaces. */
static void put_wrapped(FILE *out, const char *lead, size_t indent, const char *text)
{
	size_t col = text_cols(lead);
	fputs(lead, out);
	const char *p = text;
	bool first = true;
	while (*p) {
		size_t wl = strcspn(p, " "), wc = 0;
		for (size_t k = 0; k < wl; k++)
			wc += ((unsigned char)p[k] & 0xc0) != 0x80;
		if (!first && col + 1 + wc > WIDTH) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			putc(' ', out);
			col++;
		}
		fwrite(p, 1, wl, out);
		col += wc;
		first = false;
		p += wl;
		p += strspn(p, " ");
	}
	putc('\n', out);
}

/* --- numbers and times ------------------------------------------------------ */

/* "2026-11-20 03:00:00" (UTC), with ".123" when millis. */
static void fmt_time(char *out, size_t sz, int64_t ts_us, bool millis)
{
	int64_t sec = ts_us / 1000000, us = ts_us % 1000000;
	if (us < 0) {
		us += 1000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, sz, "?");
		return;
	}
	size_t n = strftime(out, sz, "%Y-%m-%d %H:%M:%S", &tm);
	if (millis && n)
		snprintf(out + n, sz - n, ".%03d", (int)(us / 1000));
}

/* Just the clock when on the capture's first day, else date and clock. */
static void fmt_clock(char *out, size_t sz, int64_t ts_us, int64_t day_of)
{
	char full[40], ref[40];
	fmt_time(full, sizeof full, ts_us, false);
	fmt_time(ref, sizeof ref, day_of ? day_of : ts_us, false);
	if (strncmp(full, ref, 10) == 0)
		snprintf(out, sz, "%s", full + 11);
	else
		snprintf(out, sz, "%s", full);
}

/* "3.2 s", "60 s", "5m12s", "2h05m". */
static void fmt_duration(char *out, size_t sz, int64_t us)
{
	if (us < 0)
		us = 0;
	int64_t s = us / 1000000;
	if (us < 10 * 1000000LL && us % 1000000)
		snprintf(out, sz, "%.1f s", (double)us / 1e6);
	else if (s < 120)
		snprintf(out, sz, "%" PRId64 " s", s);
	else if (s < 3600)
		snprintf(out, sz, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else
		snprintf(out, sz, "%" PRId64 "h%02" PRId64 "m", s / 3600, s % 3600 / 60);
}

static void fmt_endpoint(char *out, size_t sz, const struct ip_addr *a, uint16_t port)
{
	char t[ADDR_STRLEN];
	addr_format(a, t);
	snprintf(out, sz, addr_is_v4(a) ? "%s:%u" : "[%s]:%u", t, port);
}

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
	fmt_time(ts, sizeof ts, s->start_ts, true);
	fmt_endpoint(cli, sizeof cli, &s->client, s->client_port);
	fmt_endpoint(srv, sizeof srv, &s->server, s->server_port);
	snprintf(line, sizeof line, "#%" PRIu64 "  %s  %s \xe2\x86\x92 %s", s->id, ts, cli, srv);
	size_t used = text_cols(line);
	fputs(line, f);
	hm_banner_name(s, name, sizeof name);
	if (name[0] && used + 3 < WIDTH) {
		sanitize(sane, sizeof sane, name, strlen(name), WIDTH - used - 2);
		fprintf(f, "  %s", sane);
	}
	putc('\n', f);
	const char *by = side_name(s->end_by);
	snprintf(line, sizeof line, "    %s%s%s in state %s: ", ending(s),
		 by && s->end_reason != END_QUIT ? " from " : "",
		 by && s->end_reason != END_QUIT ? by : "", smtp_state_name(s->state));
	sanitize(sane, sizeof sane, desc, strlen(desc), sizeof sane / 4 - 1);
	put_wrapped(f, line, 6, sane);
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
		snprintf(text, sizeof text, "[%" PRIu64 " bytes missing from the capture]", e->bytes);
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
	sanitize(sane, sizeof sane, text, strlen(text), WIDTH - 7);
	fprintf(f, "    %c: %s\n", e->dir == 'S' ? 'S' : 'C', sane);
}

static void put_transcript(FILE *f, const struct transcript *t)
{
	if (!t)
		return;
	uint32_t kept = tr_kept(t), head = tr_head_count(t);
	uint64_t omitted = tr_omitted(t);
	uint32_t from = kept > TAIL_SHOWN ? kept - TAIL_SHOWN : 0;
	uint64_t before = from + (from >= head ? omitted : 0);
	if (before)
		fprintf(f, "    [%" PRIu64 " earlier %s not shown]\n", before,
			plural(before, "entry", "entries"));
	for (uint32_t i = from; i < kept; i++) {
		if (i == head && i > from && omitted)
			fprintf(f, "    [%" PRIu64 " %s not kept]\n", omitted,
				plural(omitted, "entry", "entries"));
		const struct tr_entry *e = tr_get(t, i);
		if (e)
			put_entry(f, e);
	}
}

static void keep_block(struct report *r, const struct smtp_session *s, const char *desc)
{
	struct block *b = &r->blocks[r->nblocks];
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
	r->nblocks++;
}

/* --- report lifecycle ---------------------------------------------------------- */

struct report *rep_new(void)
{
	struct report *r = xcalloc(1, sizeof *r);
	mem_charge(sizeof *r);
	return r;
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

static int cmp_groups(const void *pa, const void *pb)
{
	const struct alert_group *a = pa, *b = pb;
	int c = (int)b->severity - (int)a->severity; /* critical first */
	if (!c)
		c = a->count < b->count ? 1 : a->count > b->count ? -1 : 0;
	if (!c)
		c = strcmp(a->rule, b->rule);
	return c ? c : strcmp(a->host, b->host);
}

static void put_alerts(FILE *out, struct report *r, int64_t day)
{
	if (r->ngroups == 0)
		return;
	qsort(r->groups, r->ngroups, sizeof *r->groups, cmp_groups);
	fprintf(out, "\nAlerts (one line per rule and host)\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct alert_group *g = &r->groups[i];
		char a[40], b[40], sane[4 * sizeof g->message], lead[128];
		fmt_clock(a, sizeof a, g->first_ts, day);
		fmt_clock(b, sizeof b, g->last_ts, day);
		/* a range when several alerts, or one that grew, span time */
		bool span = g->count > 1 || g->last_ts != g->first_ts;
		fprintf(out, "%-8s %-22s %-15s x%-3" PRIu64 " %s%s%s\n", severity_name(g->severity), g->rule,
			g->host[0] ? g->host : "-", g->count, a, span ? " - " : "", span ? b : "");
		sanitize(sane, sizeof sane, g->message, strlen(g->message), sizeof sane / 4 - 1);
		snprintf(lead, sizeof lead, "%9s", "");
		put_wrapped(out, lead, 9, sane);
	}
	if (r->groups_dropped)
		fprintf(out, "... and %" PRIu64 " more alerts in other groups\n", r->groups_dropped);
}

void rep_free(struct report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nblocks; i++) {
		mem_release(r->blocks[i].len + 1);
		free(r->blocks[i].text);
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
	if (r->nblocks < BLOCKS_MAX)
		keep_block(r, s, desc);
}

/* --- the report ---------------------------------------------------------------- */

static void put_title(FILE *out, const struct report_context *ctx)
{
	char sane[SANE_MAX];
	const char *src = ctx->source ? ctx->source : "unknown source";
	sanitize(sane, sizeof sane, src, strlen(src), 70);
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
	fmt_time(a, sizeof a, d->first_ts, false);
	fmt_time(b, sizeof b, d->last_ts, false);
	fmt_duration(dur, sizeof dur, d->last_ts - d->first_ts);
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
	char names[160] = "";
	fputs("Gateway   ", out);
	for (size_t i = 0; i < n; i++) {
		char a[ADDR_STRLEN];
		addr_format(&m[i].addr, a);
		fprintf(out, "%s%s", i ? ", " : "", a);
		cl += m[i].as_client;
		sv += m[i].as_server;
		add_name(names, sizeof names, m[i].ehlo);
		add_name(names, sizeof names, m[i].banner);
	}
	fprintf(out, " (inferred: in %" PRIu64 " of %" PRIu64 " %s, %" PRIu64 " as client, %" PRIu64
		" as server%s%s)\n", in, of, plural(of, "session", "sessions"), cl, sv,
		names[0] ? "; " : "", names);
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
	size_t lc = text_cols(left);
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
	fprintf(out, "Problems  %" PRIu64 " %s ended badly; %" PRIu64 " remote %s failing, %" PRIu64
		" retrying", r->bad, plural(r->bad, "session", "sessions"), failing,
		plural(failing, "host", "hosts"), retrying);
	if (rejected)
		fprintf(out, ", %" PRIu64 " rejected (5xx, nothing to retry)", rejected);
	putc('\n', out);
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

static void put_host_row(FILE *out, const struct host_entry *e, int name_w, int status_w)
{
	char a[ADDR_STRLEN], name[SANE_MAX];
	addr_format(&e->addr, a);
	/* a long IPv6 address gets a line of its own so the columns stay put */
	if (strlen(a) > 15)
		fprintf(out, "%s\n%-15s ", a, "");
	else
		fprintf(out, "%-15s ", a);
	size_t nc = sanitize(name, sizeof name, e->name, strlen(e->name), (size_t)name_w);
	fprintf(out, "%s%*s ", name, name_w - (int)nc, "");
	fprintf(out, "%-6s %-*s %4" PRIu64 " %4" PRIu64 " %3" PRIu64 " %3" PRIu64 " %3" PRIu64
		" %4" PRIu64 " %3" PRIu64 " %3" PRIu64 " %5" PRIu64 " %4" PRIu64 "\n",
		host_role_name(e->role), status_w, host_status_name(e->status), e->sessions, e->messages,
		e->accepted, e->deferred, e->rejected, e->aborted, e->resets, e->timeouts,
		e->retries, e->pending);
}

static void put_host_details(FILE *out, const struct host_entry *e, int64_t day, int64_t now)
{
	char sane[4 * HOST_ERROR_MAX], t[40], iv[32];
	if (e->last_error[0]) {
		sanitize(sane, sizeof sane, e->last_error, strlen(e->last_error), sizeof sane / 4 - 1);
		put_wrapped(out, "   last error  ", 15, sane);
	}
	if (e->geo.found) {
		char where[256];
		int n = snprintf(where, sizeof where, "%s%s%s", e->geo.country,
				 e->geo.country[0] && e->geo.city[0] ? " " : "", e->geo.city);
		if (e->geo.asn && n >= 0 && (size_t)n < sizeof where)
			snprintf(where + n, sizeof where - (size_t)n, "%sAS%u %s", n ? ", " : "",
				 e->geo.asn, e->geo.org);
		sanitize(sane, sizeof sane, where, strlen(where), 80);
		fprintf(out, "   location    %s\n", sane);
	}
	if (e->status != HS_FAILING && e->status != HS_RETRY)
		return;
	fmt_clock(t, sizeof t, e->failing_since, day);
	fprintf(out, "   %s since %s", e->status == HS_FAILING ? "failing" : "failed attempts", t);
	if (e->retry_interval_us > 0) {
		fmt_duration(iv, sizeof iv, e->retry_interval_us);
		fprintf(out, ", retry every %s", iv);
	}
	if (e->next_retry_estimate) {
		fmt_clock(t, sizeof t, e->next_retry_estimate, day);
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
		size_t c = text_cols(v[i]->name);
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
		size_t nc = sanitize(name, sizeof name, e->name, strlen(e->name), 24);
		sanitize(err, sizeof err, e->last_error, strlen(e->last_error), 26);
		fprintf(out, "%s%*s %-*s %4" PRIu64 " %4" PRIu64 " %3" PRIu64 " %3" PRIu64 " %3" PRIu64
			" %4" PRIu64 " %5" PRIu64 " %4" PRIu64 "  %s\n", name, 24 - (int)nc, "",
			status_w, host_status_name(e->status), e->sessions, e->messages, e->accepted, e->deferred,
			e->rejected, e->aborted, e->retries, e->pending,
			e->status == HS_READY && e->failed_attempts == 0 ? "" : err);
	}
	if (n > DOMAINS_SHOWN)
		fprintf(out, "... and %zu more %s\n", n - DOMAINS_SHOWN, plural(n - DOMAINS_SHOWN, "domain", "domains"));
}

static void put_blocks(FILE *out, const struct report *r)
{
	if (r->bad == 0)
		return;
	fprintf(out, "\nSessions that did not end well\n");
	for (size_t i = 0; i < r->nblocks; i++) {
		if (i)
			putc('\n', out);
		fwrite(r->blocks[i].text, 1, r->blocks[i].len, out);
	}
	if (r->bad > r->nblocks)
		fprintf(out, "\n... and %" PRIu64 " more %s that did not end well\n",
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

/* Several -r or -i: every input, as the title shows only the first few. */
static void put_inputs(FILE *out, const struct report_context *ctx)
{
	char sane[SANE_MAX];
	for (size_t i = 0; i < ctx->ninputs; i++) {
		const struct cap_stats *s = &ctx->inputs[i];
		const char *name = s->name ? s->name : "";
		sanitize(sane, sizeof sane, name, strlen(name), 2 * WIDTH);
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
		sanitize(sane, sizeof sane, c->error, strnlen(c->error, sizeof c->error), 2 * WIDTH);
		put_wrapped(out, lead, 4, sane);
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
	put_hosts(out, v, n, day, ctx->dec ? ctx->dec->last_ts : 0);
	put_alerts(out, r, day);
	if (!ctx->only_host)
		put_domains(out, ctx->hm);
	if (!ctx->only_host)
		rep_queue(out, ctx->mq, ctx->now);
	put_blocks(out, r);
	put_footer(out, ctx);
}
