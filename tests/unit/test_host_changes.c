/* test_host_changes.c — the host model's change list and a reader's copies
 * brought up to date from it (rules/host_changes.c, issue 13): an entry
 * changed twice is copied once, a new entry is copied, a removed one is
 * dropped (its serial reused by the next entry), a reader that missed more
 * removals than the ring keeps copies everything again, the generation
 * counter wraps, the copies are charged to the memory account, a burst is
 * copied in bounded steps while the writer goes on; and, on the
 * host model itself, a session copies only the entries it changed. */
#include "config.h"

#include <stdlib.h>

#include "rules/gateway.h"
#include "rules/host_changes.h"
#include "rules/host_model.h"
#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "check.h"

#include "session_fixture.h"

static struct host_entry *entry(struct host_changes *hc, uint64_t sessions)
{
	struct host_entry *e = xcalloc(1, sizeof *e);
	e->sessions = sessions;
	hc_add(hc, e);
	return e;
}

static const struct host_entry *copy_of(const struct hc_mirror *m, const struct host_entry *e)
{
	uint32_t s = e->change.serial;
	return s < m->cap && m->present[s] ? &m->copy[s] : NULL;
}

/* The copies match the entries exactly: same count, same figures. */
static bool mirror_matches(const struct hc_mirror *m, struct host_entry **live, size_t n)
{
	if (m->n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct host_entry *c = copy_of(m, live[i]);
		if (!c || c->sessions != live[i]->sessions)
			return false;
	}
	return true;
}

static bool odd_sessions(void *ctx, const struct host_entry *e)
{
	(void)ctx;
	return e->sessions % 2 == 1;
}

static void basic_merge(uint64_t start_gen)
{
	struct host_changes hc;
	hc_init(&hc, start_gen);
	struct hc_mirror m = { 0 };
	struct hc_sync_stats st;
	struct host_entry *a = entry(&hc, 1), *b = entry(&hc, 3), *c = entry(&hc, 5);

	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK(st.full); /* the first sync copies everything */
	CHECK_EQ_INT(st.copied, 3);
	struct host_entry *live[8] = { a, b, c };
	CHECK(mirror_matches(&m, live, 3));

	/* nothing changed: nothing copied */
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK(!st.full);
	CHECK_EQ_INT(st.copied, 0);
	CHECK_EQ_INT(st.dropped, 0);

	/* b changed twice: copied once, with its latest figures */
	b->sessions = 7;
	hc_touch(&hc, b);
	b->sessions = 9;
	hc_touch(&hc, b);
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK_EQ_INT(st.copied, 1);
	CHECK_EQ_INT(copy_of(&m, b)->sessions, 9);
	CHECK_EQ_INT(copy_of(&m, a)->sessions, 1);

	/* a host added, a (the oldest change) touched */
	struct host_entry *d = entry(&hc, 11);
	a->sessions = 13;
	hc_touch(&hc, a);
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK_EQ_INT(st.copied, 2);
	live[3] = d;
	CHECK(mirror_matches(&m, live, 4));

	/* c removed (evicted) between snapshots: its copy dropped */
	uint32_t c_serial = c->change.serial;
	hc_remove(&hc, c);
	free(c);
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK_EQ_INT(st.dropped, 1);
	CHECK_EQ_INT(st.copied, 0);
	CHECK_EQ_INT(m.present[c_serial], 0);
	live[2] = d;
	CHECK(mirror_matches(&m, live, 3));

	/* removed then a new entry in the same snapshot interval: the new one
	 * reuses the serial and its copy is the new entry, not a hole */
	uint32_t b_serial = b->change.serial;
	hc_remove(&hc, b);
	free(b);
	struct host_entry *e = entry(&hc, 15);
	CHECK_EQ_INT(e->change.serial, b_serial);
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK_EQ_INT(st.copied, 1);
	live[1] = e;
	CHECK(mirror_matches(&m, live, 3));
	CHECK_EQ_INT(copy_of(&m, e)->sessions, 15);

	/* a filter: entries it refuses are dropped from the copies */
	e->sessions = 16;
	hc_touch(&hc, e);
	hc_mirror_sync(&m, &hc, odd_sessions, NULL, false, &st);
	CHECK_EQ_INT(st.dropped, 1);
	CHECK(copy_of(&m, e) == NULL);
	CHECK_EQ_INT(m.n, 2);
	/* a full copy filters every entry again (the gateway decision moved) */
	hc_mirror_sync(&m, &hc, NULL, NULL, true, &st);
	CHECK(st.full);
	CHECK_EQ_INT(st.copied, 3);
	CHECK_EQ_INT(m.n, 3);

	hc_mirror_free(&m);
	free(a);
	free(d);
	free(e);
	hc_free(&hc);
}

/* More removals than the ring keeps: the reader copies everything again
 * rather than keep copies of entries that are gone. */
static void tombs_overflow(void)
{
	struct host_changes hc;
	hc_init(&hc, 0);
	struct hc_mirror m = { 0 };
	struct hc_sync_stats st;
	size_t n = HC_TOMBS + 10;
	struct host_entry **v = xcalloc(n + 1, sizeof *v);
	for (size_t i = 0; i < n + 1; i++)
		v[i] = entry(&hc, i);
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK_EQ_INT(m.n, n + 1);
	for (size_t i = 0; i < n; i++) {
		hc_remove(&hc, v[i]);
		free(v[i]);
	}
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK(st.full);
	CHECK_EQ_INT(m.n, 1);
	CHECK(mirror_matches(&m, &v[n], 1));
	/* a reader that kept up with the ring is not sent back to a full copy */
	struct host_entry *w = entry(&hc, 1);
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	hc_remove(&hc, w);
	free(w);
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK(!st.full);
	CHECK_EQ_INT(st.dropped, 1);
	CHECK_EQ_INT(m.n, 1);
	hc_mirror_free(&m);
	free(v[n]);
	free(v);
	hc_free(&hc);
}

/* The generation counter passes 2^64 between two snapshots and at one. */
static void wrap(void)
{
	for (uint64_t start = UINT64_MAX - 3; start != 2; start++)
		basic_merge(start);
	CHECK(hc_after(0, UINT64_MAX));
	CHECK(hc_after(5, UINT64_MAX - 5));
	CHECK(!hc_after(UINT64_MAX, 0));
	CHECK(!hc_after(7, 7));
}

/* The copies are charged to decode/mem.h while kept, released when freed. */
static void charged(void)
{
	size_t before = mem_acct.used;
	struct host_changes hc;
	hc_init(&hc, 0);
	struct host_entry *v[300];
	for (size_t i = 0; i < 300; i++)
		v[i] = entry(&hc, i);
	struct hc_mirror m = { 0 };
	struct hc_sync_stats st;
	hc_mirror_sync(&m, &hc, NULL, NULL, false, &st);
	CHECK(m.charged >= 300 * sizeof(struct host_entry));
	CHECK_EQ_INT(mem_acct.used - before, m.charged);
	hc_mirror_free(&m);
	CHECK_EQ_INT(mem_acct.used, before);
	for (size_t i = 0; i < 300; i++)
		free(v[i]);
	hc_free(&hc);
}

/* A burst copied in steps of at most 100 entries while the writer goes on
 * between them: an entry already copied changes, the entry at the reader's
 * place changes, one not reached yet is removed, new ones come; at the end
 * the copies are exactly the live entries with their latest figures. */
static void steps(void)
{
	struct host_changes hc;
	hc_init(&hc, 0);
	struct hc_mirror m = { 0 };
	struct hc_sync_stats st;
	enum { N = 1000 };
	struct host_entry *v[N + 20];
	size_t n = 0;
	for (; n < N; n++)
		v[n] = entry(&hc, n);
	size_t calls = 0;
	bool done = false;
	while (!done) {
		done = hc_mirror_step(&m, &hc, NULL, NULL, false, 100, &st);
		calls++;
		if (done)
			break;
		CHECK(hc.cursor != NULL);
		if (calls == 1) {
			v[N - 1]->sessions = 5000; /* the newest: copied in the first step */
			hc_touch(&hc, v[N - 1]);
		} else if (calls == 2) {
			struct host_entry *c = hc.cursor; /* the reader's place changes */
			c->sessions += 7000;
			hc_touch(&hc, c);
			CHECK(hc.cursor != c);
		} else if (calls == 3) {
			/* the oldest, not reached yet, leaves; its serial goes to a new one */
			size_t k = 0;
			hc_remove(&hc, v[k]);
			free(v[k]);
			v[k] = entry(&hc, 9001);
		} else if (calls == 4) {
			v[n++] = entry(&hc, 9002);
		}
	}
	CHECK(calls >= 10);
	CHECK(st.full);
	CHECK(mirror_matches(&m, v, n));
	CHECK_EQ_INT(m.n, N + 1);
	/* a full copy asked for in the middle of a stepped one starts again */
	for (size_t i = 0; i < n; i += 2) {
		v[i]->sessions++;
		hc_touch(&hc, v[i]);
	}
	CHECK(!hc_mirror_step(&m, &hc, NULL, NULL, false, 10, &st));
	CHECK(!st.full);
	CHECK(hc_mirror_step(&m, &hc, odd_sessions, NULL, true, 100000, &st));
	CHECK(st.full);
	size_t odd = 0;
	for (size_t i = 0; i < n; i++)
		odd += v[i]->sessions % 2;
	CHECK_EQ_INT(m.n, odd);
	CHECK(hc.cursor == NULL);
	hc_mirror_free(&m);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	hc_free(&hc);
}

static struct smtp_session *mk(const char *cli, const char *srv, int64_t t)
{
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip(cli);
	s->server = ip(srv);
	s->client_port = (uint16_t)(40000 + next_id);
	s->server_port = 25;
	s->start_ts = t;
	s->end_ts = t + 1000000;
	s->syn_seen = s->synack_seen = true;
	s->has_banner = true;
	set_reply(&s->banner, t + 10000, 220, "mx.example.org ESMTP");
	s->state = ST_QUIT;
	s->end_reason = END_QUIT;
	s->end_by = SIDE_CLIENT;
	s->quit_acked = true;
	return s;
}

static void feed(struct host_model *hm, const char *cli, const char *srv, int64_t t)
{
	struct smtp_session *s = mk(cli, srv, t);
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	smtp_session_free(s);
}

/* On the model: after the first copy, one more session to one server
 * copies that server's entry only (the gateway, given, has none). */
static void on_the_model(void)
{
	struct ip_prefix gw;
	CHECK(prefix_parse(GW "/32", &gw));
	struct host_model_config cfg = { .gateway = &gw, .ngateway = 1 };
	struct host_model *hm = hm_new(&cfg);
	char a[32];
	for (int i = 1; i <= 50; i++) {
		snprintf(a, sizeof a, "198.51.100.%d", i);
		feed(hm, GW, a, T0 + SEC(i));
	}
	struct hc_mirror m = { 0 };
	struct hc_sync_stats st;
	hc_mirror_sync(&m, hm_host_changes(hm), NULL, NULL, false, &st);
	CHECK_EQ_INT(m.n, 50);
	feed(hm, GW, "198.51.100.7", T0 + SEC(100));
	hc_mirror_sync(&m, hm_host_changes(hm), NULL, NULL, false, &st);
	CHECK_EQ_INT(st.copied, 1);
	const struct host_entry *e = hm_find(hm, &(struct ip_addr){ 0 }, ROLE_SERVER);
	CHECK(e == NULL);
	struct ip_addr x = ip("198.51.100.7");
	e = hm_find(hm, &x, ROLE_SERVER);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ_INT(e->sessions, 2);
		CHECK_EQ_INT(copy_of(&m, e)->sessions, 2);
	}
	/* a new host: copied, the others not */
	feed(hm, GW, "203.0.113.9", T0 + SEC(200));
	hc_mirror_sync(&m, hm_host_changes(hm), NULL, NULL, false, &st);
	CHECK_EQ_INT(st.copied, 1);
	CHECK_EQ_INT(m.n, 51);
	hc_mirror_free(&m);
	hm_free(hm);
}

int main(void)
{
	smtp_config_default(&scfg);
	basic_merge(0);
	tombs_overflow();
	wrap();
	charged();
	steps();
	on_the_model();
	CHECK_DONE();
}
