/* addr.h — IPv4/IPv6 address value type shared by every layer. */
#ifndef SMTPSCOPE_ADDR_H
#define SMTPSCOPE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so that one
 * 16-byte compare/hash serves both families. */
struct ip_addr {
	uint8_t b[16];
};

/* Longest text form: a full IPv6 address plus NUL. */
#define ADDR_STRLEN 46

/* Inline: the decoder builds, compares and hashes two addresses per packet. */
static inline void addr_from_v4(struct ip_addr *a, const uint8_t v4[4])
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	memcpy(a->b, v4_mapped, 12);
	memcpy(a->b + 12, v4, 4);
}

static inline void addr_from_v6(struct ip_addr *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

bool addr_is_v4(const struct ip_addr *a);

/* The 16 bytes as two big-endian words: comparing those orders addresses
 * exactly as memcmp does, in two steps instead of a library call. */
static inline uint64_t addr_word_be(const struct ip_addr *a, int i)
{
	uint64_t w;
	memcpy(&w, a->b + 8 * i, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* <0, 0, >0 as memcmp of the bytes. */
static inline int addr_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	for (int i = 0; i < 2; i++) {
		uint64_t x = addr_word_be(a, i), y = addr_word_be(b, i);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static inline bool addr_eq(const struct ip_addr *a, const struct ip_addr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}
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
