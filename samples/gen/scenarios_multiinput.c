/* scenarios_multiinput.c - one capture split over several files, for -r merged by time:
 * the packets of outage-rst-mid-data.pcap dealt out in runs over the files of a
 * ring, so every file spans the whole capture and plain concatenation would
 * put packets out of order; and a pair of files with different link types. */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

static int by_time(const void *a, const void *b)
{
	const struct pkt *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Runs the scenario of sample `name` into cap (with cap's link type) and
 * keeps, of its packets in time order, those of runs number k, k + nfiles,
 * k + 2 * nfiles, ... (runs of `run` packets). */
static void deal(struct cap *cap, const char *name, size_t run, size_t nfiles, size_t k)
{
	const struct sample *s = samples;
	while (s->name && strcmp(s->name, name))
		s++;
	if (!s->name)
		abort();
	s->fn(cap);
	qsort(cap->v, cap->n, sizeof *cap->v, by_time);
	size_t kept = 0;
	for (size_t i = 0; i < cap->n; i++) {
		if ((i / run) % nfiles == k)
			cap->v[kept++] = cap->v[i];
		else
			free(cap->v[i].data);
	}
	cap->n = kept;
	note("  dealt: runs of %zu packets, file %zu of %zu\n", run, k + 1, nfiles);
}

#define RING_SOURCE "outage-rst-mid-data.pcap"

void s_ring_0(struct cap *cap) { deal(cap, RING_SOURCE, 5, 3, 0); }
void s_ring_1(struct cap *cap) { deal(cap, RING_SOURCE, 5, 3, 1); }
void s_ring_2(struct cap *cap) { deal(cap, RING_SOURCE, 5, 3, 2); }
/* the same packets, alternately behind a Linux cooked header and Ethernet */
void s_mixed_sll(struct cap *cap) { deal(cap, RING_SOURCE, 4, 2, 0); }
void s_mixed_eth(struct cap *cap) { deal(cap, RING_SOURCE, 4, 2, 1); }
