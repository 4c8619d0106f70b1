/* rule_template.c — alert messages: "text with {field} and {count}".
 *
 * A template is compiled into pieces once (every name checked against the
 * rule's event); rendering walks the pieces into a fixed buffer, cutting at
 * its end.  {name|text} shows `text` when the field is null (default "-");
 * {{ and }} are literal braces.  Values are put on one line: newlines and
 * tabs become blanks, other control bytes '?'. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/mem.h"
#include "rules/rule_internal.h"

enum piece_kind {
	P_TEXT, P_FIELD, P_COUNT, P_FIRST_TIME, P_TIME, P_WINDOW, P_INTERVAL, P_COLLECTED,
	P_RULE, P_SEVERITY,
};

struct piece {
	enum piece_kind kind;
	char *text;                  /* P_TEXT: the text; others: shown for null, or NULL */
	const struct rule_field *f;  /* P_FIELD */
};

struct tmpl {
	struct piece *p;
	size_t n;
};

/* Names that are not fields: what the aggregation knows, and the rule. */
static const struct { const char *name; enum piece_kind kind; int needs; } vars[] = {
	{ "count", P_COUNT, 0 },       { "first_time", P_FIRST_TIME, 0 }, { "time", P_TIME, 0 },
	{ "window", P_WINDOW, 1 },     { "interval", P_INTERVAL, 1 },     { "collected", P_COLLECTED, 2 },
	{ "rule", P_RULE, 0 },         { "severity", P_SEVERITY, 0 },
};

/* A growing byte buffer for literal text while compiling. */
struct sb {
	char *s;
	size_t n, cap;
};

static void sb_putc(struct sb *b, char c)
{
	if (b->n + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->s = xrealloc(b->s, b->cap);
	}
	b->s[b->n++] = c;
	b->s[b->n] = '\0';
}

static struct piece *add_piece(struct tmpl *t, enum piece_kind k)
{
	t->p = xrealloc(t->p, (t->n + 1) * sizeof *t->p);
	struct piece *p = &t->p[t->n++];
	memset(p, 0, sizeof *p);
	p->kind = k;
	return p;
}

static void flush_text(struct tmpl *t, struct sb *b)
{
	if (b->n == 0)
		return;
	add_piece(t, P_TEXT)->text = b->s;
	memset(b, 0, sizeof *b);
}

/* The character at raw[*i], escapes resolved (see the lexer); advances *i. */
static char unescape(const char *raw, size_t n, size_t *i, bool *escaped)
{
	char c = raw[(*i)++];
	*escaped = false;
	if (c != '\\' || *i >= n)
		return c;
	char e = raw[*i];
	*escaped = true;
	switch (e) {
	case '"': (*i)++; return '"';
	case '\\': (*i)++; return '\\';
	case 'n': (*i)++; return '\n';
	case 't': (*i)++; return '\t';
	default: *escaped = false; return '\\';
	}
}

struct tctx {
	struct tmpl *t;
	enum rule_event_type ev;
	bool agg, collect;
	struct rule_err *err;
};

/* "{name}" or "{name|fallback}" starting after the '{' at raw[*i]. */
static bool parse_ref(struct tctx *c, const struct token *tok, size_t open, size_t *i)
{
	const char *raw = tok->p;
	size_t n = tok->n, start = *i;
	while (*i < n && raw[*i] != '}' && raw[*i] != '|' && raw[*i] != '{' && raw[*i] != '"')
		(*i)++;
	int col = tok->col + 1 + (int)open;
	if (*i >= n || raw[*i] == '{' || raw[*i] == '"') {
		rule_err_at(c->err, tok->line, col, "unclosed '{' in the message");
		return false;
	}
	struct token name = { .kind = T_IDENT, .line = tok->line, .col = col + 1, .p = raw + start,
			      .n = *i - start };
	struct piece *p = NULL;
	for (size_t v = 0; v < sizeof vars / sizeof vars[0] && !p; v++) {
		if (!tok_is(&name, vars[v].name))
			continue;
		if ((vars[v].needs == 1 && !c->agg) || (vars[v].needs == 2 && !c->collect)) {
			rule_err_at(c->err, name.line, name.col, "{%s} needs a '%s' clause", vars[v].name,
				    vars[v].needs == 1 ? "count ... within" : "collect");
			return false;
		}
		p = add_piece(c->t, vars[v].kind);
	}
	if (!p) {
		if (name.n == 0) {
			rule_err_at(c->err, tok->line, col, "empty {} in the message (write {{ for a brace)");
			return false;
		}
		const struct rule_field *f = rule_field_resolve(c->err, &name, c->ev);
		if (!f)
			return false;
		p = add_piece(c->t, P_FIELD);
		p->f = f;
	}
	if (raw[*i] == '|') {
		struct sb fb = { 0 };
		(*i)++;
		while (*i < n && raw[*i] != '}') {
			bool esc;
			sb_putc(&fb, unescape(raw, n, i, &esc));
		}
		if (*i >= n) {
			free(fb.s);
			rule_err_at(c->err, tok->line, col, "unclosed '{' in the message");
			return false;
		}
		p->text = fb.s ? fb.s : xstrdup("");
	}
	(*i)++; /* '}' */
	return true;
}

static bool compile_part(struct tctx *c, const struct token *tok, struct sb *text)
{
	const char *raw = tok->p;
	size_t n = tok->n, i = 0;
	while (i < n) {
		size_t at = i;
		if (raw[i] == '{' && i + 1 < n && raw[i + 1] == '{') {
			sb_putc(text, '{');
			i += 2;
		} else if (raw[i] == '}' && i + 1 < n && raw[i + 1] == '}') {
			sb_putc(text, '}');
			i += 2;
		} else if (raw[i] == '{') {
			flush_text(c->t, text);
			i++;
			if (!parse_ref(c, tok, at, &i))
				return false;
		} else if (raw[i] == '}') {
			rule_err_at(c->err, tok->line, tok->col + 1 + (int)at,
				    "'}' without '{' in the message (write }} for a brace)");
			return false;
		} else {
			bool esc;
			sb_putc(text, unescape(raw, n, &i, &esc));
		}
	}
	return true;
}

struct tmpl *tmpl_compile(const struct token *parts, size_t nparts, enum rule_event_type ev,
			  bool agg, bool collect, struct rule_err *err)
{
	struct tmpl *t = xcalloc(1, sizeof *t);
	struct tctx c = { t, ev, agg, collect, err };
	struct sb text = { 0 };
	for (size_t i = 0; i < nparts; i++) {
		if (!compile_part(&c, &parts[i], &text)) {
			free(text.s);
			tmpl_free(t);
			return NULL;
		}
	}
	flush_text(t, &text);
	return t;
}

/* --- rendering ------------------------------------------------------------------- */

struct out {
	char *s;
	size_t n, len;
};

static void put(struct out *o, const char *s)
{
	size_t l = strlen(s);
	if (o->len + 1 >= o->n)
		return;
	if (l > o->n - 1 - o->len)
		l = o->n - 1 - o->len;
	memcpy(o->s + o->len, s, l);
	o->len += l;
	o->s[o->len] = '\0';
}

/* A value from the wire: one line, no control bytes (reply text joins its
 * lines with '\n'; hostile peers send anything). */
static void put_value(struct out *o, const char *s)
{
	size_t start = o->len;
	put(o, s);
	for (size_t i = start; i < o->len; i++) {
		unsigned char c = (unsigned char)o->s[i];
		if (c == '\n' || c == '\r' || c == '\t')
			o->s[i] = ' ';
		else if (c < 0x20 || c == 0x7f)
			o->s[i] = '?';
	}
}

static void put_hms(struct out *o, int64_t ts_us)
{
	time_t secs = (time_t)(ts_us / 1000000);
	struct tm tm;
	char buf[16];
	if (!gmtime_r(&secs, &tm)) {
		put(o, "-");
		return;
	}
	snprintf(buf, sizeof buf, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	put(o, buf);
}

static void put_num(struct out *o, double v)
{
	char buf[48];
	rf_format_num(v, buf, sizeof buf);
	put(o, buf);
}

static void put_null(struct out *o, const struct piece *p)
{
	put(o, p->text ? p->text : "-");
}

void tmpl_render(const struct tmpl *t, const struct rule_event *ev, const char *rule,
		 const char *severity, const struct agg_info *ai, char *buf, size_t bufsz)
{
	struct out o = { buf, bufsz, 0 };
	char val[RF_SCRATCH];
	if (bufsz == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n; i++) {
		const struct piece *p = &t->p[i];
		switch (p->kind) {
		case P_TEXT: put(&o, p->text); break;
		case P_FIELD:
			if (rf_format(p->f, ev, val, sizeof val))
				put_value(&o, val);
			else
				put_null(&o, p);
			break;
		case P_COUNT: put_num(&o, (double)ai->count); break;
		case P_FIRST_TIME: put_hms(&o, ai->first_ts_us); break;
		case P_TIME: put_hms(&o, ev->ts_us); break;
		case P_WINDOW: put(&o, ai->window ? ai->window : "-"); break;
		case P_INTERVAL:
			if (ai->interval_s >= 0)
				put_num(&o, ai->interval_s);
			else
				put_null(&o, p);
			break;
		case P_COLLECTED: put_value(&o, ai->collected ? ai->collected : ""); break;
		case P_RULE: put(&o, rule); break;
		case P_SEVERITY: put(&o, severity); break;
		}
	}
}

void tmpl_free(struct tmpl *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->p[i].text);
	free(t->p);
	free(t);
}
