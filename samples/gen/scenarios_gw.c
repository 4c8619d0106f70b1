/* scenarios_gw.c - captures for the gateway inference (no --gateway): a
 * dual-stack gateway, a two-node cluster behind one name, and a capture
 * whose first sessions are failures to a host with a lower address. */
#include "gen.h"

#include <stdio.h>
#include <string.h>

#define CLUSTER_NAME "gw.example.com"

/* A cluster node: the gateway's MAC side and TTL, its own address. */
static void as_gateway(struct conn *c, int side)
{
	c->e[side].gw = 1;
	c->e[side].ttl = 64;
}

/* One outbound delivery attempt the server cuts with an RST after `nseg`
 * body segments (the retry-loop shape of outage-rst-mid-data). */
static void attempt_rst(struct conn *c, const char *mx, const char *cliname, const char *from,
			const char *to, const struct msg *m, size_t nseg)
{
	greet(c, mx, "", cliname, EXT_MX);
	mail(c, from, m, R250_MAIL);
	rcpt(c, to, R250_RCPT);
	cmd(c, "DATA\r\n", R354);
	think(c);
	xmit(c, CLI, m->wire, nseg * c->mss);
	wait_us(c, rnd(c->cap, 2000, 6000));
	rst_s(c);
}

/* Inbound: `cli` (EHLO cliname) delivers one message to the gateway side
 * of c, which announces `banner`. */
static void receive(struct conn *c, const char *banner, const char *cliname, const char *from,
		    const char *to, const struct msg *m, const char *queued)
{
	char b[256], r[768];
	tcp_handshake(c);
	snprintf(b, sizeof b, "220 %s ESMTP Postfix\r\n", banner);
	reply(c, b);
	snprintf(b, sizeof b, "EHLO %s\r\n", cliname);
	ehlo_reply(r, sizeof r, banner, EXT_GW);
	cmd(c, b, r);
	mail(c, from, m, R250_MAIL);
	rcpt(c, to, R250_RCPT);
	data(c, m, queued);
	quit(c);
}

/* gw-dual-stack.pcap: 192.0.2.10 and 2001:db8::10 are one machine
 * (gw.example.com in its banner and its EHLO), each address in both roles. */
void s_gw_dual_stack(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Ivy Remote <ivy@example.net>", "Alice Example <alice@example.com>",
		 "Over IPv6 to us", "ds1.4411@out-v6.example.net", 3000, 0);
	conn_in(&c, cap, "2001:db8:1::30", 50100, 25, 0);
	receive(&c, GW_HOST, "out-v6.example.net", "ivy@example.net", "alice@example.com", &m,
		"250 2.0.0 Ok: queued as D5A1000001\r\n");
	note_conn(&c, "inbound IPv6", 0);
	msg_free(&m);

	msg_make(&m, "Alice Example <alice@example.com>", "Bob Example <bob@example.net>",
		 "Over IPv4 from us", "20261120030005.ds2@gw.example.com", 4000, 0);
	conn_out(&c, cap, "198.51.100.7", SEC(5));
	deliver(&c, "mx1.example.net", "alice@example.com", "bob@example.net", &m,
		"250 2.0.0 Ok: queued as D5A1000002\r\n");
	note_conn(&c, "outbound IPv4", SEC(5));
	msg_free(&m);

	msg_make(&m, "Alice Example <alice@example.com>", "Ivy Remote <ivy@example.net>",
		 "Over IPv6 from us", "20261120030010.ds3@gw.example.com", 5000, 0);
	conn_out(&c, cap, "2001:db8:1::25", SEC(10));
	greet_out(&c, "mx-v6.example.net");
	mail(&c, "alice@example.com", &m, R250_MAIL);
	rcpt(&c, "ivy@example.net", "450 4.2.0 <ivy@example.net>: Recipient address rejected: "
				    "Mailbox busy\r\n");
	quit(&c);
	note_conn(&c, "outbound IPv6, deferred at RCPT", SEC(10));
	msg_free(&m);

	msg_make(&m, "Erin Remote <erin@example.org>", "Dave Example <dave@example.com>",
		 "Over IPv4 to us", "ds4.77c1@mta5.example.org", 2500, 0);
	conn_in(&c, cap, "203.0.113.5", 51300, 25, SEC(15));
	receive(&c, GW_HOST, "mta5.example.org", "erin@example.org", "dave@example.com", &m,
		"250 2.0.0 Ok: queued as D5A1000004\r\n");
	note_conn(&c, "inbound IPv4", SEC(15));
	msg_free(&m);
}

/* gw-cluster.pcap: two nodes, 192.0.2.21 (EHLO gw-a.example.com) and
 * 192.0.2.22 (EHLO gw-b.example.com), behind one banner name.  Both deliver
 * to 198.51.100.50, which so takes part in more sessions (6) than either
 * node alone (4): only the name makes the two nodes one gateway. */
void s_gw_cluster(struct cap *cap)
{
	static const char *const node[2] = { "192.0.2.21", "192.0.2.22" };
	static const char *const ehlo[2] = { "gw-a.example.com", "gw-b.example.com" };
	struct conn c;
	struct msg m, fail;
	char id[64];

	msg_make(&fail, "Alice Example <alice@example.com>", "Carol Example <carol@example.org>",
		 "Cluster retry", "20261120030000.cl0@gw.example.com", 30000, 0);
	note_msg("failing message (node b, every attempt)", &fail);
	for (int k = 0; k < 3; k++) {
		for (int n = 0; n < 2; n++) {
			usec_t t0 = SEC(60 * k + 20 * n);
			conn_init(&c, cap, node[n], cap->next_port++, "198.51.100.50", 25, t0);
			as_gateway(&c, CLI);
			if (n == 1) {
				attempt_rst(&c, "mx.example.org", ehlo[n], "alice@example.com",
					    "carol@example.org", &fail, 8);
				note_conn(&c, "node b attempt, RST mid-body", t0);
				continue;
			}
			snprintf(id, sizeof id, "20261120030%d00.cl%d@gw.example.com", k, k + 1);
			msg_make(&m, "Bob Example <bob@example.com>", "Dan Example <dan@example.org>",
				 "Cluster ok", id, 3000 + 1000 * (size_t)k, 0);
			greet(&c, "mx.example.org", "", ehlo[n], EXT_MX);
			mail(&c, "bob@example.com", &m, R250_MAIL);
			rcpt(&c, "dan@example.org", R250_RCPT);
			data(&c, &m, "250 2.0.0 Ok: queued as C1A5000000\r\n");
			quit(&c);
			note_conn(&c, "node a delivery", t0);
			msg_free(&m);
		}
	}
	msg_free(&fail);

	for (int n = 0; n < 2; n++) {
		usec_t t0 = SEC(200 + 10 * n);
		snprintf(id, sizeof id, "in%d.5a5a@mta9.example.net", n + 1);
		msg_make(&m, "Gil Remote <gil@example.net>", "Alice Example <alice@example.com>",
			 "To the cluster", id, 2000, 0);
		conn_init(&c, cap, "203.0.113.9", (uint16_t)(52000 + n), node[n], 25, t0);
		as_gateway(&c, SRV);
		receive(&c, CLUSTER_NAME, "mta9.example.net", "gil@example.net", "alice@example.com",
			&m, "250 2.0.0 Ok: queued as C1A5000009\r\n");
		note_conn(&c, n ? "inbound to node b" : "inbound to node a", t0);
		msg_free(&m);
	}
}

/* gw-early-failures.pcap: the capture opens with a retry loop: three
 * attempts to the internal mail store 192.0.2.3 (an address below the
 * gateway's), each reset by the server in the middle of the body.  Only
 * later does the rest of the traffic show who the gateway is; a decision
 * taken at the first session's end on addresses alone (a 1:1 tie) would name
 * 192.0.2.3 the gateway and pin the first alert on 192.0.2.10. */
void s_gw_early_failures(struct cap *cap)
{
	struct conn c;
	struct msg m;

	msg_make(&m, "Erin Remote <erin@example.org>", "Alice Example <alice@example.com>",
		 "Into the mail store", "e1.9d0c@mta5.example.org", 20000, 0);
	note_msg("failing message (all attempts)", &m);
	for (int k = 0; k < 3; k++) {
		usec_t t0 = SEC(30 * k);
		conn_out(&c, cap, "192.0.2.3", t0);
		attempt_rst(&c, "store.example.com", GW_HOST, "erin@example.org", "alice@example.com",
			    &m, 5 + (size_t)k);
		note_conn(&c, "attempt to the mail store", t0);
	}
	msg_free(&m);

	msg_make(&m, "Erin Remote <erin@example.org>", "Frank Example <frank@example.com>",
		 "Later and fine", "e2.1a2b@mta5.example.org", 2500, 0);
	conn_in(&c, cap, "203.0.113.5", 51400, 25, SEC(100));
	receive(&c, GW_HOST, "mta5.example.org", "erin@example.org", "frank@example.com", &m,
		"250 2.0.0 Ok: queued as E0A1000005\r\n");
	note_conn(&c, "inbound", SEC(100));
	msg_free(&m);

	healthy(cap, SEC(110), "bob@example.com", "Bob Example <bob@example.com>",
		"dan@example.net", "Dan Example <dan@example.net>", "Lunch?",
		"20261120030150.e3@gw.example.com", 3000, "250 2.0.0 Ok: queued as E0A1000006\r\n");
}
