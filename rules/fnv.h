/* fnv.h — FNV-1a, 64-bit: the hash of the rules/ tables and identities. */
#ifndef SMTPSCOPE_FNV_H
#define SMTPSCOPE_FNV_H

#include <stddef.h>
#include <stdint.h>

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

#endif
