/* json_writer.c — streaming JSON lines (RFC 8259), UTF-8 enforced (RFC 3629). */
#include "config.h"

#include "ui/output/json_writer.h"

#include "decode/utf8.h"

/* One thread writes a stream at a time: the _unlocked stdio calls (GNU)
 * spare a lock per character. */

#include <inttypes.h>
#include <string.h>

void jw_init(struct jw *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->first[0] = true;
}

static void sep(struct jw *w)
{
	if (!w->first[w->depth])
		putc_unlocked(',', w->out);
	w->first[w->depth] = false;
}

static void open(struct jw *w, char c)
{
	sep(w);
	putc_unlocked(c, w->out);
	if (w->depth + 1 < JW_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char c)
{
	putc_unlocked(c, w->out);
	if (w->depth > 0)
		w->depth--;
}

void jw_object_begin(struct jw *w) { open(w, '{'); }
void jw_object_end(struct jw *w) { close_(w, '}'); }
void jw_array_begin(struct jw *w) { open(w, '['); }
void jw_array_end(struct jw *w) { close_(w, ']'); }

void jw_record_end(struct jw *w)
{
	putc_unlocked('\n', w->out);
	w->depth = 0;
	w->first[0] = true;
}

void jw_key(struct jw *w, const char *key)
{
	sep(w);
	putc_unlocked('"', w->out);
	fputs_unlocked(key, w->out);
	fputs_unlocked("\":", w->out);
	/* the value that follows must not write another comma */
	w->first[w->depth] = true;
}

void jw_escape(FILE *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			putc_unlocked(c, out);
			i++;
			continue;
		}
		switch (c) {
		case '"': fputs_unlocked("\\\"", out); i++; continue;
		case '\\': fputs_unlocked("\\\\", out); i++; continue;
		case '\n': fputs_unlocked("\\n", out); i++; continue;
		case '\r': fputs_unlocked("\\r", out); i++; continue;
		case '\t': fputs_unlocked("\\t", out); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		uint32_t cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			fputs_unlocked("\\ufffd", out);
			i++;
			continue;
		}
		fwrite_unlocked(s + i, 1, len, out);
		i += len;
	}
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	putc_unlocked('"', w->out);
	jw_escape(w->out, s, n);
	putc_unlocked('"', w->out);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, int64_t v)
{
	sep(w);
	fprintf(w->out, "%" PRId64, v);
}

void jw_uint(struct jw *w, uint64_t v)
{
	sep(w);
	fprintf(w->out, "%" PRIu64, v);
}

void jw_bool(struct jw *w, bool v)
{
	sep(w);
	fputs_unlocked(v ? "true" : "false", w->out);
}

void jw_null(struct jw *w)
{
	sep(w);
	fputs_unlocked("null", w->out);
}

void jw_time(struct jw *w, int64_t ts_us)
{
	if (ts_us == 0) {
		jw_null(w);
		return;
	}
	sep(w);
	int64_t sec = ts_us / 1000000, usec = ts_us % 1000000;
	if (usec < 0) {
		usec += 1000000;
		sec--;
	}
	fprintf(w->out, "%" PRId64 ".%06" PRId64, sec, usec);
}

void jw_double(struct jw *w, double v, int decimals)
{
	sep(w);
	fprintf(w->out, "%.*f", decimals, v);
}
