/* fnv.h — the hashes of the rules/ tables and identities: FNV-1a, 64-bit,
 * byte by byte; and a word-at-a-time hash for long strings (addresses,
 * Message-IDs), eight bytes per multiplication, with a variant that folds
 * ASCII letters to lower case as it goes.  Neither value leaves the
 * process: they key tables and compare identities, nothing is printed. */
#ifndef SMTPSCOPE_FNV_H
#define SMTPSCOPE_FNV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FNV64_OFFSET 14695981039346656037ULL
#define FNV64_PRIME 1099511628211ULL

static inline uint64_t fnv1a64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV64_PRIME;
	}
	return h;
}

#define WORDHASH_K1 0x9e3779b97f4a7c15ULL /* splitmix64's and xxHash's odd constants */
#define WORDHASH_K2 0xc2b2ae3d27d4eb4fULL
#define WORDHASH_ONES 0x0101010101010101ULL

static inline uint64_t wordhash_step(uint64_t h, uint64_t w)
{
	h = (h ^ w) * WORDHASH_K1;
	return h ^ (h >> 29);
}

/* Upper-case ASCII letters of the eight bytes to lower case, all at once:
 * a byte is a letter when, its top bit cleared, adding 0x3f sets the top
 * bit (>= 'A') and adding 0x25 does not (<= 'Z'); bytes >= 0x80 stay. */
static inline uint64_t wordhash_fold(uint64_t w)
{
	uint64_t x = w & (0x7f * WORDHASH_ONES);
	uint64_t ge_a = x + 0x3f * WORDHASH_ONES;
	uint64_t gt_z = x + 0x25 * WORDHASH_ONES;
	uint64_t upper = ge_a & ~gt_z & ~w & (0x80 * WORDHASH_ONES);
	return w | (upper >> 2);
}

/* n bytes at p (folded to lower case if fold) into h; the length goes in
 * too, so "ab" + "c" and "a" + "bc" differ. */
static inline uint64_t wordhash(uint64_t h, const void *p, size_t n, int fold)
{
	const uint8_t *b = p;
	size_t len = n;
	h = wordhash_step(h, (uint64_t)n * WORDHASH_K2);
	for (; n >= 8; b += 8, n -= 8) {
		uint64_t w;
		memcpy(&w, b, 8);
		h = wordhash_step(h, fold ? wordhash_fold(w) : w);
	}
	if (n) {
		/* the last 1-7 bytes: of a long input, the eight bytes that
		 * end it with those hashed already shifted out (a load of
		 * constant size, not a call to memcpy); a short one byte by
		 * byte */
		uint64_t w = 0;
		if (len >= 8) {
			memcpy(&w, b + n - 8, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			w <<= 8 * (8 - n);
#else
			w >>= 8 * (8 - n);
#endif
		} else {
			for (size_t i = 0; i < n; i++)
				w |= (uint64_t)b[i] << (8 * i);
		}
		h = wordhash_step(h, fold ? wordhash_fold(w) : w);
	}
	h *= WORDHASH_K2;
	return h ^ (h >> 32);
}

#endif
