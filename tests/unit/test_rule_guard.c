/* test_rule_guard.c — the rule guards (rules/rule_guard.c) against the
 * conditions they come from: on every combination of a few session fields,
 * a guard never turns away an event its condition accepts (strings, bools,
 * nulls and numbers compared with ==, <, ranges), a condition
 * made of guardable tests alone is decided by its guards exactly, and a
 * condition whose tests are decided by field ids is as true; which
 * conditions get a guard, vocabulary overflow, and each guarded field read
 * once per event. */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "rules/rule_guard.h"
#include "check.h"

static struct smtp_config scfg;

static struct node *parse(const char *src)
{
	static char errbuf[256];
	struct rule_err err = { errbuf, sizeof errbuf, "test", false };
	struct lexer lx;
	struct token t;
	lex_init(&lx, src, strlen(src), &err);
	if (!lex_next(&lx, &t))
		return NULL;
	struct node *n = expr_parse(&lx, &t, EV_SESSION_END);
	if (!n || t.kind != T_EOF) {
		fprintf(stderr, "cannot parse %s: %s\n", src, errbuf);
		expr_free(n);
		return NULL;
	}
	return n;
}

/* The session's fields the conditions test, set from one number: values
 * below, at, between and above the literals of the numeric tests. */
static void vary(struct smtp_session *s, unsigned v)
{
	s->end_reason = (enum end_reason)(v % END__COUNT);
	v /= END__COUNT;
	s->state = (enum smtp_state)(v % ST__COUNT);
	v /= ST__COUNT;
	s->server_timeout = v % 2;
	v /= 2;
	s->rst_by = (enum side)((int)(v % 3) - 1);
	v /= 3;
	s->syn_seen = v % 2;
	v /= 2;
	static const uint16_t ports[] = { 20, 25, 26, 30, 587 };
	s->server_port = ports[v % 5];
	v /= 5;
	s->tcp[SIDE_CLIENT].packets = v % 5; /* 0 .. 4 */
}
#define VARIANTS (END__COUNT * ST__COUNT * 2 * 3 * 2 * 5 * 5)

struct cond {
	const char *src;
	bool exact;     /* only guardable tests: the guards decide alone */
	size_t nguards; /* facts expected */
};

static const struct cond conds[] = {
	{ "end_reason == \"rst\"", true, 1 },
	{ "end_reason != \"rst\"", true, 1 },
	{ "end_reason == \"nosuch\"", true, 1 },
	{ "end_state in (\"data\", \"body\", \"dot\", \"bdat\")", true, 1 },
	{ "end_state not in (\"data\", \"body\")", true, 1 },
	{ "not server_timeout", true, 1 },
	{ "server_timeout == false", true, 1 },
	{ "rst_by is null", true, 1 },
	{ "rst_by is not null", true, 1 },
	{ "not (rst_by == \"server\")", true, 1 },
	{ "end_reason == \"rst\" and end_state in (\"data\", \"body\") and not server_timeout",
	  true, 3 },
	{ "end_reason == \"timeout\" and end_state == \"dot\"", true, 2 },
	{ "end_reason == \"rst\" and end_reason == \"timeout\"", true, 1 }, /* never */
	{ "end_reason == \"rst\" or end_reason == \"timeout\"", true, 1 },
	{ "(end_reason == \"rst\" and syn_seen) or (end_reason == \"fin\" and syn_seen)", false, 2 },
	{ "not (end_reason == \"rst\" or end_reason == \"fin\")", true, 1 },
	{ "end_reason == \"rst\" or not (end_reason == \"rst\")", false, 0 }, /* says nothing */
	{ "end_reason == \"rst\" or syn_seen", false, 0 },
	{ "not (end_reason == \"rst\" and syn_seen)", false, 0 },
	{ "syn_seen and not syn_answered and rst_by == \"server\"", true, 3 },
	{ "end_state ~ \"^da\" and end_reason == \"quit\"", false, 1 },
	{ "server_port == 25 and end_reason in (\"rst\", \"timeout\")", true, 2 },
	{ "server_port in 20..30", true, 1 },
	{ "server_port not in (20, 26..30)", true, 1 },
	{ "server_port != 25", true, 1 },
	{ "server_port < 26", true, 1 },
	{ "server_port <= 26 and server_port > 20", true, 1 },
	{ "server_port >= 30 or client_packets >= 3", false, 0 },
	{ "client_packets > 3", true, 1 },
	{ "client_packets > 3 and client_packets <= 2", true, 1 }, /* never */
	{ "(client_packets < 2 and server_port == 25) or (client_packets == 4 and server_port == 587)",
	  false, 2 },
	{ "not (client_packets in 1..3)", true, 1 },
};
#define NCONDS (sizeof conds / sizeof conds[0])

static void test_against_conditions(void)
{
	struct guard_table gt;
	memset(&gt, 0, sizeof gt);
	struct node *n[NCONDS];
	struct rule_guards g[NCONDS];
	for (size_t i = 0; i < NCONDS; i++) {
		n[i] = parse(conds[i].src);
		CHECK(n[i] != NULL);
		if (!n[i])
			return;
		guards_collect(&gt, n[i]);
	}
	guards_finish(&gt);
	for (size_t i = 0; i < NCONDS; i++) {
		guards_build(&gt, n[i], &g[i]);
		if (g[i].n != conds[i].nguards)
			fprintf(stderr, "%s: %zu guards\n", conds[i].src, g[i].n);
		CHECK_EQ_INT(g[i].n, conds[i].nguards);
	}
	struct smtp_session *s = smtp_session_new(1, &scfg, NULL);
	int turned_away_true = 0, inexact = 0, skipped = 0, by_ids_differ = 0;
	for (unsigned v = 0; v < VARIANTS; v++) {
		vary(s, v);
		struct rule_event ev;
		memset(&ev, 0, sizeof ev);
		ev.type = EV_SESSION_END;
		ev.session = s;
		struct guard_cache gc;
		gc.have = 0;
		for (size_t i = 0; i < NCONDS; i++) {
			bool pass = guards_pass(&gt, &g[i], &ev, &gc);
			bool truth = expr_eval(n[i], &ev);
			/* the marked nodes decided by their ids: the same truth */
			by_ids_differ += expr_eval_guarded(n[i], &ev, &gt, &gc) != truth;
			turned_away_true += !pass && truth;
			inexact += conds[i].exact && pass != truth;
			skipped += !pass;
		}
	}
	CHECK_EQ_INT(turned_away_true, 0);
	CHECK_EQ_INT(inexact, 0);
	CHECK_EQ_INT(by_ids_differ, 0);
	CHECK(skipped > VARIANTS * 5); /* the guards do turn events away */
	for (size_t i = 0; i < NCONDS; i++)
		expr_free(n[i]);
	guards_free(&gt);
	smtp_session_free(s);
}

/* A field tested against more literals than a vocabulary holds gets no
 * guard from that test; the others still do. */
static void test_vocabulary_full(void)
{
	char src[1024] = "helo in (";
	for (int i = 0; i <= GUARD_VOCAB; i++)
		snprintf(src + strlen(src), sizeof src - strlen(src), "%s\"h%d\"", i ? ", " : "", i);
	strcat(src, ") and end_reason == \"rst\"");
	struct guard_table gt;
	memset(&gt, 0, sizeof gt);
	struct node *n = parse(src);
	CHECK(n != NULL);
	if (!n)
		return;
	struct rule_guards g;
	guards_collect(&gt, n);
	guards_finish(&gt);
	guards_build(&gt, n, &g);
	CHECK_EQ_INT(g.n, 1);
	CHECK(gt.field[g.field[0]].f->name && strcmp(gt.field[g.field[0]].f->name, "end_reason") == 0);
	expr_free(n);
	guards_free(&gt);
}

/* Three rules on end_reason and one on end_state: two fields read. */
static void test_read_once(void)
{
	const char *srcs[] = { "end_reason == \"rst\"", "end_reason != \"quit\"",
			       "end_reason in (\"fin\", \"rst\")", "end_state == \"data\"" };
	struct guard_table gt;
	memset(&gt, 0, sizeof gt);
	struct node *n[4];
	struct rule_guards g[4];
	for (int i = 0; i < 4; i++) {
		n[i] = parse(srcs[i]);
		if (!n[i])
			return;
		guards_collect(&gt, n[i]);
	}
	guards_finish(&gt);
	for (int i = 0; i < 4; i++)
		guards_build(&gt, n[i], &g[i]);
	CHECK_EQ_INT(gt.nfields, 2);
	CHECK_EQ_INT(gt.field[0].nvocab, 3); /* rst, quit, fin */
	struct smtp_session *s = smtp_session_new(1, &scfg, NULL);
	s->end_reason = END_RST;
	s->state = ST_DATA;
	struct rule_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_SESSION_END;
	ev.session = s;
	struct guard_cache gc;
	gc.have = 0;
	int passed = 0;
	for (int i = 0; i < 3; i++)
		passed += guards_pass(&gt, &g[i], &ev, &gc);
	CHECK_EQ_INT(passed, 3);
	CHECK_EQ_INT(gc.have, 1); /* end_reason, read once */
	CHECK(guards_pass(&gt, &g[3], &ev, &gc));
	CHECK_EQ_INT(gc.have, 3);
	for (int i = 0; i < 4; i++)
		expr_free(n[i]);
	guards_free(&gt);
	smtp_session_free(s);
}

int main(void)
{
	test_against_conditions();
	test_vocabulary_full();
	test_read_once();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
