/* model_output.c — the dashboard's model as an output. */
#include "config.h"

#include "ui/output/model_output.h"

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
	model_take_alert(self, al);
}

const struct output_ops model_output_ops = {
	.name = "model",
	.session_start = on_session_start,
	.session_end = on_session_end,
	.alert = on_alert,
};
