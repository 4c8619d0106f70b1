/* gateway.c — the gateway's addresses: --gateway blocks, or inferred from
 * cheap facts of every session (roles, names, TTL) as gateway.h describes. */
#include "config.h"

#include "rules/gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/mem.h"
#include "rules/fnv.h"
#include "rules/gw_names.h"
#include "rules/host_name.h"

#define DEFAULT_MAX_ADDRS 65536u
#define MAX_ADDRS_LIMIT (1u << 30)
#define EAGER_SESSIONS 64          /* decide after each of the first sessions */
#define DECIDE_EVERY_US 1000000LL  /* then at most once a second of capture time */
#define HOPS_UNKNOWN 255
#define GW_MAX_TIE 16              /* addresses one name may tie together */
#define NAME_BYTES_PER_ADDR 64     /* the name store's budget per tracked address */

enum { NAME_EHLO = 0, NAME_BANNER = 1 };

/* One address seen in a session: kept small (64 bytes), as there is one
 * for every remote host.  Its names are references into the name store
 * (gw_names.h); the hash stays here, so that an address whose name did not
 * fit in the store still ties by it. */
struct gw_addr {
	struct ip_addr addr;
	uint64_t as_client, as_server;
	uint64_t name_h[2];             /* hash of the EHLO / banner name, 0 none */
	uint32_t name[2];               /* the text (cut to GW_NAME_MAX - 1), GWN_NONE */
	uint8_t hops;                   /* fewest router hops seen, HOPS_UNKNOWN */
	bool used;
};

/* decide()'s scratch, one per slot, allocated for the decision only:
 * union-find over slot indices, and the group totals at its root. */
struct gw_group {
	uint32_t parent;
	uint32_t low;                   /* slot of the group's lowest address */
	uint64_t sessions, client, server;
	uint8_t hops;
};

struct name_ref {
	uint64_t h;
	uint32_t slot;
	uint8_t hops;
};

struct gateway {
	struct ip_prefix *given;        /* owned copy, NULL when inferring */
	size_t ngiven;
	bool *given_used;               /* [ngiven]: a session address fell inside */
	struct gw_addr *slot;           /* open addressing, at most half full */
	size_t cap, n, max;
	uint64_t dropped;
	uint64_t sessions, with_gateway;
	bool frozen, decided;
	bool deferred;                  /* gw_defer: observe only until gw_freeze */
	int64_t next_decide_ts;
	struct ip_addr members[GW_MAX_MEMBERS]; /* decided, sorted */
	size_t nmembers;
	uint64_t changes;
	struct gw_names names;          /* the EHLO and banner names, each once */
	struct gw_group *grp;           /* [cap] during decide() only */
	bool have_first_pass;           /* gw_note_first_pass was called */
	struct facts_stats first_pass;
};

struct gateway *gw_new(const struct ip_prefix *given, size_t ngiven, uint32_t max_addrs)
{
	struct gateway *g = xcalloc(1, sizeof *g);
	mem_charge(sizeof *g);
	g->max = max_addrs ? max_addrs : DEFAULT_MAX_ADDRS;
	if (g->max > MAX_ADDRS_LIMIT)
		g->max = MAX_ADDRS_LIMIT; /* slots are indexed by uint32_t */
	gwn_init(&g->names, (size_t)g->max * NAME_BYTES_PER_ADDR);
	if (given && ngiven) {
		g->ngiven = ngiven;
		g->given = xmalloc(ngiven * sizeof *g->given);
		memcpy(g->given, given, ngiven * sizeof *g->given);
		g->given_used = xcalloc(ngiven, sizeof *g->given_used);
		mem_charge(ngiven * (sizeof *g->given + sizeof *g->given_used));
	}
	return g;
}

void gw_free(struct gateway *g)
{
	if (!g)
		return;
	mem_release(g->ngiven * (sizeof *g->given + sizeof *g->given_used) +
		    g->cap * sizeof *g->slot + sizeof *g);
	gwn_free(&g->names);
	free(g->given);
	free(g->given_used);
	free(g->slot);
	free(g);
}

/* --- the address table --------------------------------------------------------- */

static size_t slot_index(const struct gw_addr *slot, size_t cap, const struct ip_addr *a)
{
	size_t i = (size_t)fnv1a64(FNV64_OFFSET, a->b, sizeof a->b) & (cap - 1);
	while (slot[i].used && !addr_eq(&slot[i].addr, a))
		i = (i + 1) & (cap - 1);
	return i;
}

static void grow(struct gateway *g)
{
	size_t cap = g->cap ? g->cap * 2 : 64;
	struct gw_addr *slot = xcalloc(cap, sizeof *slot);
	mem_charge(cap * sizeof *slot);
	for (size_t i = 0; i < g->cap; i++)
		if (g->slot[i].used)
			slot[slot_index(slot, cap, &g->slot[i].addr)] = g->slot[i];
	mem_release(g->cap * sizeof *g->slot);
	free(g->slot);
	g->slot = slot;
	g->cap = cap;
}

static struct gw_addr *find(const struct gateway *g, const struct ip_addr *a)
{
	if (!g->cap)
		return NULL;
	struct gw_addr *s = &g->slot[slot_index(g->slot, g->cap, a)];
	return s->used ? s : NULL;
}

static struct gw_addr *get(struct gateway *g, const struct ip_addr *a)
{
	struct gw_addr *s = find(g, a);
	if (s)
		return s;
	if (g->n >= g->max) {
		g->dropped++;
		return NULL;
	}
	if ((g->n + 1) * 2 > g->cap)
		grow(g);
	s = &g->slot[slot_index(g->slot, g->cap, a)];
	s->used = true;
	s->addr = *a;
	s->hops = HOPS_UNKNOWN;
	g->n++;
	return s;
}

/* --- decision -------------------------------------------------------------------- */

static bool in_given(const struct gateway *g, const struct ip_addr *a)
{
	for (size_t i = 0; i < g->ngiven; i++)
		if (prefix_contains(&g->given[i], a))
			return true;
	return false;
}

bool gw_is_gateway(const struct gateway *g, const struct ip_addr *a)
{
	if (g->given)
		return in_given(g, a);
	size_t lo = 0, hi = g->nmembers; /* members are sorted: binary search */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = addr_cmp(&g->members[mid], a);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static uint32_t root(struct gw_group *grp, uint32_t i)
{
	while (grp[i].parent != i) {
		grp[i].parent = grp[grp[i].parent].parent; /* path halving */
		i = grp[i].parent;
	}
	return i;
}

static int cmp_name_ref(const void *pa, const void *pb)
{
	const struct name_ref *a = pa, *b = pb;
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	if (a->hops != b->hops)
		return a->hops < b->hops ? -1 : 1;
	return (a->slot > b->slot) - (a->slot < b->slot);
}

/* Ties addresses that use the same host name (in either role) into one
 * group: sort (name, hops, slot) and join neighbours with the same name at
 * the same distance.  Names are not proof: a remote MTA may announce the
 * gateway's name or a generic one ("mail.example.com", every MX of a big
 * provider saying the same), so the addresses of one machine must also sit
 * as many hops from the capture point, and a name used by more than
 * GW_MAX_TIE addresses ties nothing. */
static void group_by_names(struct gateway *g)
{
	struct gw_group *grp = g->grp;
	for (size_t i = 0; i < g->cap; i++)
		grp[i].parent = (uint32_t)i;
	size_t refs_bytes = 2 * g->n * sizeof(struct name_ref);
	struct name_ref *refs = mem_alloc(refs_bytes);
	size_t nrefs = 0;
	for (size_t i = 0; i < g->cap; i++)
		for (int k = 0; k < 2 && g->slot[i].used; k++)
			if (g->slot[i].name_h[k])
				refs[nrefs++] = (struct name_ref){ g->slot[i].name_h[k], (uint32_t)i,
								   g->slot[i].hops };
	qsort(refs, nrefs, sizeof *refs, cmp_name_ref);
	for (size_t run = 0, end; run < nrefs; run = end) {
		for (end = run + 1; end < nrefs && refs[end].h == refs[run].h; end++)
			;
		if (end - run > GW_MAX_TIE)
			continue;
		for (size_t i = run + 1; i < end; i++) {
			if (refs[i].hops != refs[i - 1].hops)
				continue;
			uint32_t a = root(grp, refs[i - 1].slot), b = root(grp, refs[i].slot);
			if (a != b)
				grp[a < b ? b : a].parent = a < b ? a : b;
		}
	}
	mem_free(refs, refs_bytes);
}

static void sum_groups(struct gateway *g)
{
	struct gw_group *grp = g->grp;
	for (size_t i = 0; i < g->cap; i++) {
		grp[i].sessions = grp[i].client = grp[i].server = 0;
		grp[i].hops = HOPS_UNKNOWN;
		grp[i].low = (uint32_t)i;
	}
	for (size_t i = 0; i < g->cap; i++) {
		const struct gw_addr *s = &g->slot[i];
		if (!s->used)
			continue;
		struct gw_group *r = &grp[root(grp, (uint32_t)i)];
		r->sessions += s->as_client + s->as_server;
		r->client += s->as_client;
		r->server += s->as_server;
		if (s->hops < r->hops)
			r->hops = s->hops;
		if (addr_cmp(&s->addr, &g->slot[r->low].addr) < 0)
			r->low = (uint32_t)i;
	}
}

/* True if group root a makes the better gateway than group root b. */
static bool better(const struct gateway *g, const struct gw_group *a, const struct gw_group *b)
{
	if (a->sessions != b->sessions)
		return a->sessions > b->sessions;
	bool a_both = a->client && a->server, b_both = b->client && b->server;
	if (a_both != b_both)
		return a_both;
	if (a->hops != b->hops)
		return a->hops < b->hops;
	return addr_cmp(&g->slot[a->low].addr, &g->slot[b->low].addr) < 0;
}

static int cmp_addr(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

static void decide(struct gateway *g)
{
	if (g->given || g->n == 0)
		return;
	size_t grp_bytes = g->cap * sizeof *g->grp;
	g->grp = mem_alloc(grp_bytes);
	group_by_names(g);
	sum_groups(g);
	struct gw_group *grp = g->grp;
	uint32_t best = UINT32_MAX;
	for (uint32_t i = 0; i < g->cap; i++)
		if (g->slot[i].used && root(grp, i) == i &&
		    (best == UINT32_MAX || better(g, &grp[i], &grp[best])))
			best = i;
	struct ip_addr m[GW_MAX_MEMBERS];
	size_t n = 0;
	for (uint32_t i = 0; i < g->cap && n < GW_MAX_MEMBERS; i++)
		if (g->slot[i].used && root(grp, i) == best)
			m[n++] = g->slot[i].addr;
	qsort(m, n, sizeof *m, cmp_addr);
	bool same = n == g->nmembers && memcmp(m, g->members, n * sizeof *m) == 0;
	if (!same && g->decided)
		g->changes++;
	memcpy(g->members, m, n * sizeof *m);
	g->nmembers = n;
	g->decided = true;
	/* a session between two of its addresses (cluster nodes relaying to
	 * each other) was counted for both */
	g->with_gateway = grp[best].sessions < g->sessions ? grp[best].sessions : g->sessions;
	mem_free(g->grp, grp_bytes);
	g->grp = NULL;
}

/* Provisional mode: decide again now, or wait (see gateway.h). */
static void maybe_decide(struct gateway *g, int64_t ts)
{
	if (g->given || g->frozen || g->deferred)
		return;
	if (g->sessions > EAGER_SESSIONS && ts < g->next_decide_ts)
		return;
	g->next_decide_ts = ts + DECIDE_EVERY_US;
	decide(g);
}

void gw_defer(struct gateway *g)
{
	g->deferred = true;
}

void gw_freeze(struct gateway *g)
{
	decide(g);
	g->frozen = true;
	g->deferred = false;
}

void gw_thaw(struct gateway *g)
{
	g->frozen = false;
}

/* --- facts ------------------------------------------------------------------------ */

static void note_given(struct gateway *g, const struct ip_addr *a)
{
	for (size_t i = 0; i < g->ngiven; i++)
		if (prefix_contains(&g->given[i], a))
			g->given_used[i] = true;
}

/* A session's two addresses (both entry points). */
static void note_start(struct gateway *g, const struct ip_addr *client, const struct ip_addr *server)
{
	if (g->frozen)
		return;
	g->sessions++;
	note_given(g, client);
	note_given(g, server);
	if (g->given && (in_given(g, client) || in_given(g, server)))
		g->with_gateway++;
	struct gw_addr *c = get(g, client);
	if (c)
		c->as_client++;
	if (!addr_eq(client, server)) {
		struct gw_addr *v = get(g, server);
		if (v)
			v->as_server++;
	}
	/* no decision here: names and TTLs come with the end, and a tie decided
	 * on addresses alone would be revised at once */
}

void gw_session_start(struct gateway *g, const struct smtp_session *s)
{
	note_start(g, &s->client, &s->server);
}

void gw_facts_start(struct gateway *g, const struct smtp_facts *f)
{
	note_start(g, &f->client, &f->server);
}

/* A host name worth tying addresses by: a DNS name with a dot and a letter,
 * not an address literal and not "localhost..." that many unrelated
 * machines send. */
static uint64_t name_hash(const char *w, size_t n)
{
	if (!host_name_valid(w, n) || (n >= 9 && strncasecmp(w, "localhost", 9) == 0))
		return 0;
	uint64_t h = FNV64_OFFSET;
	for (size_t i = 0; i < n; i++) {
		char c = w[i];
		if (c >= 'A' && c <= 'Z') /* DNS names are case-insensitive */
			c = (char)(c - 'A' + 'a');
		h = fnv1a64(h, &c, 1);
	}
	return h ? h : 1;
}

static void set_name(struct gateway *g, struct gw_addr *e, int kind, const char *w, size_t n)
{
	/* the name it had already (an address's sessions repeat it): nothing
	 * would change.  Shorter than the cut, so the text is the whole name. */
	if (e->name_h[kind] && n < GW_NAME_MAX - 1 && gwn_equal(&g->names, e->name[kind], w, n))
		return;
	uint64_t h = name_hash(w, n);
	if (!h)
		return;
	if (h == e->name_h[kind] && e->name[kind] == GWN_NONE)
		return; /* the store was full for it already: counted once */
	e->name_h[kind] = h;
	if (n >= GW_NAME_MAX)
		n = GW_NAME_MAX - 1; /* names here are ASCII: no UTF-8 cut */
	e->name[kind] = gwn_intern(&g->names, w, n);
}

/* Hops from the capture point: the initial TTL is one of 32, 64, 128, 255
 * on every common system.  A session's smallest TTL per side is used: a
 * reset forged on the path (middlebox.pcap) often carries a fresh TTL and
 * must not make a remote host look next door; 0 (no packet) is unknown. */
static uint8_t hops_of(uint8_t ttl)
{
	if (ttl == 0)
		return HOPS_UNKNOWN;
	static const unsigned initial[] = { 32, 64, 128, 255 };
	for (size_t i = 0; i < sizeof initial / sizeof *initial; i++)
		if (ttl <= initial[i])
			return (uint8_t)(initial[i] - ttl);
	return HOPS_UNKNOWN;
}

/* A session's names (`helo` NULL when none was sent; `banner` already the
 * host name hm_banner_name takes, "" if none) and smallest TTLs. */
static void note_end(struct gateway *g, const struct ip_addr *client, const struct ip_addr *server,
		     const char *helo, const char *banner, const uint8_t ttl_min[2], int64_t end_ts)
{
	if (g->frozen)
		return;
	struct gw_addr *c = find(g, client), *v = find(g, server);
	if (c && helo)
		set_name(g, c, NAME_EHLO, helo, strcspn(helo, " \t\r\n"));
	if (v)
		set_name(g, v, NAME_BANNER, banner, strlen(banner));
	uint8_t hc = hops_of(ttl_min[SIDE_CLIENT]), hs = hops_of(ttl_min[SIDE_SERVER]);
	if (c && hc < c->hops)
		c->hops = hc;
	if (v && hs < v->hops)
		v->hops = hs;
	maybe_decide(g, end_ts);
}

void gw_session_end(struct gateway *g, const struct smtp_session *s)
{
	if (g->frozen)
		return;
	char banner[GW_NAME_MAX + 1];
	hm_banner_name(s, banner, sizeof banner);
	note_end(g, &s->client, &s->server, s->helo, banner, s->ttl_min, s->end_ts);
}

void gw_facts_end(struct gateway *g, const struct smtp_facts *f)
{
	if (g->frozen)
		return;
	/* hm_banner_name's last step, on the word the scanner took */
	char banner[GW_NAME_MAX + 1] = "";
	if (f->has_banner && host_name_valid(f->banner, f->banner_len))
		host_name_copy(banner, sizeof banner, f->banner, f->banner_len);
	note_end(g, &f->client, &f->server, f->helo, banner, f->ttl_min, f->end_ts);
}

/* --- reading ---------------------------------------------------------------------- */

bool gw_given(const struct gateway *g)
{
	return g->given != NULL;
}

uint64_t gw_changes(const struct gateway *g)
{
	return g->changes;
}

static void fill_member(const struct gateway *g, struct gw_member *m, const struct gw_addr *s)
{
	m->addr = s->addr;
	m->as_client = s->as_client;
	m->as_server = s->as_server;
	m->ehlo = gwn_text(&g->names, s->name[NAME_EHLO]);
	m->banner = gwn_text(&g->names, s->name[NAME_BANNER]);
	m->hops = s->hops;
}

size_t gw_members(const struct gateway *g, struct gw_member *out, size_t max)
{
	size_t n = 0;
	if (!g->given) {
		for (size_t i = 0; i < g->nmembers && n < max; i++) {
			const struct gw_addr *s = find(g, &g->members[i]);
			if (s)
				fill_member(g, &out[n++], s);
		}
		return n;
	}
	for (size_t i = 0; i < g->cap && n < max; i++)
		if (g->slot[i].used && in_given(g, &g->slot[i].addr))
			fill_member(g, &out[n++], &g->slot[i]);
	for (size_t i = 1; i < n; i++) /* few: insertion sort, lowest first */
		for (size_t k = i; k > 0 && addr_cmp(&out[k].addr, &out[k - 1].addr) < 0; k--) {
			struct gw_member t = out[k];
			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	return n;
}

uint64_t gw_sessions(const struct gateway *g)
{
	return g->sessions;
}

uint64_t gw_sessions_with_gateway(const struct gateway *g)
{
	return g->with_gateway;
}

size_t gw_unmatched(const struct gateway *g, const struct ip_prefix **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < g->ngiven && n < max; i++)
		if (!g->given_used[i])
			out[n++] = &g->given[i];
	return n;
}

size_t gw_addr_cost(void)
{
	/* its slot at half load and its share of the name store */
	return 2 * sizeof(struct gw_addr) + NAME_BYTES_PER_ADDR;
}

uint64_t gw_addrs_dropped(const struct gateway *g)
{
	return g->dropped;
}

uint64_t gw_names_dropped(const struct gateway *g)
{
	return g->names.dropped;
}

void gw_note_first_pass(struct gateway *g, const struct facts_stats *st)
{
	g->first_pass = *st;
	g->have_first_pass = true;
}

const struct facts_stats *gw_first_pass(const struct gateway *g)
{
	return g->have_first_pass ? &g->first_pass : NULL;
}

void gw_prefix_format(const struct ip_prefix *p, char *out, size_t outsz)
{
	char a[ADDR_STRLEN];
	addr_format(&p->addr, a);
	bool v4 = addr_is_v4(&p->addr);
	unsigned bits = v4 ? p->bits - 96 : p->bits;
	if (p->bits == 128)
		snprintf(out, outsz, "%s", a);
	else
		snprintf(out, outsz, "%s/%u", a, bits);
}
