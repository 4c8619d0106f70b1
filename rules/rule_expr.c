/* rule_expr.c — conditions: parsed and type-checked against the event's
 * fields once at load time, then evaluated per event without allocating.
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

#include "mem.h"
#include "rule_internal.h"

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

/* "'word'", "a number", "a string", "end of file" ... for messages. */
static const char *tok_desc(const struct token *t, char *buf, size_t n)
{
	switch (t->kind) {
	case T_EOF: return "end of file";
	case T_STR: return "a string";
	case T_NUM: return "a number";
	default:
		snprintf(buf, n, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p);
		return buf;
	}
}

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

static void operand_free(struct operand *o);

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
		ERR(ps, ps->t, "expected a field or a value, found %s", tok_desc(ps->t, buf, sizeof buf));
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

static enum rf_type otype(const struct operand *o)
{
	return o->field ? o->field->type : o->lit.type;
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

static void operand_free(struct operand *o)
{
	free(o->scratch);
	free(o->lit.str);
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
	if (otype(&n->l) != otype(&n->r)) {
		ERR(ps, &opat, "cannot compare %s with %s", a, b);
		return false;
	}
	if (otype(&n->l) == RF_BOOL && n->op != OP_EQ && n->op != OP_NE) {
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
	if (otype(&n->l) != RF_STR) {
		odesc(&n->l, lat, a, sizeof a);
		ERR(ps, &opat, "'%s' matches strings; %s is not one", cmp_op_name(n->op), a);
		return false;
	}
	if (!next(ps))
		return false;
	if (ps->t->kind != T_STR) {
		ERR(ps, ps->t, "'%s' needs a regex in quotes, found %s", cmp_op_name(n->op),
		    tok_desc(ps->t, buf, sizeof buf));
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
	} else if (o.lit.type != otype(&n->l)) {
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
			    tok_desc(ps->t, buf, sizeof buf));
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
		ERR(ps, ps->t, "expected 'null' after 'is', found %s", tok_desc(ps->t, buf, sizeof buf));
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
	if (otype(&n->l) != RF_BOOL) {
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
			ERR(ps, ps->t, "expected ')', found %s", tok_desc(ps->t, buf, sizeof buf));
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

/* --- evaluation ---------------------------------------------------------------------- */

static bool value_of(const struct operand *o, const struct rule_event *ev, struct rf_value *v)
{
	if (o->field)
		return o->field->get(ev, v, o->scratch, RF_SCRATCH);
	v->num = o->lit.num;
	v->b = o->lit.b;
	v->str = o->lit.str;
	return true;
}

static bool compare(enum rf_type type, enum cmp_op op, const struct rf_value *a,
		    const struct rf_value *b)
{
	int c;
	switch (type) {
	case RF_NUM: c = (a->num > b->num) - (a->num < b->num); break;
	case RF_STR: c = strcmp(a->str, b->str); break;
	default: c = a->b != b->b; break;
	}
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default: return c >= 0;
	}
}

static bool in_list(const struct node *n, const struct rf_value *v)
{
	bool str = otype(&n->l) == RF_STR;
	for (size_t i = 0; i < n->nitems; i++) {
		const struct in_item *it = &n->items[i];
		if (str ? strcmp(v->str, it->v.str) == 0 : (v->num >= it->lo && v->num <= it->hi))
			return true;
	}
	return false;
}

static bool match(const struct node *n, const char *subject)
{
	if (!n->fold)
		return regexec(&n->re, subject, 0, NULL, 0) == 0;
	size_t i;
	for (i = 0; subject[i] && i + 1 < RULE_FOLD_MAX; i++)
		n->fold[i] = (char)tolower((unsigned char)subject[i]);
	if (subject[i])
		return regexec(&n->re_icase, subject, 0, NULL, 0) == 0;
	n->fold[i] = '\0';
	return regexec(&n->re, n->fold, 0, NULL, 0) == 0;
}

bool expr_eval(const struct node *n, const struct rule_event *ev)
{
	struct rf_value a = { 0 }, b = { 0 };
	switch (n->kind) {
	case N_AND: return expr_eval(n->a, ev) && expr_eval(n->b, ev);
	case N_OR: return expr_eval(n->a, ev) || expr_eval(n->b, ev);
	case N_NOT: return !expr_eval(n->a, ev);
	case N_CONST: return n->value;
	case N_TRUTH: return value_of(&n->l, ev, &a) && a.b;
	case N_NULL: return value_of(&n->l, ev, &a) == n->negate;
	case N_CMP:
		return value_of(&n->l, ev, &a) && value_of(&n->r, ev, &b) &&
		       compare(otype(&n->l), n->op, &a, &b);
	case N_IN: return value_of(&n->l, ev, &a) && in_list(n, &a) != n->negate;
	case N_MATCH: {
		if (!value_of(&n->l, ev, &a))
			return false;
		bool m = match(n, a.str);
		return n->op == OP_MATCH || n->op == OP_IMATCH ? m : !m;
	}
	}
	return false;
}

/* --- printing (rules_list) --------------------------------------------------------- */

static void print_str(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '\t')
			fputs("\\t", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void print_num(double v, FILE *out)
{
	char buf[48];
	rf_format_num(v, buf, sizeof buf);
	fputs(buf, out);
}

static void print_operand(const struct operand *o, FILE *out)
{
	if (o->field)
		fputs(o->field->name, out);
	else if (o->lit.type == RF_STR)
		print_str(o->lit.str, out);
	else if (o->lit.type == RF_BOOL)
		fputs(o->lit.b ? "true" : "false", out);
	else
		print_num(o->lit.num, out);
	if (!o->field && o->unit == RU_SECONDS)
		fputc('s', out);
}

/* Parentheses where needed, and where people might read it two ways: an
 * 'and' inside an 'or', a comparison after 'not'. */
static void print_sub(const struct node *n, const struct node *parent, FILE *out)
{
	bool paren = (n->kind == N_OR && parent->kind != N_OR) ||
		     (n->kind == N_AND && parent->kind != N_AND) ||
		     (parent->kind == N_NOT && n->kind != N_TRUTH && n->kind != N_NOT &&
		      n->kind != N_CONST);
	if (paren)
		fputc('(', out);
	expr_print(n, out);
	if (paren)
		fputc(')', out);
}

static void print_in(const struct node *n, FILE *out)
{
	fputs(n->negate ? " not in " : " in ", out);
	bool lone = n->nitems == 1 && n->items[0].range;
	if (!lone)
		fputc('(', out);
	for (size_t i = 0; i < n->nitems; i++) {
		if (i)
			fputs(", ", out);
		if (n->items[i].v.type == RF_STR) {
			print_str(n->items[i].v.str, out);
			continue;
		}
		print_num(n->items[i].lo, out);
		if (n->items[i].range) {
			fputs("..", out);
			print_num(n->items[i].hi, out);
		}
	}
	if (!lone)
		fputc(')', out);
}

void expr_print(const struct node *n, FILE *out)
{
	switch (n->kind) {
	case N_AND:
	case N_OR:
		print_sub(n->a, n, out);
		fputs(n->kind == N_AND ? " and " : " or ", out);
		print_sub(n->b, n, out);
		break;
	case N_NOT:
		fputs("not ", out);
		print_sub(n->a, n, out);
		break;
	case N_CONST: fputs(n->value ? "true" : "false", out); break;
	case N_TRUTH: print_operand(&n->l, out); break;
	case N_NULL:
		print_operand(&n->l, out);
		fputs(n->negate ? " is not null" : " is null", out);
		break;
	case N_CMP:
	case N_MATCH:
		print_operand(&n->l, out);
		fprintf(out, " %s ", cmp_op_name(n->op));
		if (n->kind == N_MATCH)
			print_str(n->re_src, out);
		else
			print_operand(&n->r, out);
		break;
	case N_IN:
		print_operand(&n->l, out);
		print_in(n, out);
		break;
	}
}

void expr_free(struct node *n)
{
	if (!n)
		return;
	expr_free(n->a);
	expr_free(n->b);
	operand_free(&n->l);
	operand_free(&n->r);
	for (size_t i = 0; i < n->nitems; i++)
		free(n->items[i].v.str);
	free(n->items);
	if (n->re_src) {
		regfree(&n->re);
		if (n->fold)
			regfree(&n->re_icase);
		free(n->fold);
		free(n->re_src);
	}
	free(n);
}
