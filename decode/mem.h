/* mem.h — allocation wrappers (abort on failure) and memory accounting.
 *
 * Everything that grows with the input (flows, held segments, sessions,
 * transcripts, host tables) is charged here so that --memcap can be enforced
 * by evicting old state, and so the stats record can say how much is in use.
 * Decoding is single-threaded; the counters are plain integers.
 */
#ifndef SMTPSCOPE_MEM_H
#define SMTPSCOPE_MEM_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct mem_account {
	size_t used;  /* bytes currently charged */
	size_t peak;  /* high-water mark of used */
	size_t cap;   /* --memcap in bytes; 0 = unlimited */
};

extern struct mem_account mem_acct;

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

static inline void mem_charge(size_t n)
{
	mem_acct.used += n;
	if (mem_acct.used > mem_acct.peak)
		mem_acct.peak = mem_acct.used;
}

/* Releasing more than was charged is a bug in the accounting (a double
 * release, or a release without its charge): a debug build stops there. */
static inline void mem_release(size_t n)
{
	assert(n <= mem_acct.used && "memory accounting underflow");
	mem_acct.used -= n;
}

/* Charged allocations.  An object that is malloc'ed and freed whole is
 * charged by the call that allocates it and released by the call that frees
 * it, with the size the owner keeps, so a charge without its release (or a
 * release without its charge) cannot be written by hand.  Objects reused from
 * a pool or a slab are charged by their own acquire/release pair instead
 * (flow_alloc/flow_release, lines hold/retire, header_begin/header_state_free). */
static inline void *mem_alloc(size_t n)
{
	void *p = xmalloc(n);
	mem_charge(n);
	return p;
}

static inline void *mem_zalloc(size_t n)
{
	void *p = xcalloc(1, n);
	mem_charge(n);
	return p;
}

static inline void mem_free(void *p, size_t n)
{
	if (!p)
		return;
	mem_release(n);
	free(p);
}

/* True when charging n more bytes would exceed the cap. */
static inline bool mem_would_exceed(size_t n)
{
	return mem_acct.cap != 0 && mem_acct.used + n > mem_acct.cap;
}

#endif
