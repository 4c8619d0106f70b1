/* path_memory.h — what earlier sessions showed of a network path (client
 * address -> server address): whether full-size TCP segments got through.
 *
 * A path-MTU black hole eats every full-size segment on its path, in every
 * session.  A path that has carried an acknowledged full-size segment (in
 * this session or an earlier one) is no black hole: a stall on it is a plain
 * drop.  Only paths with such an ACK are remembered.
 *
 * Bounded: PM_SLOTS paths (allocated at the first one, charged to
 * --memcap; not at all when --memcap has no room), 8 per bucket, the least
 * recently seen given up; both counted (pm_evicted).
 */
#ifndef SMTPSCOPE_PATH_MEMORY_H
#define SMTPSCOPE_PATH_MEMORY_H

#include <stdint.h>

#include "decode/smtp_session.h"

#define PM_SLOTS 8192

struct path_memory;

struct path_memory *pm_new(void);
void pm_free(struct path_memory *pm);

/* The session ends: adds its client's acknowledged full-size segments to
 * its path and returns the path's total so far (this session included). */
uint64_t pm_session_end(struct path_memory *pm, const struct smtp_session *s);

uint64_t pm_evicted(const struct path_memory *pm);

#endif
