/* test_addr_format.c — addr_format's hand-written dotted quad (issue 13)
 * against values stated by hand and against inet_ntop for every byte value
 * in every position; IPv6 still goes through inet_ntop. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "decode/addr.h"

static void fmt4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, char *out)
{
	const uint8_t v[4] = { a, b, c, d };
	struct ip_addr ip;
	addr_from_v4(&ip, v);
	addr_format(&ip, out);
}

int main(void)
{
	char s[ADDR_STRLEN], ref[ADDR_STRLEN];

	fmt4(0, 0, 0, 0, s);
	CHECK_EQ_STR(s, "0.0.0.0");
	fmt4(255, 255, 255, 255, s);
	CHECK_EQ_STR(s, "255.255.255.255");
	fmt4(192, 0, 2, 10, s);
	CHECK_EQ_STR(s, "192.0.2.10");
	fmt4(10, 100, 9, 99, s);
	CHECK_EQ_STR(s, "10.100.9.99");

	int mismatches = 0;
	for (int pos = 0; pos < 4; pos++)
		for (int v = 0; v < 256; v++) {
			uint8_t q[4] = { 1, 22, 133, 4 };
			q[pos] = (uint8_t)v;
			fmt4(q[0], q[1], q[2], q[3], s);
			inet_ntop(AF_INET, q, ref, sizeof ref);
			mismatches += strcmp(s, ref) != 0;
		}
	CHECK_EQ_INT(mismatches, 0);

	struct ip_addr ip6;
	CHECK(addr_parse("2001:db8::1", &ip6));
	addr_format(&ip6, s);
	CHECK_EQ_STR(s, "2001:db8::1");
	/* a v4-mapped address is shown as IPv4 */
	CHECK(addr_parse("::ffff:198.51.100.7", &ip6));
	addr_format(&ip6, s);
	CHECK_EQ_STR(s, "198.51.100.7");

	CHECK_DONE();
}
