/* fuzz_check.c — invariants the harnesses check on what smtpscope writes:
 * JSON lines (RFC 8259) in UTF-8 (RFC 3629), and terminal-safe text. */
#include "config.h"

#include "fuzz.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz invariant: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* Decodes one UTF-8 sequence (shortest form, no surrogates, <= U+10FFFF);
 * returns its length or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp_out)
{
	unsigned c = s[0], cp;
	size_t len;
	if (c < 0x80) {
		*cp_out = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_out = cp;
	return len;
}

/* ---- JSON: a recursive-descent validator over one line ---- */

#define JSON_DEPTH_MAX 64

struct jp {
	const unsigned char *s;
	size_t n, i;
	size_t line;
};

static void jfail(const struct jp *p, const char *what)
{
	size_t from = p->i > 60 ? p->i - 60 : 0;
	size_t to = p->i + 20 < p->n ? p->i + 20 : p->n;
	fz_fail("JSON line %zu, byte %zu: %s near \"%.*s\"", p->line, p->i, what,
		(int)(to - from), (const char *)p->s + from);
}

static void skip_ws(struct jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r'))
		p->i++;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void j_string(struct jp *p)
{
	p->i++; /* opening quote */
	while (p->i < p->n) {
		unsigned char c = p->s[p->i];
		unsigned cp;
		if (c == '"') {
			p->i++;
			return;
		}
		if (c < 0x20)
			jfail(p, "raw control character in a string");
		if (c == '\\') {
			if (p->i + 1 >= p->n)
				jfail(p, "cut escape");
			c = p->s[p->i + 1];
			if (c == 'u') {
				if (p->i + 6 > p->n)
					jfail(p, "cut \\u escape");
				for (size_t k = 2; k < 6; k++)
					if (!is_hex(p->s[p->i + k]))
						jfail(p, "bad \\u escape");
				p->i += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", c))
				jfail(p, "bad escape");
			p->i += 2;
			continue;
		}
		size_t len = utf8_decode(p->s + p->i, p->n - p->i, &cp);
		if (len == 0)
			jfail(p, "invalid UTF-8 in a string");
		p->i += len;
	}
	jfail(p, "unterminated string");
}

static void j_number(struct jp *p)
{
	size_t start = p->i;
	if (p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0') {
		p->i++;
	} else if (p->i < p->n && is_digit(p->s[p->i])) {
		while (p->i < p->n && is_digit(p->s[p->i]))
			p->i++;
	} else {
		p->i = start;
		jfail(p, "bad number");
	}
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (p->i >= p->n || !is_digit(p->s[p->i]))
			jfail(p, "bad fraction");
		while (p->i < p->n && is_digit(p->s[p->i]))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (p->i >= p->n || !is_digit(p->s[p->i]))
			jfail(p, "bad exponent");
		while (p->i < p->n && is_digit(p->s[p->i]))
			p->i++;
	}
}

static void j_literal(struct jp *p, const char *lit)
{
	size_t l = strlen(lit);
	if (p->n - p->i < l || memcmp(p->s + p->i, lit, l) != 0)
		jfail(p, "unexpected token");
	p->i += l;
}

static void j_value(struct jp *p, int depth);

static void j_container(struct jp *p, int depth, bool object)
{
	char close = object ? '}' : ']';
	if (depth >= JSON_DEPTH_MAX)
		jfail(p, "nesting too deep");
	p->i++;
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->i >= p->n || p->s[p->i] != '"')
				jfail(p, "expected a key");
			j_string(p);
			skip_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				jfail(p, "expected ':'");
			p->i++;
		}
		j_value(p, depth + 1);
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			return;
		}
		jfail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static void j_value(struct jp *p, int depth)
{
	skip_ws(p);
	if (p->i >= p->n)
		jfail(p, "missing value");
	switch (p->s[p->i]) {
	case '{': j_container(p, depth, true); break;
	case '[': j_container(p, depth, false); break;
	case '"': j_string(p); break;
	case 't': j_literal(p, "true"); break;
	case 'f': j_literal(p, "false"); break;
	case 'n': j_literal(p, "null"); break;
	default: j_number(p); break;
	}
}

void fz_check_json_lines(const char *buf, size_t n)
{
	size_t line = 1;
	const char *s = buf, *end = buf + n;
	FZ_CHECK(n == 0 || buf[n - 1] == '\n', "JSON output does not end with a newline");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t len = (size_t)(nl - s);
		struct jp p = { (const unsigned char *)s, len, 0, line };
		skip_ws(&p);
		if (p.i >= p.n || p.s[p.i] != '{')
			jfail(&p, "a record is not an object");
		j_value(&p, 0);
		skip_ws(&p);
		if (p.i != p.n)
			jfail(&p, "trailing bytes after the record");
		s = nl + 1;
		line++;
	}
}

/* ---- terminal text ---- */

static bool terminal_unsafe(unsigned cp)
{
	return (cp < 0x20 && cp != '\n') || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f;
}

void fz_check_terminal_text(const char *buf, size_t n)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;
	while (i < n) {
		unsigned cp;
		size_t len = utf8_decode(s + i, n - i, &cp);
		size_t from = i > 60 ? i - 60 : 0;
		FZ_CHECK(len != 0, "text output: invalid UTF-8 at byte %zu near \"%.*s\"", i,
			 (int)(i - from), buf + from);
		FZ_CHECK(!terminal_unsafe(cp), "text output: control U+%04X at byte %zu near \"%.*s\"",
			 cp, i, (int)(i - from), buf + from);
		i += len;
	}
}

/* ---- chunked inputs ---- */

int fz_next_record(struct fz_reader *r, struct fz_record *rec, int with_data)
{
	if (r->n < 3)
		return 0;
	rec->tag = r->p[0];
	rec->len = (uint16_t)(r->p[1] | r->p[2] << 8);
	r->p += 3;
	r->n -= 3;
	rec->data = r->p;
	rec->data_len = 0;
	if (with_data) {
		rec->data_len = rec->len < r->n ? rec->len : r->n;
		r->p += rec->data_len;
		r->n -= rec->data_len;
	}
	return 1;
}
