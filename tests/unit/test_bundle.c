/* test_bundle.c — bundle_write_host as the TUI calls it: the app set up as
 * for the dashboard (a model, decoding under the model lock, the default
 * rules), the outage sample fed, then one host's folder written and read
 * back; and the live case, where no capture file can be read again. */
#include "config.h"

#include <pcap/pcap.h>
#include <stdlib.h>

#include "ui/app.h"
#include "ui/output/model_output.h"
#include "ui/bundle.h"
#include "rules/default_rules.h"
#include "decode/mem.h"
#include "rules/rule_lang.h"
#include "check.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

static char dir[64];

static void feed(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct app *a = ctx;
	model_lock(a->model); /* as app_on_packet does beside the TUI */
	dec_packet(a->dec, linktype, ts, data, caplen, wirelen);
	model_unlock(a->model);
}

static size_t count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[65536];
	size_t n = 0;
	while (fgets(line, sizeof line, f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

static long count_packets(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, err);
	if (!p)
		return -1;
	struct pcap_pkthdr *h;
	const u_char *d;
	long n = 0;
	while (pcap_next_ex(p, &h, &d) == 1)
		n++;
	pcap_close(p);
	return n;
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_bundle.XXXXXX");
	if (!mkdtemp(dir))
		return 99;
	struct app a;
	memset(&a, 0, sizeof a);
	dec_config_default(&a.opt.dec);
	a.opt.cap.file = SRCDIR "/samples/outage-rst-mid-data.pcap";
	char err[512];
	a.cap = cap_open(&a.opt.cap, err, sizeof err);
	CHECK(a.cap != NULL);
	if (!a.cap)
		CHECK_DONE();
	a.linktype = cap_linktype(a.cap);
	a.pipe.rules = rules_load_base("(built-in)", smtpscope_default_rules, NULL, 0, NULL, 0, err,
				  sizeof err);
	CHECK(a.pipe.rules != NULL);
	struct host_model_config hc = { .on_status = pipeline_host_status, .status_ctx = &a.pipe,
					.window_us = 3600LL * 1000000, .max_hosts = 1000 };
	a.pipe.hm = hm_new(&hc);
	a.tui = true;
	a.locked = true;
	a.model = model_new(a.pipe.hm, 100, 100);
	output_add(&a.pipe.outs, &model_output_ops, a.model);
	a.dec = dec_new(&a.opt.dec, pipeline_sink(&a.pipe));
	a.pipe.dec = a.dec;
	cap_run(a.cap, 0, feed, NULL, &a);
	model_lock(a.model);
	dec_finish(a.dec);
	model_unlock(a.model);

	struct ip_addr host;
	addr_parse("198.51.100.20", &host);
	char path[256];
	CHECK_EQ_INT(bundle_write_host(&a, &host, dir, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/198.51.100.20/records.json", dir);
	CHECK_EQ_INT(count_lines(path, "\"type\":\"session\""), 6);
	CHECK_EQ_INT(count_lines(path, "\"type\":\"alert\""), 7);
	CHECK_EQ_INT(count_lines(path, "\"type\":\"host\""), 1);
	CHECK_EQ_INT(count_lines(path, "198.51.100.7\""), 0);
	snprintf(path, sizeof path, "%s/198.51.100.20/report.txt", dir);
	CHECK_EQ_INT(count_lines(path, " rst-mid-data "), 1); /* one finding per rule and host */
	CHECK_EQ_INT(count_lines(path, "    S: "), 6 * 6); /* a bundle shows the dialogues: 6 server lines each */
	CHECK_EQ_INT(count_lines(path, "198.51.100.7 "), 0);
	snprintf(path, sizeof path, "%s/198.51.100.20/evidence.pcap", dir);
	CHECK_EQ_INT(count_packets(path), 242);

	/* live: no file to read again; the other two are still written */
	a.opt.cap.file = NULL;
	addr_parse("198.51.100.7", &host);
	CHECK_EQ_INT(bundle_write_host(&a, &host, dir, err, sizeof err), -1);
	CHECK(strstr(err, "evidence.pcap") != NULL);
	snprintf(path, sizeof path, "%s/198.51.100.7/records.json", dir);
	CHECK_EQ_INT(count_lines(path, "\"type\":\"session\""), 2);

	/* a folder that cannot be made */
	snprintf(path, sizeof path, "%s/198.51.100.7/records.json/x", dir);
	CHECK_EQ_INT(bundle_write_host(&a, &host, path, err, sizeof err), -1);

	dec_free(a.dec);
	model_free(a.model);
	hm_free(a.pipe.hm);
	rules_free(a.pipe.rules);
	cap_close(a.cap);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	CHECK_DONE();
}
