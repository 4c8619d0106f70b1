/* pipeline_queue.c — the gateway's queue in the pipeline: finished
 * transactions and sessions to the message tracker, its DSN findings and
 * the once-a-minute queue ticks to the rules (the queue and dsn events).
 * The tick runs on capture time, so a file and a live capture judge the
 * same packets the same way. */
#include "config.h"

#include <string.h>

#include "decode/mem.h"
#include "rules/rule_event.h"
#include "ui/pipeline.h"

#define QUEUE_TICK_US 60000000LL
#define QUEUE_MAX_DOMAINS 4096

void pipeline_queue_init(struct pipeline *p, size_t memcap, const struct mq_schedule *sched)
{
	p->mq = mq_new(QUEUE_MAX_DOMAINS, sched);
	/* an eighth of --memcap for the message table */
	size_t n = memcap / 8 / mt_message_cost();
	if (n < 1000)
		n = 1000;
	if (n > 4000000)
		n = 4000000;
	struct mt_config mc = { .max_messages = (uint32_t)n, .queue = p->mq };
	p->mt = mt_new(&mc);
}

void pipeline_queue_free(struct pipeline *p)
{
	mt_free(p->mt);
	mq_free(p->mq);
	p->mt = NULL;
	p->mq = NULL;
}

static void on_dsn(void *ctx, const struct mt_dsn_event *d)
{
	struct pipeline *p = ctx;
	struct rule_event ev;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_DSN;
	ev.ts_us = d->ts;
	ev.domain = d->domain;
	ev.dsn = d;
	pipeline_eval(p, &ev);
}

/* Inbound when the gateway is the server, outbound when it is the client;
 * a session between two gateway addresses (or none) carries nothing in or
 * out of the queue.  While the gateway is not known yet (inferred: before
 * the first session ended), transactions wait for their session's end. */
void pipeline_queue_txn_end(struct pipeline *p, const struct smtp_session *s, const struct smtp_txn *t)
{
	if (!p->mt)
		return;
	bool gw_client = hm_is_gateway(p->hm, &s->client);
	bool gw_server = hm_is_gateway(p->hm, &s->server);
	if (gw_client != gw_server)
		mt_txn(p->mt, s, t, gw_client, on_dsn, p);
}

void pipeline_queue_session_end(struct pipeline *p, const struct smtp_session *s)
{
	if (!p->mt)
		return;
	bool gw_client = hm_is_gateway(p->hm, &s->client);
	bool gw_server = hm_is_gateway(p->hm, &s->server);
	if (gw_client == gw_server)
		mt_forget(p->mt, s->id);
	else
		mt_session(p->mt, s, gw_client, on_dsn, p);
}

void pipeline_queue_refresh(struct pipeline *p, bool force)
{
	if (!p->mq || (!force && p->last_ts - p->last_refresh < 1000000))
		return;
	mq_refresh(p->mq, p->mt, p->last_ts);
	p->last_refresh = p->last_ts;
}

static void tick(struct pipeline *p, int64_t now)
{
	mq_refresh(p->mq, p->mt, now);
	p->last_refresh = now;
	if (!p->rules)
		return;
	const struct mq_domain **doms;
	size_t n = mq_domains(p->mq, &doms);
	for (size_t i = 0; i < n; i++) {
		struct mq_figures f;
		mq_figures(p->mq, doms[i], now, &f);
		struct rule_event ev;
		memset(&ev, 0, sizeof ev);
		ev.type = EV_QUEUE;
		ev.ts_us = now;
		ev.domain = doms[i]->domain;
		ev.queue = doms[i];
		ev.qfig = &f;
		ev.mq = p->mq;
		pipeline_eval(p, &ev);
	}
}

void pipeline_queue_time(struct pipeline *p, int64_t ts)
{
	if (ts > p->last_ts)
		p->last_ts = ts;
	if (!p->mq || ts < p->next_queue_tick)
		return;
	if (p->next_queue_tick)
		tick(p, ts);
	p->next_queue_tick = ts - ts % QUEUE_TICK_US + QUEUE_TICK_US;
}

void pipeline_queue_finish(struct pipeline *p)
{
	if (p->mq && p->last_ts)
		tick(p, p->last_ts);
}
