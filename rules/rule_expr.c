/* rule_expr.c — conditions: parsed and type-checked against the event's
 * fields once, at load time (rule_eval.c evaluates them).
 *
 *   expr      := and ('or' and)*
 *   and       := unary ('and' unary)*
 *   unary     := 'not' unary | '(' expr ')' | predicate
 *   predicate := operand [ cmp operand | match STRING | ['not'] 'in' list
 *                          | 'is' ['not'] 'null' ]      (alone: a bool)
 *   list      := '(' item (',' item)* ')' | NUM '..' NUM
 *   item      := literal | NUM '..' NUM
 *
 * A comparison, `in` or match with a null operand is false. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/rule_internal.h"

struct pstate {
	struct lexer *lx;
	struct token *t;
	enum rule_event_type ev;
	int depth;
};

static bool next(struct pstate *ps)
{
	return lex_next(ps->lx, ps->t);
}

#define ERR(ps, at, ...) rule_err_at((ps)->lx->err, (at)->line, (at)->col, __VA_ARGS__)

/* --- field lookup with helpful errors ------------------------------------------ */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t row[41];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_field(struct pstate *ps, const struct token *at, const char *name)
{
	const char *best = NULL;
	size_t bestd = strlen(name) / 3 + 1; /* suggest within a third of the length */
	if (bestd > 3)
		bestd = 3;
	for (size_t i = 0; i < rf_count(); i++) {
		const struct rule_field *f = rf_at(i);
		size_t d = edit_distance(name, f->name);
		if ((f->events & RF_EV(ps->ev)) && d < bestd) {
			bestd = d;
			best = f->name;
		}
	}
	if (best)
		ERR(ps, at, "unknown field '%s' (did you mean '%s'?)", name, best);
	else
		ERR(ps, at, "unknown field '%s'", name);
}

static void wrong_event(struct pstate *ps, const struct token *at, const char *name)
{
	char where[128] = "";
	size_t len = 0;
	for (int e = 0; e < EV__COUNT; e++) {
		if (!rf_lookup(name, (enum rule_event_type)e))
			continue;
		int w = snprintf(where + len, sizeof where - len, "%s%s", len ? ", " : "",
				 rule_event_name((enum rule_event_type)e));
		if (w > 0 && (size_t)w < sizeof where - len)
			len += (size_t)w;
	}
	ERR(ps, at, "field '%s' is not available on %s events (it is on %s)", name,
	    rule_event_name(ps->ev), where);
}

/* The field named by identifier `at` on event ev, or NULL with the error set. */
const struct rule_field *rule_field_resolve(struct rule_err *e, const struct token *at,
					    enum rule_event_type ev)
{
	struct token dummy = { 0 };
	struct lexer dl = { .err = e };
	struct pstate ps = { &dl, &dummy, ev, 0 };
	char name[64];
	if (at->n >= sizeof name) {
		ERR(&ps, at, "unknown field '%.*s'", (int)at->n, at->p);
		return NULL;
	}
	memcpy(name, at->p, at->n);
	name[at->n] = '\0';
	const struct rule_field *f = rf_lookup(name, ev);
	if (f)
		return f;
	if (rf_exists(name))
		wrong_event(&ps, at, name);
	else
		unknown_field(&ps, at, name);
	return NULL;
}

/* --- operands ------------------------------------------------------------------------ */

static bool reserved(const struct token *t)
{
	static const char *const words[] = { "and", "or", "not", "in", "is", "null" };
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (tok_is(t, words[i]))
			return true;
	return false;
}

/* The operand at the current token; everything but the token consumed. */
static bool read_operand(struct pstate *ps, struct operand *o)
{
	char buf[64];
	switch (ps->t->kind) {
	case T_NUM:
		o->lit.type = RF_NUM;
		o->lit.num = ps->t->num;
		o->unit = ps->t->unit;
		return true;
	case T_STR:
		o->lit.type = RF_STR;
		o->lit.str = tok_string(ps->t);
		return true;
	case T_IDENT:
		if (tok_is(ps->t, "true") || tok_is(ps->t, "false")) {
			o->lit.type = RF_BOOL;
			o->lit.b = tok_is(ps->t, "true");
			return true;
		}
		if (!reserved(ps->t)) {
			o->field = rule_field_resolve(ps->lx->err, ps->t, ps->ev);
			if (!o->field)
				return false;
			o->scratch = xmalloc(RF_SCRATCH);
			return true;
		}
		/* fall through */
	default:
		ERR(ps, ps->t, "expected a field or a value, found %s", token_desc(ps->t, buf, sizeof buf));
		return false;
	}
}

/* On failure *o holds nothing to free. */
static bool parse_operand(struct pstate *ps, struct operand *o, struct token *at)
{
	*at = *ps->t;
	memset(o, 0, sizeof *o);
	if (read_operand(ps, o) && next(ps))
		return true;
	operand_free(o);
	memset(o, 0, sizeof *o);
	return false;
}

/* "number field 'code'", "string \"x\"", "number 5" */
static void odesc(const struct operand *o, const struct token *at, char *buf, size_t n)
{
	if (o->field)
		snprintf(buf, n, "%s field '%s'", rf_type_name(o->field->type), o->field->name);
	else if (o->lit.type == RF_STR)
		snprintf(buf, n, "string \"%.30s\"", o->lit.str);
	else
		snprintf(buf, n, "%s %.*s", rf_type_name(o->lit.type), (int)(at->n > 30 ? 30 : at->n),
			 at->p);
}

static const char *unit_words(enum rf_unit u)
{
	return u == RU_SECONDS ? "a duration" : u == RU_BYTES ? "a size" : "a plain number";
}

/* A literal written with a unit must measure what the field measures. */
static bool units_agree(struct pstate *ps, const struct operand *f, const struct operand *lit,
			const struct token *litat)
{
	if (!f->field || lit->field || lit->unit == RU_NONE || lit->unit == f->field->unit)
		return true;
	char a[48], b[96];
	snprintf(a, sizeof a, "%.*s", (int)(litat->n > 30 ? 30 : litat->n), litat->p);
	snprintf(b, sizeof b, "%s but '%s' is %s", unit_words(lit->unit), f->field->name,
		 unit_words(f->field->unit));
	ERR(ps, litat, "'%s' is %s", a, b);
	return false;
}

/* --- predicates -------------------------------------------------------------------- */

static struct node *new_node(enum node_kind k)
{
	struct node *n = xcalloc(1, sizeof *n);
	n->kind = k;
	return n;
}

static bool parse_cmp(struct pstate *ps, struct node *n, const struct token *lat)
{
	struct token opat = *ps->t, rat;
	n->kind = N_CMP;
	n->op = ps->t->op;
	if (!next(ps) || !parse_operand(ps, &n->r, &rat))
		return false;
	char a[96], b[96];
	odesc(&n->l, lat, a, sizeof a);
	odesc(&n->r, &rat, b, sizeof b);
	if (operand_type(&n->l) != operand_type(&n->r)) {
		ERR(ps, &opat, "cannot compare %s with %s", a, b);
		return false;
	}
	if (operand_type(&n->l) == RF_BOOL && n->op != OP_EQ && n->op != OP_NE) {
		ERR(ps, &opat, "'%s' needs numbers or strings; %s is a bool", cmp_op_name(n->op), a);
		return false;
	}
	return units_agree(ps, &n->l, &n->r, &rat) && units_agree(ps, &n->r, &n->l, lat);
}

/* glibc's regexec allocates for every REG_ICASE match; lower-casing the
 * subject into a buffer of the node's and matching a lower-cased pattern does
 * not.  Letters right after a backslash keep their case (\S is not \s). */
static char *fold_pattern(const char *src)
{
	char *p = xstrdup(src);
	for (size_t i = 0; p[i]; i++) {
		if (p[i] == '\\' && p[i + 1]) {
			i++;
			continue;
		}
		p[i] = (char)tolower((unsigned char)p[i]);
	}
	return p;
}

/* Compiles n->re_src: 0, or regcomp's error code with nothing left allocated. */
static int compile_regex(struct node *n)
{
	int flags = REG_EXTENDED | REG_NOSUB;
	if (n->op != OP_IMATCH && n->op != OP_NIMATCH)
		return regcomp(&n->re, n->re_src, flags);
	int rc = regcomp(&n->re_icase, n->re_src, flags | REG_ICASE);
	if (rc != 0)
		return rc;
	char *folded = fold_pattern(n->re_src);
	rc = regcomp(&n->re, folded, flags);
	free(folded);
	if (rc != 0) {
		regfree(&n->re_icase);
		return rc;
	}
	n->fold = xmalloc(RULE_FOLD_MAX);
	return 0;
}

static bool parse_match(struct pstate *ps, struct node *n, const struct token *lat)
{
	struct token opat = *ps->t;
	char a[96], buf[64];
	n->kind = N_MATCH;
	n->op = ps->t->op;
	if (operand_type(&n->l) != RF_STR) {
		odesc(&n->l, lat, a, sizeof a);
		ERR(ps, &opat, "'%s' matches strings; %s is not one", cmp_op_name(n->op), a);
		return false;
	}
	if (!next(ps))
		return false;
	if (ps->t->kind != T_STR) {
		ERR(ps, ps->t, "'%s' needs a regex in quotes, found %s", cmp_op_name(n->op),
		    token_desc(ps->t, buf, sizeof buf));
		return false;
	}
	n->re_src = tok_string(ps->t);
	int rc = compile_regex(n);
	if (rc != 0) {
		char why[128];
		regerror(rc, NULL, why, sizeof why);
		free(n->re_src);
		n->re_src = NULL;
		ERR(ps, ps->t, "bad regex: %s", why);
		return false;
	}
	return next(ps);
}

static bool parse_item(struct pstate *ps, struct node *n, struct in_item *it, const struct token *lat)
{
	struct operand o;
	struct token at;
	if (!parse_operand(ps, &o, &at))
		return false;
	bool ok = true;
	char a[96], b[96];
	if (o.field) {
		ERR(ps, &at, "a list holds values, not fields ('%s')", o.field->name);
		ok = false;
	} else if (o.lit.type != operand_type(&n->l)) {
		odesc(&n->l, lat, a, sizeof a);
		odesc(&o, &at, b, sizeof b);
		ERR(ps, &at, "cannot compare %s with %s", a, b);
		ok = false;
	} else if (o.lit.type == RF_BOOL) {
		ERR(ps, &at, "'in' needs numbers or strings");
		ok = false;
	} else {
		ok = units_agree(ps, &n->l, &o, &at);
	}
	if (!ok) {
		operand_free(&o);
		return false;
	}
	it->v = o.lit;
	it->lo = it->hi = o.lit.num;
	if (ps->t->kind != T_DOTDOT)
		return true;
	if (o.lit.type != RF_NUM) {
		ERR(ps, ps->t, "a range needs numbers");
		return false;
	}
	if (!next(ps) || !parse_operand(ps, &o, &at))
		return false;
	if (o.field || o.lit.type != RF_NUM) {
		ERR(ps, &at, "a range needs numbers");
		operand_free(&o);
		return false;
	}
	if (!units_agree(ps, &n->l, &o, &at))
		return false;
	it->range = true;
	it->hi = o.lit.num;
	if (it->hi < it->lo) {
		char r[64];
		snprintf(r, sizeof r, "%g..%g", it->lo, it->hi);
		ERR(ps, &at, "empty range %s", r);
		return false;
	}
	return true;
}

static bool add_item(struct pstate *ps, struct node *n, const struct token *lat)
{
	n->items = xrealloc(n->items, (n->nitems + 1) * sizeof *n->items);
	memset(&n->items[n->nitems], 0, sizeof n->items[0]);
	n->nitems++;
	return parse_item(ps, n, &n->items[n->nitems - 1], lat);
}

static bool parse_in(struct pstate *ps, struct node *n, const struct token *lat)
{
	char buf[64];
	n->kind = N_IN;
	if (!next(ps))
		return false;
	if (ps->t->kind != T_LPAREN) {
		if (!add_item(ps, n, lat))
			return false;
		if (!n->items[0].range) {
			ERR(ps, lat, "'in' needs a list in parentheses or a range lo..hi");
			return false;
		}
		return true;
	}
	if (!next(ps))
		return false;
	for (;;) {
		if (!add_item(ps, n, lat))
			return false;
		if (ps->t->kind == T_RPAREN)
			return next(ps);
		if (ps->t->kind != T_COMMA) {
			ERR(ps, ps->t, "expected ',' or ')' in the list, found %s",
			    token_desc(ps->t, buf, sizeof buf));
			return false;
		}
		if (!next(ps))
			return false;
	}
}

static bool parse_is(struct pstate *ps, struct node *n)
{
	char buf[64];
	n->kind = N_NULL;
	if (!next(ps))
		return false;
	if (tok_is(ps->t, "not")) {
		n->negate = true;
		if (!next(ps))
			return false;
	}
	if (!tok_is(ps->t, "null")) {
		ERR(ps, ps->t, "expected 'null' after 'is', found %s", token_desc(ps->t, buf, sizeof buf));
		return false;
	}
	return next(ps);
}

static bool parse_predicate(struct pstate *ps, struct node *n)
{
	struct token lat;
	char a[96];
	if (!parse_operand(ps, &n->l, &lat))
		return false;
	struct token *t = ps->t;
	if (t->kind == T_OP)
		return t->op <= OP_GE ? parse_cmp(ps, n, &lat) : parse_match(ps, n, &lat);
	if (tok_is(t, "in"))
		return parse_in(ps, n, &lat);
	if (tok_is(t, "not")) {
		struct token notat = *t;
		if (!next(ps))
			return false;
		if (!tok_is(ps->t, "in")) {
			ERR(ps, &notat, "expected 'not in' here");
			return false;
		}
		n->negate = true;
		return parse_in(ps, n, &lat);
	}
	if (tok_is(t, "is"))
		return parse_is(ps, n);
	if (operand_type(&n->l) != RF_BOOL) {
		odesc(&n->l, &lat, a, sizeof a);
		ERR(ps, &lat, "%s is not a condition: compare it (==, <, in, ~, is null ...)", a);
		return false;
	}
	if (!n->l.field) {
		n->kind = N_CONST;
		n->value = n->l.lit.b;
	} else {
		n->kind = N_TRUTH;
	}
	return true;
}

/* --- and / or / not ------------------------------------------------------------------ */

static struct node *parse_or(struct pstate *ps);

static struct node *parse_unary(struct pstate *ps)
{
	char buf[64];
	if (++ps->depth > RULE_DEPTH_MAX) {
		ERR(ps, ps->t, "condition nested too deeply");
		return NULL;
	}
	struct node *n = NULL;
	if (tok_is(ps->t, "not")) {
		n = new_node(N_NOT);
		if (!next(ps) || !(n->a = parse_unary(ps)))
			goto fail;
	} else if (ps->t->kind == T_LPAREN) {
		if (!next(ps) || !(n = parse_or(ps)))
			goto fail;
		if (ps->t->kind != T_RPAREN) {
			ERR(ps, ps->t, "expected ')', found %s", token_desc(ps->t, buf, sizeof buf));
			goto fail;
		}
		if (!next(ps))
			goto fail;
	} else {
		n = new_node(N_TRUTH);
		if (!parse_predicate(ps, n))
			goto fail;
	}
	ps->depth--;
	return n;
fail:
	expr_free(n);
	return NULL;
}

static struct node *parse_chain(struct pstate *ps, const char *word, enum node_kind k,
				struct node *(*sub)(struct pstate *))
{
	struct node *l = sub(ps);
	while (l && tok_is(ps->t, word)) {
		struct node *n = new_node(k);
		n->a = l;
		if (!next(ps) || !(n->b = sub(ps))) {
			expr_free(n);
			return NULL;
		}
		l = n;
	}
	return l;
}

static struct node *parse_and(struct pstate *ps)
{
	return parse_chain(ps, "and", N_AND, parse_unary);
}

static struct node *parse_or(struct pstate *ps)
{
	return parse_chain(ps, "or", N_OR, parse_and);
}

struct node *expr_parse(struct lexer *lx, struct token *t, enum rule_event_type ev)
{
	struct pstate ps = { lx, t, ev, 0 };
	return parse_or(&ps);
}
