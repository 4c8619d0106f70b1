/* message_track.c — messages followed from the session that handed them to
 * the gateway to the outbound attempts that carried them on, per recipient
 * domain, and the DSNs (RFC 3464) that reported on them.  Where they are
 * kept (pool, indexes, LRU, arena) is rules/message_store.c. */
#include "config.h"

#include "rules/message_track.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/message_store.h"
#include "rules/queue.h"

/* --- helpers -------------------------------------------------------------------- */

#define hash_ci ms_hash_ci
#define HASH0 MS_HASH0

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t k = src ? strlen(src) : 0;
	if (k >= n)
		k = n - 1;
	if (k)
		memcpy(dst, src, k);
	dst[k] = '\0';
}

bool mt_domain_of(const char *addr, char *out, size_t outsz)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at || !at[1])
		return false;
	size_t i = 0;
	for (const char *d = at + 1; *d && *d != '>' && i + 1 < outsz; d++)
		out[i++] = (*d >= 'A' && *d <= 'Z') ? (char)(*d - 'A' + 'a') : *d;
	out[i] = '\0';
	return i > 0;
}

const char *mt_state_name(enum mt_state s)
{
	switch (s) {
	case MS_QUEUED: return "queued";
	case MS_DEFERRED: return "deferred";
	case MS_DELIVERED: return "delivered";
	default: return "bounced";
	}
}

size_t mt_message_cost(void)
{
	/* the record, its share of the two indexes (at half load), and its
	 * parts on average */
	return sizeof(struct mt_message) + 4 * sizeof(uint32_t) + MT_PARTS_BUDGET;
}

/* --- setup ------------------------------------------------------------------------- */

struct msg_tracker *mt_new(const struct mt_config *cfg)
{
	struct msg_tracker *mt = xcalloc(1, sizeof *mt);
	mt->queue = cfg ? cfg->queue : NULL;
	ms_init(mt, cfg && cfg->max_messages ? cfg->max_messages : 1000);
	return mt;
}

void mt_free(struct msg_tracker *mt)
{
	if (!mt)
		return;
	ms_free(mt);
	free(mt);
}

/* --- legs and state ----------------------------------------------------------------- */

static struct mt_leg *find_leg(struct mt_message *m, const char *domain)
{
	for (uint32_t i = 0; i < m->nlegs; i++)
		if (strcmp(m->legs[i].domain, domain) == 0)
			return &m->legs[i];
	return NULL;
}

static struct mt_leg *get_leg(struct msg_tracker *mt, struct mt_message *m, const char *domain)
{
	struct mt_leg *l = find_leg(m, domain);
	if (l)
		return l;
	if (m->nlegs >= MT_DOMAINS_MAX) {
		m->legs_dropped++;
		mt->st.legs_dropped++;
		return NULL;
	}
	l = ms_new_leg(mt, m, domain);
	l->state = MS_QUEUED;
	return l;
}

static bool in_queue(enum mt_state s)
{
	return s == MS_QUEUED || s == MS_DEFERRED;
}

static void settle_state(struct mt_message *m)
{
	bool queued = m->nlegs == 0, deferred = false, bounced = false;
	int64_t last = 0;
	for (uint32_t i = 0; i < m->nlegs; i++) {
		const struct mt_leg *l = &m->legs[i];
		queued = queued || l->state == MS_QUEUED;
		deferred = deferred || l->state == MS_DEFERRED;
		bounced = bounced || l->state == MS_BOUNCED;
		if (l->state == MS_DELIVERED && l->delivered > last)
			last = l->delivered;
	}
	m->state = deferred ? MS_DEFERRED : queued ? MS_QUEUED : bounced ? MS_BOUNCED : MS_DELIVERED;
	m->delivered = m->state == MS_DELIVERED ? last : 0;
}

static void add_rcpt_hash(struct mt_message *m, const char *addr)
{
	uint32_t h = (uint32_t)hash_ci(HASH0, addr);
	for (uint32_t i = 0; i < m->nrcpt_hash; i++)
		if (m->rcpt_hash[i] == h)
			return;
	if (m->nrcpt_hash < MT_RCPTS_MAX)
		m->rcpt_hash[m->nrcpt_hash++] = h;
}

static bool has_rcpt(const struct mt_message *m, const char *addr)
{
	uint32_t h = (uint32_t)hash_ci(HASH0, addr);
	for (uint32_t i = 0; i < m->nrcpt_hash; i++)
		if (m->rcpt_hash[i] == h)
			return true;
	return m->nrcpt_hash == MT_RCPTS_MAX; /* more than we keep: cannot tell */
}

static uint64_t txn_size(const struct smtp_txn *t)
{
	if (t->data_started && !t->data_partial)
		return t->data_bytes;
	return t->size_param;
}

/* The distinct recipient domains of a transaction (refused ones left out
 * when `accepted_only`). */
static uint32_t txn_domains(const struct smtp_txn *t, bool accepted_only,
			    char out[][MT_DOMAIN_MAX], const char **first_rcpt, uint32_t *dropped)
{
	uint32_t n = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		if (accepted_only && r->status == RCPT_REJECTED)
			continue;
		char d[MT_DOMAIN_MAX];
		if (!mt_domain_of(r->addr, d, sizeof d))
			continue;
		bool dup = false;
		for (uint32_t i = 0; i < n && !dup; i++)
			dup = strcmp(out[i], d) == 0;
		if (dup)
			continue;
		if (n == MT_DOMAINS_MAX) {
			(*dropped)++;
			continue;
		}
		if (n == 0 && first_rcpt)
			*first_rcpt = r->addr;
		memcpy(out[n++], d, sizeof d);
	}
	return n;
}

/* --- matching ---------------------------------------------------------------------- */

/* Among the messages with this Message-ID: the one still queued for
 * `domain` (oldest first); else one whose inbound copy has no attempt to
 * it yet; else the newest. */
static struct mt_message *find_by_id(struct msg_tracker *mt, const char *full_mid, const char *domain,
				     bool want_no_inbound)
{
	char mid[MT_ID_MAX]; /* compared as stored: cut to the bound */
	copy_str(mid, sizeof mid, full_mid);
	uint64_t k = hash_ci(HASH0, mid);
	struct mt_message *queued = NULL, *fresh = NULL, *any = NULL;
	for (uint32_t e = ms_id_chain(mt, k); e; e = ms_at(mt, e)->id_next) {
		struct mt_message *m = ms_at(mt, e);
		if (m->id_key != k || strcmp(m->message_id, mid) != 0)
			continue;
		if (want_no_inbound) {
			if (!m->accepted_in && (!any || m->seq < any->seq))
				any = m;
			continue;
		}
		const struct mt_leg *l = domain ? find_leg(m, domain) : NULL;
		if (l && in_queue(l->state) && (!queued || m->seq < queued->seq))
			queued = m;
		else if (!l && m->accepted_in && (!fresh || m->seq < fresh->seq))
			fresh = m;
		if (!any || m->seq > any->seq)
			any = m;
	}
	return queued ? queued : fresh ? fresh : any;
}

/* Envelope fallback: same sender, still queued for this domain, the
 * recipient among its recipients, and a size the gateway's added headers
 * can explain.  The oldest such message wins (FIFO). */
static struct mt_message *find_by_envelope(struct msg_tracker *mt, const char *full_from,
					   const char *domain, const char *rcpt, uint64_t size,
					   const char *full_mid)
{
	char from[MT_ADDR_MAX], mid[MT_ID_MAX]; /* compared as stored: cut to their bounds */
	copy_str(from, sizeof from, full_from);
	copy_str(mid, sizeof mid, full_mid);
	uint64_t k = ms_env_key(from, domain);
	struct mt_message *best = NULL, *m;
	for (uint32_t e = ms_env_chain(mt, k); e; e = ms_env_leg(mt, e, &m)->env_next) {
		struct mt_leg *l = ms_env_leg(mt, e, &m);
		if (l->env_key != k || !in_queue(l->state) || strcmp(l->domain, domain) != 0)
			continue;
		if (strcmp(m->mail_from, from) != 0 || !has_rcpt(m, rcpt))
			continue;
		if (mid[0] && m->message_id[0] && strcmp(mid, m->message_id) != 0)
			continue; /* two different Message-IDs: two messages */
		if (size && m->size && (size + MT_SIZE_SHRINK < m->size || size > m->size + MT_SIZE_GROWTH))
			continue;
		if (!best || m->seq < best->seq)
			best = m;
	}
	return best;
}

/* --- inbound ---------------------------------------------------------------------- */

static void inbound_txn(struct msg_tracker *mt, const struct smtp_session *s, const struct smtp_txn *t)
{
	if (t->outcome != OUT_ACCEPTED || t->rcpts.count == t->rcpts.rejected)
		return;
	char doms[MT_DOMAINS_MAX][MT_DOMAIN_MAX];
	uint32_t dropped = 0;
	uint32_t nd = txn_domains(t, true, doms, NULL, &dropped);
	struct mt_message *m = NULL;
	if (t->message_id && t->message_id[0]) {
		m = find_by_id(mt, t->message_id, NULL, true);
		if (m)
			mt->st.matched_by_id++;
	}
	bool fresh = !m;
	if (fresh && !(m = ms_alloc_msg(mt, t->end_ts)))
		return;
	m->inbound_session = s->id;
	m->accepted_in = t->end_ts;
	m->client = s->client;
	m->size = txn_size(t);
	ms_set_str(mt, m, &m->mail_from, t->mail_from, MT_ADDR_MAX);
	if (fresh) {
		ms_set_str(mt, m, &m->message_id, t->message_id, MT_ID_MAX);
		ms_id_insert(mt, m);
	}
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next)
		if (r->status != RCPT_REJECTED)
			add_rcpt_hash(m, r->addr);
	m->legs_dropped += dropped;
	for (uint32_t i = 0; i < nd; i++) {
		struct mt_leg *l = get_leg(mt, m, doms[i]);
		if (!l)
			continue;
		if (mt->queue)
			mq_note_in(mt->queue, l->domain, t->end_ts);
		if (in_queue(l->state)) {
			ms_env_remove(mt, m, l); /* the key uses the sender, known only now */
			ms_env_insert(mt, m, l);
		} else if (l->state == MS_DELIVERED && mt->queue) {
			mq_note_delay(mt->queue, l->domain, l->delivered - m->accepted_in);
		}
	}
	settle_state(m);
	ms_touch(mt, m, t->end_ts);
}

/* --- outbound ---------------------------------------------------------------------- */

/* What one attempt did for the recipients of one domain. */
static enum mt_state leg_result(const struct smtp_txn *t, const char *domain)
{
	uint32_t ok = 0, perm = 0, temp = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		char d[MT_DOMAIN_MAX];
		if (!mt_domain_of(r->addr, d, sizeof d) || strcmp(d, domain) != 0)
			continue;
		if (r->status == RCPT_REJECTED && r->code >= 500)
			perm++;
		else if (r->status == RCPT_REJECTED)
			temp++;
		else
			ok++;
	}
	switch (t->outcome) {
	case OUT_ACCEPTED:
		return ok ? MS_DELIVERED : (perm && !temp) ? MS_BOUNCED : MS_DEFERRED;
	case OUT_REJECTED:
		return MS_BOUNCED;
	default:
		return (!ok && perm && !temp) ? MS_BOUNCED : MS_DEFERRED;
	}
}

static void note_attempt(struct msg_tracker *mt, struct mt_message *m, const struct smtp_session *s,
			 const struct smtp_txn *t, uint8_t leg)
{
	struct mt_attempt *a = ms_new_attempt(mt, m);
	a->session = s->id;
	a->ts = t->end_ts;
	a->host = s->server;
	a->outcome = (uint8_t)t->outcome;
	a->domain = leg;
	if (t->has_reply) {
		a->code = t->reply.code;
		copy_str(a->enhanced, sizeof a->enhanced, t->reply.enhanced);
		ms_attempt_text(mt, m, a, t->reply.text);
	}
}

static void outbound_leg(struct msg_tracker *mt, struct mt_message *m, struct mt_leg *l,
			 const struct smtp_txn *t)
{
	enum mt_state r = leg_result(t, l->domain);
	l->attempts++;
	l->last_attempt = t->end_ts;
	bool was_queued = in_queue(l->state);
	if (r == MS_DEFERRED) {
		l->failures++;
		if (was_queued)
			l->state = MS_DEFERRED;
	} else if (was_queued) {
		l->state = r;
		l->delivered = t->end_ts;
		ms_env_remove(mt, m, l);
	}
	if (!mt->queue)
		return;
	int64_t delay = (r == MS_DELIVERED && was_queued && m->accepted_in) ? t->end_ts - m->accepted_in : -1;
	mq_note_attempt(mt->queue, l->domain, t->end_ts, r, was_queued && r != MS_DEFERRED, delay,
			r == MS_DELIVERED ? t->data_bytes : 0);
}

static void outbound_txn(struct msg_tracker *mt, const struct smtp_session *s, const struct smtp_txn *t)
{
	if (t->rcpts.count == 0 || t->outcome == OUT_OPEN)
		return;
	if (t->outcome == OUT_ABORTED && !t->data_started)
		return; /* address verification, or abandoned before the message */
	char doms[MT_DOMAINS_MAX][MT_DOMAIN_MAX];
	const char *first = NULL;
	uint32_t dropped = 0;
	uint32_t nd = txn_domains(t, false, doms, &first, &dropped);
	if (nd == 0)
		return;
	const char *from = t->mail_from ? t->mail_from : "";
	uint64_t size = txn_size(t);
	struct mt_message *m = NULL;
	if (t->message_id && t->message_id[0]) {
		m = find_by_id(mt, t->message_id, doms[0], false);
		if (m)
			mt->st.matched_by_id++;
	}
	if (!m && (m = find_by_envelope(mt, from, doms[0], first, size, t->message_id)))
		mt->st.matched_by_envelope++;
	if (!m) { /* the inbound copy was not seen (or the gateway wrote it) */
		if (!(m = ms_alloc_msg(mt, t->end_ts)))
			return;
		ms_set_str(mt, m, &m->message_id, t->message_id, MT_ID_MAX);
		ms_set_str(mt, m, &m->mail_from, from, MT_ADDR_MAX);
		m->size = size;
		ms_id_insert(mt, m);
		for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next)
			add_rcpt_hash(m, r->addr);
	}
	m->legs_dropped += dropped;
	uint8_t first_leg = 0xff;
	for (uint32_t i = 0; i < nd; i++) {
		struct mt_leg *l = get_leg(mt, m, doms[i]);
		if (!l)
			continue;
		if (first_leg == 0xff)
			first_leg = (uint8_t)(l - m->legs);
		outbound_leg(mt, m, l, t);
		if (in_queue(l->state))
			ms_env_insert(mt, m, l);
	}
	note_attempt(mt, m, s, t, first_leg == 0xff ? 0 : first_leg);
	settle_state(m);
	ms_touch(mt, m, t->end_ts);
}

/* --- DSNs ---------------------------------------------------------------------------- */

static bool dsn_seen_before(struct msg_tracker *mt, const struct smtp_session *s, const struct smtp_txn *t)
{
	uint64_t k = t->message_id && t->message_id[0] ? hash_ci(HASH0, t->message_id)
						       : (s->id << 16) ^ t->index ^ 0x5a5aULL;
	for (uint32_t i = 0; i < MS_DSN_SEEN_RING; i++)
		if (mt->dsn_seen[i] == k)
			return true;
	mt->dsn_seen[mt->dsn_seen_next++ % MS_DSN_SEEN_RING] = k;
	return false;
}

static void attach_dsn(struct msg_tracker *mt, struct mt_message *m, const struct dsn_rcpt *r,
		       const char *domain, const struct smtp_session *s, int64_t ts)
{
	struct mt_dsn *d = ms_dsn(mt, m);
	d->action = r->action;
	copy_str(d->status, sizeof d->status, r->status);
	copy_str(d->final_rcpt, sizeof d->final_rcpt, r->final_rcpt);
	copy_str(d->diagnostic, sizeof d->diagnostic, r->diagnostic);
	d->ts = ts;
	d->session = s->id;
	d->count++;
	if (r->action != DSN_ACT_FAILED)
		return;
	struct mt_leg *l = get_leg(mt, m, domain);
	if (l && in_queue(l->state)) {
		l->state = MS_BOUNCED;
		l->delivered = ts;
		ms_env_remove(mt, m, l);
		if (mt->queue)
			mq_note_bounced(mt->queue, l->domain);
	}
	settle_state(m);
	ms_touch(mt, m, ts);
}

static void read_dsn(struct msg_tracker *mt, const struct smtp_session *s, const struct smtp_txn *t,
		     mt_dsn_fn on_dsn, void *ctx)
{
	const struct dsn_report *rep = t->dsn;
	if (!rep || !t->data_complete || dsn_seen_before(mt, s, t))
		return;
	for (uint32_t i = 0; i < rep->nrcpt; i++) {
		const struct dsn_rcpt *r = &rep->rcpt[i];
		if (r->action != DSN_ACT_FAILED && r->action != DSN_ACT_DELAYED)
			continue;
		char domain[MT_DOMAIN_MAX];
		if (!mt_domain_of(r->final_rcpt, domain, sizeof domain))
			continue;
		mt->st.dsns++;
		struct mt_message *orig = NULL;
		if (rep->orig_message_id[0])
			orig = find_by_id(mt, rep->orig_message_id, domain, false);
		if (orig)
			attach_dsn(mt, orig, r, domain, s, t->end_ts);
		struct mt_dsn_event ev = {
			.report = rep, .rcpt = r, .domain = domain, .original = orig, .session = s,
			.ts = t->end_ts,
			.kind = r->action == DSN_ACT_DELAYED ? "delayed" : r->status[0] == '4' ? "expired" : "failed",
		};
		if (on_dsn)
			on_dsn(ctx, &ev);
	}
}

static void read_txn(struct msg_tracker *mt, const struct smtp_session *s, const struct smtp_txn *t,
		     bool outbound, mt_dsn_fn on_dsn, void *ctx)
{
	if (outbound)
		outbound_txn(mt, s, t);
	else
		inbound_txn(mt, s, t);
	read_dsn(mt, s, t, on_dsn, ctx);
}

void mt_txn(struct msg_tracker *mt, const struct smtp_session *s, const struct smtp_txn *t,
	    bool outbound, mt_dsn_fn on_dsn, void *ctx)
{
	if (t->index < idm_get(&mt->read_upto, s->id))
		return;
	read_txn(mt, s, t, outbound, on_dsn, ctx);
	idm_put(&mt->read_upto, s->id, t->index + 1);
}

void mt_session(struct msg_tracker *mt, const struct smtp_session *s, bool outbound,
		mt_dsn_fn on_dsn, void *ctx)
{
	uint32_t done = idm_get(&mt->read_upto, s->id);
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next)
		if (t->index >= done)
			read_txn(mt, s, t, outbound, on_dsn, ctx);
	idm_del(&mt->read_upto, s->id);
}

void mt_forget(struct msg_tracker *mt, uint64_t session_id)
{
	idm_del(&mt->read_upto, session_id);
}

/* --- reading ------------------------------------------------------------------------- */

static int cmp_seq(const void *a, const void *b)
{
	const struct mt_message *x = *(const struct mt_message *const *)a;
	const struct mt_message *y = *(const struct mt_message *const *)b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t mt_messages(struct msg_tracker *mt, const struct mt_message ***out)
{
	if (mt->sorted_cap < mt->cap) {
		mt->sorted = xrealloc(mt->sorted, (size_t)mt->cap * sizeof *mt->sorted);
		mt->sorted_cap = mt->cap;
	}
	size_t n = 0;
	for (uint32_t i = 0; i < mt->fresh; i++)
		if (mt->pool[i].used)
			mt->sorted[n++] = &mt->pool[i];
	if (n)
		qsort(mt->sorted, n, sizeof *mt->sorted, cmp_seq);
	*out = mt->sorted;
	return n;
}

size_t mt_pool_size(const struct msg_tracker *mt)
{
	return mt->fresh;
}

const struct mt_message *mt_pool_at(const struct msg_tracker *mt, size_t i)
{
	return i < mt->fresh && mt->pool[i].used ? &mt->pool[i] : NULL;
}

void mt_get_stats(const struct msg_tracker *mt, struct mt_stats *out)
{
	*out = mt->st;
}

size_t mt_bytes_in_use(const struct msg_tracker *mt)
{
	return (size_t)mt->st.live * sizeof(struct mt_message) + mt->arena.in_use;
}

size_t mt_bytes_charged(const struct msg_tracker *mt)
{
	return sizeof *mt + 2 * ((size_t)mt->mask + 1) * sizeof(uint32_t) +
	       (size_t)mt->cap * sizeof *mt->pool + mt->arena.charged;
}
