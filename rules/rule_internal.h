/* rule_internal.h — what the rule_*.c files share: tokens, the compiled
 * condition tree, templates, aggregation tables and the rule record.  Not an
 * API: rule_lang.h is. */
#ifndef SMTPSCOPE_RULE_INTERNAL_H
#define SMTPSCOPE_RULE_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rules/rule_fields.h"
#include "rules/rule_lang.h"

#define RULE_NAME_MAX 63
#define RULE_BY_MAX 4            /* fields in a `by` list */
#define RULE_COUNT_MAX 1000      /* N of `count N within T` */
#define RULE_WINDOW_MAX_S (30 * 86400)
#define RULE_DEPTH_MAX 32        /* nesting of parentheses / not */
#define RULE_FILE_MAX (1 << 20)  /* bytes of one rule file */
#define AGG_GROUPS_MAX 4096      /* groups per rule ... */
#define AGG_RING_SLOTS_MAX 262144 /* ... and timestamps per rule (fewer groups for large N) */
#define AGG_KEY_MAX 128
#define AGG_COLLECT_MAX 8
#define AGG_COLLECT_LEN 64
#define ALERT_MSG_MAX 1024
#define RULE_FOLD_MAX 1024       /* ~*: subjects up to this are folded, not REG_ICASE */

/* --- errors ---------------------------------------------------------------------- */

struct rule_err {
	char *buf;
	size_t len;
	const char *file;
	bool set;
};

void rule_err_at(struct rule_err *e, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* --- lexer (rule_lexer.c) ------------------------------------------------------- */

enum tok_kind { T_EOF, T_IDENT, T_NUM, T_STR, T_LPAREN, T_RPAREN, T_COMMA, T_DOTDOT, T_OP };

enum cmp_op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_MATCH, OP_IMATCH, OP_NMATCH, OP_NIMATCH, /* ~  ~*  !~  !~* */
};

struct token {
	enum tok_kind kind;
	int line, col;
	const char *p;      /* source text; for T_STR the raw text between the quotes */
	size_t n;
	double num;         /* T_NUM, in seconds or bytes if it had a unit */
	enum rf_unit unit;  /* T_NUM: RU_NONE if written without a unit */
	enum cmp_op op;     /* T_OP */
};

struct lexer {
	const char *src;
	size_t len, pos;
	int line, col;
	struct rule_err *err;
};

void lex_init(struct lexer *lx, const char *src, size_t len, struct rule_err *err);
/* Next token; false (error set) on bad input. */
bool lex_next(struct lexer *lx, struct token *t);
/* "'word'", "a number", "a string", "end of file" ... for error messages. */
const char *token_desc(const struct token *t, char *buf, size_t n);
/* The next run of non-blank characters (a rule name), as T_IDENT; T_EOF at
 * the end of the line or input. */
void lex_word(struct lexer *lx, struct token *t);
bool tok_is(const struct token *t, const char *word);
/* The string token's value with escapes resolved (xmalloc'd). */
char *tok_string(const struct token *t);
const char *cmp_op_name(enum cmp_op op);

/* --- conditions (rule_expr.c parses, rule_eval.c runs) ---------------------------------------------------- */

struct literal {
	enum rf_type type;
	double num;
	bool b;
	char *str;          /* owned */
};

struct operand {
	const struct rule_field *field; /* NULL: a literal */
	char *scratch;                  /* RF_SCRATCH bytes for the getter, owned */
	struct literal lit;
	enum rf_unit unit;              /* literal: the unit it was written with */
};

struct in_item {
	bool range;
	double lo, hi;
	struct literal v;
};

enum node_kind { N_AND, N_OR, N_NOT, N_CMP, N_IN, N_MATCH, N_NULL, N_TRUTH, N_CONST };

struct node {
	enum node_kind kind;
	struct node *a, *b;     /* N_AND, N_OR: both; N_NOT: a */
	struct operand l, r;    /* N_CMP: both; others: l */
	enum cmp_op op;         /* N_CMP, N_MATCH */
	bool negate;            /* N_IN: not in; N_NULL: is not null */
	bool value;             /* N_CONST */
	struct in_item *items;  /* N_IN */
	size_t nitems;
	regex_t re;             /* N_MATCH; for ~* the lower-cased pattern */
	regex_t re_icase;       /* ~*: REG_ICASE, for subjects too long for fold */
	char *fold;             /* ~*: RULE_FOLD_MAX bytes for the lower-cased subject */
	char *re_src;           /* as written */
	/* Set by rule_guard.c when one field's id decides the node: true
	 * exactly when the id of guard table field guard_field - 1 is in
	 * guard_mask (0: evaluate it the long way). */
	uint8_t guard_field;
	uint64_t guard_mask;
};

static inline enum rf_type operand_type(const struct operand *o)
{
	return o->field ? o->field->type : o->lit.type;
}

void operand_free(struct operand *o);

/* The field named by identifier `at` on event ev, or NULL with the error set
 * ("unknown field", "not available on ... events"). */
const struct rule_field *rule_field_resolve(struct rule_err *e, const struct token *at,
					    enum rule_event_type ev);
/* Parses a condition from the lexer (current token in *t) for event type ev;
 * on return *t is the first token after it. */
struct node *expr_parse(struct lexer *lx, struct token *t, enum rule_event_type ev);
bool expr_eval(const struct node *n, const struct rule_event *ev);
struct guard_table;
struct guard_cache;
/* The same, deciding the nodes rule_guard.c marked by their field's id in
 * the event's cache c (rule_guard.h) instead of reading and comparing. */
bool expr_eval_guarded(const struct node *n, const struct rule_event *ev,
		       const struct guard_table *t, struct guard_cache *c);
void expr_print(const struct node *n, FILE *out);
void expr_free(struct node *n);

/* --- templates (rule_template.c) ----------------------------------------------- */

struct agg_info {
	uint64_t count;
	int64_t first_ts_us;
	double interval_s;      /* < 0: unknown */
	int64_t window_us;      /* T of `count N within T`; 0 without aggregation */
	const char *collected;  /* "a, b", or NULL */
	uint64_t alert_id;      /* aggregating rules: the alert an update belongs to */
	bool update;            /* a further event of an alert already raised */
};

struct tmpl;

/* Compiles a message from its string tokens (adjacent strings join); checks
 * every {name} against event ev and the aggregation variables against what
 * the rule has (agg: a count clause; collect: a collect clause). */
struct tmpl *tmpl_compile(const struct token *parts, size_t nparts, enum rule_event_type ev,
			  bool agg, bool collect, struct rule_err *err);
void tmpl_render(const struct tmpl *t, const struct rule_event *ev, const char *rule,
		 const char *severity, const struct agg_info *ai, char *out, size_t outsz);
void tmpl_free(struct tmpl *t);

/* --- aggregation (rule_agg.c) --------------------------------------------------- */

struct agg_table;

struct agg_table *agg_new(uint32_t n, int64_t window_us, bool collects);
enum agg_result {
	AGG_NONE,   /* counted, no alert */
	AGG_FIRE,   /* the group's count reached n: a new alert (number it: agg_set_alert_id) */
	AGG_UPDATE, /* the group had fired and matches again within T: its alert grows */
};

/* One matching event in group `key`: records it; on AGG_FIRE and AGG_UPDATE
 * *ai is filled (except ai->window; ai->count is the events of the episode
 * so far, ai->alert_id the id given at AGG_FIRE). */
enum agg_result agg_hit(struct agg_table *t, const char *key, uint64_t hash, int64_t ts_us,
			const char *collect, struct agg_info *ai, char *colbuf, size_t colsz);
/* The id of the alert the last AGG_FIRE raised, for its updates. */
void agg_set_alert_id(struct agg_table *t, uint64_t id);
uint64_t agg_evicted(const struct agg_table *t);
uint32_t agg_groups(const struct agg_table *t);
void agg_free(struct agg_table *t);

/* --- rules (rule_parse.c, rule_lang.c) ------------------------------------------ */

struct rule {
	char name[RULE_NAME_MAX + 1];
	char *file;                   /* owned */
	int line, col;                /* of the name */
	bool replace;                 /* written as `replace rule` */
	bool disabled;
	enum rule_event_type event;
	struct node *cond;            /* NULL: every event of its type */
	enum severity severity;
	struct tmpl *msg;
	/* aggregation: count n within window by by[] */
	uint32_t count;               /* 0: none */
	int64_t window_us;
	char window_text[24];
	const struct rule_field *by[RULE_BY_MAX];
	size_t nby;
	const struct rule_field *collect;
	struct agg_table *agg;
};

/* Parses one file's text, appending rules to *v (grown with xrealloc). */
bool rule_parse_file(const char *file, const char *src, size_t len, struct rule ***v,
		     size_t *n, struct rule_err *err);
void rule_free(struct rule *r);

#endif
