/* test_gw_names.c — the gateway inference's name store (rules/gw_names.c):
 * each name kept once, exact (case kept, no prefix match), bounded by its
 * budget with what did not fit counted, charged and released; and through
 * rules/gateway.c: a name the store could not keep still ties addresses by
 * its hash, is counted once per address, and shows as "" in the members. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/gateway.h"
#include "rules/gw_names.h"
#include "check.h"

static void test_interning(void)
{
	struct gw_names s;
	gwn_init(&s, 1 << 20);
	uint32_t a = gwn_intern(&s, "gw.example.com", 14);
	uint32_t b = gwn_intern(&s, "mx.example.net", 14);
	CHECK(a != GWN_NONE && b != GWN_NONE && a != b);
	CHECK_EQ_INT(gwn_intern(&s, "gw.example.com", 14), a); /* stored once */
	size_t bytes = gwn_bytes(&s);
	for (int i = 0; i < 1000; i++) /* repeats cost nothing more */
		CHECK_EQ_INT(gwn_intern(&s, "mx.example.net", 14), b);
	CHECK_EQ_INT(gwn_bytes(&s), bytes);
	/* case is kept: the report shows the name as sent */
	uint32_t up = gwn_intern(&s, "GW.example.com", 14);
	CHECK(up != a && up != GWN_NONE);
	CHECK_EQ_STR(gwn_text(&s, up), "GW.example.com");
	CHECK_EQ_STR(gwn_text(&s, a), "gw.example.com");
	CHECK_EQ_STR(gwn_text(&s, GWN_NONE), "");
	/* exact: neither a prefix nor a longer text is equal */
	CHECK(gwn_equal(&s, a, "gw.example.com", 14));
	CHECK(!gwn_equal(&s, a, "gw.example.co", 13));
	CHECK(!gwn_equal(&s, a, "gw.example.comx", 15));
	CHECK(!gwn_equal(&s, GWN_NONE, "", 0));
	/* the name is the n bytes given, not up to a NUL */
	uint32_t cut = gwn_intern(&s, "mx1.example.org trailing", 15);
	CHECK_EQ_STR(gwn_text(&s, cut), "mx1.example.org");
	CHECK_EQ_INT(s.dropped, 0);
	gwn_free(&s);
}

/* Many distinct names into a small budget: the store stops growing at its
 * budget, every refused name is counted, and what was kept stays readable
 * (the index grows and rehashes on the way). */
static void test_bounded(void)
{
	struct gw_names s;
	size_t before = mem_acct.used;
	gwn_init(&s, 16384);
	uint32_t refs[2000];
	int kept = 0;
	for (int i = 0; i < 2000; i++) {
		char name[64];
		int n = snprintf(name, sizeof name, "host-%04d.mail.example.net", i);
		refs[i] = gwn_intern(&s, name, (size_t)n);
		if (refs[i] != GWN_NONE)
			kept++;
		CHECK(gwn_bytes(&s) <= 16384);
		CHECK_EQ_INT(mem_acct.used - before, gwn_bytes(&s)); /* charged */
	}
	CHECK(kept > 100 && kept < 2000);
	CHECK_EQ_INT(s.dropped, (uint64_t)(2000 - kept));
	for (int i = 0; i < 2000; i++) {
		char name[64];
		int n = snprintf(name, sizeof name, "host-%04d.mail.example.net", i);
		if (refs[i] != GWN_NONE) {
			CHECK_EQ_STR(gwn_text(&s, refs[i]), name);
			CHECK_EQ_INT(gwn_intern(&s, name, (size_t)n), refs[i]); /* full, still found */
		}
	}
	gwn_free(&s);
	CHECK_EQ_INT(mem_acct.used, before);
}

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	CHECK(addr_parse(s, &a));
	return a;
}

static void feed(struct gateway *g, const char *cli, const char *srv, const char *helo,
		 const char *banner, int64_t ts)
{
	struct smtp_facts f;
	memset(&f, 0, sizeof f);
	f.client = ip(cli);
	f.server = ip(srv);
	f.start_ts = ts;
	f.end_ts = ts + 1000000;
	f.helo = helo;
	f.has_banner = banner != NULL;
	f.banner = banner;
	f.banner_len = banner ? strlen(banner) : 0;
	f.ttl_min[0] = f.ttl_min[1] = 64;
	gw_facts_start(g, &f);
	gw_facts_end(g, &f);
}

/* Two tracked addresses: the name store's budget (64 bytes an address) is
 * below its first block, so no name is kept as text; the IPv4 and IPv6
 * addresses of gw.example.com are tied all the same (by the hash), and
 * each address's name is counted once, however many sessions repeat it. */
static void test_gateway_without_text(void)
{
	struct gateway *g = gw_new(NULL, 0, 2);
	gw_defer(g);
	for (int i = 0; i < 3; i++) {
		feed(g, "192.0.2.10", "2001:db8::10", "gw.example.com", "gw.example.com",
		     (int64_t)i * 2000000);
	}
	feed(g, "192.0.2.10", "198.51.100.7", "gw.example.com", "mx.example.net", 9000000);
	gw_freeze(g);
	CHECK_EQ_INT(gw_names_dropped(g), 2);  /* the v4's EHLO, the v6's banner */
	CHECK_EQ_INT(gw_addrs_dropped(g), 1);  /* 198.51.100.7: the table holds two */
	struct gw_member m[4];
	size_t n = gw_members(g, m, 4);
	CHECK_EQ_INT(n, 2);
	char a[ADDR_STRLEN];
	addr_format(&m[0].addr, a);
	CHECK_EQ_STR(a, "192.0.2.10");
	addr_format(&m[1].addr, a);
	CHECK_EQ_STR(a, "2001:db8::10");
	CHECK_EQ_STR(m[0].ehlo, "");
	CHECK_EQ_STR(m[1].banner, "");
	CHECK(gw_first_pass(g) == NULL);
	struct facts_stats st = { .sessions = 4, .flows_evicted = 3, .names_dropped = 5 };
	gw_note_first_pass(g, &st);
	CHECK(gw_first_pass(g) != NULL);
	CHECK_EQ_INT(gw_first_pass(g)->flows_evicted, 3);
	CHECK_EQ_INT(gw_first_pass(g)->names_dropped, 5);
	gw_free(g);

	/* the same sessions with room: the names are kept, none dropped */
	g = gw_new(NULL, 0, 0);
	gw_defer(g);
	feed(g, "192.0.2.10", "2001:db8::10", "gw.example.com", "gw.example.com", 0);
	gw_freeze(g);
	CHECK_EQ_INT(gw_names_dropped(g), 0);
	n = gw_members(g, m, 4);
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_STR(m[0].ehlo, "gw.example.com");
	CHECK_EQ_STR(m[1].banner, "gw.example.com");
	gw_free(g);
}

int main(void)
{
	size_t before = mem_acct.used;
	test_interning();
	test_bounded();
	test_gateway_without_text();
	CHECK_EQ_INT(mem_acct.used, before);
	CHECK_DONE();
}
