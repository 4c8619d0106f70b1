/* alert_updates.h — how often the JSON lines repeat an alert that grows.
 *
 * An aggregating rule's alert grows with every further event of its group
 * ("update": true, same id, doc/rules.md).  A retry loop that comes round
 * every second would write a record every second; this filter writes an
 * update only when its count reaches a power of two, or when at least
 * AU_INTERVAL_US of capture time passed since the id's previous record.
 * An update held back is kept (its latest state only) and written once that
 * interval has passed (at the next session's end or live tick: au_clock),
 * when its slot is needed, and at the end of the run: the last record of an id is
 * always the alert's final state.  New alerts are never held.
 *
 * Bounded: AU_SLOTS ids remembered, one fixed buffer each, allocated once.
 */
#ifndef SMTPSCOPE_ALERT_UPDATES_H
#define SMTPSCOPE_ALERT_UPDATES_H

#include <stdbool.h>
#include <stdint.h>

#include "rules/rule_lang.h"

#define AU_INTERVAL_US (30 * 1000000LL)
#define AU_SLOTS 64

struct alert_updates;

/* write(ctx, a): put the record of `a` out (the JSON writer). */
typedef void (*au_write_fn)(void *ctx, const struct alert *a);

struct alert_updates *au_new(au_write_fn write, void *ctx);
void au_free(struct alert_updates *u);

/* An alert from the rules: written now (through write), or held. */
void au_alert(struct alert_updates *u, const struct alert *a);

/* The capture clock moved to now_us: held updates whose id has had no
 * record for AU_INTERVAL_US are written. */
void au_clock(struct alert_updates *u, int64_t now_us);

/* The end of the run: every held update is written, oldest event first. */
void au_finish(struct alert_updates *u);

/* Updates held back so far and not (yet) written; for the tests. */
uint64_t au_held_total(const struct alert_updates *u);

#endif
