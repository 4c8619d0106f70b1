/* model_output.c — the dashboard's model as an output. */
#include "config.h"

#include "ui/output/model_output.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "rules/gateway.h"
#include "rules/model.h"
#include "rules/rule_lang.h"

static void on_session_start(void *self, const struct smtp_session *s)
{
	model_session_start(self, s);
}

static bool on_session_end(void *self, struct smtp_session *s)
{
	model_session_end(self, s);
	return true; /* the model owns it now */
}

static void on_alert(void *self, const struct alert *al)
{
	/* the screens show a queue alert's domain where a host alert shows its host */
	struct alert shown = *al;
	if (!shown.host)
		shown.host = shown.domain;
	model_take_alert(self, &shown);
}

/* The alerts that name an address now known to be the gateway's name the
 * other side of their session instead (no host when the session is gone). */
static void on_gateway_changed(void *self, const struct gateway *g, int64_t ts_us)
{
	struct model *m = self;
	(void)ts_us;
	for (size_t i = 0; i < m->alerts_n; i++) {
		struct alert_rec *r = &m->alerts[(m->alerts_first + i) % m->alerts_cap];
		struct ip_addr h;
		if (!r->host[0] || !addr_parse(r->host, &h) || !gw_is_gateway(g, &h))
			continue;
		const struct smtp_session *s = model_find_session(m, r->session_id);
		char peer[ADDR_STRLEN] = "";
		if (s)
			addr_format(addr_eq(&s->client, &h) ? &s->server : &s->client, peer);
		free(r->host);
		r->host = xstrdup(peer);
	}
	m->version++;
}

const struct output_ops model_output_ops = {
	.name = "model",
	.session_start = on_session_start,
	.session_end = on_session_end,
	.alert = on_alert,
	.gateway_changed = on_gateway_changed,
};
