/* test_alert_updates.c — the JSON lines' limit on a growing alert's update
 * records (ui/output/alert_updates.c, doc/json.md "Growing alerts"): powers
 * of two and at most one record per 30 s per id, the latest state held and
 * written when due, when its slot is needed and at the end; new alerts are
 * never held; the held copy does not depend on the caller's buffers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/output/alert_updates.h"
#include "check.h"

#define T0 ((int64_t)1795143600 * 1000000)
#define S(x) ((int64_t)(x) * 1000000)

/* What the filter wrote, in order. */
static struct {
	uint64_t id, count;
	int64_t ts;
	char message[64];
	bool update;
} out[1024];
static size_t nout;

static void record(void *ctx, const struct alert *a)
{
	(void)ctx;
	if (nout == sizeof out / sizeof out[0])
		abort();
	out[nout].id = a->id;
	out[nout].count = a->count;
	out[nout].ts = a->ts_us;
	out[nout].update = a->update;
	snprintf(out[nout].message, sizeof out[nout].message, "%s", a->message);
	nout++;
}

static char msgbuf[64];

static void send(struct alert_updates *u, uint64_t id, uint64_t count, int64_t ts, bool update)
{
	/* one scratch buffer for every alert, as the rule engine renders them */
	snprintf(msgbuf, sizeof msgbuf, "id %llu: %llu attempts", (unsigned long long)id,
		 (unsigned long long)count);
	struct alert a = {
		.rule = "retry-loop", .severity = SEV_CRITICAL, .ts_us = ts, .host = "198.51.100.20",
		.domain = NULL, .session_id = count, .message = msgbuf, .count = count,
		.first_ts_us = T0, .id = id, .update = update,
	};
	au_alert(u, &a);
	memset(msgbuf, 'x', sizeof msgbuf - 1); /* a held copy must not point here */
}

/* A retry loop once a second: raised at 3 (t = 0), one more every second
 * to 100.  Written by hand from the rule: 3 (new), 4, 8, 16 (powers of
 * two), 32 (t 29), 62 (t 59: 30 s after 32), 64 (power of two), 94 (t 91:
 * 30 s after 64), and 100, the final state, at the end of the run. */
static void storm_once_a_second(void)
{
	nout = 0;
	struct alert_updates *u = au_new(record, NULL);
	send(u, 1, 3, T0, false);
	for (uint64_t c = 4; c <= 100; c++)
		send(u, 1, c, T0 + S(c - 3), true);
	static const uint64_t want[] = { 3, 4, 8, 16, 32, 62, 64, 94 };
	CHECK_EQ_INT(nout, 8);
	for (size_t i = 0; i < 8 && i < nout; i++)
		CHECK_EQ_INT(out[i].count, want[i]);
	CHECK(!out[0].update && out[1].update);
	au_finish(u);
	CHECK_EQ_INT(nout, 9);
	CHECK_EQ_INT(out[8].count, 100);
	CHECK_EQ_INT(out[8].ts, T0 + S(97));
	CHECK(out[8].update);
	CHECK_EQ_STR(out[8].message, "id 1: 100 attempts");
	CHECK_EQ_INT(au_held_total(u), 97 - 7);
	au_finish(u); /* nothing held twice */
	CHECK_EQ_INT(nout, 9);
	au_free(u);
}

/* Updates further apart than 30 s are all written (a slow retry loop loses
 * nothing), and a new alert is written even right after another one. */
static void slow_loop_and_new_alerts(void)
{
	nout = 0;
	struct alert_updates *u = au_new(record, NULL);
	send(u, 7, 3, T0, false);
	for (uint64_t c = 4; c <= 12; c++)
		send(u, 7, c, T0 + S(30 * (c - 3)), true);
	CHECK_EQ_INT(nout, 10);
	CHECK_EQ_INT(out[9].count, 12);
	for (uint64_t id = 8; id < 20; id++)
		send(u, id, 1, T0 + S(271), false);
	CHECK_EQ_INT(nout, 22);
	au_free(u);
}

/* A held update is written once the clock (a session's end, a live tick)
 * is 30 s past its id's last record; another id's alert does not move it. */
static void held_then_due_on_the_clock(void)
{
	nout = 0;
	struct alert_updates *u = au_new(record, NULL);
	send(u, 1, 3, T0, false);
	send(u, 1, 4, T0 + S(1), true);   /* power of two: written */
	send(u, 1, 5, T0 + S(2), true);   /* held */
	send(u, 1, 6, T0 + S(3), true);   /* held, replaces 5 */
	CHECK_EQ_INT(nout, 2);
	au_clock(u, T0 + S(30));          /* 29 s after the record of 4 */
	CHECK_EQ_INT(nout, 2);
	send(u, 2, 3, T0 + S(31), false); /* another alert, 30 s on: written alone */
	CHECK_EQ_INT(nout, 3);
	CHECK_EQ_INT(out[2].id, 2);
	au_clock(u, T0 + S(31));
	CHECK_EQ_INT(nout, 4);
	CHECK_EQ_INT(out[3].id, 1);       /* the latest held state */
	CHECK_EQ_INT(out[3].count, 6);
	CHECK_EQ_INT(out[3].ts, T0 + S(3));
	CHECK_EQ_STR(out[3].message, "id 1: 6 attempts");
	/* its interval starts again when it was written (31 s) */
	send(u, 1, 7, T0 + S(40), true);
	CHECK_EQ_INT(nout, 4);
	au_clock(u, T0 + S(60));
	CHECK_EQ_INT(nout, 4);
	au_clock(u, T0 + S(61));
	CHECK_EQ_INT(nout, 5);
	CHECK_EQ_INT(out[4].count, 7);
	au_finish(u);
	CHECK_EQ_INT(nout, 5);
	au_free(u);
}

/* More growing alerts than slots: the least recently used slot's held
 * update is written when its slot is taken, none is lost, and the end of
 * the run writes the rest oldest event first. */
static void more_ids_than_slots(void)
{
	nout = 0;
	struct alert_updates *u = au_new(record, NULL);
	const uint64_t n = AU_SLOTS + 6;
	for (uint64_t id = 1; id <= n; id++)
		send(u, id, 3, T0 + S(id) / 10, false);
	for (uint64_t id = 1; id <= n; id++) {
		send(u, id, 4, T0 + S(10) + S(id) / 10, true); /* written */
		send(u, id, 5, T0 + S(11) + S(id) / 10, true); /* held */
	}
	/* raising ids 65..70 took the slots of 1..6, their (then) empty state
	 * not held; ids 1..6 came back and took slots again, pushing out 7.. */
	CHECK_EQ_INT(nout, 2 * n + 6);
	au_finish(u);
	CHECK_EQ_INT(nout, 3 * n);
	uint64_t fives = 0;
	int64_t prev = 0;
	bool ordered = true;
	for (size_t i = 0; i < nout; i++) {
		if (out[i].count != 5)
			continue;
		fives++;
		if (i >= 2 * n + 6 && out[i].ts < prev)
			ordered = false;
		if (i >= 2 * n + 6)
			prev = out[i].ts;
	}
	CHECK_EQ_INT(fives, n);
	CHECK(ordered);
	au_free(u);
}

int main(void)
{
	storm_once_a_second();
	slow_loop_and_new_alerts();
	held_then_due_on_the_clock();
	more_ids_than_slots();
	CHECK_DONE();
}
