/* digits.c — decimal numbers without printf (digits.h). */
#include "config.h"

#include "ui/output/digits.h"

/* Two digits per division by 100: half the divisions of one digit at a
 * time (and a division by a constant is a multiplication). */
const char digits_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* A few compares for the small counters most fields hold. */
unsigned digits_len(uint64_t v)
{
	unsigned n = 1;
	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

char *digits_u64(char *o, uint64_t v)
{
	char *end = o + digits_len(v), *p = end;
	while (v >= 100) {
		uint64_t q = v / 100;
		p -= 2;
		digits_2(p, (unsigned)(v - q * 100));
		v = q;
	}
	if (v >= 10)
		digits_2(p - 2, (unsigned)v);
	else
		p[-1] = (char)('0' + v);
	return end;
}

char *digits_i64(char *o, int64_t v)
{
	if (v < 0) {
		*o++ = '-';
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
		return digits_u64(o, 0 - (uint64_t)v);
	}
	return digits_u64(o, (uint64_t)v);
}
