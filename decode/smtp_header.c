/* smtp_header.c — Message-ID and Subject from a message header: RFC 5322
 * unfolding, RFC 2047 encoded-words (B and Q) converted to UTF-8 with iconv. */
#include "config.h"

#include "decode/smtp_header.h"

#include <ctype.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* Beyond this, a "header" is not one: stop looking for fields. */
#define HDR_TOTAL_MAX (256 * 1024)

void hdr_init(struct hdr_parser *h)
{
	h->done = false;
	h->field = HDR_NONE;
	h->total = 0;
	h->len = 0;
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static size_t to_utf8(const char *charset, const char *raw, size_t n, char *out, size_t outsz);

static bool valid_utf8(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		if (len == 0 || i + len > n)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

static void emit(struct hdr_parser *h, hdr_field_fn fn, void *ctx)
{
	if (h->field == HDR_NONE)
		return;
	const char *v = h->buf;
	size_t n = h->len;
	trim(&v, &n);
	if (h->field == HDR_SUBJECT) {
		char out[HDR_FIELD_MAX * 3 + 1], raw[HDR_FIELD_MAX * 3 + 1];
		/* Raw 8-bit text that is not UTF-8 (RFC 6532 allows only UTF-8) is
		 * nearly always Windows-1252 from a careless client: read it so. */
		if (!valid_utf8(v, n)) {
			n = to_utf8("WINDOWS-1252", v, n, raw, sizeof raw - 1);
			v = raw;
		}
		size_t m = hdr_decode_words(v, n, out, sizeof out);
		fn(ctx, HDR_SUBJECT, out, m);
	} else {
		fn(ctx, (enum hdr_field)h->field, v, n);
	}
	h->field = HDR_NONE;
	h->len = 0;
}

static void append(struct hdr_parser *h, const char *s, size_t n)
{
	size_t room = HDR_FIELD_MAX - h->len;
	if (n > room)
		n = room;
	memcpy(h->buf + h->len, s, n);
	h->len += n;
}

static int field_of(const char *s, size_t n, size_t *value_at)
{
	const char *colon = memchr(s, ':', n);
	if (!colon)
		return -1;
	size_t name = (size_t)(colon - s);
	*value_at = name + 1;
	if (name == 10 && strncasecmp(s, "message-id", 10) == 0)
		return HDR_MESSAGE_ID;
	if (name == 7 && strncasecmp(s, "subject", 7) == 0)
		return HDR_SUBJECT;
	return HDR_NONE;
}

void hdr_line(struct hdr_parser *h, const char *s, size_t n, hdr_field_fn fn, void *ctx)
{
	if (h->done)
		return;
	h->total += n + 2;
	if (n == 0 || h->total > HDR_TOTAL_MAX) {
		emit(h, fn, ctx);
		h->done = true;
		return;
	}
	if (s[0] == ' ' || s[0] == '\t') {
		/* folded continuation: unfolding removes only the CRLF */
		if (h->field != HDR_NONE)
			append(h, s, n);
		return;
	}
	emit(h, fn, ctx);
	size_t at;
	int f = field_of(s, n, &at);
	if (f > HDR_NONE) {
		h->field = f;
		h->len = 0;
		append(h, s + at, n - at);
	}
}

void hdr_finish(struct hdr_parser *h, hdr_field_fn fn, void *ctx)
{
	if (!h->done)
		emit(h, fn, ctx);
	h->done = true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static size_t decode_b(const char *s, size_t n, char *out, size_t outsz)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n && o < outsz; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			continue; /* padding or junk */
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return o;
}

static size_t decode_q(const char *s, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o < outsz; i++) {
		if (s[i] == '_') {
			out[o++] = ' ';
		} else if (s[i] == '=' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
			   hexval((unsigned char)s[i + 2]) >= 0) {
			out[o++] = (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* Converts raw bytes in `charset` to UTF-8; unknown charsets are copied as is
 * (the JSON writer replaces invalid UTF-8 later). */
static size_t to_utf8(const char *charset, const char *raw, size_t n, char *out, size_t outsz)
{
	if (strcasecmp(charset, "utf-8") == 0 || strcasecmp(charset, "us-ascii") == 0 ||
	    strcasecmp(charset, "utf8") == 0) {
		size_t m = n < outsz ? n : outsz;
		memcpy(out, raw, m);
		return m;
	}
	iconv_t cd = iconv_open("UTF-8//TRANSLIT", charset);
	if (cd == (iconv_t)-1) {
		size_t m = n < outsz ? n : outsz;
		memcpy(out, raw, m);
		return m;
	}
	char *in = (char *)raw, *o = out;
	size_t inleft = n, outleft = outsz;
	while (inleft > 0 && outleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1)
			break;
		if (outleft == 0)
			break;
		/* skip an unconvertible byte and go on */
		in++;
		inleft--;
		*o++ = '?';
		outleft--;
	}
	iconv_close(cd);
	return (size_t)(o - out);
}

/* Parses "=?charset?X?text?=" at s; returns its length or 0 if not one. */
static size_t encoded_word(const char *s, size_t n, char *charset, size_t cslen, char *enc,
			   const char **text, size_t *tlen)
{
	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	const char *q1 = memchr(s + 2, '?', n - 2);
	if (!q1 || (size_t)(q1 - s) + 3 >= n || q1[2] != '?')
		return 0;
	size_t cl = (size_t)(q1 - (s + 2));
	if (cl == 0 || cl >= cslen)
		return 0;
	memcpy(charset, s + 2, cl);
	charset[cl] = '\0';
	char *star = strchr(charset, '*'); /* RFC 2231 language suffix */
	if (star)
		*star = '\0';
	*enc = (char)toupper((unsigned char)q1[1]);
	if (*enc != 'B' && *enc != 'Q')
		return 0;
	const char *t = q1 + 3;
	const char *end = s + n;
	for (const char *p = t; p + 1 < end; p++) {
		if (p[0] == '?' && p[1] == '=') {
			*text = t;
			*tlen = (size_t)(p - t);
			return (size_t)(p + 2 - s);
		}
	}
	return 0;
}

/* True if "=?" occurs in s: the text may hold an encoded word. */
static bool has_word_start(const char *s, size_t n)
{
	const char *eq;
	while (n >= 2 && (eq = memchr(s, '=', n - 1)) != NULL) {
		if (eq[1] == '?')
			return true;
		n -= (size_t)(eq - s) + 1;
		s = eq + 1;
	}
	return false;
}

size_t hdr_decode_words(const char *in, size_t n, char *out, size_t outsz)
{
	if (outsz == 0)
		return 0;
	if (!has_word_start(in, n)) {
		/* most subjects: what the loop below makes of a text without
		 * encoded words -- the text, trailing blanks dropped, cut to fit */
		size_t m = n;
		while (m > 0 && (in[m - 1] == ' ' || in[m - 1] == '\t'))
			m--;
		if (m > outsz - 1)
			m = outsz - 1;
		memcpy(out, in, m);
		out[m] = '\0';
		return m;
	}
	size_t o = 0, i = 0;
	bool prev_word = false;
	size_t pending_ws = 0, ws_at = 0;
	outsz--; /* room for NUL */
	while (i < n && o < outsz) {
		char charset[40], enc;
		const char *text;
		size_t tlen;
		size_t w = encoded_word(in + i, n - i, charset, sizeof charset, &enc, &text, &tlen);
		if (w) {
			if (!prev_word && pending_ws) {
				size_t m = pending_ws < outsz - o ? pending_ws : outsz - o;
				memcpy(out + o, in + ws_at, m);
				o += m;
			}
			pending_ws = 0;
			char raw[HDR_FIELD_MAX];
			size_t rl = enc == 'B' ? decode_b(text, tlen, raw, sizeof raw)
					       : decode_q(text, tlen, raw, sizeof raw);
			o += to_utf8(charset, raw, rl, out + o, outsz - o);
			prev_word = true;
			i += w;
			continue;
		}
		if (in[i] == ' ' || in[i] == '\t') {
			if (pending_ws == 0)
				ws_at = i;
			pending_ws++;
			i++;
			continue;
		}
		if (pending_ws) {
			size_t m = pending_ws < outsz - o ? pending_ws : outsz - o;
			memcpy(out + o, in + ws_at, m);
			o += m;
			pending_ws = 0;
		}
		prev_word = false;
		if (o >= outsz) /* the blanks just copied filled the buffer */
			break;
		out[o++] = in[i++];
	}
	if (pending_ws && !prev_word) {
		/* trailing whitespace is trimmed by the caller anyway */
	}
	out[o] = '\0';
	return o;
}
