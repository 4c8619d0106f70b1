/* distinct_count.h — how many different keys were seen, in fixed memory:
 * "hosts dropped" counts hosts, not the events that could not be recorded
 * for them (linear counting, Whang et al., ACM TODS 15(2), 1990). */
#ifndef SMTPSCOPE_DISTINCT_COUNT_H
#define SMTPSCOPE_DISTINCT_COUNT_H

#include <stddef.h>
#include <stdint.h>

/* 2^17 bits (16 KiB): exact but for hash collisions up to a few hundred
 * keys, within about 1% to a few hundred thousand. */
#define DC_BITS (1u << 17)

struct distinct_count {
	uint64_t bits[DC_BITS / 64];
	uint32_t set;      /* bits set so far */
};

/* Notes one key (any bytes; tag separates kinds of key). */
void dc_add(struct distinct_count *dc, const void *key, size_t len, uint8_t tag);
/* Keys seen: the exact number of bits set while few are set, then the
 * linear-counting estimate m*ln(m/zeros). */
uint64_t dc_count(const struct distinct_count *dc);

#endif
