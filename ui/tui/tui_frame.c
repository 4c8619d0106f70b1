/* tui_frame.c — the lines around every screen: the header (source, packet and
 * bit rates, kernel drops and loss inferred from ACKs, open sessions, memory,
 * time, PAUSED / replay) and the footer (the screen's main keys, a prompt, or
 * a short message). */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ui/tui/tui_view.h"

int64_t tui_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t realtime_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Under the lock. */
void frame_snap(struct tui *t)
{
	struct model *m = t->m;
	t->hdr.st = m->stats;
	t->hdr.alerts = m->alerts_total;
	int64_t now = m->stats.capture_ts;
	size_t nd = model_done_count(m);
	if (nd && model_done(m, nd - 1)->end_ts > now)
		now = model_done(m, nd - 1)->end_ts;
	for (size_t i = 0; i < m->open_n; i++)
		if (m->open[i] && m->open[i]->start_ts > now)
			now = m->open[i]->start_ts;
	t->hdr.now = m->stats.live ? realtime_us() : now;
}

void frame_rates(struct tui *t)
{
	int64_t wall = tui_wall_us();
	const struct model_stats *st = &t->hdr.st;
	if (!t->rate_wall || st->packets < t->rate_packets) {
		t->rate_wall = wall;
		t->rate_packets = st->packets;
		t->rate_bytes = st->bytes;
		return;
	}
	double dt = (double)(wall - t->rate_wall) / 1e6;
	if (dt < 0.9)
		return;
	t->pps = (double)(st->packets - t->rate_packets) / dt;
	t->mbps = (double)(st->bytes - t->rate_bytes) * 8 / dt / 1e6;
	t->rate_wall = wall;
	t->rate_packets = st->packets;
	t->rate_bytes = st->bytes;
}

/* --- header --------------------------------------------------------------------- */

struct seg {
	char text[160];
	int prio, style;
};

static void seg_add(struct seg *v, int *n, int prio, int style, const char *text)
{
	str_copy(v[*n].text, sizeof v[*n].text, text);
	v[*n].prio = prio;
	v[*n].style = style;
	(*n)++;
}

static void source_seg(struct seg *v, int *n, const char *src)
{
	char clean[160], b[160];
	/* "file dir/x.pcap": the file's name says enough */
	if (strncmp(src, "file ", 5) == 0 && strrchr(src, '/'))
		src = strrchr(src, '/') + 1;
	tui_clean(clean, sizeof clean, src, strlen(src), true);
	int w = text_width(clean);
	if (w > 44 && src[0] >= '0' && src[0] <= '9') {
		/* "3 files: a.pcap, b.pcap, c.pcap": the count and the first
		 * files say most; cut at a character boundary */
		size_t k = 0;
		int cols = 0;
		while (clean[k] && cols < 42) {
			k++;
			while (((unsigned char)clean[k] & 0xc0) == 0x80)
				k++;
			cols++;
		}
		snprintf(b, sizeof b, "%.*s%s", (int)k, clean, tui_g.ellipsis);
	} else if (w > 44) {
		/* keep the end: the file name says more than its folders */
		const char *p = clean + strlen(clean);
		int k = 0;
		while (p > clean && k < 42) {
			p--;
			if (((unsigned char)*p & 0xc0) != 0x80)
				k++;
		}
		snprintf(b, sizeof b, "%s%s", tui_g.ellipsis, p);
	} else {
		str_copy(b, sizeof b, clean);
	}
	seg_add(v, n, 2, STY_TITLE, b);
}

static void traffic_segs(struct tui *t, struct seg *v, int *n)
{
	const struct model_stats *st = &t->hdr.st;
	char a[32], b[32], s[96];
	if (st->finished && !t->replay) {
		fmt_count(a, sizeof a, (double)st->packets);
		format_size(b, sizeof b, st->bytes);
		if (st->packets)
			snprintf(s, sizeof s, "%s pkts %s", a, b);
		else
			snprintf(s, sizeof s, "%" PRIu64 " session%s", st->sessions,
				 st->sessions == 1 ? "" : "s");
	} else {
		fmt_count(a, sizeof a, t->pps);
		snprintf(s, sizeof s, "%s pkt/s %.1f Mbit/s", a, t->mbps);
	}
	seg_add(v, n, 4, STY_TITLE, s);
	/* kernel drops exist for live captures; loss shows once an ACK proved it */
	s[0] = '\0';
	if (st->have_kernel_stats || st->live)
		snprintf(s, sizeof s, "drops %" PRIu64, st->dropped_kernel + st->dropped_iface);
	if (st->acked_unseen)
		snprintf(s + strlen(s), sizeof s - strlen(s), "%sloss %" PRIu64, s[0] ? " " : "",
			 st->acked_unseen);
	if (s[0])
		seg_add(v, n, 4, st->dropped_kernel || st->acked_unseen ? STY_ERROR : STY_TITLE, s);
	snprintf(s, sizeof s, "open %" PRIu64, st->open_sessions);
	seg_add(v, n, 5, STY_TITLE, s);
	format_size(a, sizeof a, st->memory_used);
	if (st->memcap) {
		char cap[UNITS_STRLEN];
		format_size(cap, sizeof cap, st->memcap);
		snprintf(s, sizeof s, "mem %s/%s", a, cap);
	} else {
		snprintf(s, sizeof s, "mem %s", a);
	}
	bool tight = st->memcap && st->memory_used > st->memcap / 10 * 9;
	seg_add(v, n, 6, tight ? STY_ERROR : STY_TITLE, s);
}

/* A file still being read (not --replay): how far, as a bar of the bytes
 * read, so that a large file shows progress from the first paint.  The
 * gateway's first pass (ui/gateway_pass.c) is said, being a second read. */
static void progress_seg(struct tui *t, struct seg *v, int *n)
{
	const struct model_stats *st = &t->hdr.st;
	char s[160], bar[96] = "";
	if (st->live || st->finished || t->replay)
		return;
	unsigned pct = st->file_size ? (unsigned)(st->file_read * 100 / st->file_size) : 0;
	if (pct > 100)
		pct = 100;
	size_t used = 0;
	for (unsigned i = 0; i < 10; i++) {
		const char *g = tui_g.spark[i < pct / 10 ? 8 : 0];
		size_t k = strlen(g);
		if (used + k + 1 > sizeof bar)
			break;
		memcpy(bar + used, g, k);
		used += k;
		bar[used] = '\0';
	}
	const char *what = st->passes > 1 && st->pass == 1 ? "gateway pass" : "loading";
	if (st->file_size)
		snprintf(s, sizeof s, "%s %u%% %s", what, pct, bar);
	else
		snprintf(s, sizeof s, "%s", what);
	seg_add(v, n, 0, STY_ERROR, s);
}

void frame_header(struct tui *t, int w)
{
	struct seg v[12];
	int n = 0;
	char s[96], hms[32];
	seg_add(v, &n, 8, STY_TITLE, "smtpscope");
	source_seg(v, &n, t->hdr.st.source[0] ? t->hdr.st.source : "no source");
	traffic_segs(t, v, &n);
	snprintf(s, sizeof s, "alerts %zu", t->hdr.alerts);
	seg_add(v, &n, 3, t->hdr.alerts ? STY_ERROR : STY_TITLE, s);
	if (t->hdr.now) {
		fmt_hms(hms, sizeof hms, t->hdr.now);
		snprintf(s, sizeof s, "%s UTC", hms);
		seg_add(v, &n, 1, STY_TITLE, s);
	}
	if (t->paused)
		seg_add(v, &n, 0, STY_ERROR, "PAUSED");
	if (t->replay) {
		char label[48];
		if (t->hdr.st.finished)
			snprintf(label, sizeof label, "replay done");
		else
			snprintf(label, sizeof label, "replay x%g", t->replay_speed > 0 ? t->replay_speed : 1.0);
		seg_add(v, &n, 0, STY_ERROR, label);
	}
	else if (t->hdr.st.live)
		seg_add(v, &n, 0, STY_TITLE, "live");
	progress_seg(t, v, &n);

	/* keep segments by priority while they fit, then draw in order */
	bool keep[12] = { false };
	int used = 0, sepw = 3;
	for (int p = 0; p <= 8; p++)
		for (int i = 0; i < n; i++)
			if (v[i].prio == p) {
				int tw = text_width(v[i].text) + (used ? sepw : 0);
				if (used + tw <= w - 1) {
					keep[i] = true;
					used += tw;
				}
			}
	draw_fill(0, 0, w, STY_TITLE);
	int x = 1;
	bool first = true;
	for (int i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		if (!first)
			x += draw_text(0, x + 1, 1, tui_g.sep, STY_TITLE) + 2;
		x += draw_text(0, x, w - x, v[i].text, v[i].style);
		first = false;
	}
}

/* --- footer --------------------------------------------------------------------- */

/* One "K:label" of a key bar; false at the end of the spec. */
static bool next_key(const char **p, char *key, size_t keysz, char *label, size_t labelsz)
{
	while (**p == ' ')
		(*p)++;
	if (!**p)
		return false;
	const char *sp = strchr(*p, ' ');
	size_t len = sp ? (size_t)(sp - *p) : strlen(*p);
	char tok[64];
	snprintf(tok, sizeof tok, "%.*s", (int)(len < 63 ? len : 63), *p);
	*p += len;
	char *colon = strchr(tok, ':');
	if (!colon || colon == tok) {
		key[0] = label[0] = '\0';
		return true;
	}
	*colon = '\0';
	snprintf(key, keysz, "%s", tok);
	snprintf(label, labelsz, "%s", colon + 1);
	return true;
}

/* '?' (help) and 'q' (quit, or back) are how a newcomer finds everything
 * else: they are kept at the end of the bar when it is too narrow for all
 * the keys, which give way to them. */
static bool sticky_key(const char *key)
{
	return strcmp(key, "?") == 0 || key[0] == 'q';
}

static int key_width(const char *key, const char *label)
{
	return key[0] ? text_width(key) + 1 + text_width(label) + 2 : 0;
}

static int draw_key(int y, int x, int w, const char *key, const char *label)
{
	x += draw_text(y, x, w - x, key, STY_FOOTKEY);
	x += 1 + draw_text(y, x + 1, w - x - 1, label, STY_FOOTER);
	return x + 2;
}

/* "K:label K:label": keys bold, then their labels (as htop's function bar). */
static void key_bar(int y, int w, const char *spec)
{
	draw_fill(y, 0, w, STY_FOOTER);
	char key[64], label[64];
	int sticky = 0;
	for (const char *p = spec; next_key(&p, key, sizeof key, label, sizeof label);)
		if (key[0] && sticky_key(key))
			sticky += key_width(key, label);
	int x = 0;
	bool full = false; /* once one key did not fit, later ones stay out too */
	for (const char *p = spec; next_key(&p, key, sizeof key, label, sizeof label);) {
		if (!key[0] || sticky_key(key))
			continue;
		/* the last key needs no gap after it */
		if (full || x + key_width(key, label) - 2 > w - sticky) {
			full = true;
			continue;
		}
		x = draw_key(y, x, w, key, label);
	}
	for (const char *p = spec; next_key(&p, key, sizeof key, label, sizeof label);)
		if (key[0] && sticky_key(key) && x + key_width(key, label) - 2 <= w)
			x = draw_key(y, x, w, key, label);
}

void frame_footer(struct tui *t, int y, int w)
{
	if (t->prompt != PROMPT_NONE) {
		const char *label = t->prompt == PROMPT_FILTER ? "Filter: "
				    : t->prompt == PROMPT_BUNDLE ? "Bundle folder: " : "Write pcap to: ";
		char clean[300];
		tui_clean(clean, sizeof clean, t->pbuf, strlen(t->pbuf), true);
		draw_fill(y, 0, w, STY_NORMAL);
		int x = draw_text(y, 0, w, label, STY_PROMPT);
		int cw = text_width(clean);
		/* long input: show its end, where the cursor is */
		const char *show = clean;
		while (cw > w - x - 2 && *show) {
			show++;
			while (((unsigned char)*show & 0xc0) == 0x80)
				show++;
			cw = text_width(show);
		}
		x += draw_text(y, x, w - x, show, STY_NORMAL);
		const char *hint = t->prompt == PROMPT_FILTER ? "  (Enter: keep, Esc: clear)"
							      : "  (Enter: write, Esc: cancel)";
		draw_text(y, x + 1, w - x - 1, hint, STY_DIM);
		move(y, x < w ? x : w - 1);
		return;
	}
	if (t->msg[0] && tui_wall_us() < t->msg_until) {
		char clean[300];
		tui_clean(clean, sizeof clean, t->msg, strlen(t->msg), true);
		draw_fill(y, 0, w, STY_NORMAL);
		draw_text(y, 0, w, clean, t->msg_error ? STY_ERROR : STY_MSG);
		return;
	}
	key_bar(y, w, tui_screens[tui_top(t)]->footer);
}
