/* scenarios_exits.c - samples for issue 14 (a mail team's operations):
 * retry-overdue.pcap, a host the gateway retried every minute and then
 * stopped retrying while the capture went on. */
#include "gen.h"

#define R451_DATA "451 4.3.0 Temporary failure, please try again later\r\n"

/* 198.51.100.30 (mx2.example.org) defers the same message after DATA at
 * 0, 60, 120 and 180 s: a steady 60 s retry, so the next try is due at
 * 240 s.  It never comes; deliveries to 198.51.100.7 go on until 510 s, so
 * at the end of the capture the retry is 4.5 minutes overdue. */
void s_retry_overdue(struct cap *cap)
{
	struct msg m;
	msg_make(&m, "Alice Example <alice@example.com>", "Quinn Example <quinn@example.org>",
		 "Quarterly figures", "20261120025800.q1@gw.example.com", 6000, 0);
	note_msg("deferred message (every attempt)", &m);
	for (int k = 0; k < 4; k++) {
		struct conn c;
		usec_t t0 = SEC(60 * k);
		conn_out(&c, cap, "198.51.100.30", t0);
		greet_out(&c, "mx2.example.org");
		mail(&c, "alice@example.com", &m, R250_MAIL);
		rcpt(&c, "quinn@example.org", R250_RCPT);
		data(&c, &m, R451_DATA);
		quit(&c);
		note_conn(&c, "attempt (451 after the dot)", t0);
	}
	msg_free(&m);

	static const struct {
		int t;
		const char *subject, *id, *queued;
	} ok[] = {
		{240, "Rota", "20261120030400.o1@gw.example.com", "250 2.0.0 Ok: queued as 7A1B2C3D4E\r\n"},
		{330, "Rota v2", "20261120030530.o2@gw.example.com", "250 2.0.0 Ok: queued as 7A1B2C3D4F\r\n"},
		{420, "Rota v3", "20261120030700.o3@gw.example.com", "250 2.0.0 Ok: queued as 7A1B2C3D50\r\n"},
		{510, "Rota final", "20261120030830.o4@gw.example.com", "250 2.0.0 Ok: queued as 7A1B2C3D51\r\n"},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		healthy(cap, SEC(ok[i].t), "bob@example.com", "Bob Example <bob@example.com>",
			"dan@example.net", "Dan Example <dan@example.net>", ok[i].subject, ok[i].id,
			3000, ok[i].queued);
}
