/* host_model.c — per-remote-host queue health built from finished sessions:
 * counters, message retries and pending messages, status and the last error. */
#include "config.h"

#include "rules/host_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/distinct_count.h"
#include "rules/gateway.h"
#include "rules/host_messages.h"
#include "rules/host_status.h"
#include "rules/host_table.h"
#include "rules/rule_event.h"
#include "rules/session_verdict.h"

#define DEFAULT_WINDOW_US (3600LL * 1000000)
#define DEFAULT_MAX_HOSTS 65536u

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* --- per-host private part (host_entry.priv) ---------------------------------- */

struct host_priv {
	struct msg_memory msgs;    /* messages attempted: retries and pending */
	struct host_health health; /* what the status is computed from */
	uint64_t last_session;     /* domain entries: the last session counted */
};

struct host_model {
	struct gateway *gw;       /* given or inferred (owned) */
	int64_t window_us;
	uint32_t max_hosts;
	struct htab hosts;        /* role ROLE_SERVER / ROLE_CLIENT -> entry */
	struct htab domains;      /* recipient domain (hashed into the address) -> entry */
	const struct host_entry **dsorted;
	size_t dsorted_cap;
	struct distinct_count dropped; /* hosts and domains the tables had no room for */
	const struct host_entry **sorted;
	size_t sorted_cap;
	void (*on_status)(void *ctx, const struct host_entry *e, enum host_status old);
	void *status_ctx;
	const struct geo_db *geo;
	/* the entries of hosts and domains by their last change, for a
	 * reader that copies only what changed (host_changes.h) */
	struct host_changes host_changes, dom_changes;
};


/* --- model lifecycle --------------------------------------------------------- */

struct host_model *hm_new(const struct host_model_config *cfg)
{
	struct host_model *hm = xcalloc(1, sizeof *hm);
	mem_charge(sizeof *hm);
	hm->window_us = cfg && cfg->window_us > 0 ? cfg->window_us : DEFAULT_WINDOW_US;
	hm->max_hosts = cfg && cfg->max_hosts ? cfg->max_hosts : DEFAULT_MAX_HOSTS;
	if (cfg) {
		hm->geo = cfg->geo;
		hm->on_status = cfg->on_status;
		hm->status_ctx = cfg->status_ctx;
	}
	hm->gw = gw_new(cfg ? cfg->gateway : NULL, cfg ? cfg->ngateway : 0, hm->max_hosts);
	hc_init(&hm->host_changes, 0);
	hc_init(&hm->dom_changes, 0);
	return hm;
}

static void entry_free(struct host_entry *e)
{
	struct host_priv *p = e->priv;
	msgs_free(&p->msgs);
	mem_release(sizeof *p + sizeof *e);
	free(e); /* p lives in the same block (entry_new) */
}

void hm_free(struct host_model *hm)
{
	if (!hm)
		return;
	for (size_t i = 0; i < hm->hosts.cap; i++)
		if (hm->hosts.slot[i].used)
			entry_free(hm->hosts.slot[i].e);
	for (size_t i = 0; i < hm->domains.cap; i++)
		if (hm->domains.slot[i].used)
			entry_free(hm->domains.slot[i].e);
	htab_free(&hm->domains);
	htab_free(&hm->hosts);
	hc_free(&hm->host_changes);
	hc_free(&hm->dom_changes);
	gw_free(hm->gw);
	mem_release(hm->sorted_cap * sizeof *hm->sorted + sizeof *hm);
	free(hm->sorted);
	mem_release(hm->dsorted_cap * sizeof *hm->dsorted);
	free(hm->dsorted);
	free(hm);
}

/* --- gateway (rules/gateway.c decides) ------------------------------------------ */

struct gateway *hm_gateway(const struct host_model *hm)
{
	return hm->gw;
}

bool hm_is_gateway(const struct host_model *hm, const struct ip_addr *a)
{
	return gw_is_gateway(hm->gw, a);
}

/* --- entries ----------------------------------------------------------------- */

/* The entry and its private part in one block: one allocation per new
 * host, not two; charged as before (the two sizes). */
struct entry_block {
	struct host_entry e;
	struct host_priv p;
};

static struct host_entry *entry_new(const struct ip_addr *a, enum host_role role)
{
	struct entry_block *b = xcalloc(1, sizeof *b);
	struct host_entry *e = &b->e;
	struct host_priv *p = &b->p;
	mem_charge(sizeof *e + sizeof *p);
	e->addr = *a;
	e->role = role;
	e->status = HS_READY;
	e->priv = p;
	return e;
}

static struct host_entry *entry_get(struct host_model *hm, const struct ip_addr *a,
				    enum host_role role)
{
	if (gw_given(hm->gw) && gw_is_gateway(hm->gw, a))
		return NULL; /* an inferred gateway's entries are kept: the decision may change */
	struct hslot *s = htab_get(&hm->hosts, a, (uint8_t)role, hm->max_hosts);
	if (!s) {
		dc_add(&hm->dropped, a->b, sizeof a->b, (uint8_t)role);
		return NULL;
	}
	if (!s->e) {
		s->e = entry_new(a, role);
		hc_add(&hm->host_changes, s->e);
		if (hm->geo)
			geo_lookup(hm->geo, a, &s->e->geo);
	}
	return s->e;
}

static void refresh_status(const struct host_model *hm, struct host_entry *e)
{
	struct host_priv *p = e->priv;
	hs_refresh(e, &p->health, p->msgs.key_interval, hm->window_us);
}

static void notify(struct host_model *hm, const struct host_entry *e, enum host_status old)
{
	if (hm->on_status && e->status != old)
		hm->on_status(hm->status_ctx, e, old);
}

void hm_session_start(struct host_model *hm, const struct smtp_session *s)
{
	gw_session_start(hm->gw, s);
	struct host_entry *e[2] = { entry_get(hm, &s->server, ROLE_SERVER),
				    entry_get(hm, &s->client, ROLE_CLIENT) };
	for (int i = 0; i < 2; i++) {
		if (!e[i])
			continue;
		if (!e[i]->first_seen || s->start_ts < e[i]->first_seen)
			e[i]->first_seen = s->start_ts;
		enum host_status old = e[i]->status;
		if (++e[i]->open_sessions > e[i]->max_open_sessions)
			e[i]->max_open_sessions = e[i]->open_sessions;
		refresh_status(hm, e[i]);
		hc_touch(&hm->host_changes, e[i]);
		notify(hm, e[i], old);
	}
}

/* --- names ------------------------------------------------------------------- */

static void set_name(struct host_entry *e, const struct smtp_session *s)
{
	char name[HOST_NAME_MAX_LEN];
	if (e->role == ROLE_SERVER) {
		hm_banner_name(s, name, sizeof name);
	} else {
		const char *h = s->helo ? s->helo : "";
		host_name_copy(name, sizeof name, h, strcspn(h, " \t\r\n"));
	}
	if (name[0])
		memcpy(e->name, name, sizeof name);
}

void hm_describe_failure(const struct smtp_session *s, char *out, size_t outsz)
{
	session_describe(s, out, outsz);
}

const struct host_entry *hm_find(const struct host_model *hm, const struct ip_addr *a,
			       enum host_role role)
{
	struct hslot *slot = htab_lookup(&hm->hosts, a, (uint8_t)role);
	return slot ? slot->e : NULL;
}

size_t hm_entry_cost(void)
{
	/* the entry, its private part, a first block of message keys, and the
	 * slots of the two tables (hosts, domains) at half load, and the
	 * gateway inference's record of the address */
	return sizeof(struct host_entry) + sizeof(struct host_priv) + msgs_first_block_cost() +
	       2 * 2 * sizeof(struct hslot) + gw_addr_cost();
}

bool hm_message_history(struct host_model *hm, const struct smtp_session *s,
			const struct smtp_txn *t, struct msg_history *out)
{
	memset(out, 0, sizeof *out);
	struct hslot *slot = htab_lookup(&hm->hosts, &s->server, ROLE_SERVER);
	if (!slot || !slot->e)
		return false;
	const struct host_priv *p = slot->e->priv;
	struct msg_key id;
	msgs_ident(t, &id);
	const struct msg_key *k = msgs_find(&p->msgs, &id);
	if (!k)
		return false;
	out->known = true;
	out->attempts = k->attempts;
	out->failures = k->failures;
	out->first_attempt_ts = k->first_ts;
	out->last_attempt_ts = k->last_ts;
	out->first_deferral_code = k->first_deferral_code;
	memcpy(out->first_deferral_enhanced, k->first_deferral_enhanced, sizeof out->first_deferral_enhanced);
	out->first_deferral_ts = k->first_deferral_ts;
	return true;
}

/* Message identities of the first transactions, computed once per session
 * end for the server, the client and every recipient domain alike. */
#define IDENT_CACHE 16

struct session_view {
	enum verdict verdict;
	bool rejected;            /* a 5xx decided a V_FAILURE */
	int64_t error_ts;
	enum msg_way way;         /* in or out through the gateway (session_way) */
	char error[HOST_ERROR_MAX];
	size_t nids;
	struct msg_key ids[IDENT_CACHE]; /* of the first nids transactions, in order */
};

/* The identity of the i-th transaction t of the session: from the cache,
 * or (a session with more transactions than it holds) computed into *tmp. */
static const struct msg_key *ident_at(const struct session_view *v, size_t i,
				      const struct smtp_txn *t, struct msg_key *tmp)
{
	if (i < v->nids)
		return &v->ids[i];
	msgs_ident(t, tmp);
	return tmp;
}

/* --- recipient domains ("next hop" of a mail queue) ---------------------------- */

/* Domains share the host tables' machinery: the key is the domain's hash
 * spread over the 16 address bytes, the name holds the domain itself. */
static void domain_key(const char *d, size_t n, struct ip_addr *a)
{
	uint64_t h1 = FNV_OFFSET, h2 = FNV_OFFSET ^ 0x5bd1e995;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h1 = (h1 ^ c) * FNV_PRIME;
		h2 = (h2 ^ c) * FNV_PRIME;
	}
	memcpy(a->b, &h1, 8);
	memcpy(a->b + 8, &h2, 8);
}

static struct host_entry *domain_entry(struct host_model *hm, const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');
	const char *d = at ? at + 1 : "";
	size_t n = strlen(d);
	if (n == 0)
		return NULL;
	struct ip_addr key;
	domain_key(d, n, &key);
	struct hslot *s = htab_get(&hm->domains, &key, ROLE_SERVER, hm->max_hosts);
	if (!s) {
		dc_add(&hm->dropped, key.b, sizeof key.b, 0xd0); /* a tag of its own: domains */
		return NULL;
	}
	if (!s->e) {
		s->e = entry_new(&key, ROLE_SERVER);
		size_t m = n < HOST_NAME_MAX_LEN - 1 ? n : HOST_NAME_MAX_LEN - 1;
		for (size_t i = 0; i < m; i++)
			s->e->name[i] = (char)((d[i] >= 'A' && d[i] <= 'Z') ? d[i] - 'A' + 'a' : d[i]);
		s->e->name[m] = '\0';
		hc_add(&hm->dom_changes, s->e);
	}
	return s->e;
}

/* limited: txn_recipient_limited said so (a recipient limit, no failure). */
static enum verdict txn_verdict(const struct smtp_session *s, const struct smtp_txn *t,
			       bool limited)
{
	if (limited)
		return V_NEUTRAL;
	switch (t->outcome) {
	case OUT_ACCEPTED: return V_SUCCESS;
	case OUT_DEFERRED:
	case OUT_REJECTED: return V_FAILURE;
	default: return session_cut_short(s) ? V_NEUTRAL : V_FAILURE;
	}
}

/* In or out through the gateway: a recipient domain sees a relayed
 * message twice, and only the same way again is a retry. */
static enum msg_way session_way(const struct host_model *hm, const struct smtp_session *s)
{
	bool gw_client = gw_is_gateway(hm->gw, &s->client);
	bool gw_server = gw_is_gateway(hm->gw, &s->server);
	if (gw_client == gw_server)
		return WAY_ANY;
	return gw_client ? WAY_OUT : WAY_IN;
}

/* One transaction as seen by one recipient domain. */
static void domain_txn(struct host_model *hm, struct host_entry *e, const struct smtp_session *s,
		       const struct smtp_txn *t, const struct msg_key *id, bool limited,
		       const struct session_view *v)
{
	struct host_priv *p = e->priv;
	if (p->last_session != s->id) {
		p->last_session = s->id;
		e->sessions++;
		spark_note(&e->spark, s->end_ts, v->verdict == V_FAILURE);
		if (s->end_reason == END_RST)
			e->resets++;
		if (s->end_reason == END_TIMEOUT)
			e->timeouts++;
	}
	if (!e->first_seen || t->start_ts < e->first_seen)
		e->first_seen = t->start_ts;
	if (t->start_ts > e->last_attempt)
		e->last_attempt = t->start_ts;
	e->messages++;
	switch (t->outcome) {
	case OUT_ACCEPTED: e->accepted++; break;
	case OUT_DEFERRED: e->deferred++; break;
	case OUT_REJECTED: e->rejected++; break;
	default: e->aborted++; break;
	}
	enum verdict vd = txn_verdict(s, t, limited);
	/* cut off by the capture: the attempt's fate is unknown */
	if (!(t->outcome == OUT_ABORTED && session_cut_short(s)))
		msgs_note(&p->msgs, e, t, id, v->way);
	hs_note_attempt(e, &p->health, vd, t->outcome == OUT_REJECTED, t->start_ts);
	if (vd == V_FAILURE) {
		char err[8 + SMTP_REPLY_TEXT_MAX]; /* hs_set_error cuts it to fit */
		if (t->has_reply && t->outcome != OUT_ABORTED)
			snprintf(err, sizeof err, "%u %s", t->reply.code, t->reply.text);
		else
			snprintf(err, sizeof err, "%s", v->error);
		hs_set_error(e, &p->health, err, t->end_ts, s->id);
	}
	refresh_status(hm, e);
	hc_touch(&hm->dom_changes, e);
}

static void count_domains(struct host_model *hm, const struct smtp_session *s,
			  const struct session_view *v)
{
	bool accepted = false; /* some recipient of an earlier transaction was accepted */
	size_t i = 0;
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next, i++) {
		bool limited = txn_recipient_limited(t, accepted);
		accepted = accepted || txn_rcpt_accepted(t);
		if (txn_abandoned(s, t))
			continue;
		struct msg_key tmp;
		const struct msg_key *id = NULL; /* computed at the first domain */
		/* each domain once per transaction; a few distinct ones are enough */
		const char *seen[8];
		size_t nseen = 0;
		for (const struct smtp_rcpt *r = t->rcpts.head; r && nseen < 8; r = r->next) {
			struct host_entry *e = domain_entry(hm, r->addr);
			if (!e)
				continue;
			bool dup = false;
			for (size_t k = 0; k < nseen; k++)
				dup = dup || seen[k] == (const char *)e;
			if (dup)
				continue;
			seen[nseen++] = (const char *)e;
			if (!id)
				id = ident_at(v, i, t, &tmp);
			domain_txn(hm, e, s, t, id, limited, v);
		}
	}
}

/* --- session end --------------------------------------------------------------- */


static void count_session(struct host_entry *e, const struct smtp_session *s,
			  const struct session_view *v)
{
	struct host_priv *p = e->priv;
	e->sessions++;
	e->bytes += s->tcp[SIDE_CLIENT].payload_bytes + s->tcp[SIDE_SERVER].payload_bytes;
	if (s->end_reason == END_RST)
		e->resets++;
	if (s->end_reason == END_TIMEOUT)
		e->timeouts++;
	size_t i = 0;
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next, i++) {
		e->messages++;
		switch (t->outcome) {
		case OUT_ACCEPTED: e->accepted++; break;
		case OUT_DEFERRED: e->deferred++; break;
		case OUT_REJECTED: e->rejected++; break;
		default: e->aborted++; break;
		}
		/* cut off by the capture: the attempt's fate is unknown */
		bool unknown = t->outcome == OUT_ABORTED && session_cut_short(s);
		if (!txn_abandoned(s, t) && !unknown) {
			struct msg_key tmp;
			/* one host, one role: one way */
			msgs_note(&p->msgs, e, t, ident_at(v, i, t, &tmp), WAY_ANY);
		}
	}
}

static void update_entry(struct host_model *hm, struct host_entry *e, const struct smtp_session *s,
			 const struct session_view *v)
{
	enum host_status old = e->status;
	if (e->open_sessions)
		e->open_sessions--;
	if (!e->first_seen || s->start_ts < e->first_seen)
		e->first_seen = s->start_ts;
	if (s->start_ts > e->last_attempt)
		e->last_attempt = s->start_ts;
	set_name(e, s);
	count_session(e, s, v);
	spark_note(&e->spark, s->end_ts, v->verdict == V_FAILURE);
	struct host_priv *p = e->priv;
	hs_note_attempt(e, &p->health, v->verdict, v->rejected, s->start_ts);
	if (v->error[0])
		hs_set_error(e, &p->health, v->error, v->error_ts, s->id);
	refresh_status(hm, e);
	hc_touch(&hm->host_changes, e);
	notify(hm, e, old);
}

void hm_session_end(struct host_model *hm, const struct smtp_session *s)
{
	struct session_view v;
	v.verdict = session_verdict(s);
	v.rejected = session_rejected(s);
	v.error_ts = session_describe(s, v.error, sizeof v.error);
	v.nids = 0;
	for (const struct smtp_txn *t = s->txn_head; t && v.nids < IDENT_CACHE; t = t->next)
		msgs_ident(t, &v.ids[v.nids++]);
	gw_session_end(hm->gw, s);
	v.way = session_way(hm, s);
	struct host_entry *srv = entry_get(hm, &s->server, ROLE_SERVER);
	struct host_entry *cli = entry_get(hm, &s->client, ROLE_CLIENT);
	if (srv)
		update_entry(hm, srv, s, &v);
	if (cli)
		update_entry(hm, cli, s, &v);
	count_domains(hm, s, &v);
}

/* The entries whose last error may describe s: its two hosts and the
 * recipient domains of its transactions (the cause is only added where the
 * error came from s). */
bool hm_note_alert(struct host_model *hm, const struct smtp_session *s, const char *rule)
{
	if (!hs_cause_of(rule))
		return false;
	bool changed = false;
	struct hslot *slot[2] = { htab_lookup(&hm->hosts, &s->server, ROLE_SERVER),
				  htab_lookup(&hm->hosts, &s->client, ROLE_CLIENT) };
	for (int i = 0; i < 2; i++) {
		if (!slot[i] || !slot[i]->e)
			continue;
		struct host_priv *p = slot[i]->e->priv;
		if (hs_note_cause(slot[i]->e, &p->health, rule, s->id)) {
			hc_touch(&hm->host_changes, slot[i]->e);
			changed = true;
		}
	}
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
			const char *at = strrchr(r->addr, '@');
			size_t n = at ? strlen(at + 1) : 0;
			if (n == 0)
				continue;
			struct ip_addr key;
			domain_key(at + 1, n, &key);
			struct hslot *d = htab_lookup(&hm->domains, &key, ROLE_SERVER);
			if (!d || !d->e)
				continue;
			struct host_priv *p = d->e->priv;
			if (hs_note_cause(d->e, &p->health, rule, s->id))
				hc_touch(&hm->dom_changes, d->e);
		}
	}
	return changed;
}

/* --- reading ------------------------------------------------------------------- */

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* Worst first: status, then pending messages, then failed attempts.
 * Most entries share their status: the rank is only asked for when the
 * statuses differ. */
static int cmp_trouble(const struct host_entry *a, const struct host_entry *b)
{
	int c = a->status == b->status ? 0 : hs_rank(a->status) - hs_rank(b->status);
	if (!c)
		c = cmp_u64_desc(a->pending, b->pending);
	if (!c)
		c = cmp_u64_desc(a->failed_attempts, b->failed_attempts);
	return c;
}

/* The order of addr_cmp (memcmp of the 16 bytes), as two 8-byte words
 * compared in the bytes' order: no call for what most comparisons of
 * equally troubled hosts come down to. */
static int key_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
	for (int i = 0; i < 16; i += 8) {
		uint64_t x, y;
		memcpy(&x, a->b + i, 8);
		memcpy(&y, b->b + i, 8);
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__
		x = __builtin_bswap64(x);
		y = __builtin_bswap64(y);
#endif
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

static int cmp_worst_first(const void *pa, const void *pb)
{
	const struct host_entry *a = *(const struct host_entry *const *)pa;
	const struct host_entry *b = *(const struct host_entry *const *)pb;
	int c = cmp_trouble(a, b);
	if (!c)
		c = key_cmp(&a->addr, &b->addr);
	if (!c)
		c = (int)a->role - (int)b->role;
	return c;
}

static int cmp_worst_first_by_name(const void *pa, const void *pb)
{
	const struct host_entry *a = *(const struct host_entry *const *)pa;
	const struct host_entry *b = *(const struct host_entry *const *)pb;
	int c = cmp_trouble(a, b);
	if (!c)
		c = strcmp(a->name, b->name);
	/* names cut to HOST_NAME_MAX_LEN may tie: the key decides, not the
	 * order of the table */
	return c ? c : memcmp(a->addr.b, b->addr.b, sizeof a->addr.b);
}

/* The entries of one table, worst first (cmp; in table order if NULL),
 * into a model-owned array. */
static size_t sorted_entries(const struct host_model *hm, const struct htab *t,
			     const struct host_entry ***arr, size_t *cap, bool skip_gateway,
			     int (*cmp)(const void *, const void *))
{
	if (t->n > *cap) {
		*arr = xrealloc(*arr, t->n * sizeof **arr);
		mem_charge((t->n - *cap) * sizeof **arr);
		*cap = t->n;
	}
	size_t n = 0;
	for (size_t i = 0; i < t->cap; i++) {
		const struct hslot *sl = &t->slot[i];
		if (sl->used && sl->e && !(skip_gateway && hm_is_gateway(hm, &sl->addr)))
			(*arr)[n++] = sl->e;
	}
	if (n > 1 && cmp)
		qsort(*arr, n, sizeof **arr, cmp);
	return n;
}

int hm_cmp_hosts(const void *a, const void *b)
{
	return cmp_worst_first(a, b);
}

int hm_cmp_domains(const void *a, const void *b)
{
	return cmp_worst_first_by_name(a, b);
}

size_t hm_hosts_unsorted(struct host_model *hm, const struct host_entry ***out)
{
	size_t n = sorted_entries(hm, &hm->hosts, &hm->sorted, &hm->sorted_cap, true, NULL);
	*out = hm->sorted;
	return n;
}

size_t hm_domains_unsorted(struct host_model *hm, const struct host_entry ***out)
{
	size_t n = sorted_entries(hm, &hm->domains, &hm->dsorted, &hm->dsorted_cap, false, NULL);
	*out = hm->dsorted;
	return n;
}

size_t hm_domains(struct host_model *hm, const struct host_entry ***out)
{
	size_t n = sorted_entries(hm, &hm->domains, &hm->dsorted, &hm->dsorted_cap, false,
				  cmp_worst_first_by_name);
	*out = hm->dsorted;
	return n;
}

size_t hm_hosts(struct host_model *hm, const struct host_entry ***out)
{
	size_t n = sorted_entries(hm, &hm->hosts, &hm->sorted, &hm->sorted_cap, true, cmp_worst_first);
	*out = hm->sorted;
	return n;
}

struct host_changes *hm_host_changes(struct host_model *hm)
{
	return &hm->host_changes;
}

struct host_changes *hm_domain_changes(struct host_model *hm)
{
	return &hm->dom_changes;
}

uint64_t hm_hosts_dropped(const struct host_model *hm)
{
	return dc_count(&hm->dropped);
}

const char *host_role_name(enum host_role r)
{
	return r == ROLE_CLIENT ? "client" : "server";
}
