/* gw_names.h — the gateway inference's host names, each kept once.
 *
 * The inference records an EHLO and a banner name for every address it
 * sees (tens of thousands of remote hosts), but only the gateway's own
 * addresses ever show theirs (the stats record, the report).  Most remote
 * hosts repeat one name per address, and many addresses (a provider's
 * MXes, a cluster) share one, so each distinct name is stored once as
 * text in an arena and an address keeps a 32-bit reference to it.
 *
 * Bounded: the arena and its index grow by doubling, charged to mem.h, up
 * to a byte budget fixed at creation; a name that no longer fits is not
 * kept as text (the caller still has its hash for tying addresses), and is
 * counted in gwn_dropped.
 */
#ifndef SMTPSCOPE_GW_NAMES_H
#define SMTPSCOPE_GW_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GWN_NONE 0u   /* the reference of "no name kept" */

struct gw_names {
	char *text;           /* NUL-terminated names back to back; offset 0 unused */
	size_t len, cap;
	uint32_t *index;      /* open addressing over references, at most half full */
	size_t index_cap, count;
	size_t max_bytes;     /* text + index, at most */
	uint64_t dropped;     /* names not kept: the budget was reached */
};

void gwn_init(struct gw_names *s, size_t max_bytes);
void gwn_free(struct gw_names *s);
/* The reference of the n bytes at w (no NUL inside), stored on first use;
 * GWN_NONE when it would exceed the budget (counted). */
uint32_t gwn_intern(struct gw_names *s, const char *w, size_t n);
/* The text of a reference; "" for GWN_NONE. */
const char *gwn_text(const struct gw_names *s, uint32_t ref);
/* True if ref holds exactly the n bytes at w (no lookup, no hashing). */
bool gwn_equal(const struct gw_names *s, uint32_t ref, const char *w, size_t n);
/* Bytes held (what is charged). */
size_t gwn_bytes(const struct gw_names *s);

#endif
