/* test_gateway_facts.c — the facts scanner (decode/smtp_facts.h) against the
 * full decoder, session by session: each capture named on the command line
 * is read once and every packet handed to both; each side records, for
 * every session in the order it ends, what the gateway inference takes from
 * it (rules/gateway.c): client and server address and port, the EHLO/HELO
 * word, the banner's host name (hm_banner_name), the smallest TTL of each
 * side, and the session starts in their order.  Any difference is printed
 * and the exit status is 1.  tests/gateway-pass.py runs it on every sample
 * and corpus capture.
 *
 *   test_gateway_facts [--drop-helo] FILE...
 *
 * --drop-helo forgets the scanner's EHLO names (a scanner that misses a
 * fact): the comparison must then fail, which the python test checks. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "decode/decoder.h"
#include "decode/mem.h"
#include "decode/smtp_facts.h"
#include "rules/host_name.h"

struct rec {
	char what;                   /* 'S' start, 'E' end */
	struct ip_addr client, server;
	uint16_t cport, sport;
	char helo[FACTS_HELO_MAX + 2]; /* "-" none, else "=" and the word */
	char banner[80];
	uint8_t ttl[2];
};

struct log {
	struct rec *r;
	size_t n, cap;
};

static bool drop_helo;

static struct rec *add(struct log *l, char what)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->r = xrealloc(l->r, l->cap * sizeof *l->r);
	}
	struct rec *r = &l->r[l->n++];
	memset(r, 0, sizeof *r);
	r->what = what;
	return r;
}

static void set_helo(struct rec *r, const char *helo)
{
	if (!helo) {
		strcpy(r->helo, "-");
		return;
	}
	size_t n = strcspn(helo, " \t\r\n"); /* the word gateway.c takes */
	r->helo[0] = '=';
	memcpy(r->helo + 1, helo, n);
	r->helo[n + 1] = '\0';
}

/* --- the full decoder ---------------------------------------------------------- */

static void dec_start(void *ctx, const struct smtp_session *s)
{
	struct rec *r = add(ctx, 'S');
	r->client = s->client;
	r->server = s->server;
	r->cport = s->client_port;
	r->sport = s->server_port;
}

static bool dec_end(void *ctx, struct smtp_session *s)
{
	struct rec *r = add(ctx, 'E');
	r->client = s->client;
	r->server = s->server;
	r->cport = s->client_port;
	r->sport = s->server_port;
	set_helo(r, s->helo);
	char b[65];
	hm_banner_name(s, b, sizeof b);
	snprintf(r->banner, sizeof r->banner, "%s", b);
	r->ttl[0] = s->ttl_min[SIDE_CLIENT];
	r->ttl[1] = s->ttl_min[SIDE_SERVER];
	return false;
}

/* --- the scanner ------------------------------------------------------------------- */

static void facts_start(void *ctx, const struct smtp_facts *f)
{
	struct rec *r = add(ctx, 'S');
	r->client = f->client;
	r->server = f->server;
	r->cport = f->client_port;
	r->sport = f->server_port;
}

static void facts_end(void *ctx, const struct smtp_facts *f)
{
	struct rec *r = add(ctx, 'E');
	r->client = f->client;
	r->server = f->server;
	r->cport = f->client_port;
	r->sport = f->server_port;
	set_helo(r, drop_helo ? NULL : f->helo);
	/* gw_facts_end's banner */
	char b[65] = "";
	if (f->has_banner && host_name_valid(f->banner, f->banner_len))
		host_name_copy(b, sizeof b, f->banner, f->banner_len);
	snprintf(r->banner, sizeof r->banner, "%s", b);
	r->ttl[0] = f->ttl_min[0];
	r->ttl[1] = f->ttl_min[1];
}

/* --- both, one file ------------------------------------------------------------------ */

struct both {
	struct decoder *dec;
	struct facts_scanner *sc;
};

static void on_packet(void *ctx, int linktype, int64_t ts, const uint8_t *data, uint32_t caplen,
		      uint32_t wirelen)
{
	struct both *b = ctx;
	dec_packet(b->dec, linktype, ts, data, caplen, wirelen);
	facts_packet(b->sc, linktype, ts, data, caplen, wirelen);
}

static void show(const char *who, const struct rec *r)
{
	char c[ADDR_STRLEN], s[ADDR_STRLEN];
	addr_format(&r->client, c);
	addr_format(&r->server, s);
	printf("  %-8s %c %s:%u -> %s:%u helo %s banner \"%s\" ttl %u/%u\n", who, r->what, c,
	       r->cport, s, r->sport, r->helo, r->banner, r->ttl[0], r->ttl[1]);
}

static bool same(const struct rec *a, const struct rec *b)
{
	return a->what == b->what && addr_eq(&a->client, &b->client) &&
	       addr_eq(&a->server, &b->server) && a->cport == b->cport && a->sport == b->sport &&
	       strcmp(a->helo, b->helo) == 0 && strcmp(a->banner, b->banner) == 0 &&
	       a->ttl[0] == b->ttl[0] && a->ttl[1] == b->ttl[1];
}

static int compare(const char *file)
{
	char err[512];
	struct cap_options o = { .file = file };
	struct cap_source *cap = cap_open(&o, err, sizeof err);
	if (!cap) {
		printf("SKIP %s: %s\n", file, err);
		return 0;
	}
	struct log dl = { 0 }, fl = { 0 };
	struct dec_config cfg;
	dec_config_default(&cfg);
	cfg.smtp.tr_head = cfg.smtp.tr_tail = 0;
	struct dec_sink dsink = { .ctx = &dl, .session_start = dec_start, .session_end = dec_end };
	struct facts_sink fsink = { .ctx = &fl, .session_start = facts_start, .session_end = facts_end };
	struct both b = { dec_new(&cfg, &dsink), facts_new(&cfg, (size_t)64 << 20, &fsink) };
	cap_run(cap, 0, on_packet, NULL, &b);
	dec_finish(b.dec);
	facts_finish(b.sc);
	int bad = 0;
	size_t n = dl.n > fl.n ? dl.n : fl.n, shown = 0;
	for (size_t i = 0; i < n; i++) {
		const struct rec *d = i < dl.n ? &dl.r[i] : NULL, *f = i < fl.n ? &fl.r[i] : NULL;
		if (d && f && same(d, f))
			continue;
		if (!bad++)
			printf("FAIL %s: the scanner and the decoder differ\n", file);
		if (shown++ < 6) {
			printf(" record %zu:\n", i);
			if (d)
				show("decoder", d);
			if (f)
				show("scanner", f);
		}
	}
	if (!bad)
		printf("ok %s: %zu session records alike\n", file, dl.n);
	dec_free(b.dec);
	facts_free(b.sc);
	cap_close(cap);
	free(dl.r);
	free(fl.r);
	return bad != 0;
}

int main(int argc, char **argv)
{
	int fails = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--drop-helo") == 0)
			drop_helo = true;
		else
			fails += compare(argv[i]);
	}
	return fails ? 1 : 0;
}
