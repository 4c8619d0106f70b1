/* scenarios_msgmem.c - the retry count of a recipient domain: a message the
 * gateway receives and relays out crosses the wire twice (in, then out) and
 * is one delivery, not a retry; a message deferred and sent again is. */
#include "gen.h"

#include <stdio.h>
#include <string.h>

#define CLIENT "203.0.113.20"     /* mta.example.org: hands mail to the gateway */
#define MX_NET "198.51.100.7"     /* mx1.example.net */
#define MX_EDU "198.51.100.30"    /* mx.example.edu */
#define MX_COM "198.51.100.70"    /* mx.example.com */

#define OUT_OK "250 2.0.0 Ok: queued as 5E6F7A8B9C\r\n"
#define OUT_DEFER "451 4.3.0 Temporary failure, please try again later\r\n"
#define IN_GREYLIST "451 4.7.1 Greylisted, please try again in 5 minutes\r\n"

/* Hands m in (reply `in_reply`) and carries the relayed copy out once to
 * each (ip, mx, recipients) leg with the reply `out_reply`. */
static void relay(struct cap *cap, usec_t t0, uint16_t port, const struct msg *m, const char *qid,
		  const char *const *to, const char *ip, const char *mx,
		  const char *const *to_leg, const char *out_reply)
{
	char queued[64];
	snprintf(queued, sizeof queued, "250 2.0.0 Ok: queued as %s\r\n", qid);
	hand_in(cap, t0, port, "erin@example.org", to, m, queued);
	struct msg out;
	msg_relayed(&out, m, qid);
	carry_out(cap, t0 + SEC(3), ip, mx, "erin@example.org", to_leg, &out, out_reply);
	msg_free(&out);
}

void s_relay_retry_count(struct cap *cap)
{
	static const char *const ruth[] = { "ruth@example.net", NULL };
	static const char *const sam_tina[] = { "sam@example.net", "tina@example.edu", NULL };
	static const char *const sam[] = { "sam@example.net", NULL };
	static const char *const tina[] = { "tina@example.edu", NULL };
	static const char *const uma[] = { "uma@example.com", NULL };
	static const char *const vera[] = { "vera@example.net", NULL };
	static const char *const wendy[] = { "wendy@example.com", NULL };
	struct msg m, out;

	/* R1: relayed to example.net, accepted: one delivery */
	msg_make(&m, "Erin Remote <erin@example.org>", "Ruth <ruth@example.net>", "Order 1",
		 "r1.order@mta.example.org", 1800, 0);
	note_msg("R1 (relayed, accepted)", &m);
	relay(cap, 0, 40501, &m, "A1B2C3", ruth, MX_NET, "mx1.example.net", ruth, OUT_OK);
	msg_free(&m);

	/* R2: two domains, each leg accepted at the first attempt */
	msg_make(&m, "Erin Remote <erin@example.org>", "Sam <sam@example.net>, Tina <tina@example.edu>",
		 "Order 2", "r2.order@mta.example.org", 2400, 0);
	note_msg("R2 (relayed to two domains)", &m);
	relay(cap, SEC(20), 40502, &m, "B2C3D4", sam_tina, MX_NET, "mx1.example.net", sam, OUT_OK);
	msg_relayed(&out, &m, "B2C3D4");
	carry_out(cap, SEC(26), MX_EDU, "mx.example.edu", "erin@example.org", tina, &out, OUT_OK);
	msg_free(&out);
	msg_free(&m);

	/* R3: relayed to example.com (its Message-ID and envelope tie the copies) */
	msg_make(&m, "Erin Remote <erin@example.org>", "Uma <uma@example.com>", "Order 3",
		 "r3.order@mta.example.org", 1200, 0);
	note_msg("R3 (relayed, accepted)", &m);
	relay(cap, SEC(40), 40503, &m, "C3D4E5", uma, MX_COM, "mx.example.com", uma, OUT_OK);
	msg_free(&m);

	/* R4: relayed to example.net, deferred, sent again 10 min later and
	 * accepted: the one real retry of example.net */
	msg_make(&m, "Erin Remote <erin@example.org>", "Vera <vera@example.net>", "Order 4",
		 "r4.order@mta.example.org", 2000, 0);
	note_msg("R4 (deferred once, then delivered)", &m);
	relay(cap, SEC(60), 40504, &m, "D4E5F6", vera, MX_NET, "mx1.example.net", vera, OUT_DEFER);
	msg_relayed(&out, &m, "D4E5F6");
	carry_out(cap, SEC(663), MX_NET, "mx1.example.net", "erin@example.org", vera, &out, OUT_OK);
	msg_free(&out);
	msg_free(&m);

	/* R5: the gateway greylists the client's first attempt; the client
	 * comes back 5 min later (an inbound retry of example.com), then the
	 * gateway relays it out (not a retry) */
	msg_make(&m, "Erin Remote <erin@example.org>", "Wendy <wendy@example.com>", "Order 5",
		 "r5.order@mta.example.org", 1500, 0);
	note_msg("R5 (greylisted in, retried by the client, relayed)", &m);
	hand_in(cap, SEC(90), 40505, "erin@example.org", wendy, &m, IN_GREYLIST);
	relay(cap, SEC(390), 40506, &m, "E5F6A7", wendy, MX_COM, "mx.example.com", wendy, OUT_OK);
	msg_free(&m);
}
