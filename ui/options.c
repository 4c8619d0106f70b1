/* options.c — command-line parsing with getopt_long; every bad value is a
 * one-line error and exit status 1 (tshark's convention). */
#include "config.h"

#include "ui/options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode/mem.h"
#include "ui/output/metrics_http.h"

enum {
	OPT_FORMAT = 256, OPT_GATEWAY, OPT_PORTS, OPT_IDLE, OPT_TRANSCRIPT, OPT_MEMCAP,
	OPT_VERSION, OPT_IMMEDIATE, OPT_TUI, OPT_REPLAY, OPT_ASCII, OPT_GEOIP, OPT_STATS_INTERVAL,
	OPT_RULES, OPT_DISABLE_RULE, OPT_NO_DEFAULT_RULES, OPT_CHECK_RULES,
	OPT_ANY_PORT, OPT_METRICS_FILE, OPT_METRICS_INTERVAL, OPT_METRICS_HOSTS,
	OPT_METRICS_LISTEN,
	OPT_WRITE_ALL, OPT_BUNDLE, OPT_BUNDLE_HOST, OPT_EVIDENCE,
	OPT_RETRY_SCHEDULE, OPT_DELAY_DSN_AFTER, OPT_EXPIRE_AFTER, OPT_NO_QUEUE,
};

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "ports", required_argument, NULL, OPT_PORTS },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "transcript", no_argument, NULL, OPT_TRANSCRIPT },
	{ "memcap", required_argument, NULL, OPT_MEMCAP },
	{ "immediate-mode", no_argument, NULL, OPT_IMMEDIATE },
	{ "tui", no_argument, NULL, OPT_TUI },
	{ "replay", optional_argument, NULL, OPT_REPLAY },
	{ "ascii", no_argument, NULL, OPT_ASCII },
	{ "geoip", required_argument, NULL, OPT_GEOIP },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "disable-rule", required_argument, NULL, OPT_DISABLE_RULE },
	{ "no-default-rules", no_argument, NULL, OPT_NO_DEFAULT_RULES },
	{ "check-rules", no_argument, NULL, OPT_CHECK_RULES },
	{ "write-all", required_argument, NULL, OPT_WRITE_ALL },
	{ "evidence", required_argument, NULL, OPT_EVIDENCE },
	{ "bundle", required_argument, NULL, OPT_BUNDLE },
	{ "bundle-host", required_argument, NULL, OPT_BUNDLE_HOST },
	{ "any-port", no_argument, NULL, OPT_ANY_PORT },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL },
	{ "metrics-hosts", required_argument, NULL, OPT_METRICS_HOSTS },
	{ "metrics-listen", required_argument, NULL, OPT_METRICS_LISTEN },
	{ "retry-schedule", required_argument, NULL, OPT_RETRY_SCHEDULE },
	{ "delay-dsn-after", required_argument, NULL, OPT_DELAY_DSN_AFTER },
	{ "expire-after", required_argument, NULL, OPT_EXPIRE_AFTER },
	{ "no-queue", no_argument, NULL, OPT_NO_QUEUE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void opt_usage(FILE *out)
{
	fputs("Usage: smtpscope [-r FILE... | -i IFACE...] [options] [BPF expression]\n"
	      "Rebuilds SMTP sessions from packets and reports which remote hosts fail, how, since when.\n"
	      "\n"
	      "Input:\n"
	      "  -r FILE              read a pcap or pcapng file, gzip-compressed or not ('-' = stdin);\n"
	      "                       several -r or a quoted pattern ('ring*.pcap'): one capture,\n"
	      "                       merged by time\n"
	      "  -i IFACE             capture live on IFACE ('any' for all); JSON lines out;\n"
	      "                       several -i: all at once (a gateway's inside and outside)\n"
	      "  -D                   list capture interfaces and exit\n"
	      "  -s SNAPLEN           live: bytes captured per packet (default 262144)\n"
	      "  -B KiB               live: kernel capture buffer size in KiB (default 32768)\n"
	      "  -c COUNT             stop after COUNT packets\n"
	      "  -f EXPR, -F FILE     capture filter as an argument, or read from FILE\n"
	      "  -Z USER              live: drop privileges to USER once the capture, output\n"
	      "                       and databases are open\n"
	      "  --immediate-mode     live: deliver packets without buffering delay\n"
	      "  -n                   accepted for tcpdump habits (smtpscope never resolves names)\n"
	      "  -N                   headless: JSON lines, no dashboard (for a service)\n"
	      "  BPF expression       capture filter (default live: tcp port 25 or 465 or 587 or 2525)\n"
	      "\n"
	      "Analysis:\n"
	      "  --ports LIST         SMTP server ports (default 25,465,587,2525; 465 is implicit TLS)\n"
	      "  --any-port           classify every TCP flow with nDPI: SMTP on any port, and\n"
	      "                       what an SMTP port carries when it is not SMTP\n"
	      "  --gateway CIDR[,..]  our side; default: inferred (smtpscope(8): GATEWAY)\n"
	      "  --idle-timeout SECS  a session silent this long has timed out (default 900:\n"
	      "                       longer than servers wait, RFC 5321 4.5.3.2)\n"
	      "  --memcap MB          memory for sessions and buffers (default 512)\n"
	      "  --geoip FILE[,FILE]  MaxMind City/Country and ASN databases for remote hosts\n"
	      "  --rules FILE         more rules, after the built-in ones (repeatable; doc/rules.md)\n"
	      "  --disable-rule NAME  turn one rule off (repeatable)\n"
	      "  --no-default-rules   only the rules given with --rules\n"
	      "  --check-rules [FILE...]\n"
	      "                       validate the rules (built-in, --rules, FILEs), list them, exit\n"
	      "\n"
	      "Queue (messages followed through the gateway; doc/json.md \"message\"):\n"
	      "  --retry-schedule S   the gateway's retry intervals, e.g. 4x1m,10m (default;\n"
	      "                       the last one repeats), for the expiry forecast\n"
	      "  --delay-dsn-after T  a delay DSN is due this long after acceptance (default 4h)\n"
	      "  --expire-after T     a queued message expires this long after acceptance (2d)\n"
	      "  --no-queue           no message tracking and no queue figures\n"
	      "\n"
	      "Evidence (doc/evidence.md):\n"
	      "  -w FILE              also write every packet read to FILE, as tcpdump -w does\n"
	      "                       ('-' = stdout, then with -o; --write-all FILE is the same)\n"
	      "  -C SIZE              -w: new file once larger than SIZE million bytes\n"
	      "                       (or SIZEk/m/g: KiB, MiB, GiB): FILE, FILE1, FILE2 ...\n"
	      "  -G SECS              -w: new file every SECS of capture time, FILE\n"
	      "                       taken as a strftime pattern (local time)\n"
	      "  -W N                 -w with -C or -G: keep at most N files\n"
	      "  --evidence DIR       write the packets of every session an alert flags, from\n"
	      "                       its first packet on, to DIR/HOST-YYYYMMDD.pcap (UTC day);\n"
	      "                       -w DIR on an existing directory still means this, with a\n"
	      "                       warning (it will go away)\n"
	      "  --bundle DIR         with -r FILE: after the report, DIR/HOST/ with evidence.pcap,\n"
	      "                       report.txt, records.json for each host in retry or failing\n"
	      "  --bundle-host ADDR   bundle this host instead (repeatable)\n"
	      "\n"
	      "Output:\n"
	      "  --format text|json|csv  text report (default for -r), JSON lines (default for -i),\n"
	      "                       or one CSV line per session (a spreadsheet)\n"
	      "  -o FILE              write the report or records to FILE instead of stdout\n"
	      "  --transcript         JSON: include each session's dialogue; text: show the\n"
	      "                       dialogue of each session that did not end well\n"
	      "  --stats-interval S   live JSON: host and stats records every S seconds\n"
	      "  --metrics-file PATH  Prometheus metrics for node_exporter's textfile collector,\n"
	      "                       written atomically (doc/metrics.md)\n"
	      "  --metrics-interval S live: rewrite the metrics file every S seconds (default 15)\n"
	      "  --metrics-hosts N    per-host metrics for the N worst hosts, the rest as\n"
	      "                       host=\"other\" (default 20)\n"
	      "  --metrics-listen ADDR:PORT  serve the same metrics over HTTP at /metrics\n"
	      "                       (e.g. 127.0.0.1:9925; [::1]:9925; off by default)\n"
	      "  --tui                browse in the terminal dashboard (default for -i on a terminal)\n"
	      "  --replay[=SPEED]     with -r and --tui: feed the file at capture pace (or SPEED times faster)\n"
	      "                       (--tui and --replay need a terminal)\n"
	      "  --ascii              draw the dashboard with plain ASCII\n"
	      "  -h, --help           this help      --version   version\n"
	      "\n"
	      "Exit status: 0 success, 1 bad usage, 2 unreadable/corrupt input, a link type\n"
	      "smtpscope cannot decode, or capture failure; 130 or 143 when SIGINT or SIGTERM\n"
	      "interrupted the reading of a file (what was read is reported).\n",
	      out);
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;
	if (!s[0] || s[0] == '-')
		return false;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end || x > max)
		return false;
	*v = x;
	return true;
}

/* tcpdump's -C: millions of bytes, or with a k/K, m/M or g/G suffix KiB,
 * MiB or GiB (tcpdump 4.99). */
static bool parse_size(const char *s, uint64_t *bytes)
{
	size_t n = strlen(s);
	uint64_t unit = 1000000;
	char num[32];
	if (n == 0 || n >= sizeof num)
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': unit = 1024; break;
	case 'm': case 'M': unit = 1024 * 1024; break;
	case 'g': case 'G': unit = 1024 * 1024 * 1024; break;
	default: unit = 1000000; n++; break;
	}
	num[n - 1] = '\0';
	unsigned long long v;
	if (!parse_uint(num, UINT64_MAX / unit, &v) || v == 0)
		return false;
	*bytes = v * unit;
	return true;
}

static bool parse_ports(struct options *o, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL;
	o->dec.nports = 0;
	bool ok = true;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long p;
		if (!parse_uint(tok, 65535, &p) || p == 0 || o->dec.nports >= DEC_MAX_PORTS) {
			ok = false;
			break;
		}
		o->dec.ports[o->dec.nports++] = (uint16_t)p;
	}
	free(copy);
	return ok && o->dec.nports > 0;
}

static bool parse_gateways(struct options *o, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL;
	bool ok = true;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->ngateway >= OPT_MAX_GATEWAYS || !prefix_parse(tok, &o->gateway[o->ngateway])) {
			ok = false;
			break;
		}
		o->ngateway++;
	}
	free(copy);
	return ok && o->ngateway > 0;
}

static int bad(const char *what, const char *value)
{
	fprintf(stderr, "smtpscope: invalid %s '%s' (see smtpscope --help)\n", what, value);
	return -1;
}

static int one_option(struct options *o, int c, const char *arg)
{
	unsigned long long v;
	switch (c) {
	case 'r': return input_add_file(&o->inputs, arg) ? 0 : -1;
	case 'i': return input_add_iface(&o->inputs, arg) ? 0 : -1;
	case 'o': o->output = arg; return 0;
	case 'D': o->list_interfaces = true; return 0;
	case 'n': return 0;
	case 'N':
		/* headless (sngrep's -N): JSON lines, never the dashboard */
		if (o->format == FMT_DEFAULT)
			o->format = FMT_JSON;
		return 0;
	case 's':
		if (!parse_uint(arg, 262144, &v))
			return bad("snapshot length (-s)", arg);
		o->cap.snaplen = (int)v;
		return 0;
	case 'B':
		if (!parse_uint(arg, INT_MAX / 1024, &v) || v == 0)
			return bad("buffer size (-B, KiB)", arg);
		o->cap.buffer_kib = (int)v;
		return 0;
	case 'f':
		o->filter_arg = arg;
		return 0;
	case 'F':
		o->filter_file = arg;
		return 0;
	case 'Z':
		o->user = arg;
		return 0;
	case OPT_RULES:
		if (o->nrule_files == OPT_MAX_RULE_FILES)
			return bad("--rules (too many files)", arg);
		o->rule_files[o->nrule_files++] = arg;
		return 0;
	case OPT_DISABLE_RULE:
		if (o->ndisabled_rules == sizeof o->disabled_rules / sizeof o->disabled_rules[0])
			return bad("--disable-rule (too many)", arg);
		o->disabled_rules[o->ndisabled_rules++] = arg;
		return 0;
	case OPT_NO_DEFAULT_RULES: o->no_default_rules = true; return 0;
	case OPT_ANY_PORT: o->dec.any_port = true; return 0;
	case OPT_METRICS_FILE:
		if (!arg[0])
			return bad("--metrics-file (a path)", arg);
		o->metrics_file = arg;
		return 0;
	case OPT_METRICS_INTERVAL:
		if (!parse_uint(arg, 86400, &v) || v == 0)
			return bad("--metrics-interval (seconds)", arg);
		o->metrics_interval = (unsigned)v;
		return 0;
	case OPT_METRICS_HOSTS:
		if (!parse_uint(arg, 10000, &v))
			return bad("--metrics-hosts (0 to 10000)", arg);
		o->metrics_hosts = (unsigned)v;
		return 0;
	case OPT_METRICS_LISTEN:
		if (!metrics_listen_valid(arg))
			return bad("--metrics-listen (ADDR:PORT, numeric address)", arg);
		o->metrics_listen = arg;
		return 0;
	case OPT_CHECK_RULES: o->check_rules = true; return 0;
	case OPT_STATS_INTERVAL:
		if (!parse_uint(arg, 86400, &v) || v == 0)
			return bad("--stats-interval (seconds)", arg);
		o->stats_interval = (unsigned)v;
		return 0;
	case 'c':
		if (!parse_uint(arg, ULLONG_MAX, &v) || v == 0)
			return bad("packet count (-c)", arg);
		o->count = v;
		return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0)
			o->format = FMT_TEXT;
		else if (strcmp(arg, "json") == 0)
			o->format = FMT_JSON;
		else if (strcmp(arg, "csv") == 0)
			o->format = FMT_CSV;
		else
			return bad("format (text, json or csv)", arg);
		return 0;
	case OPT_GATEWAY:
		o->gateway_arg = arg;
		return parse_gateways(o, arg) ? 0 : bad("--gateway (CIDR[,CIDR...])", arg);
	case OPT_PORTS:
		return parse_ports(o, arg) ? 0 : bad("--ports (e.g. 25,587)", arg);
	case OPT_IDLE:
		if (!parse_uint(arg, 7 * 86400, &v) || v == 0)
			return bad("--idle-timeout (seconds)", arg);
		o->dec.idle_timeout_us = (int64_t)v * 1000000;
		return 0;
	case OPT_MEMCAP:
		if (!parse_uint(arg, 1024 * 1024, &v) || v < 16)
			return bad("--memcap (MB, at least 16)", arg);
		o->memcap = (size_t)v << 20;
		return 0;
	case OPT_RETRY_SCHEDULE:
		return mq_parse_retry(arg, &o->sched) ? 0 : bad("--retry-schedule (e.g. 4x1m,10m)", arg);
	case OPT_DELAY_DSN_AFTER:
		return mq_parse_duration(arg, &o->sched.delay_dsn_us) ? 0 : bad("--delay-dsn-after (e.g. 4h)", arg);
	case OPT_EXPIRE_AFTER:
		return mq_parse_duration(arg, &o->sched.expire_us) ? 0 : bad("--expire-after (e.g. 2d)", arg);
	case OPT_NO_QUEUE: o->no_queue = true; return 0;
	case OPT_TRANSCRIPT: o->transcript = true; return 0;
	case OPT_TUI: o->tui = true; return 0;
	case OPT_ASCII: o->ascii = true; return 0;
	case OPT_GEOIP: o->geoip = arg; return 0;
	case OPT_REPLAY: {
		char *end;
		double speed = arg ? strtod(arg, &end) : 1.0;
		if (arg && (*end || !(speed > 0) || speed > 1e6))
			return bad("--replay speed (e.g. 1, 10, 0.5)", arg);
		o->replay_speed = speed;
		o->tui = true;
		return 0;
	}
	case OPT_IMMEDIATE: o->cap.immediate = true; return 0;
	case 'w': o->w_arg = arg; return 0;
	case OPT_EVIDENCE:
		if (!arg[0])
			return bad("--evidence (a directory)", arg);
		o->evidence_dir = arg;
		return 0;
	case OPT_WRITE_ALL: o->write_all = arg; return 0;
	case 'C':
		if (!parse_size(arg, &o->rotate_bytes))
			return bad("file size (-C, millions of bytes, or with k/m/g)", arg);
		return 0;
	case 'G':
		if (!parse_uint(arg, INT_MAX, &v) || v == 0)
			return bad("rotation interval (-G, seconds)", arg);
		o->rotate_secs = (unsigned)v;
		return 0;
	case 'W':
		if (!parse_uint(arg, 100000, &v) || v == 0)
			return bad("file count (-W)", arg);
		o->rotate_files = (unsigned)v;
		return 0;
	case OPT_BUNDLE: o->bundle_dir = arg; return 0;
	case OPT_BUNDLE_HOST:
		if (o->nbundle_hosts == OPT_MAX_BUNDLE_HOSTS)
			return bad("--bundle-host (too many)", arg);
		if (!addr_parse(arg, &o->bundle_hosts[o->nbundle_hosts]))
			return bad("--bundle-host (an IPv4 or IPv6 address)", arg);
		o->nbundle_hosts++;
		return 0;
	default: return -1;
	}
}

/* -w FILE writes every packet, as tcpdump's -w does (a tcpdump user's first
 * guess).  Before, -w DIR meant the evidence pcaps (now --evidence DIR):
 * an existing directory keeps that meaning for a while, with a warning, so
 * the units and scripts written for it go on working. */
static bool resolve_w(struct options *o)
{
	if (!o->w_arg)
		return true;
	struct stat sb;
	if (stat(o->w_arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (o->evidence_dir) {
			fprintf(stderr, "smtpscope: -w %s is a directory and --evidence is given: "
				"-w FILE writes every packet to a file\n", o->w_arg);
			return false;
		}
		fprintf(stderr, "smtpscope: warning: -w %s: a directory; taken as --evidence %s "
			"(deprecated: -w FILE now writes every packet, as tcpdump does)\n",
			o->w_arg, o->w_arg);
		o->evidence_dir = o->w_arg;
		return true;
	}
	if (o->write_all) {
		fprintf(stderr, "smtpscope: give -w FILE or --write-all FILE, not both\n");
		return false;
	}
	o->write_all = o->w_arg;
	return true;
}

/* -w - writes the packets to standard output, as tcpdump's does (libpcap
 * takes "-" for stdout): the report or records must then go elsewhere, or
 * they would be mixed into the pcap stream. */
static bool check_stdout_capture(const struct options *o)
{
	if (!o->write_all || strcmp(o->write_all, "-") != 0 || o->output)
		return true;
	fprintf(stderr, "smtpscope: -w - writes the packets to standard output: give -o FILE for the "
		"report (see smtpscope --help)\n");
	return false;
}

/* -C/-G/-W shape --write-all's files (as they shape tcpdump's -w), and a
 * bundle re-reads its capture file after a batch run. */
static bool check_evidence_options(const struct options *o)
{
	const char *e = NULL;
	if ((o->rotate_bytes || o->rotate_secs || o->rotate_files) && !o->write_all)
		e = "-C, -G and -W need -w FILE (or --write-all FILE)";
	else if (o->rotate_files && !o->rotate_bytes && !o->rotate_secs)
		e = "-W needs -C or -G";
	else if (o->nbundle_hosts && !o->bundle_dir)
		e = "--bundle-host needs --bundle DIR";
	else if (o->bundle_dir && (!o->cap.file || strcmp(o->cap.file, "-") == 0 || o->tui))
		e = "--bundle needs -r FILE (not stdin) without --tui (the dashboard has its own key)";
	if (e)
		fprintf(stderr, "smtpscope: %s (see smtpscope --help)\n", e);
	return e == NULL;
}

static char *join_args(int argc, char **argv)
{
	size_t n = 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = xmalloc(n);
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* -F FILE: the whole file is the expression ('#' comments dropped, as tcpdump
 * does not, but a filter file is easier to keep with them). */
static char *read_filter_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "smtpscope: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 256, len = 0;
	char *buf = xmalloc(cap), line[1024];
	buf[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		size_t n = strlen(line);
		if (len + n + 2 > cap) {
			cap = (len + n + 2) * 2;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf + len, line, n);
		len += n;
		buf[len++] = ' ';
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

enum opt_result opt_parse(struct options *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	dec_config_default(&o->dec);
	o->memcap = (size_t)512 << 20;
	mq_default_schedule(&o->sched);
	o->cap.promisc = true;
	o->metrics_interval = 15;
	o->metrics_hosts = 20;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":r:i:o:s:B:c:f:F:Z:w:C:G:W:DNnh", long_opts, NULL)) != -1) {
		if (c == 'h') {
			opt_usage(stdout);
			return OPT_EXIT_OK;
		}
		if (c == OPT_VERSION) {
			printf("smtpscope %s\n", PACKAGE_VERSION);
			return OPT_EXIT_OK;
		}
		if (c == '?') {
			fprintf(stderr, "smtpscope: unknown option '%s' (see smtpscope --help)\n",
				argv[optind - 1]);
			return OPT_EXIT_USAGE;
		}
		if (c == ':') {
			fprintf(stderr, "smtpscope: option '%s' needs a value\n", argv[optind - 1]);
			return OPT_EXIT_USAGE;
		}
		if (one_option(o, c, optarg) != 0)
			return OPT_EXIT_USAGE;
	}
	input_apply(&o->inputs, &o->cap);
	/* "--check-rules FILE..." checks those files: words after the options
	 * are rule files here, not a capture filter (a file silently taken as a
	 * BPF expression would be "checked" with exit 0). */
	if (o->check_rules) {
		for (; optind < argc; optind++) {
			if (o->nrule_files == OPT_MAX_RULE_FILES) {
				fprintf(stderr, "smtpscope: at most %d rule files\n", OPT_MAX_RULE_FILES);
				return OPT_EXIT_USAGE;
			}
			o->rule_files[o->nrule_files++] = argv[optind];
		}
	}
	int nsrc = (optind < argc) + (o->filter_arg != NULL) + (o->filter_file != NULL);
	if (nsrc > 1) {
		fprintf(stderr, "smtpscope: give the filter once: as arguments, -f EXPR or -F FILE\n");
		return OPT_EXIT_USAGE;
	}
	if (optind < argc) {
		o->bpf_owned = join_args(argc - optind, argv + optind);
		o->cap.bpf = o->bpf_owned;
	} else if (o->filter_arg) {
		o->cap.bpf = o->filter_arg;
	} else if (o->filter_file) {
		o->bpf_owned = read_filter_file(o->filter_file);
		if (!o->bpf_owned)
			return OPT_EXIT_USAGE;
		o->cap.bpf = o->bpf_owned;
	}
	if (o->list_interfaces || o->check_rules)
		return OPT_RUN;
	/* A span port delivers bursts; libpcap's 2 MB default ring overflows at
	 * once (a few dozen full-size slots).  tcpdump -B habits still apply. */
	if (o->cap.iface && o->cap.buffer_kib == 0)
		o->cap.buffer_kib = 32 * 1024;
	if (o->replay_speed > 0 && !o->cap.file) {
		fprintf(stderr, "smtpscope: --replay needs -r FILE\n");
		return OPT_EXIT_USAGE;
	}
	if (!resolve_w(o) || !check_stdout_capture(o) || !check_evidence_options(o))
		return OPT_EXIT_USAGE;
	if (!o->cap.file == !o->cap.iface) {
		fprintf(stderr, "smtpscope: give exactly one of -r FILE or -i IFACE (see smtpscope --help)\n");
		return OPT_EXIT_USAGE;
	}
	if (o->transcript) {
		o->dec.smtp.tr_head = 32;
		o->dec.smtp.tr_tail = 32;
	}
	return OPT_RUN;
}

void opt_free(struct options *o)
{
	free(o->bpf_owned);
	o->bpf_owned = NULL;
	input_free(&o->inputs);
}
