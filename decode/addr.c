/* addr.c — IPv4/IPv6 address formatting, parsing and prefix matching. */
#include "config.h"

#include "decode/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool addr_is_v4(const struct ip_addr *a)
{
	return memcmp(a->b, v4_mapped_prefix, 12) == 0;
}

/* Dotted quad by hand, as inet_ntop writes it (no leading zeros): glibc's
 * inet_ntop formats IPv4 through sprintf, and an address is formatted for
 * every session record and host lookup.  IPv6 keeps inet_ntop (RFC 5952
 * zero compression is not worth repeating). */
static void format_v4(const uint8_t v4[4], char *out)
{
	char *p = out;
	for (int i = 0; i < 4; i++) {
		unsigned v = v4[i];
		if (i)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	*p = '\0';
}

void addr_format(const struct ip_addr *a, char out[ADDR_STRLEN])
{
	if (addr_is_v4(a))
		format_v4(a->b + 12, out);
	else
		inet_ntop(AF_INET6, a->b, out, ADDR_STRLEN);
}

bool addr_parse(const char *s, struct ip_addr *a)
{
	uint8_t buf[16];
	if (inet_pton(AF_INET, s, buf) == 1) {
		addr_from_v4(a, buf);
		return true;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		addr_from_v6(a, buf);
		return true;
	}
	return false;
}

bool prefix_parse(const char *s, struct ip_prefix *p)
{
	char host[ADDR_STRLEN];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	if (hlen == 0 || hlen >= sizeof host)
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (!addr_parse(host, &p->addr))
		return false;
	unsigned max = addr_is_v4(&p->addr) ? 32 : 128;
	unsigned len = max;
	if (slash) {
		char *end;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || v > max)
			return false;
		len = (unsigned)v;
	}
	p->bits = addr_is_v4(&p->addr) ? 96 + len : len;
	return true;
}

bool prefix_contains(const struct ip_prefix *p, const struct ip_addr *a)
{
	unsigned full = p->bits / 8, rest = p->bits % 8;
	if (memcmp(p->addr.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (p->addr.b[full] & mask) == (a->b[full] & mask);
}
