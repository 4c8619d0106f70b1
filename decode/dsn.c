/* dsn.c — streaming reader of delivery status notifications: RFC 3464
 * (message/delivery-status fields), RFC 6522 (multipart/report), RFC 2046
 * (MIME boundaries), RFC 5322 2.2.3 (unfolding), RFC 6533 (the "global"
 * variants).  Lines in, a struct dsn_report out; nothing allocated. */
#include "config.h"

#include "decode/dsn.h"

#include <string.h>

enum part_kind { PK_OTHER, PK_STATUS, PK_RETURNED };

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive search of needle in s[0..n). */
static const char *find_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; m <= n && i <= n - m; i++) {
		size_t k = 0;
		while (k < m && lower(s[i + k]) == needle[k])
			k++;
		if (k == m)
			return s + i;
	}
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Copies s[0..n) trimmed into out (cut at outsz - 1), dropping <> around it. */
static void copy_value(char *out, size_t outsz, const char *s, size_t n, bool strip_angle)
{
	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	if (strip_angle && n >= 2 && s[0] == '<' && s[n - 1] == '>')
		s++, n -= 2;
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The part after "type;" of a typed field (Final-Recipient, Diagnostic-Code,
 * Reporting-MTA): RFC 3464 2.1.2 address-type / diagnostic-type. */
static void copy_typed(char *out, size_t outsz, const char *v, size_t n, bool strip_angle)
{
	const char *semi = memchr(v, ';', n);
	if (semi) {
		n -= (size_t)(semi + 1 - v);
		v = semi + 1;
	}
	copy_value(out, outsz, v, n, strip_angle);
}

/* boundary="..." or boundary=token from a Content-Type value. */
static void take_boundary(struct dsn_parser *p, const char *v, size_t n)
{
	const char *b = find_ci(v, n, "boundary=");
	if (!b)
		return;
	b += 9;
	size_t rest = n - (size_t)(b - v), len = 0;
	if (rest && *b == '"') {
		b++, rest--;
		while (len < rest && b[len] != '"')
			len++;
	} else {
		while (len < rest && b[len] != ';' && !is_space(b[len]))
			len++;
	}
	if (len == 0 || len > DSN_BOUNDARY_MAX - 2)
		return;
	memcpy(p->boundary, b, len);
	p->boundary[len] = '\0';
}

static enum dsn_action parse_action(const char *v, size_t n)
{
	static const struct { const char *name; enum dsn_action a; } tab[] = {
		{ "failed", DSN_ACT_FAILED }, { "delayed", DSN_ACT_DELAYED },
		{ "delivered", DSN_ACT_DELIVERED }, { "relayed", DSN_ACT_RELAYED },
		{ "expanded", DSN_ACT_EXPANDED },
	};
	while (n && is_space(*v))
		v++, n--;
	size_t len = 0;
	while (len < n && !is_space(v[len]) && v[len] != '(' && v[len] != ';')
		len++;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		size_t m = strlen(tab[i].name);
		if (len == m && find_ci(v, len, tab[i].name) == v)
			return tab[i].a;
	}
	return DSN_ACT_NONE;
}

/* RFC 3463: class "." subject "." detail, 1-3 digits each; anything else is
 * left empty rather than copied. */
static void parse_status(char *out, const char *v, size_t n)
{
	while (n && is_space(*v))
		v++, n--;
	size_t i = 0, digits = 0, dots = 0;
	for (; i < n && !is_space(v[i]) && v[i] != '('; i++) {
		if (v[i] >= '0' && v[i] <= '9') {
			if (++digits > 3)
				return;
		} else if (v[i] == '.' && digits) {
			dots++;
			digits = 0;
		} else {
			return;
		}
	}
	if (dots != 2 || !digits || i >= 16 || (v[0] != '2' && v[0] != '4' && v[0] != '5'))
		return;
	memcpy(out, v, i);
	out[i] = '\0';
}

static struct dsn_rcpt *cur_rcpt(struct dsn_parser *p)
{
	p->in_rcpt_block = true;
	return p->rep.nrcpt < DSN_RCPT_MAX ? &p->rep.rcpt[p->rep.nrcpt] : NULL;
}

static void end_status_block(struct dsn_parser *p)
{
	p->status_blocks++;
	if (!p->in_rcpt_block)
		return;
	p->in_rcpt_block = false;
	if (p->rep.nrcpt < DSN_RCPT_MAX)
		p->rep.nrcpt++;
	else
		p->rep.rcpt_dropped++;
}

static bool name_is(const char *f, size_t nlen, const char *name)
{
	return strlen(name) == nlen && find_ci(f, nlen, name) == f;
}

static void status_field(struct dsn_parser *p, const char *f, size_t nlen, const char *v, size_t n)
{
	if (name_is(f, nlen, "reporting-mta")) {
		copy_typed(p->rep.reporting_mta, sizeof p->rep.reporting_mta, v, n, false);
		return;
	}
	if (name_is(f, nlen, "final-recipient")) {
		/* a block without its blank line: a new recipient starts here */
		if (p->in_rcpt_block && p->rep.nrcpt < DSN_RCPT_MAX &&
		    p->rep.rcpt[p->rep.nrcpt].final_rcpt[0])
			end_status_block(p);
		struct dsn_rcpt *r = cur_rcpt(p);
		if (r)
			copy_typed(r->final_rcpt, sizeof r->final_rcpt, v, n, true);
		return;
	}
	struct dsn_rcpt *r;
	if (name_is(f, nlen, "action")) {
		if ((r = cur_rcpt(p)))
			r->action = parse_action(v, n);
	} else if (name_is(f, nlen, "status")) {
		if ((r = cur_rcpt(p)))
			parse_status(r->status, v, n);
	} else if (name_is(f, nlen, "diagnostic-code")) {
		if ((r = cur_rcpt(p)))
			copy_typed(r->diagnostic, sizeof r->diagnostic, v, n, false);
	}
}

/* One complete unfolded field of the block being read. */
static void field_done(struct dsn_parser *p)
{
	const char *f = p->field;
	size_t n = p->flen;
	p->flen = 0;
	const char *colon = memchr(f, ':', n);
	if (!colon || colon == f)
		return;
	size_t nlen = (size_t)(colon - f);
	const char *v = colon + 1;
	size_t vlen = n - nlen - 1;
	switch (p->where) {
	case DW_TOP_HEADER:
		if (name_is(f, nlen, "content-type") && find_ci(v, vlen, "multipart/")) {
			take_boundary(p, v, vlen);
			if (find_ci(v, vlen, "multipart/report") && find_ci(v, vlen, "delivery-status"))
				p->rep.report_type_seen = true;
		}
		break;
	case DW_PART_HEADER:
		if (!name_is(f, nlen, "content-type"))
			break;
		if (find_ci(v, vlen, "delivery-status")) /* message/(global-)delivery-status */
			p->part_kind = PK_STATUS;
		else if (find_ci(v, vlen, "message/rfc822") || find_ci(v, vlen, "rfc822-headers") ||
			 find_ci(v, vlen, "message/global"))
			p->part_kind = PK_RETURNED;
		break;
	case DW_STATUS:
		status_field(p, f, nlen, v, vlen);
		break;
	case DW_RETURNED:
		if (name_is(f, nlen, "message-id") && !p->rep.orig_message_id[0])
			copy_value(p->rep.orig_message_id, sizeof p->rep.orig_message_id, v, vlen, false);
		break;
	default:
		break;
	}
}

static bool reads_fields(enum dsn_where w)
{
	return w == DW_TOP_HEADER || w == DW_PART_HEADER || w == DW_STATUS || w == DW_RETURNED;
}

/* A blank line ends a header (or a status block). */
static void blank_line(struct dsn_parser *p)
{
	switch (p->where) {
	case DW_TOP_HEADER:
		p->where = DW_PREAMBLE;
		break;
	case DW_PART_HEADER:
		if (p->part_kind == PK_STATUS) {
			p->where = DW_STATUS;
			p->rep.valid = true;
			p->status_blocks = 0;
		} else {
			p->where = p->part_kind == PK_RETURNED ? DW_RETURNED : DW_SKIP;
		}
		break;
	case DW_STATUS:
		end_status_block(p);
		break;
	case DW_RETURNED:
		p->where = DW_SKIP;
		break;
	default:
		break;
	}
}

/* "--boundary" opens a part, "--boundary--" closes the multipart. */
static bool boundary_line(struct dsn_parser *p, const char *s, size_t n)
{
	size_t b = strlen(p->boundary);
	if (!b || n < b + 2 || s[0] != '-' || s[1] != '-' || memcmp(s + 2, p->boundary, b) != 0)
		return false;
	const char *rest = s + 2 + b;
	size_t rn = n - 2 - b;
	bool close = rn >= 2 && rest[0] == '-' && rest[1] == '-';
	if (close)
		rest += 2, rn -= 2;
	while (rn && is_space(*rest))
		rest++, rn--;
	if (rn)
		return false; /* "--boundaryX": a longer boundary, not ours */
	if (p->flen && reads_fields(p->where))
		field_done(p);
	if (p->where == DW_STATUS && p->in_rcpt_block)
		end_status_block(p);
	p->where = close ? DW_SKIP : DW_PART_HEADER;
	p->part_kind = PK_OTHER;
	return true;
}

static void line_done(struct dsn_parser *p)
{
	const char *s = p->line;
	size_t n = p->len;
	if (n && s[n - 1] == '\r')
		n--;
	p->len = 0;
	p->line_cut = false;
	if (p->where != DW_TOP_HEADER && boundary_line(p, s, n)) {
		p->flen = 0;
		return;
	}
	if (!reads_fields(p->where))
		return;
	if (n && is_space(s[0]) && p->flen) { /* folded continuation */
		size_t room = DSN_LINE_MAX - p->flen;
		size_t k = n < room ? n : room;
		memcpy(p->field + p->flen, s, k);
		p->flen += k;
		return;
	}
	if (p->flen)
		field_done(p);
	if (n == 0) {
		blank_line(p);
		return;
	}
	memcpy(p->field, s, n);
	p->flen = n;
}

void dsn_init(struct dsn_parser *p)
{
	memset(p, 0, sizeof *p);
	p->where = DW_TOP_HEADER;
}

void dsn_feed(struct dsn_parser *p, const uint8_t *d, size_t n)
{
	while (n) {
		const uint8_t *lf = memchr(d, '\n', n);
		size_t k = lf ? (size_t)(lf - d) : n;
		size_t room = DSN_LINE_MAX - p->len;
		size_t take = k < room ? k : room;
		memcpy(p->line + p->len, d, take);
		p->len += take;
		if (take < k)
			p->line_cut = true; /* the rest of an overlong line is dropped */
		if (!lf)
			return;
		line_done(p);
		d += k + 1;
		n -= k + 1;
	}
}

void dsn_finish(struct dsn_parser *p)
{
	if (p->len)
		line_done(p);
	if (reads_fields(p->where) && p->flen)
		field_done(p);
	if (p->where == DW_STATUS && p->in_rcpt_block)
		end_status_block(p);
}

const char *dsn_action_name(enum dsn_action a)
{
	switch (a) {
	case DSN_ACT_FAILED: return "failed";
	case DSN_ACT_DELAYED: return "delayed";
	case DSN_ACT_DELIVERED: return "delivered";
	case DSN_ACT_RELAYED: return "relayed";
	case DSN_ACT_EXPANDED: return "expanded";
	default: return NULL;
	}
}
