/* sink.c — where decode/ events go: the host model first (rules read it),
 * then the rule engine, then the model the TUI reads or the batch outputs. */
#include "config.h"

#include <string.h>

#include "app.h"
#include "json_out.h"
#include "smtp_session.h"

static void on_session_start(void *ctx, const struct smtp_session *s)
{
	struct app *a = ctx;
	hm_session_start(a->hm, s);
	if (a->model)
		model_session_start(a->model, s);
}

static bool on_session_end(void *ctx, struct smtp_session *s)
{
	struct app *a = ctx;
	hm_session_end(a->hm, s);
	if (a->model) {
		model_session_end(a->model, s);
		return true;
	}
	if (a->json) {
		json_session(&a->jw, s, a->opt.transcript);
		if (a->live)
			fflush(a->out);
	} else {
		rep_session_end(a->report, s);
	}
	return false;
}

/* Live JSON: a host record on every status change, as it happens. */
void app_host_status(void *ctx, const struct host_entry *e, enum host_status old)
{
	struct app *a = ctx;
	(void)old;
	if (!a->json || !a->live || hm_is_gateway(a->hm, &e->addr))
		return;
	json_host(&a->jw, e);
	fflush(a->out);
}

void app_init_sink(struct app *a)
{
	memset(&a->sink, 0, sizeof a->sink);
	a->sink.ctx = a;
	a->sink.session_start = on_session_start;
	a->sink.session_end = on_session_end;
}
