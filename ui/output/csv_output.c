/* csv_output.c — finished sessions as CSV lines (RFC 4180: CRLF, quoted
 * fields), each built in memory and written in one fwrite. */
#include "config.h"

#include "ui/output/csv_output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/addr.h"
#include "decode/mem.h"
#include "ui/output/line_buf.h"

struct csv_output {
	FILE *out;
	bool header_done;
	struct line_buf line; /* the line being built */
};

struct csv_output *csv_output_new(FILE *out)
{
	struct csv_output *c = xcalloc(1, sizeof *c);
	c->out = out;
	return c;
}

/* A text field: quoted when it holds a comma, a quote or a line break;
 * quotes doubled; other control characters replaced by spaces. */
static void field(struct line_buf *l, const char *s, bool last)
{
	if (!s)
		s = "";
	size_t n = strlen(s);
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	if (2 * n + 4 > LB_SIZE) { /* longer than a line: byte by byte */
		if (quote)
			lb_ch(l, '"');
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '"')
				lb_ch(l, '"');
			lb_ch(l, c < 0x20 && c != '\r' && c != '\n' ? ' ' : (char)c);
		}
		if (quote)
			lb_ch(l, '"');
		lb_put(l, last ? "\r\n" : ",", last ? 2 : 1);
		return;
	}
	char *o = lb_room(l, 2 * n + 4); /* every byte doubled, two quotes, \r\n */
	if (quote)
		*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			*o++ = '"';
		*o++ = c < 0x20 && c != '\r' && c != '\n' ? ' ' : (char)c;
	}
	if (quote)
		*o++ = '"';
	if (last) {
		memcpy(o, "\r\n", 2);
		o += 2;
	} else {
		*o++ = ',';
	}
	lb_done(l, o);
}

static void number(struct line_buf *l, uint64_t n)
{
	char *o = digits_u64(lb_room(l, 21), n);
	*o++ = ',';
	lb_done(l, o);
}

/* The civil date of a day counted from 1970-01-01 (proleptic Gregorian, as
 * gmtime): Howard Hinnant's days_from_civil inverted ("chrono-Compatible
 * Low-Level Date Algorithms"). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);                               /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;     /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                   /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;                                         /* [0, 11] */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* 10000-01-01T00:00:00Z: later years have five digits */
#define YEAR_10000_US INT64_C(253402300800000000)

size_t csv_time(char *out, int64_t ts_us)
{
	if (ts_us <= 0 || ts_us >= YEAR_10000_US) {
		/* as it always was: no date at all before 1970 (an unknown
		 * time is 0), strftime's wider year after 9999 */
		time_t t = (time_t)(ts_us / 1000000);
		struct tm tm;
		char b[32] = "";
		if (ts_us > 0 && gmtime_r(&t, &tm))
			strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
		int n = snprintf(out, CSV_TIME_MAX, "%s.%06dZ", b, (int)(ts_us % 1000000));
		return n < 0 ? 0 : (size_t)n < CSV_TIME_MAX ? (size_t)n : CSV_TIME_MAX - 1;
	}
	int64_t sec = ts_us / 1000000, y;
	unsigned us = (unsigned)(ts_us % 1000000), m, d, sod = (unsigned)(sec % 86400);
	civil_from_days(sec / 86400, &y, &m, &d);
	unsigned yy = (unsigned)y; /* 1970..9999 */
	char *o = out;
	digits_2(o, yy / 100);
	digits_2(o + 2, yy % 100);
	o[4] = '-';
	digits_2(o + 5, m);
	o[7] = '-';
	digits_2(o + 8, d);
	o[10] = 'T';
	digits_2(o + 11, sod / 3600);
	o[13] = ':';
	digits_2(o + 14, sod / 60 % 60);
	o[16] = ':';
	digits_2(o + 17, sod % 60);
	o[19] = '.';
	digits_2(o + 20, us / 10000);
	digits_2(o + 22, us / 100 % 100);
	digits_2(o + 24, us % 100);
	o[26] = 'Z';
	o[27] = '\0';
	return 27;
}

static void when(struct line_buf *l, int64_t ts_us)
{
	char *o = lb_room(l, CSV_TIME_MAX + 1);
	o += csv_time(o, ts_us);
	*o++ = ',';
	lb_done(l, o);
}

/* One line per session, built in memory and written in one fwrite. */
static bool on_session_end(void *self, struct smtp_session *s)
{
	struct csv_output *c = self;
	struct line_buf *l = &c->line;
	lb_init(l, c->out);
	if (!c->header_done) {
		lb_str(l, "id,start,end,client,client_port,server,server_port,helo,tls,messages,accepted,"
		       "deferred,rejected,aborted,end_reason,end_by,end_state,last_reply_code,"
		       "last_reply_text\r\n");
		c->header_done = true;
	}
	uint64_t n[4] = { 0 }, msgs = 0; /* accepted, deferred, rejected, aborted */
	for (const struct smtp_txn *t = s->txn_head; t; t = t->next) {
		msgs++;
		n[t->outcome == OUT_ACCEPTED ? 0 : t->outcome == OUT_DEFERRED ? 1
		  : t->outcome == OUT_REJECTED ? 2 : 3]++;
	}
	char a[ADDR_STRLEN];
	number(l, s->id);
	when(l, s->start_ts);
	when(l, s->end_ts);
	addr_format(&s->client, a);
	field(l, a, false);
	number(l, s->client_port);
	addr_format(&s->server, a);
	field(l, a, false);
	number(l, s->server_port);
	field(l, s->helo, false);
	field(l, s->tls ? "yes" : "no", false);
	number(l, msgs);
	for (int i = 0; i < 4; i++)
		number(l, n[i]);
	field(l, end_reason_name(s->end_reason), false);
	field(l, s->end_by == SIDE_NONE ? "" : side_name(s->end_by), false);
	field(l, smtp_state_name(s->state), false);
	if (s->has_last_reply)
		number(l, s->last_reply.code);
	else
		lb_ch(l, ',');
	field(l, s->has_last_reply ? s->last_reply.text : "", true);
	lb_flush(l);
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
