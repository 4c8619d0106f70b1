/* json_gateway.c — the gateway decision in JSON: the "gateway" object of the
 * stats record and, live, a "gateway" record whenever the inferred set
 * changes (doc/json.md). */
#include "config.h"

#include "rules/gateway.h"
#include "ui/output/json_out.h"

static void members(struct jw *w, const struct gateway *g)
{
	struct gw_member m[GW_MAX_MEMBERS];
	size_t n = gw_members(g, m, GW_MAX_MEMBERS);
	jw_karray_begin(w, "addresses");
	for (size_t i = 0; i < n; i++) {
		char a[ADDR_STRLEN];
		addr_format(&m[i].addr, a);
		jw_object_begin(w);
		jw_kstr(w, "address", a);
		jw_kuint(w, "sessions_as_client", m[i].as_client);
		jw_kuint(w, "sessions_as_server", m[i].as_server);
		jw_kstr(w, "ehlo", m[i].ehlo[0] ? m[i].ehlo : NULL);
		jw_kstr(w, "banner", m[i].banner[0] ? m[i].banner : NULL);
		jw_key(w, "hops");
		if (m[i].hops < 255)
			jw_uint(w, m[i].hops);
		else
			jw_null(w);
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* "source", "addresses" with their evidence, and the session counts. */
static void body(struct jw *w, const struct gateway *g)
{
	bool given = gw_given(g);
	struct gw_member one;
	jw_key(w, "source");
	if (given)
		jw_str(w, "given");
	else if (gw_members(g, &one, 1))
		jw_str(w, "inferred");
	else
		jw_null(w); /* no session: nothing to infer from */
	members(w, g);
	jw_kuint(w, "sessions", gw_sessions(g));
	jw_kuint(w, "sessions_with_gateway", gw_sessions_with_gateway(g));
	jw_kuint(w, "changes", gw_changes(g));
	jw_karray_begin(w, "unmatched");
	const struct ip_prefix *u[64];
	size_t n = gw_unmatched(g, u, 64);
	for (size_t i = 0; i < n; i++) {
		char p[ADDR_STRLEN + 8];
		gw_prefix_format(u[i], p, sizeof p);
		jw_str(w, p);
	}
	jw_array_end(w);
}

/* What the inference's bounded tables could not keep (the stats record
 * only: a live `gateway` record has no first pass, and its tables are the
 * same ones the final stats record reports). */
static void losses(struct jw *w, const struct gateway *g)
{
	jw_kuint(w, "addresses_dropped", gw_addrs_dropped(g));
	jw_kuint(w, "names_dropped", gw_names_dropped(g));
	const struct facts_stats *fp = gw_first_pass(g);
	jw_key(w, "first_pass");
	if (!fp) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_kuint(w, "sessions_evicted", fp->flows_evicted);
	jw_kuint(w, "names_missing", fp->names_dropped);
	jw_object_end(w);
}

void json_gateway_fields(struct jw *w, const struct gateway *g)
{
	jw_kobject_begin(w, "gateway");
	body(w, g);
	losses(w, g);
	jw_object_end(w);
}

void json_gateway(struct jw *w, const struct gateway *g, int64_t ts_us)
{
	jw_object_begin(w);
	jw_kstr(w, "type", "gateway");
	jw_ktime(w, "ts", ts_us);
	body(w, g);
	jw_object_end(w);
	jw_record_end(w);
}
