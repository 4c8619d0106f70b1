/* rule_lexer.c — tokens of the rule language: words, numbers with units,
 * strings, operators; '#' starts a comment to the end of the line.  Lines and
 * columns count from 1, columns in bytes. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/mem.h"
#include "rules/rule_internal.h"

void rule_err_at(struct rule_err *e, int line, int col, const char *fmt, ...)
{
	if (e->set)
		return;
	e->set = true;
	if (!e->buf || e->len == 0)
		return;
	int w = snprintf(e->buf, e->len, "%s:%d:%d: ", e->file ? e->file : "", line, col);
	if (w < 0 || (size_t)w >= e->len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->buf + w, e->len - (size_t)w, fmt, ap);
	va_end(ap);
}

void lex_init(struct lexer *lx, const char *src, size_t len, struct rule_err *err)
{
	lx->src = src;
	lx->len = len;
	lx->pos = 0;
	lx->line = 1;
	lx->col = 1;
	lx->err = err;
}

static int peek(const struct lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void advance(struct lexer *lx, size_t n)
{
	while (n-- > 0 && lx->pos < lx->len) {
		if (lx->src[lx->pos++] == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
	}
}

/* Blanks and comments; stops at a newline when `stop_at_eol`. */
static void skip_blank(struct lexer *lx, bool stop_at_eol)
{
	for (;;) {
		int c = peek(lx, 0);
		if (c == '#') {
			while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
				advance(lx, 1);
		} else if (c == '\n' && stop_at_eol) {
			return;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
			advance(lx, 1);
		} else {
			return;
		}
	}
}

static bool is_word_start(int c)
{
	return c != -1 && (isalpha(c) || c == '_');
}

static bool is_word_char(int c)
{
	return c != -1 && (isalnum(c) || c == '_' || c == '.');
}

struct unit_def {
	const char *name;
	enum rf_unit unit;
	double mult;
};

static const struct unit_def units[] = {
	{ "ms", RU_SECONDS, 0.001 }, { "s", RU_SECONDS, 1 },        { "m", RU_SECONDS, 60 },
	{ "h", RU_SECONDS, 3600 },   { "d", RU_SECONDS, 86400 },    { "B", RU_BYTES, 1 },
	{ "KB", RU_BYTES, 1024 },    { "MB", RU_BYTES, 1048576 },   { "GB", RU_BYTES, 1073741824 },
};

/* An optional unit right after the digits: scales t->num and sets t->unit. */
static bool lex_unit(struct lexer *lx, struct token *t, size_t nlen)
{
	size_t ustart = lx->pos;
	while (peek(lx, 0) != -1 && isalpha(peek(lx, 0)))
		advance(lx, 1);
	size_t ulen = lx->pos - ustart;
	if (ulen == 0)
		return true;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strlen(units[i].name) == ulen && memcmp(units[i].name, lx->src + ustart, ulen) == 0) {
			t->num *= units[i].mult;
			t->unit = units[i].unit;
			return true;
		}
	}
	rule_err_at(lx->err, t->line, t->col + (int)nlen,
		    "unknown unit '%.*s' (durations: ms, s, m, h, d; sizes: B, KB, MB, GB)", (int)ulen,
		    lx->src + ustart);
	return false;
}

static void skip_digits(struct lexer *lx)
{
	while (peek(lx, 0) != -1 && isdigit(peek(lx, 0)))
		advance(lx, 1);
}

static bool dot_digit(const struct lexer *lx)
{
	return peek(lx, 0) == '.' && peek(lx, 1) != -1 && isdigit(peek(lx, 1));
}

/* -?digits(.digits)?unit? ; "4.7.1" is refused with a hint. */
static bool lex_number(struct lexer *lx, struct token *t)
{
	size_t start = lx->pos;
	if (peek(lx, 0) == '-')
		advance(lx, 1);
	skip_digits(lx);
	if (dot_digit(lx)) {
		advance(lx, 1);
		skip_digits(lx);
	}
	if (dot_digit(lx)) {
		while (peek(lx, 0) == '.' || (peek(lx, 0) != -1 && isdigit(peek(lx, 0))))
			advance(lx, 1);
		int n = (int)(lx->pos - start);
		rule_err_at(lx->err, t->line, t->col,
			    "malformed number '%.*s' (write status codes as strings: \"%.*s\")", n,
			    lx->src + start, n, lx->src + start);
		return false;
	}
	char tmp[64];
	size_t nlen = lx->pos - start;
	if (nlen >= sizeof tmp) {
		rule_err_at(lx->err, t->line, t->col, "number too long");
		return false;
	}
	memcpy(tmp, lx->src + start, nlen);
	tmp[nlen] = '\0';
	t->num = strtod(tmp, NULL);
	t->unit = RU_NONE;
	if (!lex_unit(lx, t, nlen))
		return false;
	int c = peek(lx, 0);
	if ((c != -1 && (isalnum(c) || c == '_')) || (c == '.' && peek(lx, 1) != '.')) {
		rule_err_at(lx->err, lx->line, lx->col, "unexpected '%c' after a number", (char)c);
		return false;
	}
	t->kind = T_NUM;
	t->p = lx->src + start;
	t->n = lx->pos - start;
	return true;
}

/* Strings stay on one line; \" \\ \n \t are escapes, a backslash before
 * anything else is kept (so regexes read naturally: "4\.7\.1"). */
static bool lex_string(struct lexer *lx, struct token *t)
{
	advance(lx, 1);
	size_t start = lx->pos;
	for (;;) {
		int c = peek(lx, 0);
		if (c == -1 || c == '\n') {
			rule_err_at(lx->err, t->line, t->col, "unterminated string");
			return false;
		}
		if (c == '"')
			break;
		advance(lx, c == '\\' && peek(lx, 1) != -1 && peek(lx, 1) != '\n' ? 2 : 1);
	}
	t->kind = T_STR;
	t->p = lx->src + start;
	t->n = lx->pos - start;
	advance(lx, 1);
	return true;
}

static bool lex_op(struct lexer *lx, struct token *t)
{
	static const struct { const char *s; enum cmp_op op; } ops[] = {
		{ "!~*", OP_NIMATCH }, { "!~", OP_NMATCH }, { "~*", OP_IMATCH }, { "==", OP_EQ },
		{ "!=", OP_NE },       { "<=", OP_LE },     { ">=", OP_GE },     { "<", OP_LT },
		{ ">", OP_GT },        { "~", OP_MATCH },
	};
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].s);
		if (lx->pos + n <= lx->len && memcmp(lx->src + lx->pos, ops[i].s, n) == 0) {
			t->kind = T_OP;
			t->op = ops[i].op;
			t->p = lx->src + lx->pos;
			t->n = n;
			advance(lx, n);
			return true;
		}
	}
	if (peek(lx, 0) == '=')
		rule_err_at(lx->err, t->line, t->col, "use '==' to compare");
	else if (isprint(peek(lx, 0)))
		rule_err_at(lx->err, t->line, t->col, "unexpected character '%c'", (char)peek(lx, 0));
	else
		rule_err_at(lx->err, t->line, t->col, "unexpected byte 0x%02x", (unsigned)peek(lx, 0));
	return false;
}

static void simple(struct lexer *lx, struct token *t, enum tok_kind k, size_t n)
{
	t->kind = k;
	t->p = lx->src + lx->pos;
	t->n = n;
	advance(lx, n);
}

bool lex_next(struct lexer *lx, struct token *t)
{
	skip_blank(lx, false);
	memset(t, 0, sizeof *t);
	t->line = lx->line;
	t->col = lx->col;
	t->p = lx->src + lx->pos;
	int c = peek(lx, 0);
	if (c == -1) {
		t->kind = T_EOF;
		return true;
	}
	if (is_word_start(c)) {
		size_t start = lx->pos;
		while (is_word_char(peek(lx, 0)))
			advance(lx, 1);
		t->kind = T_IDENT;
		t->n = lx->pos - start;
		return true;
	}
	if (isdigit(c) || (c == '-' && peek(lx, 1) != -1 && isdigit(peek(lx, 1))))
		return lex_number(lx, t);
	switch (c) {
	case '"': return lex_string(lx, t);
	case '(': simple(lx, t, T_LPAREN, 1); return true;
	case ')': simple(lx, t, T_RPAREN, 1); return true;
	case ',': simple(lx, t, T_COMMA, 1); return true;
	case '.':
		if (peek(lx, 1) == '.') {
			simple(lx, t, T_DOTDOT, 2);
			return true;
		}
		break;
	default:
		break;
	}
	return lex_op(lx, t);
}

void lex_word(struct lexer *lx, struct token *t)
{
	skip_blank(lx, true);
	memset(t, 0, sizeof *t);
	t->line = lx->line;
	t->col = lx->col;
	t->p = lx->src + lx->pos;
	size_t start = lx->pos;
	for (int c = peek(lx, 0); c != -1 && !isspace(c) && c != '#'; c = peek(lx, 0))
		advance(lx, 1);
	t->n = lx->pos - start;
	t->kind = t->n ? T_IDENT : T_EOF;
}

bool tok_is(const struct token *t, const char *word)
{
	return t->kind == T_IDENT && strlen(word) == t->n && memcmp(t->p, word, t->n) == 0;
}

char *tok_string(const struct token *t)
{
	char *s = xmalloc(t->n + 1), *o = s;
	for (size_t i = 0; i < t->n; i++) {
		char c = t->p[i];
		if (c == '\\' && i + 1 < t->n) {
			char e = t->p[++i];
			switch (e) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			default: *o++ = '\\'; *o++ = e; break;
			}
		} else {
			*o++ = c;
		}
	}
	*o = '\0';
	return s;
}

const char *cmp_op_name(enum cmp_op op)
{
	static const char *const names[] = {
		[OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<",       [OP_LE] = "<=",
		[OP_GT] = ">",  [OP_GE] = ">=", [OP_MATCH] = "~",    [OP_IMATCH] = "~*",
		[OP_NMATCH] = "!~", [OP_NIMATCH] = "!~*",
	};
	return names[op];
}

const char *token_desc(const struct token *t, char *buf, size_t n)
{
	switch (t->kind) {
	case T_EOF: return "end of file";
	case T_STR: return "a string";
	case T_NUM: return "a number";
	default:
		snprintf(buf, n, "'%.*s'", (int)(t->n > 40 ? 40 : t->n), t->p);
		return buf;
	}
}
