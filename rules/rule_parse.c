/* rule_parse.c — rule files: a sequence of rules, each a header and clauses.
 *
 *   [replace] rule NAME
 *       on EVENT                        (first)
 *       when CONDITION                  (rule_expr.c)
 *       count N within T [by FIELD, ...]
 *       collect FIELD
 *       severity info|warning|critical  (default warning)
 *       message "TEMPLATE" ["MORE" ...]  (rule_template.c)
 *
 * Newlines are blanks: the layout above is a convention.  Clause words are
 * recognised only where a clause may start, so a field may share a name with
 * one (txn_end's `message`). */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/rule_internal.h"

#define MSG_PARTS_MAX 16

struct rparse {
	struct lexer lx;
	struct token t;
	struct rule_err *err;
	const char *file;
	struct rule *r;
	bool seen_on, seen_when, seen_count, seen_collect, seen_sev, seen_msg;
	struct token msg[MSG_PARTS_MAX];
	size_t nmsg;
	struct token collect_at;
};

#define ERR(rp, at, ...) rule_err_at((rp)->err, (at)->line, (at)->col, __VA_ARGS__)

static bool next(struct rparse *rp)
{
	return lex_next(&rp->lx, &rp->t);
}

const char *severity_name(enum severity s)
{
	switch (s) {
	case SEV_INFO: return "info";
	case SEV_CRITICAL: return "critical";
	default: return "warning";
	}
}

void rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->file);
	expr_free(r->cond);
	tmpl_free(r->msg);
	agg_free(r->agg);
	free(r);
}

/* --- clauses ------------------------------------------------------------------------ */

static bool clause_on(struct rparse *rp)
{
	char buf[64], name[32];
	if (!next(rp))
		return false;
	if (rp->t.kind == T_IDENT && rp->t.n < sizeof name) {
		memcpy(name, rp->t.p, rp->t.n);
		name[rp->t.n] = '\0';
		if (rf_event_parse(name, &rp->r->event))
			return next(rp);
	}
	ERR(rp, &rp->t, "unknown event %s (events: session_end, txn_end, reply, tcp, host_status)",
	    token_desc(&rp->t, buf, sizeof buf));
	return false;
}

static bool clause_when(struct rparse *rp)
{
	char buf[64];
	if (!next(rp))
		return false;
	if (rp->t.kind == T_EOF) {
		ERR(rp, &rp->t, "'when' needs a condition");
		return false;
	}
	rp->r->cond = expr_parse(&rp->lx, &rp->t, rp->r->event);
	if (!rp->r->cond)
		return false;
	if (rp->t.kind != T_IDENT && rp->t.kind != T_EOF) {
		ERR(rp, &rp->t, "unexpected %s after the condition (missing 'and' or 'or'?)",
		    token_desc(&rp->t, buf, sizeof buf));
		return false;
	}
	return true;
}

static bool expect_word(struct rparse *rp, const char *word)
{
	char buf[64];
	if (tok_is(&rp->t, word))
		return next(rp);
	ERR(rp, &rp->t, "expected '%s', found %s", word, token_desc(&rp->t, buf, sizeof buf));
	return false;
}

static void window_text(int64_t us, char *out, size_t n)
{
	int64_t s = us / 1000000;
	if (us % 1000000)
		snprintf(out, n, "%gs", (double)us / 1e6);
	else if (s % 3600 == 0)
		snprintf(out, n, "%lldh", (long long)(s / 3600));
	else if (s % 60 == 0)
		snprintf(out, n, "%lldm", (long long)(s / 60));
	else
		snprintf(out, n, "%llds", (long long)s);
}

static bool parse_by(struct rparse *rp)
{
	struct rule *r = rp->r;
	char buf[64];
	do {
		if (!next(rp))
			return false;
		if (rp->t.kind != T_IDENT) {
			ERR(rp, &rp->t, "expected a field after 'by', found %s", token_desc(&rp->t, buf, sizeof buf));
			return false;
		}
		if (r->nby == RULE_BY_MAX) {
			ERR(rp, &rp->t, "at most %d fields after 'by'", RULE_BY_MAX);
			return false;
		}
		if (!(r->by[r->nby++] = rule_field_resolve(rp->err, &rp->t, r->event)))
			return false;
		if (!next(rp))
			return false;
	} while (rp->t.kind == T_COMMA);
	return true;
}

static bool clause_count(struct rparse *rp)
{
	struct rule *r = rp->r;
	char buf[64];
	if (!next(rp))
		return false;
	struct token nt = rp->t;
	/* Range first: converting 1e21 (or inf, NaN) to an integer is undefined
	 * (found by fuzz_rules). */
	if (nt.kind != T_NUM || nt.unit != RU_NONE || !(nt.num >= 1 && nt.num <= RULE_COUNT_MAX) ||
	    nt.num != (double)(int64_t)nt.num) {
		ERR(rp, &nt, "'count' needs a whole number from 1 to %d, found %s", RULE_COUNT_MAX,
		    token_desc(&nt, buf, sizeof buf));
		return false;
	}
	r->count = (uint32_t)nt.num;
	if (!next(rp) || !expect_word(rp, "within"))
		return false;
	struct token wt = rp->t;
	if (wt.kind != T_NUM || (wt.unit != RU_NONE && wt.unit != RU_SECONDS) || wt.num <= 0 ||
	    wt.num > RULE_WINDOW_MAX_S) {
		ERR(rp, &wt, "'within' needs a duration such as 90s, 10m or 1h (at most 30d), found %s",
		    token_desc(&wt, buf, sizeof buf));
		return false;
	}
	r->window_us = (int64_t)(wt.num * 1e6 + 0.5);
	window_text(r->window_us, r->window_text, sizeof r->window_text);
	if (!next(rp))
		return false;
	return tok_is(&rp->t, "by") ? parse_by(rp) : true;
}

static bool clause_collect(struct rparse *rp)
{
	char buf[64];
	if (!next(rp))
		return false;
	rp->collect_at = rp->t;
	if (rp->t.kind != T_IDENT) {
		ERR(rp, &rp->t, "expected a field after 'collect', found %s", token_desc(&rp->t, buf, sizeof buf));
		return false;
	}
	rp->r->collect = rule_field_resolve(rp->err, &rp->t, rp->r->event);
	return rp->r->collect && next(rp);
}

static bool clause_severity(struct rparse *rp)
{
	char buf[64];
	if (!next(rp))
		return false;
	static const enum severity sev[] = { SEV_INFO, SEV_WARNING, SEV_CRITICAL };
	for (size_t i = 0; i < 3; i++) {
		if (tok_is(&rp->t, severity_name(sev[i]))) {
			rp->r->severity = sev[i];
			return next(rp);
		}
	}
	ERR(rp, &rp->t, "unknown severity %s (info, warning, critical)", token_desc(&rp->t, buf, sizeof buf));
	return false;
}

static bool clause_message(struct rparse *rp)
{
	char buf[64];
	if (!next(rp))
		return false;
	if (rp->t.kind != T_STR) {
		ERR(rp, &rp->t, "'message' needs a string in quotes, found %s", token_desc(&rp->t, buf, sizeof buf));
		return false;
	}
	while (rp->t.kind == T_STR) {
		if (rp->nmsg == MSG_PARTS_MAX) {
			ERR(rp, &rp->t, "at most %d strings in one message", MSG_PARTS_MAX);
			return false;
		}
		rp->msg[rp->nmsg++] = rp->t;
		if (!next(rp))
			return false;
	}
	return true;
}

struct clause {
	const char *word;
	size_t seen;          /* offset of its flag in struct rparse */
	bool (*parse)(struct rparse *);
};

static const struct clause clauses[] = {
	{ "on", offsetof(struct rparse, seen_on), clause_on },
	{ "when", offsetof(struct rparse, seen_when), clause_when },
	{ "count", offsetof(struct rparse, seen_count), clause_count },
	{ "collect", offsetof(struct rparse, seen_collect), clause_collect },
	{ "severity", offsetof(struct rparse, seen_sev), clause_severity },
	{ "message", offsetof(struct rparse, seen_msg), clause_message },
};

static bool at_rule_start(const struct token *t)
{
	return t->kind == T_EOF || tok_is(t, "rule") || tok_is(t, "replace");
}

static bool parse_clause(struct rparse *rp)
{
	char buf[64];
	const struct clause *c = NULL;
	for (size_t i = 0; i < sizeof clauses / sizeof clauses[0]; i++)
		if (tok_is(&rp->t, clauses[i].word))
			c = &clauses[i];
	if (!c) {
		ERR(rp, &rp->t, "expected a clause (on, when, count, collect, severity, message) "
				"or the next 'rule', found %s", token_desc(&rp->t, buf, sizeof buf));
		return false;
	}
	bool *seen = (bool *)((char *)rp + c->seen);
	if (*seen) {
		ERR(rp, &rp->t, "second '%s' in rule '%s'", c->word, rp->r->name);
		return false;
	}
	if (!rp->seen_on && c->parse != clause_on) {
		ERR(rp, &rp->t, "rule '%s' must start with 'on EVENT' (the event decides the fields)",
		    rp->r->name);
		return false;
	}
	*seen = true;
	return c->parse(rp);
}

/* --- one rule -------------------------------------------------------------------- */

static bool valid_name(const struct token *t)
{
	if (t->n == 0 || t->n > RULE_NAME_MAX || t->p[0] == '-')
		return false;
	for (size_t i = 0; i < t->n; i++) {
		char c = t->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

static bool rule_header(struct rparse *rp)
{
	char buf[64];
	bool replace = tok_is(&rp->t, "replace");
	if (replace && !next(rp))
		return false;
	if (!tok_is(&rp->t, "rule")) {
		ERR(rp, &rp->t, replace ? "expected 'rule' after 'replace', found %s"
					: "expected 'rule NAME', found %s",
		    token_desc(&rp->t, buf, sizeof buf));
		return false;
	}
	struct token nt;
	lex_word(&rp->lx, &nt);
	if (nt.kind == T_EOF) {
		ERR(rp, &nt, "expected a rule name after 'rule'");
		return false;
	}
	if (!valid_name(&nt)) {
		ERR(rp, &nt, "bad rule name '%.*s': use lowercase letters, digits and '-' (at most %d)",
		    (int)(nt.n > 64 ? 64 : nt.n), nt.p, RULE_NAME_MAX);
		return false;
	}
	struct rule *r = rp->r = xcalloc(1, sizeof *r);
	memcpy(r->name, nt.p, nt.n);
	r->file = xstrdup(rp->file);
	r->line = nt.line;
	r->col = nt.col;
	r->replace = replace;
	r->severity = SEV_WARNING;
	return next(rp);
}

static bool rule_finish(struct rparse *rp)
{
	struct rule *r = rp->r;
	if (!rp->seen_on) {
		rule_err_at(rp->err, r->line, r->col, "rule '%s' has no 'on EVENT' clause", r->name);
		return false;
	}
	if (!rp->seen_msg) {
		rule_err_at(rp->err, r->line, r->col, "rule '%s' has no 'message'", r->name);
		return false;
	}
	if (r->collect && !r->count) {
		ERR(rp, &rp->collect_at, "'collect' needs a 'count ... within' clause");
		return false;
	}
	r->msg = tmpl_compile(rp->msg, rp->nmsg, r->event, r->count != 0, r->collect != NULL, rp->err);
	return r->msg != NULL;
}

static bool parse_rule(struct rparse *rp)
{
	memset(&rp->seen_on, 0, offsetof(struct rparse, collect_at) - offsetof(struct rparse, seen_on));
	rp->nmsg = 0;
	if (!rule_header(rp))
		return false;
	while (!at_rule_start(&rp->t))
		if (!parse_clause(rp))
			return false;
	return rule_finish(rp);
}

bool rule_parse_file(const char *file, const char *src, size_t len, struct rule ***v,
		     size_t *n, struct rule_err *err)
{
	struct rparse rp;
	memset(&rp, 0, sizeof rp);
	rp.err = err;
	rp.file = file;
	err->file = file;
	lex_init(&rp.lx, src, len, err);
	if (!next(&rp))
		return false;
	while (rp.t.kind != T_EOF) {
		rp.r = NULL;
		if (!parse_rule(&rp)) {
			rule_free(rp.r);
			return false;
		}
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = rp.r;
	}
	return true;
}
