/* digits.h — decimal numbers written in place, without printf: the JSON
 * writer, the CSV rows and the text report's host table format one or more
 * numbers per record, and printf's format parsing was most of their cost
 * (doc/performance.md, "JSON and text output"). */
#ifndef SMTPSCOPE_DIGITS_H
#define SMTPSCOPE_DIGITS_H

#include <stdint.h>
#include <string.h>

/* "00" "01" ... "99" */
extern const char digits_pairs[201];

/* Two digits of v < 100 at o. */
static inline void digits_2(char *o, unsigned v)
{
	memcpy(o, digits_pairs + 2 * v, 2);
}

/* Decimal digits in v. */
unsigned digits_len(uint64_t v);
/* v in decimal at o, as "%" PRIu64 (at most 20 bytes); returns the end. */
char *digits_u64(char *o, uint64_t v);
/* As "%" PRId64 (at most 21 bytes). */
char *digits_i64(char *o, int64_t v);

#endif
