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
#include "rules/host_table.h"
#include "rules/rule_event.h"
#include "rules/session_verdict.h"

#define DEFAULT_WINDOW_US (3600LL * 1000000)
#define DEFAULT_MAX_HOSTS 65536u
#define MSG_MEMORY 256 /* message keys remembered per host */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

/* --- per-host message memory (host_entry.priv) -------------------------------- */

/* One message as far as retries go.  The envelope hash leaves the size out so
 * that an attempt refused at RCPT (no content, no SIZE=) still matches the
 * later attempt that carries the content; the size class is compared apart,
 * 0 meaning unknown. */
struct msg_key {
	uint64_t mid;             /* FNV-1a of the Message-ID, 0 if none seen */
	uint64_t env;             /* FNV-1a of MAIL FROM + sorted RCPT TO list */
	uint64_t size_class;      /* SIZE= or content rounded up to a power of two, 0 unknown */
	uint32_t attempts;
	uint32_t failures;        /* attempts deferred, rejected or cut off */
	bool accepted;
	int64_t first_ts, last_ts;
	uint16_t first_deferral_code;
	char first_deferral_enhanced[16];
	int64_t first_deferral_ts;
};

struct host_priv {
	struct msg_key *msgs;     /* up to MSG_MEMORY, least recently attempted evicted */
	uint32_t nmsgs, cap;
	enum host_status settled; /* the status when no session is open */
	bool streak;              /* the last attempt failed */
	bool has_success;
	int64_t last_success_ts;
	uint32_t nfail;           /* failed attempts remembered below (0..2) */
	int64_t last_fail_ts, prev_fail_ts;
	int64_t last_try_ts;      /* start of the latest success or failure */
	int64_t key_interval;     /* between the last two attempts of the last retried message */
	uint64_t last_session;    /* domain entries: the last session counted */
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
};


static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}

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
	return hm;
}

static void entry_free(struct host_entry *e)
{
	struct host_priv *p = e->priv;
	mem_release(p->cap * sizeof *p->msgs + sizeof *p + sizeof *e);
	free(p->msgs);
	free(p);
	free(e);
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

static struct host_entry *entry_new(const struct ip_addr *a, enum host_role role)
{
	struct host_entry *e = xcalloc(1, sizeof *e);
	struct host_priv *p = xcalloc(1, sizeof *p);
	mem_charge(sizeof *e + sizeof *p);
	e->addr = *a;
	e->role = role;
	e->status = HS_READY;
	p->settled = HS_READY;
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
		if (hm->geo)
			geo_lookup(hm->geo, a, &s->e->geo);
	}
	return s->e;
}

static void refresh_status(struct host_entry *e)
{
	struct host_priv *p = e->priv;
	e->status = e->open_sessions ? HS_ACTIVE : p->settled;
	e->retry_interval_us = p->key_interval;
	if (!e->retry_interval_us && p->nfail >= 2)
		e->retry_interval_us = p->last_fail_ts - p->prev_fail_ts;
	bool waiting = e->status == HS_RETRY || e->status == HS_FAILING;
	e->next_retry_estimate = waiting && e->retry_interval_us > 0 ?
				 p->last_fail_ts + e->retry_interval_us : 0;
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
		e[i]->open_sessions++;
		refresh_status(e[i]);
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

/* --- message identity and retries ---------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
	return fnv1a(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static uint64_t envelope_hash(const struct smtp_txn *t)
{
	uint64_t h = hash_str(FNV_OFFSET, t->mail_from);
	uint32_t n = t->rcpts.count, i = 0;
	if (n == 0)
		return h;
	const char **v = xmalloc(n * sizeof *v);
	for (const struct smtp_rcpt *r = t->rcpts.head; r && i < n; r = r->next)
		v[i++] = r->addr;
	qsort(v, i, sizeof *v, cmp_str);
	for (uint32_t k = 0; k < i; k++)
		h = hash_str(h, v[k]);
	free(v);
	return h;
}

static uint64_t size_class(const struct smtp_txn *t)
{
	if (t->size_param)
		return t->size_param;
	if (!t->data_complete || t->data_bytes == 0)
		return 0;
	uint64_t p = 1;
	while (p < t->data_bytes && p < (1ULL << 63))
		p <<= 1;
	return p;
}

static void ident_of(const struct smtp_txn *t, struct msg_key *k)
{
	memset(k, 0, sizeof *k);
	if (t->message_id && t->message_id[0])
		k->mid = fnv1a(FNV_OFFSET, t->message_id, strlen(t->message_id)) | 1;
	k->env = envelope_hash(t);
	k->size_class = size_class(t);
}

/* Same message: equal Message-IDs; or, when one side has none, the same
 * envelope with a compatible size class. */
static bool same_message(const struct msg_key *a, const struct msg_key *b)
{
	if (a->mid && b->mid)
		return a->mid == b->mid;
	return a->env == b->env &&
	       (a->size_class == b->size_class || !a->size_class || !b->size_class);
}

static struct msg_key *find_key(struct host_priv *p, const struct msg_key *id)
{
	for (uint32_t i = 0; i < p->nmsgs; i++)
		if (same_message(&p->msgs[i], id))
			return &p->msgs[i];
	return NULL;
}

static struct msg_key *add_key(struct host_entry *e, const struct msg_key *id)
{
	struct host_priv *p = e->priv;
	if (p->nmsgs == MSG_MEMORY) {
		uint32_t old = 0;
		for (uint32_t i = 1; i < p->nmsgs; i++)
			if (p->msgs[i].last_ts < p->msgs[old].last_ts)
				old = i;
		if (!p->msgs[old].accepted && e->pending)
			e->pending--;
		p->msgs[old] = *id;
		return &p->msgs[old];
	}
	if (p->nmsgs == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 8;
		p->msgs = xrealloc(p->msgs, cap * sizeof *p->msgs);
		mem_charge((cap - p->cap) * sizeof *p->msgs);
		p->cap = cap;
	}
	p->msgs[p->nmsgs] = *id;
	return &p->msgs[p->nmsgs++];
}

static void note_message(struct host_entry *e, const struct smtp_txn *t)
{
	struct host_priv *p = e->priv;
	struct msg_key id;
	ident_of(t, &id);
	struct msg_key *k = find_key(p, &id);
	if (k) {
		e->retries++;
		if (t->start_ts > k->last_ts) {
			p->key_interval = t->start_ts - k->last_ts;
			k->last_ts = t->start_ts;
		}
		k->attempts++;
		if (!k->mid)
			k->mid = id.mid;
		if (!k->size_class)
			k->size_class = id.size_class;
	} else {
		k = add_key(e, &id);
		k->attempts = 1;
		k->first_ts = k->last_ts = t->start_ts;
		e->pending++;
	}
	if (t->outcome != OUT_ACCEPTED)
		k->failures++;
	if (t->outcome == OUT_DEFERRED && !k->first_deferral_code && t->has_reply) {
		k->first_deferral_code = t->reply.code;
		memcpy(k->first_deferral_enhanced, t->reply.enhanced, sizeof k->first_deferral_enhanced);
		k->first_deferral_ts = t->reply.ts_us ? t->reply.ts_us : t->end_ts;
	}
	if (t->outcome == OUT_ACCEPTED && !k->accepted) {
		k->accepted = true;
		if (e->pending)
			e->pending--;
	}
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
	return sizeof(struct host_entry) + sizeof(struct host_priv) + 8 * sizeof(struct msg_key) +
	       2 * 2 * sizeof(struct hslot) + gw_addr_cost();
}

bool hm_message_history(struct host_model *hm, const struct smtp_session *s,
			const struct smtp_txn *t, struct msg_history *out)
{
	memset(out, 0, sizeof *out);
	struct hslot *slot = htab_lookup(&hm->hosts, &s->server, ROLE_SERVER);
	if (!slot || !slot->e)
		return false;
	struct msg_key id;
	ident_of(t, &id);
	const struct msg_key *k = find_key(slot->e->priv, &id);
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

/* --- status -------------------------------------------------------------------- */

/* At least two attempts in the window ending at the last attempt, all failed. */
static bool is_failing(const struct host_priv *p, int64_t window)
{
	int64_t from = p->last_try_ts - window;
	return p->streak && p->nfail >= 2 && p->prev_fail_ts >= from &&
	       (!p->has_success || p->last_success_ts < from);
}

static void note_failure(struct host_entry *e, struct host_priv *p, int64_t ts)
{
	e->failed_attempts++;
	if (p->nfail == 0 || ts >= p->last_fail_ts) {
		p->prev_fail_ts = p->last_fail_ts;
		p->last_fail_ts = ts;
	} else if (ts > p->prev_fail_ts) {
		p->prev_fail_ts = ts;
	}
	if (p->nfail < 2)
		p->nfail++;
	if (!p->streak || ts < e->failing_since)
		e->failing_since = ts;
	p->streak = true;
}

static void apply_verdict(struct host_entry *e, enum verdict v, int64_t ts, int64_t window)
{
	struct host_priv *p = e->priv;
	if (v == V_NEUTRAL)
		return;
	if (ts > p->last_try_ts)
		p->last_try_ts = ts;
	if (v == V_SUCCESS) {
		e->good_attempts++;
		if (!p->has_success || ts > p->last_success_ts)
			p->last_success_ts = ts;
		p->has_success = true;
		p->streak = false;
		e->failing_since = 0;
		p->settled = HS_READY;
		return;
	}
	if (p->has_success && ts < p->last_success_ts) {
		/* older than the last success (an idle timeout is only known once
		 * the silence has lasted): counted, but the host recovered since */
		e->failed_attempts++;
		return;
	}
	note_failure(e, p, ts);
	p->settled = is_failing(p, window) ? HS_FAILING : HS_RETRY;
}

struct session_view {
	enum verdict verdict;
	int64_t error_ts;
	char error[HOST_ERROR_MAX];
};

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
	}
	return s->e;
}

static enum verdict txn_verdict(const struct smtp_session *s, const struct smtp_txn *t)
{
	switch (t->outcome) {
	case OUT_ACCEPTED: return V_SUCCESS;
	case OUT_DEFERRED:
	case OUT_REJECTED: return V_FAILURE;
	default: return session_cut_short(s) ? V_NEUTRAL : V_FAILURE;
	}
}

/* One transaction as seen by one recipient domain. */
static void domain_txn(struct host_model *hm, struct host_entry *e, const struct smtp_session *s,
		       const struct smtp_txn *t, const struct session_view *v)
{
	struct host_priv *p = e->priv;
	if (p->last_session != s->id) {
		p->last_session = s->id;
		e->sessions++;
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
	enum verdict vd = txn_verdict(s, t);
	if (vd != V_NEUTRAL)
		note_message(e, t);
	apply_verdict(e, vd, t->start_ts, hm->window_us);
	if (vd == V_FAILURE) {
		if (t->has_reply && t->outcome != OUT_ABORTED)
			snprintf(e->last_error, sizeof e->last_error, "%u %.190s", t->reply.code, t->reply.text);
		else
			memcpy(e->last_error, v->error, sizeof e->last_error);
		char *nl = strchr(e->last_error, '\n');
		if (nl)
			*nl = '\0';
		e->last_error_ts = t->end_ts;
	}
	refresh_status(e);
}

static void count_domains(struct host_model *hm, const struct smtp_session *s,
			  const struct session_view *v)
{
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		if (txn_abandoned(s, t))
			continue;
		/* each domain once per transaction; a few distinct ones are enough */
		const char *seen[8];
		size_t nseen = 0;
		for (const struct smtp_rcpt *r = t->rcpts.head; r && nseen < 8; r = r->next) {
			struct host_entry *e = domain_entry(hm, r->addr);
			if (!e)
				continue;
			bool dup = false;
			for (size_t i = 0; i < nseen; i++)
				dup = dup || seen[i] == (const char *)e;
			if (dup)
				continue;
			seen[nseen++] = (const char *)e;
			domain_txn(hm, e, s, t, v);
		}
	}
}

/* --- session end --------------------------------------------------------------- */


static void count_session(struct host_entry *e, const struct smtp_session *s)
{
	e->sessions++;
	if (s->end_reason == END_RST)
		e->resets++;
	if (s->end_reason == END_TIMEOUT)
		e->timeouts++;
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		e->messages++;
		switch (t->outcome) {
		case OUT_ACCEPTED: e->accepted++; break;
		case OUT_DEFERRED: e->deferred++; break;
		case OUT_REJECTED: e->rejected++; break;
		default: e->aborted++; break;
		}
		/* cut off by the capture: the attempt's fate is unknown */
		bool unknown = t->outcome == OUT_ABORTED && session_cut_short(s);
		if (!txn_abandoned(s, t) && !unknown)
			note_message(e, t);
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
	count_session(e, s);
	apply_verdict(e, v->verdict, s->start_ts, hm->window_us);
	if (v->error[0]) {
		memcpy(e->last_error, v->error, sizeof e->last_error);
		e->last_error_ts = v->error_ts;
	}
	refresh_status(e);
	notify(hm, e, old);
}

void hm_session_end(struct host_model *hm, const struct smtp_session *s)
{
	struct session_view v;
	v.verdict = session_verdict(s);
	v.error_ts = session_describe(s, v.error, sizeof v.error);
	gw_session_end(hm->gw, s);
	struct host_entry *srv = entry_get(hm, &s->server, ROLE_SERVER);
	struct host_entry *cli = entry_get(hm, &s->client, ROLE_CLIENT);
	if (srv)
		update_entry(hm, srv, s, &v);
	if (cli)
		update_entry(hm, cli, s, &v);
	count_domains(hm, s, &v);
}

/* --- reading ------------------------------------------------------------------- */

static int status_rank(enum host_status st)
{
	switch (st) {
	case HS_FAILING: return 0;
	case HS_RETRY: return 1;
	case HS_ACTIVE: return 2;
	default: return 3;
	}
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

/* Worst first: status, then pending messages, then failed attempts. */
static int cmp_trouble(const struct host_entry *a, const struct host_entry *b)
{
	int c = status_rank(a->status) - status_rank(b->status);
	if (!c)
		c = cmp_u64_desc(a->pending, b->pending);
	if (!c)
		c = cmp_u64_desc(a->failed_attempts, b->failed_attempts);
	return c;
}

static int cmp_worst_first(const void *pa, const void *pb)
{
	const struct host_entry *a = *(const struct host_entry *const *)pa;
	const struct host_entry *b = *(const struct host_entry *const *)pb;
	int c = cmp_trouble(a, b);
	if (!c)
		c = addr_cmp(&a->addr, &b->addr);
	if (!c)
		c = (int)a->role - (int)b->role;
	return c;
}

static int cmp_worst_first_by_name(const void *pa, const void *pb)
{
	const struct host_entry *a = *(const struct host_entry *const *)pa;
	const struct host_entry *b = *(const struct host_entry *const *)pb;
	int c = cmp_trouble(a, b);
	return c ? c : strcmp(a->name, b->name);
}

/* The entries of one table, worst first, into a model-owned array. */
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
	if (n > 1)
		qsort(*arr, n, sizeof **arr, cmp);
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

uint64_t hm_hosts_dropped(const struct host_model *hm)
{
	return dc_count(&hm->dropped);
}

const char *host_status_name(enum host_status s)
{
	static const char *const names[HS__COUNT] = {
		[HS_READY] = "ready", [HS_ACTIVE] = "active",
		[HS_RETRY] = "retry", [HS_FAILING] = "failing",
	};
	return (unsigned)s < HS__COUNT ? names[s] : "unknown";
}

const char *host_role_name(enum host_role r)
{
	return r == ROLE_CLIENT ? "client" : "server";
}
