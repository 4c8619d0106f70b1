/* model.c — the shared model: bounded rings of finished sessions and alerts,
 * the list of open sessions, capture figures. */
#include "config.h"

#include "rules/model.h"

#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "decode/smtp_parser.h"
#include "rules/rule_lang.h"

struct model *model_new(struct host_model *hm, size_t max_sessions, size_t max_alerts)
{
	struct model *m = xcalloc(1, sizeof *m);
	pthread_mutex_init(&m->lock, NULL);
	atomic_init(&m->waiting, 0);
	m->hm = hm;
	m->done_cap = max_sessions ? max_sessions : 1;
	m->done = xcalloc(m->done_cap, sizeof *m->done);
	m->alerts_cap = max_alerts ? max_alerts : 1;
	m->alerts = xcalloc(m->alerts_cap, sizeof *m->alerts);
	mem_charge(sizeof *m + m->done_cap * sizeof *m->done + m->alerts_cap * sizeof *m->alerts);
	return m;
}

static void alert_clear(struct alert_rec *a)
{
	free(a->rule);
	free(a->host);
	free(a->message);
	memset(a, 0, sizeof *a);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->done_n; i++)
		smtp_session_free(m->done[(m->done_first + i) % m->done_cap]);
	for (size_t i = 0; i < m->alerts_n; i++)
		alert_clear(&m->alerts[(m->alerts_first + i) % m->alerts_cap]);
	mem_release(sizeof *m + m->done_cap * sizeof *m->done + m->alerts_cap * sizeof *m->alerts);
	free(m->done);
	free(m->alerts);
	free(m->open);
	free(m->open_ids);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static void compact_open(struct model *m)
{
	if (!m->open_dead)
		return;
	size_t k = 0;
	for (size_t i = 0; i < m->open_n; i++)
		if (m->open[i]) {
			m->open[k] = m->open[i];
			m->open_ids[k] = m->open_ids[i];
			k++;
		}
	m->open_n = k;
	m->open_dead = 0;
}

void model_session_start(struct model *m, const struct smtp_session *s)
{
	if (m->open_n == m->open_cap) {
		compact_open(m);
		if (m->open_n == m->open_cap) {
			m->open_cap = m->open_cap ? m->open_cap * 2 : 64;
			m->open = xrealloc(m->open, m->open_cap * sizeof *m->open);
			m->open_ids = xrealloc(m->open_ids, m->open_cap * sizeof *m->open_ids);
		}
	}
	/* sessions start in the order of their ids (the decoder counts them):
	 * should one not, the search falls back to a scan */
	if (m->open_n && m->open_ids[m->open_n - 1] > s->id)
		m->open_unsorted = true;
	m->open_ids[m->open_n] = s->id;
	m->open[m->open_n++] = s;
	m->stats.open_sessions = m->open_n - m->open_dead;
	m->stats.sessions++;
	m->version++;
}

/* Where s sits in open[], or open_n: a binary search on the ids (in start
 * order), since a million open sessions make a scan per end too slow. */
static size_t find_open(const struct model *m, const struct smtp_session *s)
{
	if (m->open_unsorted) {
		for (size_t i = m->open_n; i-- > 0;)
			if (m->open[i] == s)
				return i;
		return m->open_n;
	}
	size_t lo = 0, hi = m->open_n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->open_ids[mid] < s->id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->open_n && m->open[lo] == s ? lo : m->open_n;
}

/* An ended session leaves a hole (NULL) rather than moving every later
 * one; the holes are squeezed out once they are half of the list. */
static void forget_open(struct model *m, const struct smtp_session *s)
{
	size_t i = find_open(m, s);
	if (i < m->open_n) {
		m->open[i] = NULL;
		m->open_dead++;
		if (m->open_dead > 32 && m->open_dead * 2 > m->open_n)
			compact_open(m);
	}
	m->stats.open_sessions = m->open_n - m->open_dead;
}

void model_session_end(struct model *m, struct smtp_session *s)
{
	forget_open(m, s);
	if (m->done_n == m->done_cap) {
		smtp_session_free(m->done[m->done_first]);
		m->done_first = (m->done_first + 1) % m->done_cap;
		m->done_n--;
		m->done_dropped++;
	}
	m->done[(m->done_first + m->done_n) % m->done_cap] = s;
	m->done_n++;
	m->version++;
}

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

void model_add_alert(struct model *m, const char *rule, enum severity severity, int64_t ts_us,
		     const char *host, uint64_t session_id, const char *message, uint64_t count,
		     int64_t first_ts_us, uint64_t id)
{
	if (m->alerts_n == m->alerts_cap) {
		alert_clear(&m->alerts[m->alerts_first]);
		m->alerts_first = (m->alerts_first + 1) % m->alerts_cap;
		m->alerts_n--;
	}
	struct alert_rec *a = &m->alerts[(m->alerts_first + m->alerts_n) % m->alerts_cap];
	a->seq = ++m->alerts_total;
	a->rule = dup_or_empty(rule);
	a->severity = severity;
	a->ts_us = ts_us;
	a->host = dup_or_empty(host);
	a->session_id = session_id;
	a->message = dup_or_empty(message);
	a->count = count;
	a->first_ts_us = first_ts_us;
	a->id = id;
	m->alerts_n++;
	m->version++;
}

bool model_update_alert(struct model *m, uint64_t id, int64_t ts_us, uint64_t session_id,
			const char *message, uint64_t count)
{
	/* a growing alert is a recent one: search from the newest */
	for (size_t i = m->alerts_n; id && i-- > 0;) {
		struct alert_rec *a = &m->alerts[(m->alerts_first + i) % m->alerts_cap];
		if (a->id != id)
			continue;
		free(a->message);
		a->message = dup_or_empty(message);
		a->ts_us = ts_us;
		a->session_id = session_id;
		a->count = count;
		a->updates++;
		m->alert_updates++;
		m->version++;
		return true;
	}
	return false;
}

void model_take_alert(struct model *m, const struct alert *al)
{
	if (al->update && model_update_alert(m, al->id, al->ts_us, al->session_id, al->message,
					     al->count))
		return;
	model_add_alert(m, al->rule, al->severity, al->ts_us, al->host, al->session_id, al->message,
			al->count, al->first_ts_us, al->id);
}

size_t model_done_count(const struct model *m)
{
	return m->done_n;
}

const struct smtp_session *model_done(const struct model *m, size_t i)
{
	return i < m->done_n ? m->done[(m->done_first + i) % m->done_cap] : NULL;
}

size_t model_alert_count(const struct model *m)
{
	return m->alerts_n;
}

const struct alert_rec *model_alert(const struct model *m, size_t i)
{
	return i < m->alerts_n ? &m->alerts[(m->alerts_first + i) % m->alerts_cap] : NULL;
}

const struct smtp_session *model_find_session(const struct model *m, uint64_t id)
{
	for (size_t i = m->done_n; i-- > 0;) {
		const struct smtp_session *s = model_done(m, i);
		if (s->id == id)
			return s;
	}
	for (size_t i = 0; i < m->open_n; i++)
		if (m->open[i] && m->open[i]->id == id)
			return m->open[i];
	return NULL;
}
