/* text_output.c — the text report as an output. */
#include "config.h"

#include "ui/output/text_output.h"

#include <stdlib.h>

#include "decode/mem.h"
#include "rules/rule_lang.h"
#include "ui/output/text_report.h"

struct text_output {
	struct report *rep;
	FILE *out;
};

struct text_output *text_output_new(FILE *out)
{
	struct text_output *to = xcalloc(1, sizeof *to);
	to->rep = rep_new();
	to->out = out;
	return to;
}

void text_output_set_transcripts(struct text_output *to, bool on)
{
	rep_set_transcripts(to->rep, on);
}

void text_output_set_file(struct text_output *to, FILE *out)
{
	to->out = out;
}

static bool on_session_end(void *self, struct smtp_session *s)
{
	struct text_output *to = self;
	rep_session_end(to->rep, s);
	return false;
}

static void on_alert(void *self, const struct alert *al)
{
	struct text_output *to = self;
	/* a queue alert's domain stands where a host alert shows its host */
	rep_alert(to->rep, al->rule, al->severity, al->ts_us, al->host ? al->host : al->domain,
		  al->message, al->count, al->update);
}

static int on_state(void *self, const struct run_summary *sum)
{
	struct text_output *to = self;
	if (!sum->final)
		return 0; /* one report, at the end */
	struct report_context rc = {
		.source = sum->source,
		.linktype = sum->linktype,
		.gateway_arg = sum->gateway_arg,
		.cap = sum->cap,
		.inputs = sum->inputs,
		.ninputs = sum->ninputs,
		.dec = sum->dec,
		.hm = sum->hm,
		.memory_peak = sum->memory_peak,
		.interrupted = sum->interrupted,
		.mq = sum->mq,
		.now = sum->now,
	};
	rep_print(to->rep, to->out, &rc);
	return 0;
}

static int on_close(void *self)
{
	struct text_output *to = self;
	rep_free(to->rep);
	free(to);
	return 0;
}

const struct output_ops text_output_ops = {
	.name = "text",
	.session_end = on_session_end,
	.alert = on_alert,
	.state = on_state,
	.close = on_close,
};
