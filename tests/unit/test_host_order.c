/* test_host_order.c — the worst-first order of hm_hosts on hosts that are
 * equally troubled: their addresses decide, in addr_cmp's order (the host
 * model compares the 16 bytes as two words of its own), then the role;
 * IPv4 (mapped) before IPv6, addresses that differ in the first or only in
 * the last eight bytes. */
#include "config.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "rules/host_model.h"
#include "check.h"

#include "session_fixture.h"

/* A clean session (QUIT, nothing sent) between cli and srv at t. */
static void feed(struct host_model *hm, const char *cli, const char *srv, int64_t t)
{
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	s->client = ip(cli);
	s->server = ip(srv);
	s->start_ts = t;
	s->end_ts = t + SEC(1);
	s->syn_seen = s->synack_seen = true;
	s->state = ST_QUIT;
	s->end_reason = END_QUIT;
	s->quit_acked = true;
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	smtp_session_free(s);
}

int main(void)
{
	(void)set_reply; /* the fixture's; no replies here */
	smtp_config_default(&scfg);
	struct ip_prefix gw;
	memset(&gw, 0, sizeof gw);
	gw.addr = ip(GW);
	gw.bits = 128;
	struct host_model_config cfg = { .gateway = &gw, .ngateway = 1 };
	struct host_model *hm = hm_new(&cfg);
	static const char *const servers[] = {
		"2001:db8::2", "198.51.100.10", "2001:db8::1", "198.51.100.9", "203.0.113.1",
		"2001:db8:0:1::1", "10.0.0.1", "fe80::1", "2001:db7::ffff", "198.51.100.200",
	};
	size_t ns = sizeof servers / sizeof servers[0];
	for (size_t i = 0; i < ns; i++)
		feed(hm, GW, servers[i], T0 + SEC(i));
	feed(hm, "198.51.100.10", GW, T0 + SEC(100)); /* the same address as a client */

	const struct host_entry **v;
	size_t n = hm_hosts(hm, &v);
	CHECK_EQ_INT(n, ns + 1);
	int out_of_order = 0;
	for (size_t i = 1; i < n; i++) {
		CHECK(v[i]->status == v[0]->status && v[i]->pending == v[0]->pending);
		int c = addr_cmp(&v[i - 1]->addr, &v[i]->addr);
		out_of_order += c > 0 || (c == 0 && v[i - 1]->role >= v[i]->role);
	}
	CHECK_EQ_INT(out_of_order, 0);
	char first[ADDR_STRLEN], last[ADDR_STRLEN];
	addr_format(&v[0]->addr, first);
	addr_format(&v[n - 1]->addr, last);
	CHECK_EQ_STR(first, "10.0.0.1");
	CHECK_EQ_STR(last, "fe80::1");
	CHECK(v[2]->role == ROLE_SERVER && v[3]->role == ROLE_CLIENT); /* 198.51.100.10 twice */
	hm_free(hm);
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
