/* test_gateway.c — the gateway decision (rules/gateway.c): --gateway blocks
 * and the blocks no session matched; the inference by sessions, roles, hops
 * and address; addresses tied by their EHLO/banner names (dual stack, a
 * cluster behind one name, not "localhost"); provisional changes counted,
 * a first pass frozen; the address cap. */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "rules/gateway.h"
#include "check.h"

#define SEC(x) ((int64_t)(x) * 1000000)
#define T0 SEC(1795143600)

static struct smtp_config scfg;
static uint64_t next_id;
static int64_t clock_us = T0;

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	memset(&a, 0, sizeof a);
	CHECK(addr_parse(s, &a));
	return a;
}

/* One session cli -> srv; helo/banner name NULL for none; TTLs as seen at
 * the capture point (0: no packet from that side). */
static void feed(struct gateway *g, const char *cli, const char *srv, const char *helo,
		 const char *banner, uint8_t ttl_cli, uint8_t ttl_srv)
{
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip(cli);
	s->server = ip(srv);
	s->start_ts = clock_us;
	s->end_ts = clock_us + SEC(1);
	clock_us += SEC(2);
	if (helo)
		s->helo = arena_strndup(&s->arena, helo, strlen(helo));
	if (banner) {
		s->has_banner = true;
		s->banner.code = 220;
		snprintf(s->banner.text, sizeof s->banner.text, "%s ESMTP", banner);
	}
	s->ttl_min[SIDE_CLIENT] = s->ttl_max[SIDE_CLIENT] = ttl_cli;
	s->ttl_min[SIDE_SERVER] = s->ttl_max[SIDE_SERVER] = ttl_srv;
	gw_session_start(g, s);
	gw_session_end(g, s);
	smtp_session_free(s);
}

static bool is_gw(const struct gateway *g, const char *a)
{
	struct ip_addr x = ip(a);
	return gw_is_gateway(g, &x);
}

/* The decided addresses, comma-separated, lowest first. */
static const char *members(const struct gateway *g)
{
	static char buf[512];
	struct gw_member m[GW_MAX_MEMBERS];
	size_t n = gw_members(g, m, GW_MAX_MEMBERS);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char a[ADDR_STRLEN];
		addr_format(&m[i].addr, a);
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "", a);
	}
	return buf;
}

static void test_given(void)
{
	struct ip_prefix p[2];
	CHECK(prefix_parse("192.0.2.0/24", &p[0]));
	CHECK(prefix_parse("10.9.9.9", &p[1]));
	struct gateway *g = gw_new(p, 2, 0);
	CHECK(gw_given(g));
	feed(g, "192.0.2.10", "198.51.100.7", "gw.example.com", "mx.example.net", 64, 52);
	feed(g, "203.0.113.5", "192.0.2.11", "client.example.org", "gw.example.com", 47, 64);
	feed(g, "203.0.113.5", "198.51.100.7", NULL, NULL, 47, 52); /* not ours */
	CHECK(is_gw(g, "192.0.2.99"));
	CHECK(!is_gw(g, "198.51.100.7"));
	CHECK_EQ_STR(members(g), "192.0.2.10,192.0.2.11");
	CHECK_EQ_INT(gw_sessions(g), 3);
	CHECK_EQ_INT(gw_sessions_with_gateway(g), 2);
	const struct ip_prefix *u[4];
	CHECK_EQ_INT(gw_unmatched(g, u, 4), 1);
	char txt[64];
	gw_prefix_format(u[0], txt, sizeof txt);
	CHECK_EQ_STR(txt, "10.9.9.9");
	gw_prefix_format(&p[0], txt, sizeof txt);
	CHECK_EQ_STR(txt, "192.0.2.0/24");
	CHECK_EQ_INT(gw_changes(g), 0);
	gw_free(g);
}

/* Most sessions wins, whatever the order the sessions came in. */
static void test_most_sessions(void)
{
	struct gateway *g = gw_new(NULL, 0, 0);
	CHECK_EQ_STR(members(g), "");
	CHECK(!is_gw(g, "192.0.2.10"));
	/* two retries to a host with a lower address come first: a tie, then
	 * the hops (TTL 64 at the capture point) decide, not the address */
	feed(g, "192.0.2.10", "192.0.2.3", "gw.example.com", "low.example.net", 64, 52);
	CHECK_EQ_STR(members(g), "192.0.2.10");
	feed(g, "192.0.2.10", "192.0.2.3", "gw.example.com", "low.example.net", 64, 52);
	feed(g, "203.0.113.5", "192.0.2.10", "c.example.org", "gw.example.com", 47, 64);
	CHECK_EQ_STR(members(g), "192.0.2.10");
	CHECK(!is_gw(g, "192.0.2.3"));
	CHECK_EQ_INT(gw_sessions_with_gateway(g), 3);
	struct gw_member m;
	CHECK_EQ_INT(gw_members(g, &m, 1), 1);
	CHECK(m.as_client == 2 && m.as_server == 1 && m.hops == 0);
	CHECK_EQ_STR(m.ehlo, "gw.example.com");
	CHECK_EQ_STR(m.banner, "gw.example.com");
	CHECK_EQ_INT(gw_changes(g), 0);
	gw_free(g);

	/* no TTL, no names: ties go to the address in both roles, then the lowest */
	g = gw_new(NULL, 0, 0);
	feed(g, "10.0.0.7", "10.0.0.5", NULL, NULL, 0, 0);
	CHECK_EQ_STR(members(g), "10.0.0.5");
	feed(g, "10.0.0.5", "10.0.0.7", NULL, NULL, 0, 0);
	CHECK_EQ_STR(members(g), "10.0.0.5");
	feed(g, "10.0.0.9", "10.0.0.7", NULL, NULL, 0, 0);
	CHECK_EQ_STR(members(g), "10.0.0.7");
	CHECK_EQ_INT(gw_changes(g), 1);
	gw_free(g);

	g = gw_new(NULL, 0, 0);
	feed(g, "10.0.0.7", "10.0.0.5", NULL, NULL, 0, 0);
	feed(g, "10.0.0.9", "10.0.0.8", NULL, NULL, 0, 0);
	feed(g, "10.0.0.8", "10.0.0.7", NULL, NULL, 0, 0);
	/* 10.0.0.7 and 10.0.0.8 both in 2 sessions, in both roles: the lowest */
	CHECK_EQ_STR(members(g), "10.0.0.7");
	gw_free(g);
}

/* IPv4 and IPv6 of one machine, tied by EHLO and banner names (either
 * case), in both roles: one gateway, never a remote host. */
static void test_dual_stack(void)
{
	struct gateway *g = gw_new(NULL, 0, 0);
	feed(g, "192.0.2.10", "198.51.100.7", "gw.example.com", "mx.example.net", 64, 52);
	feed(g, "2001:db8::10", "2001:db8:1::25", "GW.Example.COM", "mx-v6.example.net", 64, 52);
	feed(g, "2001:db8:1::99", "2001:db8::10", "in.example.net", "gw.example.com", 52, 64);
	CHECK_EQ_STR(members(g), "192.0.2.10,2001:db8::10");
	CHECK(is_gw(g, "2001:db8::10") && is_gw(g, "192.0.2.10"));
	CHECK(!is_gw(g, "2001:db8:1::25"));
	CHECK_EQ_INT(gw_sessions_with_gateway(g), 3);
	gw_free(g);
}

/* Two nodes behind one banner name, each with its own EHLO name: the remote
 * host they both deliver to is in more sessions than either node alone. */
static void test_cluster(void)
{
	struct gateway *g = gw_new(NULL, 0, 0);
	for (int i = 0; i < 3; i++) {
		feed(g, "192.0.2.21", "198.51.100.50", "gw-a.example.com", "mx.example.net", 64, 52);
		feed(g, "192.0.2.22", "198.51.100.50", "gw-b.example.com", "mx.example.net", 64, 52);
	}
	feed(g, "203.0.113.9", "192.0.2.21", "c.example.org", "gw.example.com", 47, 64);
	feed(g, "203.0.113.9", "192.0.2.22", "c.example.org", "gw.example.com", 47, 64);
	CHECK_EQ_STR(members(g), "192.0.2.21,192.0.2.22");
	CHECK(!is_gw(g, "198.51.100.50") && !is_gw(g, "203.0.113.9"));
	CHECK_EQ_INT(gw_sessions_with_gateway(g), 8);
	/* node a relays to node b: one more session, not two */
	feed(g, "192.0.2.21", "192.0.2.22", "gw-a.example.com", "gw.example.com", 64, 64);
	CHECK_EQ_STR(members(g), "192.0.2.21,192.0.2.22");
	CHECK_EQ_INT(gw_sessions_with_gateway(g), 9);
	CHECK_EQ_INT(gw_sessions(g), 9);
	gw_free(g);

	/* "localhost..." ties nothing: two bots saying it stay two machines */
	g = gw_new(NULL, 0, 0);
	feed(g, "203.0.113.1", "192.0.2.10", "localhost.localdomain", "gw.example.com", 47, 64);
	feed(g, "203.0.113.2", "192.0.2.10", "localhost.localdomain", "gw.example.com", 47, 64);
	feed(g, "203.0.113.3", "192.0.2.10", "[203.0.113.3]", "gw.example.com", 47, 64);
	CHECK_EQ_STR(members(g), "192.0.2.10");
	gw_free(g);

	/* a remote MTA announcing the gateway's own name, 12 hops away, is not
	 * the gateway's other address */
	g = gw_new(NULL, 0, 0);
	feed(g, "192.0.2.10", "198.51.100.9", "gw.example.com", "gw.example.com", 64, 52);
	feed(g, "203.0.113.4", "192.0.2.10", "c.example.org", "gw.example.com", 47, 64);
	CHECK_EQ_STR(members(g), "192.0.2.10");
	gw_free(g);

	/* hops from the smallest TTL of a side: a forged reset with TTL 64 in
	 * the remote's session does not make the remote look next door */
	g = gw_new(NULL, 0, 0);
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip("192.0.2.3");
	s->server = ip("192.0.2.10");
	s->start_ts = clock_us;
	s->end_ts = clock_us + SEC(1);
	s->ttl_min[SIDE_CLIENT] = 52;
	s->ttl_max[SIDE_CLIENT] = 64;
	s->ttl_min[SIDE_SERVER] = s->ttl_max[SIDE_SERVER] = 64;
	gw_session_start(g, s);
	gw_session_end(g, s);
	smtp_session_free(s);
	CHECK_EQ_STR(members(g), "192.0.2.10"); /* else the tie went to the lower 192.0.2.3 */
	gw_free(g);

	/* a name 17 addresses use (a generic one) ties nothing, even at the
	 * gateway's distance; 16 still do */
	for (int users = 16; users <= 17; users++) {
		g = gw_new(NULL, 0, 0);
		for (int i = 0; i < users; i++) {
			char a[32];
			snprintf(a, sizeof a, "10.1.0.%d", i + 1);
			feed(g, a, "198.51.100.9", "mail.example.com", "mx.example.net", 64, 52);
		}
		struct gw_member m[GW_MAX_MEMBERS];
		CHECK_EQ_INT(gw_members(g, m, GW_MAX_MEMBERS), users == 16 ? 16 : 1);
		gw_free(g);
	}
}

/* A first pass: nothing decided (or counted as a change) until frozen;
 * after, sessions change nothing. */
static void test_freeze(void)
{
	struct gateway *g = gw_new(NULL, 0, 0);
	gw_defer(g);
	feed(g, "10.0.0.7", "10.0.0.5", NULL, NULL, 0, 0);
	CHECK_EQ_STR(members(g), "");
	feed(g, "10.0.0.9", "10.0.0.7", NULL, NULL, 0, 0);
	gw_freeze(g);
	CHECK_EQ_STR(members(g), "10.0.0.7");
	CHECK_EQ_INT(gw_changes(g), 0);
	for (int i = 0; i < 3; i++)
		feed(g, "10.0.0.1", "10.0.0.2", NULL, NULL, 0, 0);
	CHECK_EQ_STR(members(g), "10.0.0.7");
	CHECK_EQ_INT(gw_sessions(g), 2);
	gw_free(g);
}

/* Past the address cap new addresses are counted, not tracked; past the
 * first sessions a busy capture decides once a second. */
static void test_bounds(void)
{
	struct gateway *g = gw_new(NULL, 0, 4);
	for (int i = 0; i < 10; i++) {
		char a[32];
		snprintf(a, sizeof a, "198.51.100.%d", i + 1);
		feed(g, "192.0.2.10", a, "gw.example.com", NULL, 64, 52);
	}
	CHECK(gw_addrs_dropped(g) == 7);
	CHECK_EQ_STR(members(g), "192.0.2.10");
	gw_free(g);
	CHECK(gw_addr_cost() > sizeof(struct ip_addr));
}

int main(void)
{
	smtp_config_default(&scfg);
	size_t before = mem_acct.used;
	test_given();
	test_most_sessions();
	test_dual_stack();
	test_cluster();
	test_freeze();
	test_bounds();
	CHECK_EQ_INT(mem_acct.used, before);
	CHECK_DONE();
}
