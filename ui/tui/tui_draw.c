/* tui_draw.c — drawing primitives of the dashboard: styles as colour pairs or,
 * on monochrome terminals (or NO_COLOR), as bold/underline/reverse; UTF-8 or
 * ASCII glyphs; text clipped by display width; sparklines; and the one place
 * where text from the wire is made safe for a terminal. */
#include "config.h"

#include <curses.h>
#include <string.h>
#include <wchar.h>

#include "ui/tui/tui_view.h"
#include "decode/utf8.h"

struct tui_glyphs tui_g;

static bool colour;
static attr_t style_attr[STY__COUNT];

static const struct tui_glyphs glyphs_utf8 = {
	.utf8 = true, .hline = "\u2500", .vline = "\u2502", .ellipsis = "\u2026",
	.sort_up = "\u25b2", .sort_down = "\u25bc", .arrow_r = "\u25b6", .arrow_l = "\u25c0",
	.data_line = "\u2550", .lost = "\u2715", .sep = "\u2502",
	.spark = { "\u00b7", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587",
		   "\u2588" },
};

static const struct tui_glyphs glyphs_ascii = {
	.utf8 = false, .hline = "-", .vline = "|", .ellipsis = "~", .sort_up = "^",
	.sort_down = "v", .arrow_r = ">", .arrow_l = "<", .data_line = "=", .lost = "x",
	.sep = "|", .spark = { ".", "_", "_", "-", "-", "=", "=", "#", "#" },
};

/* fg, bg (-1 = the terminal's), extra attributes; then the mono attributes. */
static const struct {
	short fg, bg;
	attr_t attr, mono;
} styles[STY__COUNT] = {
	[STY_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
	[STY_TITLE] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[STY_COLHEAD] = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE },
	[STY_COLSORT] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE },
	[STY_FOOTER] = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[STY_FOOTKEY] = { -1, -1, A_BOLD, A_BOLD },
	[STY_DIM] = { COLOR_BLUE, -1, A_BOLD, A_DIM },
	[STY_GOOD] = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[STY_ACTIVE] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[STY_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_UNDERLINE },
	[STY_BAD] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[STY_RST] = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE },
	[STY_CLIENT] = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[STY_SERVER] = { COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL },
	[STY_PROMPT] = { -1, -1, A_BOLD, A_BOLD },
	[STY_MSG] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[STY_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE },
};

void draw_init(bool ascii, bool mono)
{
	tui_g = ascii ? glyphs_ascii : glyphs_utf8;
	colour = !mono && has_colors() && start_color() == OK;
	if (colour && use_default_colors() != OK) {
		/* no "default" colour: draw on black and white */
		for (int i = 0; i < STY__COUNT; i++)
			init_pair((short)(i + 1), styles[i].fg < 0 ? COLOR_WHITE : styles[i].fg,
				  styles[i].bg < 0 ? COLOR_BLACK : styles[i].bg);
	} else if (colour) {
		for (int i = 0; i < STY__COUNT; i++)
			init_pair((short)(i + 1), styles[i].fg, styles[i].bg);
	}
	for (int i = 0; i < STY__COUNT; i++)
		style_attr[i] = colour ? (COLOR_PAIR(i + 1) | styles[i].attr) : styles[i].mono;
}

bool draw_has_colour(void)
{
	return colour;
}

static attr_t attr_of(int style)
{
	int base = style & 0xff;
	attr_t a = base < STY__COUNT ? style_attr[base] : A_NORMAL;
	if (style & STY_SEL)
		a = (a & ~A_UNDERLINE) | A_REVERSE | (colour ? 0 : A_BOLD);
	return a;
}

static int cp_width(uint32_t cp)
{
	if (cp < 0x80)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

void tui_clean(char *out, size_t outsz, const char *in, size_t inlen, bool one_line)
{
	size_t o = 0;
	if (outsz == 0)
		return;
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	for (size_t i = 0; i < inlen && s[i];) {
		uint32_t cp;
		size_t len = utf8_decode(s + i, inlen - i, &cp);
		if (cp == '\n' && len == 1 && one_line)
			break;
		const char *put = NULL;
		size_t putn = 0;
		if (len == 0) {
			put = "?", putn = 1, len = 1;
		} else if (cp == '\t') {
			put = " ", putn = 1;
		} else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			put = "?", putn = 1;
		} else if (cp >= 0x80 && (!tui_g.utf8 || wcwidth((wchar_t)cp) < 1)) {
			put = "?", putn = 1; /* ASCII terminal, or a format/combining mark */
		} else {
			put = (const char *)s + i, putn = len;
		}
		if (o + putn >= outsz)
			break;
		memcpy(out + o, put, putn);
		o += putn;
		i += len;
	}
	out[o] = '\0';
}

int text_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	int w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);
		if (len == 0)
			len = 1, cp = '?';
		w += cp_width(cp);
		i += len;
	}
	return w;
}

/* Bytes of s that fit in w columns; *used gets their width. */
static size_t fit(const char *s, int w, int *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	int cols = 0;
	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);
		if (len == 0)
			len = 1, cp = '?';
		int cw = cp_width(cp);
		if (cols + cw > w)
			break;
		cols += cw;
		i += len;
	}
	*used = cols;
	return i;
}

int draw_text(int y, int x, int w, const char *s, int style)
{
	if (x < 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (w > COLS - x)
		w = COLS - x;
	if (w <= 0 || !s || !*s)
		return 0;
	int used;
	size_t nb = fit(s, w, &used);
	bool cut = s[nb] != '\0';
	if (cut)
		nb = fit(s, w - 1, &used);
	attrset(attr_of(style));
	mvaddnstr(y, x, s, (int)nb);
	if (cut) {
		addstr(tui_g.ellipsis);
		used++;
	}
	attrset(A_NORMAL);
	return used;
}

int draw_words(int y, int x, int w, const char *s, int style)
{
	if (x < 0 || y < 0 || y >= LINES || x >= COLS || w <= 1 || !s)
		return 0;
	if (w > COLS - x)
		w = COLS - x;
	int used;
	size_t nb = fit(s, w, &used);
	if (s[nb] == '\0')
		return draw_text(y, x, w, s, style);
	nb = fit(s, w - 1, &used); /* room for the ellipsis */
	/* back to the end of the last word that fits whole: the byte after
	 * it is a space (or the cut falls on one) */
	size_t end = nb;
	while (end > 0 && s[end] != ' ')
		end--;
	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == ',' || s[end - 1] == ';' ||
			   s[end - 1] == ':'))
		end--;
	char buf[512];
	if (end == 0 || end >= sizeof buf)
		return draw_text(y, x, w, s, style);
	memcpy(buf, s, end);
	buf[end] = '\0';
	int ew;
	fit(buf, w, &ew);
	if (ew < w / 2) /* one long word: cutting inside it shows more */
		return draw_text(y, x, w, s, style);
	attrset(attr_of(style));
	mvaddnstr(y, x, buf, (int)end);
	addstr(tui_g.ellipsis);
	attrset(A_NORMAL);
	return ew + 1;
}

int draw_text_right(int y, int x, int w, const char *s, int style)
{
	int tw = text_width(s);
	if (tw < w)
		return draw_text(y, x + w - tw, tw, s, style);
	return draw_text(y, x, w, s, style);
}

void draw_fill(int y, int x, int w, int style)
{
	if (x < 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (w > COLS - x)
		w = COLS - x;
	if (w <= 0)
		return;
	attrset(attr_of(style));
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

void draw_spark(int y, int x, int w, const char *codes, int selflag)
{
	int n = (int)strlen(codes);
	for (int i = 0; i < n && i < w; i++) {
		char c = codes[i];
		int level = 0, style = STY_DIM;
		const char *g;
		if (c >= '1' && c <= '8') {
			level = c - '0';
			style = STY_GOOD;
		} else if (c >= 'A' && c <= 'H') {
			level = c - 'A' + 1;
			style = STY_BAD;
		}
		g = tui_g.spark[level];
		/* failures get their own shape, readable without colour too */
		if (style == STY_BAD)
			g = tui_g.lost;
		draw_text(y, x + i, 1, g, style | selflag);
	}
}

int tui_severity_style(enum severity s)
{
	return s == SEV_CRITICAL ? STY_BAD : s == SEV_WARNING ? STY_WARN : STY_NORMAL;
}
