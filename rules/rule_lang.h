/* rule_lang.h — the rule engine: rule files in, alerts out.
 *
 * A rule names one event type, a condition over that event's fields
 * (rule_fields.h), an optional aggregation ("count N within T by host"),
 * a severity and a message template.  doc/rules.md describes the language.
 *
 * Rules are compiled once by rules_load.  rules_eval looks only at the rules
 * of the event's type and does not allocate, except when an aggregating rule
 * meets a new group and its table must grow (bounded: AGG_GROUPS_MAX groups
 * per rule, the least recently seen evicted and counted).  The rule set is
 * not thread-safe and rules_eval is not re-entrant (from on_alert).
 */
#ifndef SMTPSCOPE_RULE_LANG_H
#define SMTPSCOPE_RULE_LANG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rules/rule_event.h"

struct rule_set;

/* What a rule found.  Every pointer is valid only during the callback. */
/* How bad an alert is; severity_name() gives the word the outputs print. */
enum severity { SEV_INFO, SEV_WARNING, SEV_CRITICAL };
const char *severity_name(enum severity s);

struct alert {
	const char *rule;      /* the rule's name */
	enum severity severity;
	int64_t ts_us;         /* the event that fired it */
	const char *host;      /* remote host address, NULL if the event has none */
	const char *domain;    /* recipient domain (queue and dsn events), else NULL */
	uint64_t session_id;   /* 0 if the event has no session */
	const char *message;   /* the rendered template */
	uint64_t count;        /* events in the window (1 without aggregation); grows with updates */
	int64_t first_ts_us;   /* the oldest of them */
	uint64_t id;           /* unique in the run (1, 2, ...); an update repeats its alert's id */
	bool update;           /* the alert `id` grew: one more matching event (count is the new
				* total, message re-rendered); not a new alert */
};

/* Loads rule files in order (a later file may `replace rule NAME` of an
 * earlier one) and disables the named rules.  On any error returns NULL with
 * `err` = "file:line:col: what is wrong" and nothing loaded. */
struct rule_set *rules_load(const char *const *files, size_t nfiles, const char *const *disabled,
			    size_t ndisabled, char *err, size_t errlen);

/* The same with a first source from memory (the built-in default rules),
 * which the files may `replace`.  base_text NULL: files only. */
struct rule_set *rules_load_base(const char *base_name, const char *base_text,
				 const char *const *files, size_t nfiles, const char *const *disabled,
				 size_t ndisabled, char *err, size_t errlen);

/* The same from text in memory (`name` stands for the file in messages). */
struct rule_set *rules_load_string(const char *name, const char *text, char *err, size_t errlen);

void rules_eval(struct rule_set *rs, const struct rule_event *ev,
		void (*on_alert)(void *ctx, const struct alert *a), void *ctx);

/* One line per rule: name, event, severity, condition, aggregation. */
void rules_list(const struct rule_set *rs, FILE *out);

size_t rules_count(const struct rule_set *rs);            /* enabled rules */
uint64_t rules_groups_evicted(const struct rule_set *rs); /* all rules, since load */
void rules_free(struct rule_set *rs);

#endif
