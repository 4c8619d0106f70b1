/* rule_lang.c — the rule set: loading files (replace, duplicates, disabled
 * names), the per-event index, evaluation into alerts, and listing. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/rule_guard.h"
#include "rules/rule_internal.h"

struct rule_set {
	struct rule **rules;              /* load order, disabled ones included */
	size_t n;
	struct rule **by_event[EV__COUNT]; /* enabled rules of each event type */
	struct rule_guards *guards[EV__COUNT]; /* of by_event[][i]: checked before its condition */
	size_t nby_event[EV__COUNT];
	struct guard_table gt;            /* the fields the guards read, once per event */
	const struct rule_field *host_field[EV__COUNT];
	const struct rule_field *domain_field[EV__COUNT];
	/* evaluation scratch: one event at a time */
	char msg[ALERT_MSG_MAX];
	char host[RF_SCRATCH];
	char domain[RF_SCRATCH];
	char key[AGG_KEY_MAX];
	char val[RF_SCRATCH];
	char collected[AGG_COLLECT_MAX * (AGG_COLLECT_LEN + 2)];
};

/* --- loading ------------------------------------------------------------------------ */

static void free_rules(struct rule **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rule_free(v[i]);
	free(v);
}

static char *read_file(const char *path, size_t *len, struct rule_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err->buf, err->len, "%s: cannot read: %s", path, strerror(errno));
		err->set = true;
		return NULL;
	}
	char *buf = xmalloc(RULE_FILE_MAX + 1);
	size_t n = fread(buf, 1, RULE_FILE_MAX + 1, f);
	bool bad = ferror(f);
	fclose(f);
	if (bad || n > RULE_FILE_MAX) {
		snprintf(err->buf, err->len, "%s: %s", path,
			 bad ? "read error" : "larger than 1 MB: not a rule file?");
		err->set = true;
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static struct rule *find_rule(struct rule **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i]->name, name) == 0)
			return v[i];
	return NULL;
}

/* Folds `replace rule` into the earlier rule's place; refuses duplicates. */
static bool resolve_names(struct rule ***pv, size_t *pn, struct rule_err *err)
{
	struct rule **v = *pv;
	size_t out = 0;
	for (size_t i = 0; i < *pn; i++) {
		struct rule *r = v[i];
		struct rule *old = find_rule(v, out, r->name);
		err->file = r->file;
		if (old && !r->replace) {
			rule_err_at(err, r->line, r->col,
				    "duplicate rule '%s' (first at %s:%d); write 'replace rule %s' "
				    "to redefine it", r->name, old->file, old->line, r->name);
			goto fail;
		}
		if (!old && r->replace) {
			rule_err_at(err, r->line, r->col,
				    "'replace rule %s': no earlier rule of that name", r->name);
			goto fail;
		}
		if (old) {
			for (size_t k = 0; k < out; k++)
				if (v[k] == old)
					v[k] = r;
			rule_free(old);
			v[i] = NULL;
		} else {
			v[out++] = r;
			if (out - 1 != i)
				v[i] = NULL;
		}
		continue;
fail:
		for (size_t k = i; k < *pn; k++)
			rule_free(v[k]);
		*pn = out;
		return false;
	}
	*pn = out;
	return true;
}

static bool apply_disabled(struct rule **v, size_t n, const char *const *names, size_t nnames,
			   struct rule_err *err)
{
	for (size_t i = 0; i < nnames; i++) {
		struct rule *r = find_rule(v, n, names[i]);
		if (!r) {
			snprintf(err->buf, err->len, "disabled rule '%s': no rule of that name", names[i]);
			err->set = true;
			return false;
		}
		r->disabled = true;
	}
	return true;
}

static struct rule_set *build(struct rule **v, size_t n)
{
	struct rule_set *rs = xcalloc(1, sizeof *rs);
	rs->rules = v;
	rs->n = n;
	for (int e = 0; e < EV__COUNT; e++)
		rs->host_field[e] = rf_lookup("host", (enum rule_event_type)e);
	for (int e = 0; e < EV__COUNT; e++)
		rs->domain_field[e] = rf_lookup("domain", (enum rule_event_type)e);
	for (size_t i = 0; i < n; i++)
		if (!v[i]->disabled)
			guards_collect(&rs->gt, v[i]->cond);
	guards_finish(&rs->gt);
	for (size_t i = 0; i < n; i++) {
		struct rule *r = v[i];
		if (r->disabled)
			continue;
		if (r->count)
			r->agg = agg_new(r->count, r->window_us, r->collect != NULL);
		size_t *k = &rs->nby_event[r->event];
		rs->by_event[r->event] = xrealloc(rs->by_event[r->event], (*k + 1) * sizeof(struct rule *));
		rs->guards[r->event] = xrealloc(rs->guards[r->event], (*k + 1) * sizeof(struct rule_guards));
		guards_build(&rs->gt, r->cond, &rs->guards[r->event][*k]);
		rs->by_event[r->event][(*k)++] = r;
	}
	return rs;
}

/* Parses each (name, text) source in order, then resolves and builds. */
static struct rule_set *load(const char *const *names, char *const *texts, const size_t *lens,
			     size_t nsrc, const char *const *disabled, size_t ndisabled,
			     struct rule_err *err)
{
	struct rule **v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < nsrc; i++) {
		if (!rule_parse_file(names[i], texts[i], lens[i], &v, &n, err)) {
			free_rules(v, n);
			return NULL;
		}
	}
	if (!resolve_names(&v, &n, err) || !apply_disabled(v, n, disabled, ndisabled, err)) {
		free_rules(v, n);
		return NULL;
	}
	return build(v, n);
}

struct rule_set *rules_load_base(const char *base_name, const char *base_text,
				 const char *const *files, size_t nfiles, const char *const *disabled,
				 size_t ndisabled, char *errbuf, size_t errlen)
{
	struct rule_err err = { errbuf, errlen, NULL, false };
	char tmp[8];
	if (!errbuf || errlen == 0) {
		err.buf = tmp;
		err.len = sizeof tmp;
	}
	err.buf[0] = '\0';
	size_t nsrc = nfiles + (base_text != NULL);
	const char **names = xcalloc(nsrc ? nsrc : 1, sizeof *names);
	char **texts = xcalloc(nsrc ? nsrc : 1, sizeof *texts);
	size_t *lens = xcalloc(nsrc ? nsrc : 1, sizeof *lens);
	struct rule_set *rs = NULL;
	size_t k = 0, i;
	if (base_text) {
		names[k] = base_name;
		texts[k] = xstrdup(base_text);
		lens[k] = strlen(base_text);
		k++;
	}
	for (i = 0; i < nfiles; i++, k++) {
		names[k] = files[i];
		if (!(texts[k] = read_file(files[i], &lens[k], &err)))
			break;
	}
	if (i == nfiles)
		rs = load(names, texts, lens, nsrc, disabled, ndisabled, &err);
	for (i = 0; i < nsrc; i++)
		free(texts[i]);
	free(names);
	free(texts);
	free(lens);
	return rs;
}

struct rule_set *rules_load(const char *const *files, size_t nfiles, const char *const *disabled,
			    size_t ndisabled, char *errbuf, size_t errlen)
{
	return rules_load_base(NULL, NULL, files, nfiles, disabled, ndisabled, errbuf, errlen);
}

struct rule_set *rules_load_string(const char *name, const char *text, char *errbuf, size_t errlen)
{
	struct rule_err err = { errbuf, errlen, NULL, false };
	char tmp[8];
	if (!errbuf || errlen == 0) {
		err.buf = tmp;
		err.len = sizeof tmp;
	}
	err.buf[0] = '\0';
	char *t = (char *)text;
	size_t len = strlen(text);
	return load(&name, &t, &len, 1, NULL, 0, &err);
}

/* --- evaluation --------------------------------------------------------------------- */

static uint64_t fnv_add(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	return h;
}

/* The group key: the `by` values joined by \x1f (null: \x1e); hashed in
 * full, kept cut to AGG_KEY_MAX. */
static uint64_t group_key(struct rule_set *rs, const struct rule *r, const struct rule_event *ev)
{
	uint64_t h = 1469598103934665603ULL;
	size_t len = 0;
	rs->key[0] = '\0';
	for (size_t i = 0; i < r->nby; i++) {
		const char *v = rf_format(r->by[i], ev, rs->val, sizeof rs->val) ? rs->val : "\x1e";
		size_t vl = strlen(v);
		h = fnv_add(fnv_add(h, v, vl), "\x1f", 1);
		int w = snprintf(rs->key + len, sizeof rs->key - len, "%s%s", i ? "\x1f" : "", v);
		if (w > 0)
			len = len + (size_t)w < sizeof rs->key ? len + (size_t)w : sizeof rs->key - 1;
	}
	return h;
}

/* Alert ids: one sequence for the whole run, so that the ids stay unique
 * when the rules are reloaded (SIGHUP) and a consumer can match updates. */
static uint64_t next_alert_id;

/* True when the rule should alert now (a new alert, or an update of one
 * that grows); fills *ai. */
static bool aggregate(struct rule_set *rs, struct rule *r, const struct rule_event *ev,
		      struct agg_info *ai)
{
	ai->count = 1;
	ai->first_ts_us = ev->ts_us;
	ai->interval_s = -1;
	if (!r->count) {
		ai->alert_id = ++next_alert_id;
		return true;
	}
	uint64_t h = group_key(rs, r, ev);
	const char *val = NULL;
	char cval[AGG_COLLECT_LEN];
	if (r->collect && rf_format(r->collect, ev, cval, sizeof cval))
		val = cval;
	enum agg_result res = agg_hit(r->agg, rs->key, h, ev->ts_us, val, ai, rs->collected,
				      sizeof rs->collected);
	if (res == AGG_NONE)
		return false;
	if (res == AGG_FIRE) {
		ai->alert_id = ++next_alert_id;
		agg_set_alert_id(r->agg, ai->alert_id);
	}
	ai->window_us = r->window_us;
	return true;
}

void rules_eval(struct rule_set *rs, const struct rule_event *ev,
		void (*on_alert)(void *ctx, const struct alert *a), void *ctx)
{
	if (!rs || (unsigned)ev->type >= EV__COUNT)
		return;
	struct guard_cache gc;
	gc.have = 0;
	for (size_t i = 0; i < rs->nby_event[ev->type]; i++) {
		struct rule *r = rs->by_event[ev->type][i];
		if (!guards_pass(&rs->gt, &rs->guards[ev->type][i], ev, &gc))
			continue; /* its condition would be false */
		if (r->cond && !expr_eval_guarded(r->cond, ev, &rs->gt, &gc))
			continue;
		struct agg_info ai = { 0 };
		if (!aggregate(rs, r, ev, &ai))
			continue;
		tmpl_render(r->msg, ev, r->name, severity_name(r->severity), &ai, rs->msg,
			    sizeof rs->msg);
		const struct rule_field *hf = rs->host_field[ev->type];
		const struct rule_field *df = rs->domain_field[ev->type];
		struct alert a = {
			.rule = r->name,
			.severity = r->severity,
			.ts_us = ev->ts_us,
			.host = hf && rf_format(hf, ev, rs->host, sizeof rs->host) ? rs->host : NULL,
			.domain = df && rf_format(df, ev, rs->domain, sizeof rs->domain) ? rs->domain : NULL,
			.session_id = ev->session ? ev->session->id : 0,
			.message = rs->msg,
			.count = ai.count,
			.first_ts_us = ai.first_ts_us,
			.id = ai.alert_id,
			.update = ai.update,
		};
		if (on_alert)
			on_alert(ctx, &a);
	}
}

/* --- listing and the rest ---------------------------------------------------------- */

void rules_list(const struct rule_set *rs, FILE *out)
{
	for (size_t i = 0; rs && i < rs->n; i++) {
		const struct rule *r = rs->rules[i];
		fprintf(out, "%-24s on %-11s %-8s", r->name, rule_event_name(r->event),
			r->disabled ? "disabled" : severity_name(r->severity));
		if (r->cond) {
			fputs(" when ", out);
			expr_print(r->cond, out);
		} else {
			fputs(" always", out);
		}
		if (r->count) {
			fprintf(out, " count %u within %s", r->count, r->window_text);
			for (size_t k = 0; k < r->nby; k++)
				fprintf(out, "%s%s", k ? ", " : " by ", r->by[k]->name);
		}
		if (r->collect)
			fprintf(out, " collect %s", r->collect->name);
		fputc('\n', out);
	}
}

size_t rules_count(const struct rule_set *rs)
{
	size_t n = 0;
	for (size_t i = 0; rs && i < rs->n; i++)
		n += !rs->rules[i]->disabled;
	return n;
}

uint64_t rules_groups_evicted(const struct rule_set *rs)
{
	uint64_t n = 0;
	for (size_t i = 0; rs && i < rs->n; i++)
		if (rs->rules[i]->agg)
			n += agg_evicted(rs->rules[i]->agg);
	return n;
}

void rules_free(struct rule_set *rs)
{
	if (!rs)
		return;
	free_rules(rs->rules, rs->n);
	for (int e = 0; e < EV__COUNT; e++) {
		free(rs->by_event[e]);
		free(rs->guards[e]);
	}
	guards_free(&rs->gt);
	free(rs);
}
