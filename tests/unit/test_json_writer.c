/* test_json_writer.c — the printf-free JSON writer against values stated by
 * hand: number edges (0, INT64_MIN, UINT64_MAX), timestamps before 1970,
 * every escape, invalid UTF-8, and records longer than the writer's buffer
 * (JW_BUF), so the flush paths are exercised. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "decode/utf8.h"
#include "ui/output/json_writer.h"

/* Writes one record with fill(w) into memory; returns it (malloc'd). */
static char *record(void (*fill)(struct jw *w), size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct jw *w = malloc(sizeof *w);
	jw_init(w, f);
	jw_object_begin(w);
	fill(w);
	jw_object_end(w);
	jw_record_end(w);
	free(w);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static void numbers(struct jw *w)
{
	jw_kint(w, "z", 0);
	jw_kint(w, "neg", -42);
	jw_kint(w, "min", INT64_MIN);
	jw_kint(w, "max", INT64_MAX);
	jw_kuint(w, "umax", UINT64_MAX);
	jw_kuint(w, "ten", 10);
	jw_kbool(w, "t", true);
	jw_kbool(w, "f", false);
	jw_knull(w, "n");
	jw_key(w, "d");
	jw_double(w, 1.5, 3);
}

static void times(struct jw *w)
{
	jw_ktime(w, "zero", 0);                  /* null */
	jw_ktime(w, "t", 1795143600000001);
	jw_ktime(w, "whole", 5000000);
	jw_ktime(w, "before1970", -1);           /* -1 us: -1 s + 999999 us */
	jw_ktime(w, "small", 7);
}

static void escapes(struct jw *w)
{
	static const char s[] = "a\"b\\c\n\r\t\x01\x1f\x7f" "\xc3\xa9" "\xff" "\xe2\x82" "z";
	jw_key(w, "s");
	jw_strn(w, s, sizeof(s) - 1);
	jw_kstr(w, "null", NULL);
	jw_key(w, "arr");
	jw_array_begin(w);
	jw_int(w, 1);
	jw_str(w, "");
	jw_array_end(w);
}

static char long_text[3 * JW_BUF + 17];

static void long_string(struct jw *w)
{
	jw_kint(w, "before", 1);
	jw_key(w, "s");
	jw_strn(w, long_text, sizeof(long_text));
	jw_kint(w, "after", 2);
}

static void many_fields(struct jw *w)
{
	/* about 2.5 JW_BUF of small writes: crosses the buffer end mid-field */
	for (int i = 0; i < 2000; i++)
		jw_kuint(w, "k", 1000000000u + (unsigned)i);
}

/* A string of pad_len bytes, then a key: for each pad_len near JW_BUF the
 * key lands at another place across the buffer's end. */
static size_t pad_len;
static char pad[JW_BUF];

static void key_at_edge(struct jw *w)
{
	jw_key(w, "p");
	jw_strn(w, pad, pad_len);
	jw_kuint(w, "abcdef", 12345);
}

/* The escaping rules one byte at a time, as the writer applied them before
 * it scanned 8 bytes at a time: the reference for the word scan. */
static size_t ref_escape(const unsigned char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			out[o++] = (char)c;
			i++;
		} else if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
			i++;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)sprintf(out + o, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			i++;
		} else {
			uint32_t cp;
			size_t len = utf8_decode(s + i, n - i, &cp);
			if (len == 0) {
				memcpy(out + o, "\\ufffd", 6);
				o += 6;
				i++;
			} else {
				memcpy(out + o, s + i, len);
				o += len;
				i += len;
			}
		}
	}
	out[o] = '\0';
	return o;
}

static unsigned char probe[24];

static void one_string(struct jw *w)
{
	jw_strn(w, (const char *)probe, sizeof probe);
}

/* Every byte value at every position of a 24-byte string (three words of
 * the scan), and a two-byte UTF-8 sequence across every word boundary. */
static int word_scan_mismatches(void)
{
	int bad = 0;
	char want[sizeof probe * 6 + 8];
	for (int pos = 0; pos < (int)sizeof probe; pos++)
		for (int v = 0; v < 256 + 1; v++) {
			memset(probe, 'a', sizeof probe);
			if (v < 256) {
				probe[pos] = (unsigned char)v;
			} else if (pos + 1 < (int)sizeof probe) {
				probe[pos] = 0xc3; /* e-acute */
				probe[pos + 1] = 0xa9;
			}
			ref_escape(probe, sizeof probe, want);
			char *r = record(one_string, NULL);
			/* the record: '{', the string in quotes, '}' */
			size_t wl = strlen(want);
			bad += strncmp(r, "{\"", 2) != 0 || strncmp(r + 2, want, wl) != 0 ||
			       strcmp(r + 2 + wl, "\"}\n") != 0;
			free(r);
		}
	return bad;
}

int main(void)
{
	char *r = record(numbers, NULL);
	CHECK_EQ_STR(r, "{\"z\":0,\"neg\":-42,\"min\":-9223372036854775808,"
		     "\"max\":9223372036854775807,\"umax\":18446744073709551615,\"ten\":10,"
		     "\"t\":true,\"f\":false,\"n\":null,\"d\":1.500}\n");
	free(r);

	r = record(times, NULL);
	CHECK_EQ_STR(r, "{\"zero\":null,\"t\":1795143600.000001,\"whole\":5.000000,"
		     "\"before1970\":-1.999999,\"small\":0.000007}\n");
	free(r);

	r = record(escapes, NULL);
	/* \xff and the truncated \xe2\x82 are each replaced byte by byte */
	CHECK_EQ_STR(r, "{\"s\":\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\\u007f\xc3\xa9"
		     "\\ufffd\\ufffd\\ufffdz\",\"null\":null,\"arr\":[1,\"\"]}\n");
	free(r);

	memset(long_text, 'x', sizeof(long_text));
	long_text[5] = '"';
	size_t n;
	r = record(long_string, &n);
	/* {"before":1,"s":" + 1 escaped quote (2) + the rest + ","after":2}\n */
	CHECK_EQ_INT(n, strlen("{\"before\":1,\"s\":\"") + sizeof(long_text) + 1 +
		     strlen("\",\"after\":2}\n"));
	CHECK(strncmp(r, "{\"before\":1,\"s\":\"xxxxx\\\"xxx", 27) == 0);
	CHECK(strcmp(r + n - strlen("xx\",\"after\":2}\n"), "xx\",\"after\":2}\n") == 0);
	free(r);

	r = record(many_fields, &n);
	CHECK_EQ_INT(n, 2 + 2000 * strlen("\"k\":1000000000") + 1999 + 1);
	CHECK(strstr(r, "\"k\":1000001999}\n") != NULL);
	CHECK(strstr(r, ",\"k\":1000001024,\"k\":1000001025,") != NULL);
	free(r);

	memset(pad, 'y', sizeof(pad));
	int wrong = 0;
	for (pad_len = JW_BUF - 30; pad_len < JW_BUF - 5; pad_len++) {
		r = record(key_at_edge, &n);
		/* {"p":" pad ","abcdef":12345}\n */
		wrong += n != 6 + pad_len + strlen("\",\"abcdef\":12345}\n") ||
			 strcmp(r + 6 + pad_len, "\",\"abcdef\":12345}\n") != 0 ||
			 strncmp(r, "{\"p\":\"yyy", 9) != 0;
		free(r);
	}
	CHECK_EQ_INT(wrong, 0);

	CHECK_EQ_INT(word_scan_mismatches(), 0);

	CHECK_DONE();
}
