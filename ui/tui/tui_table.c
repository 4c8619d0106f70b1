/* tui_table.c — the list every screen but the ladder is made of: rows of
 * clean text with a sort key per column, a free-text filter, sorting by any
 * column, a selection that stays on the same row across refreshes (as htop
 * keeps its cursor on a process), and columns dropped by priority when the
 * terminal is narrow. */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode/mem.h"
#include "ui/tui/tui_view.h"

void tbl_init(struct tbl *t, const struct tbl_col *cols, int ncol, int sort_col, bool desc)
{
	memset(t, 0, sizeof *t);
	t->cols = cols;
	t->ncol = ncol < TBL_MAXCOL ? ncol : TBL_MAXCOL;
	t->sort_col = sort_col;
	t->sort_desc = desc;
	t->page = 10;
	tbl_clear(t);
}

void tbl_free(struct tbl *t)
{
	free(t->rows);
	free(t->text);
	free(t->vis);
	t->rows = NULL;
	t->text = NULL;
	t->vis = NULL;
}

void tbl_clear(struct tbl *t)
{
	t->n = 0;
	if (!t->text) {
		t->text_cap = 4096;
		t->text = xmalloc(t->text_cap);
	}
	t->text[0] = '\0'; /* offset 0: the empty cell */
	t->text_n = 1;
}

void tbl_add(struct tbl *t, uint64_t id)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
	}
	struct tbl_row *r = &t->rows[t->n];
	memset(r, 0, sizeof *r);
	r->id = id;
	r->orig = (uint32_t)t->n;
	t->n++;
}

void tbl_cell(struct tbl *t, int col, double key, int style, const char *text)
{
	if (t->n == 0 || col < 0 || col >= t->ncol)
		return;
	char clean[512];
	tui_clean(clean, sizeof clean, text, text ? strlen(text) : 0, true);
	size_t len = strlen(clean) + 1;
	while (t->text_n + len > t->text_cap) {
		t->text_cap *= 2;
		t->text = xrealloc(t->text, t->text_cap);
	}
	memcpy(t->text + t->text_n, clean, len);
	struct tbl_row *r = &t->rows[t->n - 1];
	r->cell[col] = (uint32_t)t->text_n;
	r->key[col] = key;
	r->style[col] = (uint16_t)style;
	t->text_n += len;
}

const char *tbl_text(const struct tbl *t, const struct tbl_row *r, int col)
{
	return t->text + r->cell[col];
}

static bool row_matches(const struct tbl *t, const struct tbl_row *r)
{
	if (!t->filter[0])
		return true;
	for (int c = 0; c < t->ncol; c++)
		if (!t->cols[c].spark && strcasestr(tbl_text(t, r, c), t->filter))
			return true;
	return false;
}

static const struct tbl *sorting; /* qsort has no context argument in C11 */

static int cmp_rows(const void *a, const void *b)
{
	const struct tbl *t = sorting;
	const struct tbl_row *x = &t->rows[*(const size_t *)a], *y = &t->rows[*(const size_t *)b];
	int c = t->sort_col, d = 0;
	if (c >= 0 && c < t->ncol) {
		if (t->cols[c].numeric || t->cols[c].spark)
			d = x->key[c] < y->key[c] ? -1 : x->key[c] > y->key[c];
		else
			d = strcasecmp(tbl_text(t, x, c), tbl_text(t, y, c));
		if (t->sort_desc)
			d = -d;
	}
	return d ? d : (x->orig > y->orig) - (x->orig < y->orig);
}

static void keep_selection(struct tbl *t)
{
	if (t->have_sel) {
		for (size_t i = 0; i < t->nvis; i++) {
			if (t->rows[t->vis[i]].id == t->sel_id) {
				t->sel = i;
				break;
			}
		}
	}
	if (t->sel >= t->nvis)
		t->sel = t->nvis ? t->nvis - 1 : 0;
	t->have_sel = t->nvis > 0;
	if (t->have_sel)
		t->sel_id = t->rows[t->vis[t->sel]].id;
}

void tbl_finish(struct tbl *t)
{
	if (t->vis_cap < t->n) {
		t->vis_cap = t->n;
		t->vis = xrealloc(t->vis, t->vis_cap * sizeof *t->vis);
	}
	t->nvis = 0;
	for (size_t i = 0; i < t->n; i++)
		if (row_matches(t, &t->rows[i]))
			t->vis[t->nvis++] = i;
	sorting = t;
	if (t->nvis > 1)
		qsort(t->vis, t->nvis, sizeof *t->vis, cmp_rows);
	sorting = NULL;
	for (int c = 0; c < t->ncol; c++)
		t->want[c] = (short)(text_width(t->cols[c].title) + 1);
	for (size_t i = 0; i < t->nvis; i++) {
		const struct tbl_row *r = &t->rows[t->vis[i]];
		for (int c = 0; c < t->ncol; c++) {
			int w = t->cols[c].spark ? (int)strlen(tbl_text(t, r, c))
						 : text_width(tbl_text(t, r, c));
			if (w > t->want[c])
				t->want[c] = (short)(w > 500 ? 500 : w);
		}
	}
	keep_selection(t);
}

/* Which columns fit in w, and how wide each is (0: left out).  Widths count
 * one separator column each, so the room is w + 1. */
static void layout(struct tbl *t, int w, int width[TBL_MAXCOL])
{
	int nat[TBL_MAXCOL], room = w + 1, used = 0, maxprio = 0;
	for (int c = 0; c < t->ncol; c++) {
		const struct tbl_col *k = &t->cols[c];
		int fair = k->fair_w > k->min_w ? k->fair_w : k->min_w;
		nat[c] = t->want[c] < k->min_w ? k->min_w : t->want[c] > fair ? fair : t->want[c];
		width[c] = 0;
		if (k->min_w > 0 && k->prio > maxprio)
			maxprio = k->prio;
	}
	for (int p = 0; p <= maxprio; p++) {
		int nat_sum = 0, min_sum = 0, n = 0;
		for (int c = 0; c < t->ncol; c++) {
			if (t->cols[c].prio == p && t->cols[c].min_w > 0) {
				nat_sum += nat[c] + 1;
				min_sum += t->cols[c].min_w + 1;
				n++;
			}
		}
		if (!n)
			continue;
		bool natural = used + nat_sum <= room;
		if (!natural && used + min_sum > room)
			break;
		for (int c = 0; c < t->ncol; c++)
			if (t->cols[c].prio == p && t->cols[c].min_w > 0)
				width[c] = natural ? nat[c] : t->cols[c].min_w;
		used += natural ? nat_sum : min_sum;
	}
	if (used == 0 && t->ncol > 0) {
		/* not even the first group fits: its first column, cut */
		for (int c = 0; c < t->ncol; c++)
			if (t->cols[c].min_w > 0 && t->cols[c].prio == 0) {
				width[c] = w;
				break;
			}
	}
	/* what is left widens the shown columns towards their content */
	for (int p = 0; p <= maxprio && used < room; p++) {
		for (int c = 0; c < t->ncol && used < room; c++) {
			if (!width[c] || t->cols[c].prio != p)
				continue;
			int target = t->want[c] < t->cols[c].max_w ? t->want[c] : t->cols[c].max_w;
			int grow = target - width[c];
			if (grow > room - used)
				grow = room - used;
			if (grow > 0) {
				width[c] += grow;
				used += grow;
			}
		}
	}
	t->shown_mask = 0;
	for (int c = 0; c < t->ncol; c++)
		if (width[c])
			t->shown_mask |= 1u << c;
}

static void draw_head(struct tbl *t, int y, int w, const int width[TBL_MAXCOL])
{
	draw_fill(y, 0, w, STY_COLHEAD);
	int x = 0;
	for (int c = 0; c < t->ncol; c++) {
		if (!width[c])
			continue;
		bool sorted = c == t->sort_col;
		char title[64];
		snprintf(title, sizeof title, "%s%s", t->cols[c].title,
			 sorted ? (t->sort_desc ? tui_g.sort_down : tui_g.sort_up) : "");
		int st = sorted ? STY_COLSORT : STY_COLHEAD;
		if (sorted)
			draw_fill(y, x, width[c], st);
		if (t->cols[c].right)
			draw_text_right(y, x, width[c], title, st);
		else
			draw_text(y, x, width[c], title, st);
		x += width[c] + 1;
	}
}

static void draw_row(struct tbl *t, const struct tbl_row *r, int y, int w,
		     const int width[TBL_MAXCOL], bool selected)
{
	int sel = selected ? STY_SEL : 0;
	if (selected)
		draw_fill(y, 0, w, STY_NORMAL | sel);
	int x = 0;
	for (int c = 0; c < t->ncol; c++) {
		if (!width[c])
			continue;
		const char *s = tbl_text(t, r, c);
		int st = r->style[c] | sel;
		if (t->cols[c].spark)
			draw_spark(y, x, width[c], s, sel);
		else if (t->cols[c].right)
			draw_text_right(y, x, width[c], s, st);
		else if (t->cols[c].words)
			draw_words(y, x, width[c], s, st);
		else
			draw_text(y, x, width[c], s, st);
		x += width[c] + 1;
	}
}

void tbl_draw(struct tbl *t, int y, int h, int w)
{
	if (h <= 0)
		return;
	int width[TBL_MAXCOL];
	layout(t, w, width);
	draw_head(t, y, w, width);
	int rows = h - 1;
	t->page = rows > 1 ? rows : 1;
	if (t->nvis == 0) {
		draw_text(y + 1, 1, w - 1, t->filter[0] ? "(nothing matches the filter)" :
					   t->empty ? t->empty : "(nothing yet)", STY_DIM);
		return;
	}
	if (t->sel < t->top)
		t->top = t->sel;
	if (rows > 0 && t->sel >= t->top + (size_t)rows)
		t->top = t->sel - (size_t)rows + 1;
	if (t->top + (size_t)rows > t->nvis)
		t->top = t->nvis > (size_t)rows ? t->nvis - (size_t)rows : 0;
	for (int i = 0; i < rows && t->top + (size_t)i < t->nvis; i++) {
		size_t k = t->top + (size_t)i;
		draw_row(t, &t->rows[t->vis[k]], y + 1 + i, w, width, k == t->sel);
	}
}

const struct tbl_row *tbl_selected(const struct tbl *t)
{
	return t->nvis && t->sel < t->nvis ? &t->rows[t->vis[t->sel]] : NULL;
}

static void move_sel(struct tbl *t, long delta)
{
	if (!t->nvis)
		return;
	long s = (long)t->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long)t->nvis)
		s = (long)t->nvis - 1;
	t->sel = (size_t)s;
	t->sel_id = t->rows[t->vis[t->sel]].id;
	t->have_sel = true;
}

/* The next sort column among those on screen, in direction dir. */
static void next_sort(struct tbl *t, int dir)
{
	uint32_t mask = t->shown_mask ? t->shown_mask : ~0u;
	int c = t->sort_col;
	for (int i = 0; i < t->ncol; i++) {
		c = (c + dir + t->ncol) % t->ncol;
		if (mask & (1u << c))
			break;
	}
	t->sort_col = c;
	/* numbers and times read best largest first; words A to Z */
	t->sort_desc = t->cols[c].numeric || t->cols[c].spark;
}

int tbl_key(struct tbl *t, int ch)
{
	switch (ch) {
	case KEY_UP: case 'k': move_sel(t, -1); return ACT_REDRAW;
	case KEY_DOWN: case 'j': move_sel(t, 1); return ACT_REDRAW;
	case KEY_PPAGE: case 'b' & 0x1f: move_sel(t, -t->page); return ACT_REDRAW;
	case KEY_NPAGE: case 'f' & 0x1f: move_sel(t, t->page); return ACT_REDRAW;
	case KEY_HOME: case 'g': move_sel(t, -(long)t->nvis); return ACT_REDRAW;
	case KEY_END: case 'G': move_sel(t, (long)t->nvis); return ACT_REDRAW;
	case '<': next_sort(t, -1); return ACT_RESORT;
	case '>': next_sort(t, 1); return ACT_RESORT;
	case 's': t->sort_desc = !t->sort_desc; return ACT_RESORT;
	default: return ACT_UNHANDLED;
	}
}
