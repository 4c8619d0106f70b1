/* pipeline.h — the one place decode/'s events go: the host model first
 * (the rules read it), then the rule engine, then every registered output
 * (ui/output/output.h).  The program (ui/main.c) and the fuzz harness
 * (tests/fuzz/fuzz_capture.c) wire the same pipeline. */
#ifndef SMTPSCOPE_PIPELINE_H
#define SMTPSCOPE_PIPELINE_H

#include "decode/decoder.h"
#include "rules/host_model.h"
#include "ui/output/output.h"

struct rule_set;
struct env_attempts;
struct path_memory;

struct pipeline {
	struct host_model *hm;
	struct rule_set *rules;     /* NULL: no rules; replaced on SIGHUP */
	struct env_attempts *triplets; /* attempts by envelope triplet (greylisting); may be NULL */
	struct path_memory *paths;  /* full-size segments ACKed per path (pmtu-blackhole); may be NULL */
	const struct decoder *dec;  /* for the time of TCP events; set after dec_new */
	struct outputs outs;
	uint64_t alerts;            /* raised so far */
	uint64_t gw_changes_told;   /* gateway decisions announced so far */
	struct dec_sink sink;       /* what pipeline_sink() hands the decoder */
};

/* The decoder's callbacks, pointing at p, for dec_new (call after the
 * outputs are registered: the packet hook is set only when one wants
 * packets). */
const struct dec_sink *pipeline_sink(struct pipeline *p);

/* The host model's status hook (host_model_config.on_status, ctx = p). */
void pipeline_host_status(void *ctx, const struct host_entry *e, enum host_status old);

void pipeline_tick(struct pipeline *p, int64_t now_us, const struct run_summary *sum);
/* Every output's periodic or final records; 0, or 2 if one failed. */
int pipeline_state(struct pipeline *p, const struct run_summary *sum);
/* Closes every output; 0, or 2 if one failed. */
int pipeline_close(struct pipeline *p);

#endif
