/* evidence_output.c — -w DIR evidence (and the live dashboard's 'w') as an output. */
#include "config.h"

#include "ui/output/evidence_output.h"

#include "capture/evidence.h"
#include "rules/rule_lang.h"

static void on_packet(void *self, const struct smtp_session *s, int64_t ts_us, const uint8_t *frame,
		      uint32_t caplen, uint32_t wirelen)
{
	evidence_packet(self, s->id, ts_us, frame, caplen, wirelen);
}

static void on_alert(void *self, const struct alert *al)
{
	evidence_alert(self, al->session_id, al->host, al->ts_us);
}

static bool on_session_end(void *self, struct smtp_session *s)
{
	/* the rules ran before: an alert at the end has flagged it already */
	evidence_session_end(self, s->id);
	return false;
}

/* Live: what was written is on disk while the capture runs. */
static void on_tick(void *self, int64_t now_us, const struct run_summary *sum)
{
	(void)now_us;
	(void)sum;
	evidence_flush(self);
}

const struct output_ops evidence_output_ops = {
	.name = "evidence",
	.packet = on_packet,
	.wants_packets = true,
	.alert = on_alert,
	.session_end = on_session_end,
	.tick = on_tick,
};
