/* test_model_open.c — the dashboard model's list of open sessions (issue
 * 13): found by a binary search on ids, an ended session leaves a NULL hole
 * that readers skip, holes squeezed out once they are half the list, start
 * order kept; a session started out of id order still found (a scan). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/events.h"
#include "decode/smtp_parser.h"
#include "rules/model.h"

#define N 1000

static struct smtp_config cfg;
static struct dec_sink sink;

static struct smtp_session *start(struct model *m, uint64_t id)
{
	struct smtp_session *s = smtp_session_new(id, &cfg, &sink);
	model_session_start(m, s);
	return s;
}

/* Live entries of open[], in order; checks their ids increase. */
static size_t live(const struct model *m, bool *increasing)
{
	size_t n = 0;
	uint64_t last = 0;
	*increasing = true;
	for (size_t i = 0; i < m->open_n; i++) {
		if (!m->open[i])
			continue;
		if (m->open[i]->id <= last)
			*increasing = false;
		last = m->open[i]->id;
		n++;
	}
	return n;
}

int main(void)
{
	smtp_config_default(&cfg);
	struct model *m = model_new(NULL, 4 * N, 16);
	static struct smtp_session *s[N + 1];
	for (uint64_t id = 1; id <= N; id++)
		s[id] = start(m, id);
	CHECK_EQ_INT(m->stats.open_sessions, N);

	/* end the odd ids, oldest first then newest first, as evictions and
	 * quick sessions would */
	for (uint64_t id = 1; id <= N / 2; id += 2)
		model_session_end(m, s[id]);
	for (uint64_t id = N - 1; id > N / 2; id -= 2)
		model_session_end(m, s[id]);
	CHECK_EQ_INT(m->stats.open_sessions, N / 2);
	bool inc;
	CHECK_EQ_INT(live(m, &inc), N / 2);
	CHECK(inc);
	/* squeezed: holes never more than half the list (plus the slack) */
	CHECK(m->open_n - N / 2 <= N / 2 + 33);
	CHECK_EQ_INT(m->open_n - m->open_dead, N / 2);

	/* every even id is still open and found; an odd one is found among
	 * the finished ones */
	int found = 0;
	for (uint64_t id = 2; id <= N; id += 2) {
		const struct smtp_session *f = model_find_session(m, id);
		found += f == s[id];
	}
	CHECK_EQ_INT(found, N / 2);
	const struct smtp_session *odd = model_find_session(m, 7);
	CHECK(odd && odd->id == 7);
	CHECK_EQ_INT(model_done_count(m), N / 2);

	/* ending a session that never started (a batch --bundle model) leaves
	 * the open ones alone */
	struct smtp_session *stray = smtp_session_new(N + 100, &cfg, &sink);
	model_session_end(m, stray);
	CHECK_EQ_INT(m->stats.open_sessions, N / 2);

	/* out of id order: still found by the scan that replaces the search */
	struct smtp_session *late = start(m, 5 * N);
	struct smtp_session *early = start(m, 3 * N);
	CHECK_EQ_INT(m->stats.open_sessions, N / 2 + 2);
	model_session_end(m, early);
	model_session_end(m, s[2]);
	CHECK_EQ_INT(m->stats.open_sessions, N / 2);
	CHECK(model_find_session(m, 5 * N) == late);
	CHECK(model_find_session(m, 4) == s[4]);

	/* all the rest end: nothing open, every slot a hole or squeezed */
	for (uint64_t id = 4; id <= N; id += 2)
		model_session_end(m, s[id]);
	model_session_end(m, late);
	CHECK_EQ_INT(m->stats.open_sessions, 0);
	CHECK_EQ_INT(live(m, &inc), 0);
	model_free(m);
	CHECK_DONE();
}
