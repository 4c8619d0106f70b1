/* alert_updates.c — which update records of a growing alert the JSON lines
 * write (alert_updates.h; the rule is documented in doc/json.md).
 *
 * Powers of two keep the first growth visible at once (4, 8, 16... attempts)
 * and make a storm cost log2(count) records; the interval bounds a long
 * storm to one record per id per AU_INTERVAL_US; holding the latest state
 * (never dropping it) keeps "the latest record of an id is the alert's
 * state" true for every consumer.
 */
#include "config.h"

#include "ui/output/alert_updates.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"

/* The producers' limits (rules/: RULE_NAME_MAX 63, RF_SCRATCH 512,
 * ALERT_MSG_MAX 1024), so a held copy is never shorter than the original. */
#define AU_RULE_MAX 64
#define AU_FIELD_MAX 512
#define AU_MSG_MAX 1024

struct au_slot {
	uint64_t id;           /* 0: free */
	uint64_t used;         /* recency: the table's clock at its last alert */
	int64_t written_ts;    /* capture time of the id's last record */
	bool held;             /* `a` is newer than the last record written */
	struct alert a;        /* held: its latest state; strings point below */
	char rule[AU_RULE_MAX];
	char host[AU_FIELD_MAX];
	char domain[AU_FIELD_MAX];
	char message[AU_MSG_MAX];
};

struct alert_updates {
	au_write_fn write;
	void *ctx;
	uint64_t clock;
	uint32_t nheld;
	uint64_t held_total;
	struct au_slot slot[AU_SLOTS];
};

struct alert_updates *au_new(au_write_fn write, void *ctx)
{
	struct alert_updates *u = xcalloc(1, sizeof *u);
	u->write = write;
	u->ctx = ctx;
	return u;
}

void au_free(struct alert_updates *u)
{
	free(u);
}

uint64_t au_held_total(const struct alert_updates *u)
{
	return u->held_total;
}

static const char *copy(char *dst, size_t n, const char *src)
{
	if (!src)
		return NULL;
	size_t len = strlen(src);
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}

static void hold(struct alert_updates *u, struct au_slot *s, const struct alert *a)
{
	s->a = *a;
	s->a.rule = copy(s->rule, sizeof s->rule, a->rule);
	s->a.host = copy(s->host, sizeof s->host, a->host);
	s->a.domain = copy(s->domain, sizeof s->domain, a->domain);
	s->a.message = copy(s->message, sizeof s->message, a->message);
	if (!s->held)
		u->nheld++;
	s->held = true;
	u->held_total++;
}

/* The held state of s goes out; its id's interval starts again at `ts`. */
static void release(struct alert_updates *u, struct au_slot *s, int64_t ts)
{
	s->held = false;
	u->nheld--;
	s->written_ts = ts;
	u->write(u->ctx, &s->a);
}

static struct au_slot *find(struct alert_updates *u, uint64_t id)
{
	for (size_t i = 0; i < AU_SLOTS; i++)
		if (u->slot[i].id == id)
			return &u->slot[i];
	return NULL;
}

/* A free slot, else the least recently used one, its held update written
 * first (it is not lost, only written earlier than its interval says). */
static struct au_slot *take(struct alert_updates *u, uint64_t id)
{
	struct au_slot *victim = &u->slot[0];
	for (size_t i = 0; i < AU_SLOTS && victim->id; i++)
		if (!u->slot[i].id || u->slot[i].used < victim->used)
			victim = &u->slot[i];
	if (victim->held)
		release(u, victim, victim->a.ts_us);
	memset(victim, 0, offsetof(struct au_slot, rule));
	victim->id = id;
	return victim;
}

static bool power_of_two(uint64_t n)
{
	return n && !(n & (n - 1));
}

/* Other ids' held updates wait for au_clock (a session's end, a live tick):
 * two rules growing on the same events (a reply and its transaction) then
 * keep the same rhythm instead of one releasing the other's older state. */
void au_alert(struct alert_updates *u, const struct alert *a)
{
	struct au_slot *s = find(u, a->id);
	bool due = !a->update || !s || power_of_two(a->count) ||
		   a->ts_us - s->written_ts >= AU_INTERVAL_US;
	if (!s)
		s = take(u, a->id);
	s->used = ++u->clock;
	if (!due) {
		hold(u, s, a);
		return;
	}
	if (s->held) { /* superseded by this newer state */
		s->held = false;
		u->nheld--;
	}
	s->written_ts = a->ts_us;
	u->write(u->ctx, a);
}

void au_clock(struct alert_updates *u, int64_t now_us)
{
	for (size_t i = 0; u->nheld && i < AU_SLOTS; i++) {
		struct au_slot *s = &u->slot[i];
		if (s->held && now_us - s->written_ts >= AU_INTERVAL_US)
			release(u, s, now_us);
	}
}

void au_finish(struct alert_updates *u)
{
	while (u->nheld) {
		struct au_slot *first = NULL;
		for (size_t i = 0; i < AU_SLOTS; i++) {
			struct au_slot *s = &u->slot[i];
			if (s->held && (!first || s->a.ts_us < first->a.ts_us ||
					(s->a.ts_us == first->a.ts_us && s->a.id < first->a.id)))
				first = s;
		}
		release(u, first, first->a.ts_us);
	}
}
