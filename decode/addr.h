/* addr.h — IPv4/IPv6 address value type shared by every layer. */
#ifndef SMTPSCOPE_ADDR_H
#define SMTPSCOPE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so that one
 * 16-byte compare/hash serves both families. */
struct ip_addr {
	uint8_t b[16];
};

/* Longest text form: a full IPv6 address plus NUL. */
#define ADDR_STRLEN 46

void addr_from_v4(struct ip_addr *a, const uint8_t v4[4]);
void addr_from_v6(struct ip_addr *a, const uint8_t v6[16]);
bool addr_is_v4(const struct ip_addr *a);
int addr_cmp(const struct ip_addr *a, const struct ip_addr *b);
bool addr_eq(const struct ip_addr *a, const struct ip_addr *b);
/* Writes the conventional text form (dotted quad or RFC 5952 IPv6). */
void addr_format(const struct ip_addr *a, char out[ADDR_STRLEN]);
/* Parses "a.b.c.d" or an IPv6 literal; false if neither. */
bool addr_parse(const char *s, struct ip_addr *a);

/* An address block, for --gateway CIDR lists. */
struct ip_prefix {
	struct ip_addr addr;
	unsigned bits; /* prefix length in the 128-bit (mapped) space */
};

/* Parses "addr[/len]"; len is in the family's own terms (/24 for IPv4). */
bool prefix_parse(const char *s, struct ip_prefix *p);
bool prefix_contains(const struct ip_prefix *p, const struct ip_addr *a);

#endif
