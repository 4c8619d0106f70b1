/* test_message_track.c — messages through the gateway (rules/message_track.c)
 * and the queue per domain (rules/queue.c, queue_schedule.c), on sessions
 * built by hand: same Message-ID split per domain, the envelope fallback and
 * its size tolerance, outbound seen before inbound, deferrals and the expiry
 * forecast, bounces (5xx, DSN), eviction under the bound, growth, options. */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "rules/id_map.h"
#include "rules/message_track.h"
#include "rules/queue.h"
#include "check.h"

#include "msg_fixture.h"

static const struct mt_message *only(struct msg_tracker *mt, size_t want)
{
	const struct mt_message **v;
	size_t n = mt_messages(mt, &v);
	CHECK_EQ_INT(n, want);
	return n ? v[0] : NULL;
}

static void test_split_same_id(void)
{
	struct mq *q = mq_new(16, NULL);
	struct mt_config c = { .max_messages = 100, .queue = q };
	struct msg_tracker *mt = mt_new(&c);
	struct smtp_session *in = mk(CLIENT, GW, T0);
	txn(in, T0, "erin@example.org", "bob@example.net,carol@Example.EDU,dan@example.net", "<a@x>", 3000, 250);
	run(mt, in, false);
	const struct mt_message *m = only(mt, 1);
	CHECK_EQ_INT(m->nlegs, 2);
	CHECK_EQ_INT(m->state, MS_QUEUED);
	CHECK_EQ_STR(m->legs[1].domain, "example.edu"); /* lower case */

	struct smtp_session *o1 = mk(GW, "198.51.100.7", T0 + SEC(2));
	txn(o1, T0 + SEC(2), "erin@example.org", "bob@example.net,dan@example.net", "<a@x>", 3200, 250);
	run(mt, o1, true);
	m = only(mt, 1);
	CHECK_EQ_INT(m->state, MS_QUEUED); /* example.edu still holds it */
	CHECK_EQ_INT(m->legs[0].state, MS_DELIVERED);
	struct smtp_session *o2 = mk(GW, "198.51.100.30", T0 + SEC(5));
	txn(o2, T0 + SEC(5), "erin@example.org", "carol@example.edu", "<a@x>", 3200, 250);
	run(mt, o2, true);
	m = only(mt, 1);
	CHECK_EQ_INT(m->state, MS_DELIVERED);
	CHECK_EQ_INT(m->delivered - m->accepted_in, SEC(5));
	CHECK_EQ_INT(m->nattempts, 2);
	const struct mq_domain *d = mq_find(q, "example.net");
	CHECK(d != NULL);
	struct mq_figures f;
	mq_figures(q, d, T0 + SEC(10), &f);
	CHECK(f.have_delays);
	CHECK(f.p50 > 1.99 && f.p50 < 2.01);
	CHECK_EQ_INT(d->delivered, 1);
	CHECK_EQ_INT(d->accepted_in, 1);
	mt_free(mt);
	mq_free(q);
}

static void test_envelope_tolerance(void)
{
	struct msg_tracker *mt = mt_new(NULL);
	struct smtp_session *in = mk(CLIENT, GW, T0);
	txn(in, T0, "erin@example.org", "bob@example.net", NULL, 2000, 250);
	txn(in, T0 + SEC(1), "erin@example.org", "bob@example.net", NULL, 50000, 250);
	run(mt, in, false);
	/* +300 bytes (a Received header): the 2000-byte message, not the other */
	struct smtp_session *o = mk(GW, "198.51.100.7", T0 + SEC(3));
	txn(o, T0 + SEC(3), "erin@example.org", "bob@example.net", NULL, 2300, 250);
	run(mt, o, true);
	const struct mt_message **v;
	CHECK_EQ_INT(mt_messages(mt, &v), 2);
	CHECK_EQ_INT(v[0]->state, MS_DELIVERED);
	CHECK_EQ_INT(v[1]->state, MS_QUEUED);
	/* far too large for either: a message of its own (inbound unseen) */
	o = mk(GW, "198.51.100.7", T0 + SEC(4));
	txn(o, T0 + SEC(4), "erin@example.org", "bob@example.net", NULL, 50000 + MT_SIZE_GROWTH + 1, 250);
	run(mt, o, true);
	CHECK_EQ_INT(mt_messages(mt, &v), 3);
	CHECK_EQ_INT(v[1]->state, MS_QUEUED);
	CHECK_EQ_INT(v[2]->accepted_in, 0);
	/* another recipient is another message */
	o = mk(GW, "198.51.100.7", T0 + SEC(5));
	txn(o, T0 + SEC(5), "erin@example.org", "zed@example.net", NULL, 50100, 250);
	run(mt, o, true);
	CHECK_EQ_INT(mt_messages(mt, &v), 4);
	CHECK_EQ_INT(v[1]->state, MS_QUEUED);
	struct mt_stats st;
	mt_get_stats(mt, &st);
	CHECK_EQ_INT(st.matched_by_envelope, 1);
	mt_free(mt);
}

static void test_outbound_first(void)
{
	struct mq *q = mq_new(16, NULL);
	struct mt_config c = { .max_messages = 100, .queue = q };
	struct msg_tracker *mt = mt_new(&c);
	/* the inbound session ends last (the client sent more in it) */
	struct smtp_session *o = mk(GW, "198.51.100.7", T0 + SEC(4));
	txn(o, T0 + SEC(4), "erin@example.org", "bob@example.net", "<late@x>", 2100, 250);
	run(mt, o, true);
	struct smtp_session *in = mk(CLIENT, GW, T0);
	txn(in, T0, "erin@example.org", "bob@example.net", "<late@x>", 2000, 250);
	run(mt, in, false);
	const struct mt_message *m = only(mt, 1);
	CHECK_EQ_INT(m->state, MS_DELIVERED);
	CHECK_EQ_INT(m->delivered - m->accepted_in, SEC(4));
	CHECK_EQ_INT(mq_find(q, "example.net")->delays_n, 1);
	mt_free(mt);
	mq_free(q);
}

/* The client keeps its session open for a second message while the gateway
 * already relays the first (no Message-IDs): each transaction is read as it
 * ends, so the inbound copy is known before the outbound one, and the
 * session's end does not read the first one twice. */
static void test_open_inbound_session(void)
{
	struct msg_tracker *mt = mt_new(NULL);
	struct smtp_session *in = mk(CLIENT, GW, T0);
	struct smtp_txn *t1 = txn(in, T0, "erin@example.org", "bob@example.net", NULL, 2000, 250);
	mt_txn(mt, in, t1, false, NULL, NULL);
	struct smtp_session *o = mk(GW, "198.51.100.7", T0 + SEC(2));
	struct smtp_txn *t = txn(o, T0 + SEC(2), "erin@example.org", "bob@example.net", NULL, 2150, 250);
	mt_txn(mt, o, t, true, NULL, NULL);
	mt_session(mt, o, true, NULL, NULL);
	smtp_session_free(o);
	txn(in, T0 + SEC(5), "erin@example.org", "bob@example.net", NULL, 4000, 250);
	mt_session(mt, in, false, NULL, NULL);
	smtp_session_free(in);
	const struct mt_message **v;
	CHECK_EQ_INT(mt_messages(mt, &v), 2);
	CHECK_EQ_INT(v[0]->state, MS_DELIVERED);
	CHECK_EQ_INT(v[0]->delivered - v[0]->accepted_in, SEC(2));
	CHECK_EQ_INT(v[1]->state, MS_QUEUED);
	CHECK_EQ_INT(v[1]->size, 4000);
	mt_free(mt);
}

/* The id map under churn: what is put is found until deleted. */
static void test_id_map(void)
{
	struct id_map m;
	idm_init(&m);
	for (uint64_t i = 1; i <= 5000; i++)
		idm_put(&m, i * 7919, (uint32_t)i);
	for (uint64_t i = 1; i <= 5000; i += 2)
		idm_del(&m, i * 7919);
	bool ok = true;
	for (uint64_t i = 1; i <= 5000; i++)
		ok = ok && idm_get(&m, i * 7919) == (i % 2 ? 0 : (uint32_t)i);
	CHECK(ok);
	CHECK_EQ_INT(m.n, 2500);
	idm_del(&m, 12345); /* absent: nothing happens */
	CHECK_EQ_INT(m.n, 2500);
	idm_free(&m);
}

static void test_deferred_forecast(void)
{
	struct mq *q = mq_new(16, NULL);
	struct mt_config c = { .max_messages = 100, .queue = q };
	struct msg_tracker *mt = mt_new(&c);
	struct smtp_session *in = mk(CLIENT, GW, T0);
	txn(in, T0, "erin@example.org", "frank@example.net", "<d@x>", 2000, 250);
	run(mt, in, false);
	int64_t acc = T0 + 900000;
	for (int k = 0; k < 6; k++) {
		struct smtp_session *o = mk(GW, "198.51.100.41", T0 + SEC(30 + 60 * k));
		txn(o, T0 + SEC(30 + 60 * k), "erin@example.org", "frank@example.net", "<d@x>", 2100, 451);
		run(mt, o, true);
	}
	const struct mt_message *m = only(mt, 1);
	CHECK_EQ_INT(m->state, MS_DEFERRED);
	CHECK_EQ_INT(m->legs[0].attempts, 6);
	CHECK_EQ_INT(m->legs[0].failures, 6);
	CHECK_EQ_INT(m->nattempts, MT_ATTEMPTS_MAX);
	CHECK_EQ_INT(m->attempts_dropped, 6 - MT_ATTEMPTS_MAX);
	int64_t retry, dsn, exp;
	mq_forecast(q, m, &m->legs[0], &retry, &dsn, &exp);
	/* six attempts: past the 4 glitch retries, so 10 min after the last */
	CHECK_EQ_INT(retry, m->legs[0].last_attempt + SEC(600));
	CHECK_EQ_INT(dsn, acc + SEC(4 * 3600));
	CHECK_EQ_INT(exp, acc + SEC(2 * 86400));
	mq_refresh(q, mt, T0 + SEC(1000));
	const struct mq_domain *d = mq_find(q, "example.net");
	CHECK_EQ_INT(d->queued, 1);
	CHECK_EQ_INT(d->never_attempted, 0);
	CHECK_EQ_INT(d->oldest_accepted, acc);
	CHECK_EQ_INT(d->age_bucket[2], 1); /* 16 min: 10-20 */
	CHECK_EQ_INT(d->failed_attempts, 6);
	CHECK_EQ_INT(d->next_expiry, exp);
	struct mq_figures f;
	mq_figures(q, d, T0 + SEC(1000), &f);
	CHECK(f.unattempted_for < 0); /* attempted since it came in */
	mt_free(mt);
	mq_free(q);
}

static void test_bounce_and_dsn(void)
{
	struct mq *q = mq_new(16, NULL);
	struct mt_config c = { .max_messages = 100, .queue = q };
	struct msg_tracker *mt = mt_new(&c);
	struct smtp_session *in = mk(CLIENT, GW, T0);
	txn(in, T0, "erin@example.org", "nobody@example.net", "<b@x>", 2000, 250);
	txn(in, T0 + SEC(1), "erin@example.org", "grace@example.edu", "<e@x>", 2000, 250);
	run(mt, in, false);
	struct smtp_session *o = mk(GW, "198.51.100.41", T0 + SEC(30));
	txn(o, T0 + SEC(30), "erin@example.org", "nobody@example.net", "<b@x>", 2100, 550);
	run(mt, o, true);
	/* the gateway's expiry NDR for <e@x> */
	static struct dsn_report rep;
	memset(&rep, 0, sizeof rep);
	rep.valid = true;
	strcpy(rep.orig_message_id, "<e@x>");
	rep.nrcpt = 1;
	rep.rcpt[0].action = DSN_ACT_FAILED;
	strcpy(rep.rcpt[0].status, "4.4.7");
	strcpy(rep.rcpt[0].final_rcpt, "grace@example.edu");
	struct smtp_session *d = mk(GW, "198.51.100.60", T0 + SEC(100));
	struct smtp_txn *x = txn(d, T0 + SEC(100), "", "erin@example.org", "<dsn@gw>", 3000, 250);
	x->dsn = &rep;
	mt_session(mt, d, true, NULL, NULL);
	mt_session(mt, d, true, NULL, NULL); /* seen again (a retried DSN): read once */
	smtp_session_free(d);
	const struct mt_message **v;
	CHECK_EQ_INT(mt_messages(mt, &v), 3); /* the DSN itself is a message out */
	CHECK_EQ_INT(v[0]->state, MS_BOUNCED);
	CHECK_EQ_INT(v[1]->state, MS_BOUNCED);
	CHECK(v[1]->dsn != NULL);
	CHECK_EQ_STR(v[1]->dsn->status, "4.4.7");
	CHECK_EQ_INT(v[1]->dsn->count, 1);
	CHECK_EQ_INT(v[2]->accepted_in, 0);
	struct mt_stats st;
	mt_get_stats(mt, &st);
	CHECK_EQ_INT(st.dsns, 1);
	mq_refresh(q, mt, T0 + SEC(200));
	CHECK_EQ_INT(mq_find(q, "example.edu")->queued, 0);
	CHECK_EQ_INT(mq_find(q, "example.edu")->bounced, 1);
	mt_free(mt);
	mq_free(q);
}

static void test_eviction(void)
{
	size_t before = mem_acct.used;
	struct mt_config c = { .max_messages = 4 };
	struct msg_tracker *mt = mt_new(&c);
	for (int k = 0; k < 6; k++) {
		char id[16];
		snprintf(id, sizeof id, "<m%d@x>", k);
		struct smtp_session *in = mk(CLIENT, GW, T0 + SEC(k));
		txn(in, T0 + SEC(k), "erin@example.org", "bob@example.net", id, 1000, 250);
		run(mt, in, false);
	}
	const struct mt_message **v;
	CHECK_EQ_INT(mt_messages(mt, &v), 4);
	CHECK_EQ_STR(v[0]->message_id, "<m2@x>"); /* the two least recently touched went */
	struct mt_stats st;
	mt_get_stats(mt, &st);
	CHECK_EQ_INT(st.evicted, 2);
	CHECK_EQ_INT(st.live, 4);
	/* an evicted message is no longer found: its copy out is a new record */
	struct smtp_session *o = mk(GW, "198.51.100.7", T0 + SEC(10));
	txn(o, T0 + SEC(10), "erin@example.org", "bob@example.net", "<m0@x>", 1100, 250);
	run(mt, o, true);
	mt_get_stats(mt, &st);
	CHECK_EQ_INT(st.evicted, 3);
	CHECK_EQ_INT(st.matched_by_id, 0);
	mt_free(mt);
	CHECK_EQ_INT(mem_acct.used, before); /* everything charged was released */
}

static void test_growth(void)
{
	struct mq *q = mq_new(16, NULL);
	struct mt_config c = { .max_messages = 100, .queue = q };
	struct msg_tracker *mt = mt_new(&c);
	for (int minute = 0; minute < 12; minute++) {
		for (int k = 0; k < 2; k++) {
			char id[24];
			snprintf(id, sizeof id, "<g%d.%d@x>", minute, k);
			struct smtp_session *in = mk(CLIENT, GW, T0 + SEC(60 * minute + 20 * k));
			txn(in, T0 + SEC(60 * minute + 20 * k), "erin@example.org", "ivy@example.net", id, 900, 250);
			run(mt, in, false);
		}
		char id[24]; /* the oldest still queued (FIFO) */
		snprintf(id, sizeof id, "<g%d.%d@x>", minute / 2, minute % 2);
		struct smtp_session *o = mk(GW, "198.51.100.7", T0 + SEC(60 * minute + 50));
		txn(o, T0 + SEC(60 * minute + 50), "erin@example.org", "ivy@example.net", id, 1000, 250);
		run(mt, o, true);
		mq_refresh(q, mt, T0 + SEC(60 * minute + 59));
	}
	const struct mq_domain *d = mq_find(q, "example.net");
	struct mq_figures f;
	mq_figures(q, d, T0 + SEC(60 * 11 + 59), &f);
	CHECK_EQ_INT(d->queued, 12);
	CHECK(f.growing_for >= 600);
	CHECK_EQ_INT(f.growth, 11);
	CHECK_EQ_INT(d->grow_failed, 0);
	CHECK(d->grow_delivered >= 10);
	CHECK(f.in_rate > 1.99 && f.in_rate < 2.01);
	CHECK(f.out_rate > 0.99 && f.out_rate < 1.01);
	mt_free(mt);
	mq_free(q);
}

static void test_options(void)
{
	struct mq_schedule s;
	mq_default_schedule(&s);
	char buf[64];
	mq_format_retry(&s, buf, sizeof buf);
	CHECK_EQ_STR(buf, "4x1m,10m");
	CHECK(mq_parse_retry("2x30s,5m,1h", &s));
	CHECK_EQ_INT(s.nsteps, 4);
	CHECK_EQ_INT(s.step_us[1], SEC(30));
	CHECK_EQ_INT(s.step_us[3], SEC(3600));
	CHECK(!mq_parse_retry("", &s));
	CHECK(!mq_parse_retry("9x1m", &s));
	CHECK(!mq_parse_retry("1m,,2m", &s));
	CHECK(!mq_parse_retry("x1m", &s));
	int64_t us;
	CHECK(mq_parse_duration("2d", &us) && us == SEC(172800));
	CHECK(mq_parse_duration("90", &us) && us == SEC(90));
	CHECK(!mq_parse_duration("4hours", &us));
	CHECK(!mq_parse_duration("0m", &us));
	char d[MT_DOMAIN_MAX];
	CHECK(mt_domain_of("<A@Mx.Example.NET>", d, sizeof d) && strcmp(d, "mx.example.net") == 0);
	CHECK(!mt_domain_of("postmaster", d, sizeof d));
	CHECK(!mt_domain_of("x@", d, sizeof d));
}

int main(void)
{
	smtp_config_default(&scfg);
	test_split_same_id();
	test_envelope_tolerance();
	test_outbound_first();
	test_open_inbound_session();
	test_id_map();
	test_deferred_forecast();
	test_bounce_and_dsn();
	test_eviction();
	test_growth();
	test_options();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
