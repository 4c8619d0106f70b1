/* rule_template.c — alert messages: "text with {field} and {count}".
 *
 * A template is compiled into pieces once (every name checked against the
 * rule's event); rendering walks the pieces into a fixed buffer, cutting at
 * its end.  {name|text} shows `text` when the field is null (default "-");
 * {name:filter} writes a number as a figure for people, through the one
 * function for its kind (rules/units.h): `duration` ("850 ms", "4.2 s",
 * "5m00s"), `size` ("18.4 KB"), `bytes` ("1448 B"); {name:filter|text}
 * combines both.  {{ and }} are literal braces.  Values are put on one
 * line: newlines and tabs become blanks, other control bytes '?'. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/mem.h"
#include "rules/rule_internal.h"
#include "rules/units.h"

enum piece_kind {
	P_TEXT, P_FIELD, P_COUNT, P_FIRST_TIME, P_TIME, P_WINDOW, P_INTERVAL, P_COLLECTED,
	P_RULE, P_SEVERITY,
};

/* How a number is written: as it is, or as a figure of its kind. */
enum filter { F_NONE, F_DURATION, F_SIZE, F_BYTES };

struct piece {
	enum piece_kind kind;
	char *text;                  /* P_TEXT: the text; others: shown for null, or NULL */
	const struct rule_field *f;  /* P_FIELD */
	enum filter filter;
};

/* Filter names, and the unit of the number each one takes. */
static const struct { const char *name; enum filter filter; enum rf_unit unit; } filters[] = {
	{ "duration", F_DURATION, RU_SECONDS },
	{ "size", F_SIZE, RU_BYTES },
	{ "bytes", F_BYTES, RU_BYTES },
};

struct tmpl {
	struct piece *p;
	size_t n;
};

/* Names that are not fields: what the aggregation knows, and the rule.
 * num: a number a filter may take, in unit. */
static const struct {
	const char *name;
	enum piece_kind kind;
	int needs;
	bool num;
	enum rf_unit unit;
} vars[] = {
	{ "count", P_COUNT, 0, true, RU_NONE },          { "first_time", P_FIRST_TIME, 0, false, RU_NONE },
	{ "time", P_TIME, 0, false, RU_NONE },           { "window", P_WINDOW, 1, true, RU_SECONDS },
	{ "interval", P_INTERVAL, 1, true, RU_SECONDS }, { "collected", P_COLLECTED, 2, false, RU_NONE },
	{ "rule", P_RULE, 0, false, RU_NONE },           { "severity", P_SEVERITY, 0, false, RU_NONE },
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

static const char *unit_words(enum rf_unit u)
{
	return u == RU_SECONDS ? "a duration" : u == RU_BYTES ? "a size" : "a plain number";
}

/* ":filter" at raw[*i] for the reference `name` (a number in `unit` when
 * num): sets p->filter, or the error. */
static bool parse_filter(struct tctx *c, const struct token *tok, const struct token *name,
			 bool num, enum rf_unit unit, struct piece *p, size_t *i)
{
	const char *raw = tok->p;
	size_t n = tok->n, start = ++*i; /* after ':' */
	while (*i < n && raw[*i] >= 'a' && raw[*i] <= 'z')
		(*i)++;
	int col = tok->col + 1 + (int)start;
	struct token fn = { .kind = T_IDENT, .line = tok->line, .col = col, .p = raw + start,
			    .n = *i - start };
	if (fn.n == 0 || *i >= n || (raw[*i] != '}' && raw[*i] != '|')) {
		rule_err_at(c->err, tok->line, col, "a filter is a word (duration, size, bytes) "
			    "followed by '}' or '|'");
		return false;
	}
	for (size_t k = 0; k < sizeof filters / sizeof filters[0]; k++) {
		if (!tok_is(&fn, filters[k].name))
			continue;
		if (!num || unit != filters[k].unit) {
			rule_err_at(c->err, tok->line, col, "{%.*s:%s} needs %s, and %.*s is %s",
				    (int)name->n, name->p, filters[k].name, unit_words(filters[k].unit),
				    (int)name->n, name->p, num ? unit_words(unit) : "not a number");
			return false;
		}
		p->filter = filters[k].filter;
		return true;
	}
	rule_err_at(c->err, tok->line, col, "unknown filter '%.*s' (duration, size, bytes)",
		    (int)fn.n, fn.p);
	return false;
}

/* "{name}", "{name:filter}", "{name|fallback}" or "{name:filter|fallback}"
 * starting after the '{' at raw[*i]. */
static bool parse_ref(struct tctx *c, const struct token *tok, size_t open, size_t *i)
{
	const char *raw = tok->p;
	size_t n = tok->n, start = *i;
	while (*i < n && raw[*i] != '}' && raw[*i] != '|' && raw[*i] != ':' && raw[*i] != '{' &&
	       raw[*i] != '"')
		(*i)++;
	int col = tok->col + 1 + (int)open;
	if (*i >= n || raw[*i] == '{' || raw[*i] == '"') {
		rule_err_at(c->err, tok->line, col, "unclosed '{' in the message");
		return false;
	}
	struct token name = { .kind = T_IDENT, .line = tok->line, .col = col + 1, .p = raw + start,
			      .n = *i - start };
	struct piece *p = NULL;
	bool num = false;
	enum rf_unit unit = RU_NONE;
	for (size_t v = 0; v < sizeof vars / sizeof vars[0] && !p; v++) {
		if (!tok_is(&name, vars[v].name))
			continue;
		if ((vars[v].needs == 1 && !c->agg) || (vars[v].needs == 2 && !c->collect)) {
			rule_err_at(c->err, name.line, name.col, "{%s} needs a '%s' clause", vars[v].name,
				    vars[v].needs == 1 ? "count ... within" : "collect");
			return false;
		}
		p = add_piece(c->t, vars[v].kind);
		num = vars[v].num;
		unit = vars[v].unit;
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
		num = f->type == RF_NUM;
		unit = f->unit;
	}
	if (raw[*i] == ':' && !parse_filter(c, tok, &name, num, unit, p, i))
		return false;
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

/* A byte count from a field's double: never negative, never past UINT64_MAX. */
static uint64_t to_bytes(double v)
{
	if (!(v > 0))
		return 0;
	return v >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)floor(v + 0.5); /* 2^64 */
}

/* A number the way its piece asks: plain, or a figure (seconds or bytes). */
static void put_figure(struct out *o, const struct piece *p, double v)
{
	char buf[UNITS_STRLEN];
	switch (p->filter) {
	case F_NONE: put_num(o, v); return;
	case F_DURATION: format_duration_s(buf, sizeof buf, v); break;
	case F_SIZE: format_size(buf, sizeof buf, to_bytes(v)); break;
	case F_BYTES: format_size_exact(buf, sizeof buf, to_bytes(v)); break;
	}
	put(o, buf);
}

/* A field: text as the wire gave it, numbers through their filter. */
static void put_field(struct out *o, const struct piece *p, const struct rule_event *ev, char *val)
{
	if (p->filter != F_NONE) {
		struct rf_value v = { 0 };
		if (p->f->get(ev, &v, val, RF_SCRATCH))
			put_figure(o, p, v.num);
		else
			put_null(o, p);
	} else if (rf_format(p->f, ev, val, RF_SCRATCH)) {
		put_value(o, val);
	} else {
		put_null(o, p);
	}
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
		case P_FIELD: put_field(&o, p, ev, val); break;
		case P_COUNT: put_num(&o, (double)ai->count); break;
		case P_FIRST_TIME: put_hms(&o, ai->first_ts_us); break;
		case P_TIME: put_hms(&o, ev->ts_us); break;
		case P_WINDOW: /* written as every duration, not as the rule spelled it */
			format_duration(val, sizeof val, ai->window_us > 0 ? ai->window_us : -1);
			put(&o, val);
			break;
		case P_INTERVAL:
			if (ai->interval_s >= 0)
				put_figure(&o, p, ai->interval_s);
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
