/* mem.c — allocation wrappers: one place where out-of-memory aborts. */
#include "config.h"

#include "decode/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mem_account mem_acct;

static void oom(size_t n)
{
	fprintf(stderr, "smtpscope: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t count, size_t n)
{
	void *p = calloc(count ? count : 1, n ? n : 1);
	if (!p)
		oom(count * n);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);
	memcpy(p, s, n);
	return p;
}
