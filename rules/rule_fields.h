/* rule_fields.h — the named fields a rule can test, format or group by.
 *
 * One table: name, type, unit, the events that carry it, a getter and a
 * one-line description (doc/rules.md lists the same table).  A name may appear
 * more than once with disjoint event sets ("code" is the reply's code on a
 * reply event and the deciding reply's code on a txn_end event).
 *
 * Getters never allocate: they point into the event's records, at static
 * strings, or format into the caller's scratch buffer (RF_SCRATCH bytes).
 * A field that is unknown for this event is null (the getter returns false),
 * never a made-up value.
 */
#ifndef SMTPSCOPE_RULE_FIELDS_H
#define SMTPSCOPE_RULE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/rule_event.h"

#define RF_SCRATCH 512 /* scratch bytes a getter may format into */

enum rf_type { RF_NUM, RF_STR, RF_BOOL };

/* What a number measures: a literal with a unit (10m, 64KB) must agree. */
enum rf_unit { RU_NONE, RU_SECONDS, RU_BYTES };

struct rf_value {
	double num;       /* RF_NUM */
	bool b;           /* RF_BOOL */
	const char *str;  /* RF_STR: NUL-terminated, valid until the next getter call on the same scratch */
};

/* Fills *v; returns false when the field is null for this event. */
typedef bool (*rf_getter)(const struct rule_event *ev, struct rf_value *v, char *scratch,
			  size_t scratchsz);

struct rule_field {
	const char *name;
	enum rf_type type;
	enum rf_unit unit;
	unsigned events;  /* bit (1u << enum rule_event_type) per event that has it */
	rf_getter get;
	const char *doc;
};

#define RF_EV(t) (1u << (t))

/* The field `name` as the event type `t` has it; NULL if it has none. */
const struct rule_field *rf_lookup(const char *name, enum rule_event_type t);
/* True if any event type has a field of this name (for error messages). */
bool rf_exists(const char *name);
/* The whole table, in documentation order. */
size_t rf_count(void);
const struct rule_field *rf_at(size_t i);

/* rule_fields_queue.c: the fields of the queue and dsn events. */
size_t rf_queue_count(void);
const struct rule_field *rf_queue_at(size_t i); /* NULL past the end */

/* "session_end" -> EV_SESSION_END; false for an unknown name. */
bool rf_event_parse(const char *name, enum rule_event_type *t);
const char *rf_type_name(enum rf_type t);

/* Reads a field and renders it as text into out (numbers without a trailing
 * ".0", bools as true/false); returns false (and writes nothing) for null. */
bool rf_format(const struct rule_field *f, const struct rule_event *ev, char *out, size_t outsz);
/* Renders a number the way templates and keys show it. */
void rf_format_num(double v, char *out, size_t outsz);

#endif
