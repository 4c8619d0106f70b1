/* scenarios_ops.c - samples for issue 14's operations leftovers:
 * retry-storm.pcap, a gateway retrying one message every 2.4 s, so that the
 * alerts it raises grow fast enough for the JSON lines' update limit
 * (ui/output/alert_updates.c: powers of two, at most one record per 30 s per
 * alert) to matter. */
#include "gen.h"

#define R451_STORM "451 4.4.1 Temporary failure, try again later\r\n"

/* 198.51.100.40 (mx.example.info) defers the same message after the dot, 50
 * times, an attempt every 2.4 s (0 .. 117.6 s).  The spacing keeps every
 * 30 s boundary of the limit 1.2 s away from an attempt: retry-loop and
 * deferral-pattern are raised at attempt 3 and their update records carry
 * the counts 4, 8, 16 (powers of two), 29 (67.2 s: 30 s after the record
 * of 16 at 36 s), 32, 45 (105.6 s: 30 s after 32 at 74.4 s), and the final
 * 50 at the end of the run. */
void s_retry_storm(struct cap *cap)
{
	struct msg m;
	msg_make(&m, "Alice Example <alice@example.com>", "Ruth Example <ruth@example.info>",
		 "Shipping notice", "20261120025900.s1@gw.example.com", 800, 0);
	note_msg("deferred message (every attempt)", &m);
	for (int k = 0; k < 50; k++) {
		struct conn c;
		usec_t t0 = MS(2400 * k);
		conn_out(&c, cap, "198.51.100.40", t0);
		greet_out(&c, "mx.example.info");
		mail(&c, "alice@example.com", &m, R250_MAIL);
		rcpt(&c, "ruth@example.info", R250_RCPT);
		data(&c, &m, R451_STORM);
		quit(&c);
		if (k == 0 || k == 49)
			note_conn(&c, k ? "last attempt (451 after the dot)" : "first attempt (451 after the dot)", t0);
	}
	msg_free(&m);
}
