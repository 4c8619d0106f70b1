/* host_table.h — the host model's tables keyed by (address, role): remote
 * hosts per role, and recipient domains hashed into an address. */
#ifndef SMTPSCOPE_HOST_TABLE_H
#define SMTPSCOPE_HOST_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/addr.h"

struct host_entry;

struct hslot {
	struct ip_addr addr;
	uint8_t role;
	bool used;
	struct host_entry *e;     /* the entry (owned) */
};

struct htab {
	struct hslot *slot;
	size_t cap, n;            /* cap is a power of two, at most half full */
};

/* The used slot of (a, role), or NULL. */
struct hslot *htab_lookup(const struct htab *t, const struct ip_addr *a, uint8_t role);
/* The slot for (a, role), added if absent; NULL when `limit` slots are in use. */
struct hslot *htab_get(struct htab *t, const struct ip_addr *a, uint8_t role, size_t limit);
/* Frees the slots (not the entries they point to). */
void htab_free(struct htab *t);

#endif
