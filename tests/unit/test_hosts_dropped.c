/* test_hosts_dropped.c — "hosts_dropped" counts hosts, not drop events
 * (rules/distinct_count.c, rules/host_model.c): a full host table that sees
 * the same untracked host again and again reports one host. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "rules/distinct_count.h"
#include "rules/host_model.h"
#include "decode/mem.h"
#include "decode/smtp_internal.h"
#include "check.h"

#define T0 ((int64_t)1795143600 * 1000000)

static struct smtp_config scfg;
static uint64_t next_id;

/* A greeted QUIT session from cli to srv, with no transaction (so no
 * recipient domain enters the domain table). */
static void feed(struct host_model *hm, const char *cli, const char *srv)
{
	struct smtp_session *s = smtp_session_new(++next_id, &scfg, NULL);
	addr_parse(cli, &s->client);
	addr_parse(srv, &s->server);
	s->client_port = (uint16_t)(40000 + next_id);
	s->server_port = 25;
	s->start_ts = T0 + (int64_t)next_id * 1000000;
	s->end_ts = s->start_ts + 500000;
	s->syn_seen = s->synack_seen = true;
	s->state = ST_QUIT;
	s->end_reason = END_QUIT;
	s->end_by = SIDE_CLIENT;
	s->quit_acked = true;
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	smtp_session_free(s);
}

static void test_exact_when_few(void)
{
	static struct distinct_count dc; /* 16 KiB: not on the stack */
	CHECK_EQ_INT(dc_count(&dc), 0);
	uint32_t k = 7;
	for (int i = 0; i < 10; i++)
		dc_add(&dc, &k, sizeof k, 1);
	CHECK_EQ_INT(dc_count(&dc), 1);
	dc_add(&dc, &k, sizeof k, 2); /* the same bytes under another tag */
	CHECK_EQ_INT(dc_count(&dc), 2);
}

/* Past the exact range the estimate stays close: 100000 keys, each twice. */
static void test_estimate(void)
{
	static struct distinct_count dc;
	for (int rep = 0; rep < 2; rep++)
		for (uint32_t k = 0; k < 100000; k++)
			dc_add(&dc, &k, sizeof k, 0);
	uint64_t n = dc_count(&dc);
	fprintf(stderr, "100000 keys estimated as %llu\n", (unsigned long long)n);
	CHECK(n > 98000 && n < 102000);
}

static void test_host_model(void)
{
	struct host_model_config cfg = { .max_hosts = 2 };
	cfg.ngateway = 1;
	struct ip_prefix gw;
	CHECK(prefix_parse("192.0.2.10/32", &gw));
	cfg.gateway = &gw;
	struct host_model *hm = hm_new(&cfg);
	feed(hm, "192.0.2.10", "198.51.100.1");
	feed(hm, "192.0.2.10", "198.51.100.2");
	CHECK_EQ_INT(hm_hosts_dropped(hm), 0);
	for (int i = 0; i < 5; i++) /* one host the table has no room for, five times */
		feed(hm, "192.0.2.10", "198.51.100.3");
	CHECK_EQ_INT(hm_hosts_dropped(hm), 1);
	feed(hm, "192.0.2.10", "198.51.100.4");
	feed(hm, "192.0.2.10", "198.51.100.3");
	CHECK_EQ_INT(hm_hosts_dropped(hm), 2);
	hm_free(hm);
}

int main(void)
{
	smtp_config_default(&scfg);
	test_exact_when_few();
	test_estimate();
	test_host_model();
	CHECK_DONE();
}
