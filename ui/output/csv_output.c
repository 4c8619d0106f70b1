/* csv_output.c — finished sessions as CSV lines. */
#include "config.h"

#include "ui/output/csv_output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/addr.h"
#include "decode/mem.h"

struct csv_output {
	FILE *out;
	bool header_done;
};

struct csv_output *csv_output_new(FILE *out)
{
	struct csv_output *c = xcalloc(1, sizeof *c);
	c->out = out;
	return c;
}

/* A text field: quoted when it holds a comma, a quote or a line break;
 * quotes doubled; other control characters replaced by spaces. */
static void field(FILE *out, const char *s, bool last)
{
	if (!s)
		s = "";
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', out);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			fputs("\"\"", out);
		else
			fputc(c < 0x20 && c != '\r' && c != '\n' ? ' ' : c, out);
	}
	if (quote)
		fputc('"', out);
	fputs(last ? "\r\n" : ",", out);
}

static void number(FILE *out, uint64_t n)
{
	fprintf(out, "%" PRIu64 ",", n);
}

/* ISO 8601 UTC with microseconds, which spreadsheets read as a time. */
static void when(FILE *out, int64_t ts_us)
{
	time_t t = (time_t)(ts_us / 1000000);
	struct tm tm;
	char b[32] = "";
	if (ts_us > 0 && gmtime_r(&t, &tm))
		strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, "%s.%06dZ,", b, (int)(ts_us % 1000000));
}

static bool on_session_end(void *self, struct smtp_session *s)
{
	struct csv_output *c = self;
	FILE *out = c->out;
	if (!c->header_done) {
		fputs("id,start,end,client,client_port,server,server_port,helo,tls,messages,accepted,"
		      "deferred,rejected,aborted,end_reason,end_by,end_state,last_reply_code,"
		      "last_reply_text\r\n", out);
		c->header_done = true;
	}
	uint64_t n[4] = { 0 }, msgs = 0; /* accepted, deferred, rejected, aborted */
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		msgs++;
		n[t->outcome == OUT_ACCEPTED ? 0 : t->outcome == OUT_DEFERRED ? 1
		  : t->outcome == OUT_REJECTED ? 2 : 3]++;
	}
	char a[ADDR_STRLEN];
	number(out, s->id);
	when(out, s->start_ts);
	when(out, s->end_ts);
	addr_format(&s->client, a);
	field(out, a, false);
	number(out, s->client_port);
	addr_format(&s->server, a);
	field(out, a, false);
	number(out, s->server_port);
	field(out, s->helo, false);
	field(out, s->tls ? "yes" : "no", false);
	number(out, msgs);
	for (int i = 0; i < 4; i++)
		number(out, n[i]);
	field(out, end_reason_name(s->end_reason), false);
	field(out, s->end_by == SIDE_NONE ? "" : side_name(s->end_by), false);
	field(out, smtp_state_name(s->state), false);
	if (s->has_last_reply)
		number(out, s->last_reply.code);
	else
		fputc(',', out);
	field(out, s->has_last_reply ? s->last_reply.text : "", true);
	return false;
}

static int on_close(void *self)
{
	free(self); /* the file is the caller's */
	return 0;
}

const struct output_ops csv_output_ops = {
	.name = "csv",
	.session_end = on_session_end,
	.close = on_close,
};
