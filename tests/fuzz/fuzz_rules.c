/* fuzz_rules.c — the rule language (rules/rule_lang.h): a rule file in,
 * compiled, listed and evaluated against a few events.
 *
 * The input is the text of one rule file.  It is written to a memfd and
 * loaded with rules_load, as --rules FILE does (odd-sized inputs: after the
 * built-in default rules, which the file may replace, one disabled).  A refused file must come
 * with one line of reason; a loaded one is listed (rules_list) and run over
 * every event type, several times so aggregating rules fill their windows,
 * with the events built from a canned SMTP dialogue parsed once.  Alerts
 * must carry terminated strings and sane counts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rules/default_rules.h"
#include "fuzz.h"
#include "rules/host_model.h"
#include "rules/rule_event.h"
#include "rules/rule_lang.h"
#include "decode/smtp_parser.h"

static const char dialogue_s1[] = "220 mx.example.net ESMTP ready\r\n";
static const char dialogue_c1[] = "EHLO client.example.org\r\n";
static const char dialogue_s2[] = "250-mx.example.net\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 SIZE 1000\r\n";
static const char dialogue_c2[] = "MAIL FROM:<a@example.org> SIZE=300\r\nRCPT TO:<b@example.net>\r\n"
				  "RCPT TO:<c@other.example>\r\nDATA\r\n";
static const char dialogue_s3[] = "250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 no such user\r\n"
				  "354 go ahead\r\n";
static const char dialogue_c3[] = "Message-ID: <x@y>\r\nSubject: hi\r\n\r\nbody\r\n.\r\n";
static const char dialogue_s4[] = "451 4.3.0 try again later\r\n";

static struct smtp_session *session;
static struct smtp_config cfg;
static struct host_entry host;
static int memfd = -1;
static char path[64];

static void feed(enum side side, const char *text, int64_t ts)
{
	smtp_feed(session, side, ts, (const uint8_t *)text, strlen(text));
}

static void setup(void)
{
	static const struct dec_sink sink;
	static const uint8_t cli[4] = { 192, 0, 2, 1 }, srv[4] = { 198, 51, 100, 2 };
	smtp_config_default(&cfg);
	session = smtp_session_new(1, &cfg, &sink);
	addr_from_v4(&session->client, cli);
	addr_from_v4(&session->server, srv);
	session->client_port = 40000;
	session->server_port = 25;
	session->start_ts = 1700000000000000LL;
	feed(SIDE_SERVER, dialogue_s1, session->start_ts + 1000);
	feed(SIDE_CLIENT, dialogue_c1, session->start_ts + 2000);
	feed(SIDE_SERVER, dialogue_s2, session->start_ts + 3000);
	feed(SIDE_CLIENT, dialogue_c2, session->start_ts + 4000);
	feed(SIDE_SERVER, dialogue_s3, session->start_ts + 5000);
	feed(SIDE_CLIENT, dialogue_c3, session->start_ts + 6000);
	feed(SIDE_SERVER, dialogue_s4, session->start_ts + 7000);
	session->end_reason = END_RST;
	session->end_by = SIDE_SERVER;
	session->rst_by = SIDE_SERVER;
	smtp_end(session, session->start_ts + 9000);

	host.addr = session->server;
	host.role = ROLE_SERVER;
	snprintf(host.name, sizeof host.name, "mx.example.net");
	host.sessions = 3;
	host.messages = 2;
	host.deferred = 2;
	host.status = HS_RETRY;
	snprintf(host.last_error, sizeof host.last_error, "451 4.3.0 try again later");
	host.first_seen = session->start_ts - 1000000;

	memfd = memfd_create("fuzz-rules", 0);
	if (memfd < 0) {
		perror("memfd_create");
		abort();
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
}

static void on_alert(void *ctx, const struct alert *a)
{
	(void)ctx;
	FZ_CHECK(a->rule && strlen(a->rule) < 1024, "alert without a rule name");
	FZ_CHECK(a->severity == SEV_INFO || a->severity == SEV_WARNING || a->severity == SEV_CRITICAL,
		 "alert severity %d", (int)a->severity);
	FZ_CHECK(a->message && strlen(a->message) < 65536, "alert without a message");
	FZ_CHECK(!a->host || strlen(a->host) < 1024, "alert host not terminated");
	FZ_CHECK(a->count >= 1, "alert with count 0");
}

static void eval_all(struct rule_set *rs, int64_t ts)
{
	const struct smtp_txn *t = session->txn_head;
	struct msg_history mh = { .known = true, .attempts = 2, .failures = 2,
				  .first_attempt_ts = ts - 3600000000LL, .last_attempt_ts = ts - 600000000LL,
				  .first_deferral_code = 451, .first_deferral_enhanced = "4.3.0",
				  .first_deferral_ts = ts - 3600000000LL };
	const struct smtp_reply *reply = session->has_last_reply ? &session->last_reply : &session->banner;
	struct rule_event evs[] = {
		{ .type = EV_SESSION_END, .ts_us = ts, .session = session, .host = &host, .outbound = true },
		{ .type = EV_TXN_END, .ts_us = ts, .session = session, .txn = t, .msg = &mh, .host = &host,
		  .outbound = true },
		{ .type = EV_TXN_END, .ts_us = ts, .session = session, .txn = t, .msg = NULL, .host = NULL },
		{ .type = EV_REPLY, .ts_us = ts, .session = session, .reply = reply, .verb = "EOD",
		  .latency_us = 1500000, .host = &host, .outbound = true },
		{ .type = EV_REPLY, .ts_us = ts, .session = session, .reply = &session->banner,
		  .verb = "BANNER", .latency_us = -5, .host = NULL },
		{ .type = EV_TCP, .ts_us = ts, .session = session, .tcp_what = TCP_RETRANSMIT_RUN,
		  .tcp_side = SIDE_CLIENT, .tcp_value = 6, .host = &host },
		{ .type = EV_TCP, .ts_us = ts, .session = session, .tcp_what = TCP_GAP,
		  .tcp_side = SIDE_SERVER, .tcp_value = UINT64_MAX },
		{ .type = EV_HOST_STATUS, .ts_us = ts, .host = &host, .outbound = true,
		  .old_status = HS_RETRY, .new_status = HS_FAILING },
	};
	for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
		rules_eval(rs, &evs[i], on_alert, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!session)
		setup();
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	const char *files[1] = { path };
	static const char *const disabled[1] = { "rst-mid-data" };
	char err[512];
	memset(err, 0, sizeof err);
	/* Odd sizes: as the command line loads them, after the built-in rules
	 * (which the file may `replace`), with one of those disabled. */
	struct rule_set *rs = (size & 1)
		? rules_load_base("(built-in default.rules)", smtpscope_default_rules, files, 1,
				  disabled, 1, err, sizeof err)
		: rules_load(files, 1, NULL, 0, err, sizeof err);
	if (!rs) {
		FZ_CHECK(err[0] != '\0', "rules_load failed without a reason");
		FZ_CHECK(memchr(err, '\0', sizeof err) && !strchr(err, '\n'),
			 "rules_load's reason is not one line: \"%s\"", err);
		return 0;
	}
	char *list = NULL;
	size_t llen = 0;
	FILE *lf = open_memstream(&list, &llen);
	if (!lf)
		abort();
	rules_list(rs, lf);
	fclose(lf);
	free(list);
	(void)rules_count(rs);
	int64_t ts = session->start_ts;
	for (int round = 0; round < 4; round++)
		eval_all(rs, ts += 45000000);
	(void)rules_groups_evicted(rs);
	rules_free(rs);
	return 0;
}
