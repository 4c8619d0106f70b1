/* rule_eval.c — conditions at run time: evaluated per event without
 * allocating, printed for the rule listing, freed.  A comparison, `in` or
 * match with a null operand is false. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rule_guard.h"
#include "rules/rule_internal.h"

void operand_free(struct operand *o)
{
	free(o->scratch);
	free(o->lit.str);
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
	bool str = operand_type(&n->l) == RF_STR;
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

/* A predicate: its operands read and compared. */
static bool leaf(const struct node *n, const struct rule_event *ev)
{
	struct rf_value a = { 0 }, b = { 0 };
	switch (n->kind) {
	case N_CONST: return n->value;
	case N_TRUTH: return value_of(&n->l, ev, &a) && a.b;
	case N_NULL: return value_of(&n->l, ev, &a) == n->negate;
	case N_CMP:
		return value_of(&n->l, ev, &a) && value_of(&n->r, ev, &b) &&
		       compare(operand_type(&n->l), n->op, &a, &b);
	case N_IN: return value_of(&n->l, ev, &a) && in_list(n, &a) != n->negate;
	case N_MATCH: {
		if (!value_of(&n->l, ev, &a))
			return false;
		bool m = match(n, a.str);
		return n->op == OP_MATCH || n->op == OP_IMATCH ? m : !m;
	}
	default: return false;
	}
}

/* t and c NULL: every node the long way. */
static bool eval(const struct node *n, const struct rule_event *ev, const struct guard_table *t,
		 struct guard_cache *c)
{
	if (t && n->guard_field)
		return guard_holds(t, (uint8_t)(n->guard_field - 1), n->guard_mask, ev, c);
	switch (n->kind) {
	case N_AND: return eval(n->a, ev, t, c) && eval(n->b, ev, t, c);
	case N_OR: return eval(n->a, ev, t, c) || eval(n->b, ev, t, c);
	case N_NOT: return !eval(n->a, ev, t, c);
	default: return leaf(n, ev);
	}
}

bool expr_eval(const struct node *n, const struct rule_event *ev)
{
	return eval(n, ev, NULL, NULL);
}

bool expr_eval_guarded(const struct node *n, const struct rule_event *ev,
		       const struct guard_table *t, struct guard_cache *c)
{
	return eval(n, ev, t, c);
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
