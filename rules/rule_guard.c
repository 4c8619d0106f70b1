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

/* The id of literal l of field g: for a bool its value, else its place in
 * the vocabulary (added if new); -1 when the vocabulary is full. */
static int literal_id(struct guard_field *g, const struct literal *l)
{
	if (g->f->type == RF_BOOL)
		return l->b ? 1 : 0;
	for (size_t i = 0; i < g->nvocab; i++)
		if (g->f->type == RF_NUM ? g->num[i] == l->num : strcmp(g->str[i], l->str) == 0)
			return (int)i;
	if (g->nvocab == GUARD_VOCAB)
		return -1;
	g->num[g->nvocab] = l->num;
	g->str[g->nvocab] = l->str;
	return (int)g->nvocab++;
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

/* The ids for which a literal-list node is true: `field == lit`, `field in
 * (lit, ...)` (ranges are not literals: none). */
static bool literal_mask(struct guard_field *g, const struct literal *lits, size_t n, size_t stride,
			 uint64_t *mask)
{
	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		const struct literal *l = (const struct literal *)((const char *)lits + i * stride);
		int id = literal_id(g, l);
		if (id < 0)
			return false;
		*mask |= BIT(id);
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
	struct guard_field *g = &t->field[slot];
	uint64_t m;
	switch (n->kind) {
	case N_TRUTH:
		return one(slot, BIT(1));
	case N_NULL: /* `is null` / `is not null` */
		return one(slot, n->negate ? ~BIT(GUARD_ID_NULL) : BIT(GUARD_ID_NULL));
	case N_CMP:
		if (n->r.field || (n->op != OP_EQ && n->op != OP_NE))
			return NONE;
		if (!literal_mask(g, &n->r.lit, 1, sizeof n->r.lit, &m))
			return NONE;
		/* a null field compares false either way */
		return one(slot, n->op == OP_EQ ? m : ~m & ~BIT(GUARD_ID_NULL));
	case N_IN:
		for (size_t i = 0; i < n->nitems; i++)
			if (n->items[i].range)
				return NONE;
		if (!literal_mask(g, &n->items[0].v, n->nitems, sizeof n->items[0], &m))
			return NONE;
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
		for (size_t i = 0; i < g->nvocab; i++)
			if (v.num == g->num[i])
				return (uint8_t)i;
		return GUARD_ID_OTHER;
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
