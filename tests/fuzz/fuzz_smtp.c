/* fuzz_smtp.c — the SMTP dialogue parser fed direction-tagged chunks, as
 * the decoder feeds it reassembled bytes (decode/smtp_parser.h).
 *
 * Input: [1 byte: configuration] then records [1 byte tag][2 bytes length,
 * little endian][bytes].  Configuration: bits 0-1 == 3 makes the session
 * implicit TLS (port 465); bit 2 selects tiny limits (line, recipients,
 * transactions, pipelined commands, strings, transcript) so every overflow
 * path runs; bits 5-7 pick how the connection ends.  Tag: bit 0 is the
 * sender (0 client, 1 server); bit 1 makes the record a gap of `length`
 * bytes (bit 2: times 65536) with no bytes following; bit 3 a TCP note
 * (retransmit_run, zero_window) instead; bits 4-7 move the clock (some
 * steps go backwards, as capture timestamps sometimes do).
 *
 * Each chunk is copied into its own heap buffer of its exact size so
 * AddressSanitizer sees reads past it.  Afterwards the session is written
 * as JSON (checked), run through the host model and the text report
 * (checked), shrunk as the dashboard does and written again.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rules/host_model.h"
#include "ui/output/json_out.h"
#include "ui/output/json_writer.h"
#include "decode/mem.h"
#include "rules/rule_event.h"
#include "decode/smtp_parser.h"
#include "ui/output/text_report.h"

static const int64_t clock_steps[16] = {
	0, 1, 50, 1000, 20000, 250000, 1000000, 5000000, 60000000, 300000000,
	3600000000LL, 86400000000LL, -1, -1000000, -3600000000LL, 0,
};

static void on_reply(void *ctx, const struct smtp_session *s, const struct smtp_reply *r,
		     const char *verb, int64_t cmd_ts)
{
	(void)ctx; (void)s; (void)cmd_ts;
	FZ_CHECK(memchr(r->text, '\0', sizeof r->text) != NULL, "reply text not terminated");
	FZ_CHECK(memchr(r->enhanced, '\0', sizeof r->enhanced) != NULL, "enhanced code not terminated");
	FZ_CHECK(r->code == 0 || (r->code >= 100 && r->code <= 999), "reply code %u", r->code);
	FZ_CHECK(strlen(verb) < 64, "verb of %zu bytes", strlen(verb));
}

static void on_txn_end(void *ctx, const struct smtp_session *s, const struct smtp_txn *t)
{
	(void)ctx; (void)s;
	FZ_CHECK(t->outcome != OUT_OPEN && t->outcome < OUT__COUNT, "txn_end with outcome %d",
		 (int)t->outcome);
	uint32_t n = 0, rejected = 0;
	for (const struct smtp_rcpt *r = t->rcpts.head; r; r = r->next) {
		n++;
		rejected += r->status == RCPT_REJECTED;
		FZ_CHECK(n <= t->rcpts.count, "more recipients listed than counted");
	}
	FZ_CHECK(n == t->rcpts.count, "%u recipients listed, %u counted", n, t->rcpts.count);
	FZ_CHECK(rejected == t->rcpts.rejected, "%u rejected listed, %u counted", rejected,
		 t->rcpts.rejected);
}

static void limits(struct smtp_config *c, bool tiny)
{
	smtp_config_default(c);
	c->tr_head = 32;
	c->tr_tail = 32;
	if (!tiny)
		return;
	c->line_max = 40;
	c->rcpt_max = 3;
	c->txn_max = 3;
	c->pending_max = 4;
	c->arena_max = 300;
	c->tr_head = 2;
	c->tr_tail = 3;
}

static void write_outputs(struct smtp_session *s, const struct smtp_config *cfg)
{
	char *json = NULL, *text = NULL;
	size_t jlen = 0, tlen = 0;
	FILE *jf = open_memstream(&json, &jlen);
	FILE *tf = open_memstream(&text, &tlen);
	if (!jf || !tf)
		abort();
	struct jw w;
	jw_init(&w, jf);

	struct host_model_config hc = { .window_us = 3600LL * 1000000, .max_hosts = 8 };
	struct host_model *hm = hm_new(&hc);
	hm_session_start(hm, s);
	hm_session_end(hm, s);
	hm_note_alert(hm, s, "pmtu-blackhole"); /* a cause in front of hostile error text */
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		struct msg_history mh;
		if (hm_message_history(hm, s, t, &mh))
			FZ_CHECK(mh.failures <= mh.attempts, "history: %u failures in %u attempts",
				 mh.failures, mh.attempts);
	}
	json_session(&w, s, true);
	const struct host_entry **hosts;
	size_t n = hm_hosts(hm, &hosts);
	for (size_t i = 0; i < n; i++)
		json_host(&w, hosts[i], s->end_ts);
	n = hm_domains(hm, &hosts);
	for (size_t i = 0; i < n; i++)
		json_domain(&w, hosts[i], NULL, 0);
	char why[256];
	hm_describe_failure(s, why, sizeof why);
	FZ_CHECK(memchr(why, '\0', sizeof why) != NULL, "failure description not terminated");

	struct report *rep = rep_new();
	rep_session_end(rep, s);
	struct cap_stats cs = { .packets = 1 };
	struct dec_stats ds = { .packets = 1, .sessions = 1, .first_ts = s->start_ts,
				.last_ts = s->end_ts };
	struct report_context rc = { .source = "fuzz", .linktype = "EN10MB", .cap = &cs,
				     .dec = &ds, .hm = hm };
	rep_print(rep, tf, &rc);
	rep_free(rep);

	/* The dashboard keeps finished sessions without their parser. */
	smtp_session_shrink(s);
	json_session(&w, s, true);
	hm_free(hm);
	(void)cfg;

	fclose(jf);
	fclose(tf);
	fz_check_json_lines(json, jlen);
	fz_check_terminal_text(text, tlen);
	free(json);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t conf = data[0];
	struct smtp_config cfg;
	limits(&cfg, conf & 0x04);
	struct dec_sink sink = { .reply = on_reply, .txn_end = on_txn_end };
	size_t mem_before = mem_acct.used;

	struct smtp_session *s = smtp_session_new(1, &cfg, &sink);
	static const uint8_t cli[4] = { 192, 0, 2, 1 }, srv[4] = { 198, 51, 100, 2 };
	addr_from_v4(&s->client, cli);
	addr_from_v4(&s->server, srv);
	s->client_port = 40000;
	s->server_port = 25;
	int64_t ts = 1700000000000000LL;
	s->start_ts = ts;
	if ((conf & 3) == 3)
		smtp_set_implicit_tls(s);

	struct fz_reader rd = { data + 1, size - 1 };
	struct fz_record rec;
	for (;;) {
		/* peek the tag: gap and note records carry no bytes */
		if (rd.n < 3)
			break;
		bool bytes = !(rd.p[0] & 0x0a);
		if (!fz_next_record(&rd, &rec, bytes))
			break;
		enum side side = (rec.tag & 1) ? SIDE_SERVER : SIDE_CLIENT;
		ts += clock_steps[rec.tag >> 4];
		if (rec.tag & 0x02) {
			uint64_t n = rec.len;
			if (rec.tag & 0x04)
				n <<= 16;
			smtp_gap(s, side, ts, n);
		} else if (rec.tag & 0x08) {
			smtp_note_tcp(s, side, ts, (rec.tag & 0x04) ? "zero_window" : "retransmit_run",
				      rec.len);
		} else {
			uint8_t *chunk = malloc(rec.data_len ? rec.data_len : 1);
			if (!chunk)
				abort();
			memcpy(chunk, rec.data, rec.data_len);
			smtp_feed(s, side, ts, chunk, rec.data_len);
			free(chunk);
		}
	}

	static const enum end_reason ends[8] = {
		END_QUIT, END_FIN, END_FIN, END_RST, END_RST, END_TIMEOUT, END_CAPTURE_END, END_EVICTED,
	};
	s->end_reason = ends[conf >> 5];
	s->end_by = (conf >> 5) & 1 ? SIDE_SERVER : SIDE_CLIENT;
	if (s->end_reason == END_RST)
		s->rst_by = s->end_by;
	if (s->end_reason == END_FIN || s->end_reason == END_QUIT)
		s->fin_by = s->end_by;
	smtp_end(s, ts);
	FZ_CHECK(s->state < ST__COUNT, "state %d", (int)s->state);
	FZ_CHECK(s->txn_count <= cfg.txn_max, "%u transactions kept, cap %u", s->txn_count,
		 cfg.txn_max);
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		FZ_CHECK(t->outcome != OUT_OPEN, "transaction %u still open after smtp_end", t->index);
		FZ_CHECK(t->rcpts.count <= cfg.rcpt_max, "%u recipients kept, cap %u", t->rcpts.count,
			 cfg.rcpt_max);
	}
	write_outputs(s, &cfg);
	smtp_session_free(s);
	FZ_CHECK(mem_acct.used == mem_before, "memory accounting drifted by %zd bytes",
		 (ssize_t)(mem_acct.used - mem_before));
	return 0;
}
