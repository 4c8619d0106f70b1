/* rule_guard.c — the facts a condition needs about single fields, found at
 * load time and checked per event before the condition runs (rule_guard.h). */
#include "config.h"

#include "rules/rule_guard.h"

#include <string.h>

#include "decode/mem.h"

#define ALL_IDS UINT64_MAX
#define BIT(id) (1ULL << (id))

/* What a node needs: facts[i] is "the id of field[i] is in mask[i]".
 * exact: the node is true exactly when every fact holds. */
struct facts {
	size_t n;
	uint8_t field[GUARD_MAX];
	uint64_t mask[GUARD_MAX];
	bool exact;
};

static const struct facts NONE = { 0, { 0 }, { 0 }, false };

/* --- fields and their literals --------------------------------------------------- */

/* The table's index of f, added if absent; -1 when the table is full. */
static int field_slot(struct guard_table *t, const struct rule_field *f)
{
	for (size_t i = 0; i < t->nfields; i++)
		if (t->field[i].f == f)
			return (int)i;
	if (t->nfields == GUARD_FIELDS)
		return -1;
	struct guard_field *g = &t->field[t->nfields];
	memset(g, 0, sizeof *g);
	g->f = f;
	g->scratch = xmalloc(RF_SCRATCH);
	return (int)t->nfields++;
}

/* --- literals: collected from every rule first, then looked up ----------------- */

/* Adds literal value l to field g's vocabulary (a full one drops it: tests
 * of that literal get no guard). */
static void collect_literal(struct guard_field *g, const struct literal *l, double num)
{
	if (g->f->type == RF_BOOL)
		return;
	for (size_t i = 0; i < g->nvocab; i++)
		if (g->f->type == RF_NUM ? g->num[i] == num : strcmp(g->str[i], l->str) == 0)
			return;
	if (g->nvocab == GUARD_VOCAB)
		return;
	g->num[g->nvocab] = num;
	g->str[g->nvocab] = l ? l->str : NULL;
	g->nvocab++;
}

/* Strings and bools: the literal's id (a bool's value, a string's place);
 * numbers: the place j of the cut point (ids 2j + 1).  -1 if not kept. */
static int literal_place(const struct guard_field *g, const struct literal *l, double num)
{
	if (g->f->type == RF_BOOL)
		return l->b ? 1 : 0;
	for (size_t i = 0; i < g->nvocab; i++)
		if (g->f->type == RF_NUM ? g->num[i] == num : strcmp(g->str[i], l->str) == 0)
			return (int)i;
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* --- facts of a node --------------------------------------------------------------- */

static struct facts one(int slot, uint64_t mask)
{
	struct facts f = NONE;
	f.n = 1;
	f.field[0] = (uint8_t)slot;
	f.mask[0] = mask;
	f.exact = true;
	return f;
}

/* Ids lo..hi. */
static uint64_t span(int lo, int hi)
{
	uint64_t m = 0;
	for (int i = lo; i <= hi; i++)
		m |= BIT(i);
	return m;
}

/* A number's id: 2j below cut point j (and above j - 1), 2j + 1 equal to it,
 * 2m above all m; NaN is OTHER.  The ids a comparison with cut point j
 * holds for, NaN included where compare() (rule_eval.c) says so: it finds
 * NaN neither above nor below, so "equal". */
static uint64_t num_cmp_mask(const struct guard_field *g, enum cmp_op op, int j)
{
	int eq = 2 * j + 1, top = 2 * (int)g->nvocab;
	switch (op) {
	case OP_EQ: return BIT(eq) | BIT(GUARD_ID_OTHER);
	case OP_NE: return span(0, top) & ~BIT(eq);
	case OP_LT: return span(0, eq - 1);
	case OP_LE: return span(0, eq) | BIT(GUARD_ID_OTHER);
	case OP_GT: return span(eq + 1, top);
	default: return span(eq, top) | BIT(GUARD_ID_OTHER);
	}
}

/* The ids for which `field == lit` or `field in (items)` holds, without
 * `not`; false when a literal has no id. */
static bool list_mask(const struct guard_field *g, const struct node *n, uint64_t *mask)
{
	*mask = 0;
	size_t k = n->kind == N_CMP ? 1 : n->nitems;
	for (size_t i = 0; i < k; i++) {
		const struct literal *l = n->kind == N_CMP ? &n->r.lit : &n->items[i].v;
		if (g->f->type != RF_NUM) {
			int id = literal_place(g, l, 0);
			if (id < 0)
				return false;
			*mask |= BIT(id);
			continue;
		}
		double lo = n->kind == N_CMP ? l->num : n->items[i].lo;
		double hi = n->kind == N_CMP ? l->num : n->items[i].hi;
		int a = literal_place(g, l, lo), b = literal_place(g, l, hi);
		if (a < 0 || b < 0)
			return false;
		*mask |= span(2 * a + 1, 2 * b + 1);
	}
	return true;
}

static struct facts atom(struct guard_table *t, const struct node *n)
{
	const struct rule_field *f = n->l.field;
	if (!f)
		return NONE;
	int slot = field_slot(t, f);
	if (slot < 0)
		return NONE;
	const struct guard_field *g = &t->field[slot];
	uint64_t m;
	bool num = f->type == RF_NUM;
	switch (n->kind) {
	case N_TRUTH:
		return one(slot, BIT(1));
	case N_NULL: /* `is null` / `is not null` */
		return one(slot, n->negate ? ~BIT(GUARD_ID_NULL) : BIT(GUARD_ID_NULL));
	case N_CMP:
		if (n->r.field)
			return NONE;
		if (num) {
			int j = literal_place(g, &n->r.lit, n->r.lit.num);
			return j < 0 ? NONE : one(slot, num_cmp_mask(g, n->op, j));
		}
		if (n->op != OP_EQ && n->op != OP_NE)
			return NONE; /* strings in order: not by ids */
		if (!list_mask(g, n, &m))
			return NONE;
		/* a null field compares false either way */
		return one(slot, n->op == OP_EQ ? m : ~m & ~BIT(GUARD_ID_NULL));
	case N_IN:
		if (!list_mask(g, n, &m))
			return NONE;
		/* NaN is in no list (in_list), so it is `not in` all of them */
		return one(slot, n->negate ? ~m & ~BIT(GUARD_ID_NULL) : m);
	default:
		return NONE;
	}
}

static int find_fact(const struct facts *f, uint8_t field)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->field[i] == field)
			return (int)i;
	return -1;
}

/* Both sides' facts; a field both test gets the intersection. */
static struct facts both(const struct facts *a, const struct facts *b)
{
	struct facts r = *a;
	r.exact = a->exact && b->exact;
	for (size_t i = 0; i < b->n; i++) {
		int k = find_fact(&r, b->field[i]);
		if (k >= 0) {
			r.mask[k] &= b->mask[i];
		} else if (r.n < GUARD_MAX) {
			r.field[r.n] = b->field[i];
			r.mask[r.n++] = b->mask[i];
		} else {
			r.exact = false; /* a fact left out: only necessary now */
		}
	}
	return r;
}

/* What holds whichever side is true: for a field both sides test, the
 * union of their masks. */
static struct facts either(const struct facts *a, const struct facts *b)
{
	struct facts r = NONE;
	for (size_t i = 0; i < a->n; i++) {
		int k = find_fact(b, a->field[i]);
		if (k >= 0) {
			r.field[r.n] = a->field[i];
			r.mask[r.n++] = a->mask[i] | b->mask[k];
		}
	}
	r.exact = a->exact && b->exact && a->n == 1 && b->n == 1 && r.n == 1;
	return r;
}

static struct facts facts_of(struct guard_table *t, struct node *n)
{
	struct facts a, b, r;
	switch (n->kind) {
	case N_AND:
		a = facts_of(t, n->a);
		b = facts_of(t, n->b);
		r = both(&a, &b);
		break;
	case N_OR:
		a = facts_of(t, n->a);
		b = facts_of(t, n->b);
		r = either(&a, &b);
		break;
	case N_NOT:
		r = facts_of(t, n->a);
		if (!r.exact || r.n != 1)
			return NONE;
		r.mask[0] = ~r.mask[0];
		break;
	default:
		r = atom(t, n);
		break;
	}
	if (r.exact && r.n == 1) { /* one id decides the node */
		n->guard_field = (uint8_t)(r.field[0] + 1);
		n->guard_mask = r.mask[0];
	}
	return r;
}

static void collect(struct guard_table *t, const struct node *n)
{
	if (!n)
		return;
	if (n->kind == N_AND || n->kind == N_OR || n->kind == N_NOT) {
		collect(t, n->a);
		collect(t, n->b);
		return;
	}
	if (!n->l.field || (n->kind != N_CMP && n->kind != N_IN) || (n->kind == N_CMP && n->r.field))
		return;
	int slot = field_slot(t, n->l.field);
	if (slot < 0)
		return;
	struct guard_field *g = &t->field[slot];
	if (n->kind == N_CMP) {
		collect_literal(g, &n->r.lit, n->r.lit.num);
		return;
	}
	for (size_t i = 0; i < n->nitems; i++) {
		collect_literal(g, &n->items[i].v, n->items[i].lo);
		if (n->items[i].range)
			collect_literal(g, NULL, n->items[i].hi);
	}
}

void guards_collect(struct guard_table *t, const struct node *cond)
{
	collect(t, cond);
}

void guards_finish(struct guard_table *t)
{
	for (size_t i = 0; i < t->nfields; i++)
		if (t->field[i].f->type == RF_NUM)
			qsort(t->field[i].num, t->field[i].nvocab, sizeof t->field[i].num[0], cmp_double);
}

void guards_build(struct guard_table *t, struct node *cond, struct rule_guards *out)
{
	memset(out, 0, sizeof *out);
	if (!cond)
		return;
	struct facts f = facts_of(t, cond);
	for (size_t i = 0; i < f.n; i++) {
		if (f.mask[i] == ALL_IDS)
			continue; /* says nothing */
		out->field[out->n] = f.field[i];
		out->mask[out->n++] = f.mask[i];
	}
}

/* --- per event ------------------------------------------------------------------------ */

uint8_t guard_id_of(const struct guard_field *g, const struct rule_event *ev)
{
	struct rf_value v;
	v.str = NULL;
	if (!g->f->get(ev, &v, g->scratch, RF_SCRATCH))
		return GUARD_ID_NULL;
	if (g->f->type == RF_BOOL)
		return v.b ? 1 : 0;
	if (g->f->type == RF_NUM) {
		if (v.num != v.num)
			return GUARD_ID_OTHER; /* NaN */
		size_t j = 0;
		while (j < g->nvocab && v.num > g->num[j])
			j++;
		return (uint8_t)(j < g->nvocab && v.num == g->num[j] ? 2 * j + 1 : 2 * j);
	}
	/* the first byte tells most literals apart without a call */
	for (size_t i = 0; i < g->nvocab; i++)
		if (v.str[0] == g->str[i][0] && strcmp(v.str, g->str[i]) == 0)
			return (uint8_t)i;
	return GUARD_ID_OTHER;
}

void guards_free(struct guard_table *t)
{
	for (size_t i = 0; i < t->nfields; i++)
		free(t->field[i].scratch);
	t->nfields = 0;
}
