/* options.h — the command line (DESIGN.md "Command line"; tcpdump's letters
 * where they exist). */
#ifndef SMTPSCOPE_OPTIONS_H
#define SMTPSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/capture.h"
#include "decode/addr.h"
#include "ui/input_list.h"
#include "decode/decoder.h"
#include "rules/queue.h"

enum out_format { FMT_DEFAULT, FMT_TEXT, FMT_JSON, FMT_CSV };

#define OPT_MAX_GATEWAYS 32

struct options {
	struct cap_options cap;
	struct dec_config dec;
	enum out_format format;
	const char *output;        /* -o FILE, NULL = stdout */
	uint64_t count;            /* -c: stop after this many packets */
	bool list_interfaces;      /* -D */
	bool transcript;           /* --transcript */
	bool tui;                  /* --tui (default for -i on a terminal) */
	double replay_speed;       /* --replay[=SPEED]: 0 = off, 1 = capture pace */
	bool ascii;                /* --ascii: plain ASCII screen drawing */
	const char *geoip;         /* --geoip FILE[,FILE] */
	const char *filter_arg;    /* -f EXPR */
	const char *filter_file;   /* -F FILE */
	const char *user;          /* -Z USER */
	unsigned stats_interval;   /* --stats-interval SECS, 0 = only at the end */
	const char *metrics_file;  /* --metrics-file PATH (Prometheus textfile), NULL = none */
	unsigned metrics_interval; /* --metrics-interval SECS (live), default 15 */
	const char *metrics_listen; /* --metrics-listen ADDR:PORT (HTTP /metrics), NULL = off */
	unsigned metrics_hosts;    /* --metrics-hosts N: per-host series for the N worst, default 20 */
#define OPT_MAX_RULE_FILES 16
	const char *rule_files[OPT_MAX_RULE_FILES]; /* --rules FILE, in order */
	size_t nrule_files;
	const char *disabled_rules[64];            /* --disable-rule NAME */
	size_t ndisabled_rules;
	bool no_default_rules;     /* --no-default-rules */
	bool check_rules;          /* --check-rules: validate, list, exit */
	size_t memcap;             /* bytes */
	struct mq_schedule sched;  /* --retry-schedule, --delay-dsn-after, --expire-after */
	bool no_queue;             /* --no-queue: no message tracking */
	struct ip_prefix gateway[OPT_MAX_GATEWAYS];
	size_t ngateway;
	const char *gateway_arg;   /* --gateway as given */
	char *bpf_owned;           /* joined trailing arguments */
	struct input_list inputs;  /* -r and -i as given, patterns expanded (cap points here) */
	/* evidence and full capture (doc/evidence.md) */
	const char *w_arg;         /* -w as given: a FILE, or (deprecated) an existing DIR */
	const char *evidence_dir;  /* --evidence DIR: pcaps of the sessions alerts flag */
	const char *write_all;     /* -w FILE or --write-all FILE: every packet read */
	uint64_t rotate_bytes;     /* -C: new --write-all file past this size (0 = never) */
	unsigned rotate_secs;      /* -G: new --write-all file every SECS of capture time */
	unsigned rotate_files;     /* -W: at most this many --write-all files */
	const char *bundle_dir;    /* --bundle DIR: incident bundles after a batch run */
#define OPT_MAX_BUNDLE_HOSTS 64
	struct ip_addr bundle_hosts[OPT_MAX_BUNDLE_HOSTS]; /* --bundle-host ADDR */
	size_t nbundle_hosts;
};

enum opt_result { OPT_RUN, OPT_EXIT_OK, OPT_EXIT_USAGE };

/* Parses argv; on OPT_EXIT_USAGE a one-line reason was printed to stderr. */
enum opt_result opt_parse(struct options *o, int argc, char **argv);
void opt_free(struct options *o);
void opt_usage(FILE *out);

#endif
