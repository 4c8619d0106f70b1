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

/* True when charging n more bytes would exceed the cap. */
static inline bool mem_would_exceed(size_t n)
{
	return mem_acct.cap != 0 && mem_acct.used + n > mem_acct.cap;
}

#endif
