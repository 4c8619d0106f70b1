/* id_map.h — a small open-addressing map from a 64-bit id to a 32-bit
 * value (linear probing, backward-shift deletion, doubling), charged to
 * mem_acct.  Used to remember how far each open session's transactions have
 * been read. */
#ifndef SMTPSCOPE_ID_MAP_H
#define SMTPSCOPE_ID_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct id_map {
	uint64_t *keys;   /* 0 = empty (ids are never 0) */
	uint32_t *vals;
	size_t cap, n;
};

void idm_init(struct id_map *m);
void idm_free(struct id_map *m);
/* The value of id, or 0 if absent. */
uint32_t idm_get(const struct id_map *m, uint64_t id);
void idm_put(struct id_map *m, uint64_t id, uint32_t v);
void idm_del(struct id_map *m, uint64_t id);

#endif
