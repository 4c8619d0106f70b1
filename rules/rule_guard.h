/* rule_guard.h — cheap tests that skip a rule before its condition runs.
 *
 * At load time each condition is searched for facts it needs about single
 * fields: `end_reason == "rst"`, `outcome in ("deferred", "aborted")`,
 * `class == 4`, `latency >= 20s`, `not server_timeout`, an `or` whose sides
 * test the same field.  The literals a field is tested against become its
 * vocabulary, and each value the field takes becomes a small id: for a
 * string the literal's index, or OTHER (none of them); for a number its
 * place among the literals in order (below the first, equal to it, between
 * it and the next, ...; NaN is OTHER); for a bool 0 or 1; or NULL.  A fact
 * is a set of ids (a 64-bit mask).
 * Per event each guarded field is read once, whatever number of rules test
 * it, and a rule whose fact does not hold is not evaluated: its condition
 * would be false.  A rule that passes is evaluated in full, so alerts are
 * exactly those of the condition alone.
 *
 * Facts are exact where they must be: a comparison, `in`, `is null` or a
 * bool's truth is true exactly when the id is in its mask, so `not` of one
 * is the complement; `and` keeps the facts of both sides (one mask per
 * field, intersected), `or` the union of the masks of a field both sides
 * have.  Bounded: GUARD_FIELDS fields per rule set, GUARD_VOCAB literals
 * per field, GUARD_MAX facts per rule; what does not fit is not guarded.
 */
#ifndef SMTPSCOPE_RULE_GUARD_H
#define SMTPSCOPE_RULE_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rule_internal.h"

#define GUARD_FIELDS 32
#define GUARD_VOCAB 16 /* literals per field: ids up to 2 * 16 for numbers */
#define GUARD_MAX 4
#define GUARD_ID_OTHER 62 /* a value none of the literals equals */
#define GUARD_ID_NULL 63  /* the field is null for this event */

/* One guarded field: its literals (numbers in increasing order, strings;
 * a bool has the ids 0 false and 1 true without a vocabulary). */
struct guard_field {
	const struct rule_field *f;
	size_t nvocab;
	double num[GUARD_VOCAB];
	const char *str[GUARD_VOCAB]; /* the literal strings of the rules' nodes */
	char *scratch;                /* RF_SCRATCH bytes for the getter, owned */
};

struct guard_table {
	struct guard_field field[GUARD_FIELDS];
	size_t nfields;
};

/* The facts one rule needs: the field's id must be in mask. */
struct rule_guards {
	size_t n;
	uint8_t field[GUARD_MAX];
	uint64_t mask[GUARD_MAX];
};

/* The ids of one event's guarded fields, read as rules ask for them. */
struct guard_cache {
	uint32_t have;            /* bit per field already read */
	uint8_t id[GUARD_FIELDS];
};

/* Loading a rule set: guards_collect on every condition (their fields and
 * literals into the table), guards_finish (numbers in order), then
 * guards_build on each: its facts, and the nodes one field decides marked
 * for expr_eval_guarded (node.guard_field, node.guard_mask).  cond NULL:
 * nothing. */
void guards_collect(struct guard_table *t, const struct node *cond);
void guards_finish(struct guard_table *t);
void guards_build(struct guard_table *t, struct node *cond, struct rule_guards *out);
/* The id of field g's value on ev (reads it through its getter). */
uint8_t guard_id_of(const struct guard_field *g, const struct rule_event *ev);

/* False when the event cannot satisfy the condition the facts came from.
 * c->have must be zero for a new event.  Inline: it runs for every rule of
 * every event, and most rules have one fact. */
static inline bool guard_holds(const struct guard_table *t, uint8_t f, uint64_t mask,
			       const struct rule_event *ev, struct guard_cache *c)
{
	if (!(c->have & (1u << f))) {
		c->id[f] = guard_id_of(&t->field[f], ev);
		c->have |= 1u << f;
	}
	return mask & (1ULL << c->id[f]);
}

static inline bool guards_pass(const struct guard_table *t, const struct rule_guards *g,
			       const struct rule_event *ev, struct guard_cache *c)
{
	for (size_t i = 0; i < g->n; i++)
		if (!guard_holds(t, g->field[i], g->mask[i], ev, c))
			return false;
	return true;
}

void guards_free(struct guard_table *t);

#endif
