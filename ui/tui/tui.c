/* tui.c — the dashboard's loop: terminal set-up and restore (on quit, Ctrl-C
 * and crash signals), the screen stack, global keys and prompts, and the
 * sample-then-draw cycle: copy from the model under its lock, release it,
 * then draw (as htop's ScreenManager), so a slow terminal never holds up the
 * capture. */
#include "config.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/mem.h"
#include "rules/lock_hist.h"
#include "ui/tui/tui_view.h"

const struct screen_ops *const tui_screens[SCR__COUNT] = {
	[SCR_HOSTS] = &hosts_screen, [SCR_SESSIONS] = &sessions_screen,
	[SCR_DETAIL] = &detail_screen, [SCR_ALERTS] = &alerts_screen, [SCR_HELP] = &help_screen,
	[SCR_QUEUE] = &queue_screen, [SCR_MESSAGES] = &messages_screen,
};

/* --- signals: quit cleanly, and never leave a crashed terminal raw ----------- */

static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t curses_on;
static const int crash_sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
#define NCRASH (sizeof crash_sigs / sizeof *crash_sigs)
static struct sigaction old_quit[2], old_crash[NCRASH];

static void on_quit(int sig)
{
	(void)sig;
	quit_signal = 1;
}

static void on_crash(int sig)
{
	if (curses_on)
		endwin(); /* not async-signal-safe, but the process is dying anyway */
	curses_on = 0;
	/* SA_RESETHAND put the default action back: die the way we were going to */
	raise(sig);
}

static void signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit;
	sigaction(SIGINT, &sa, &old_quit[0]);
	sigaction(SIGTERM, &sa, &old_quit[1]);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_sigs[i], &sa, &old_crash[i]);
}

static void signals_restore(void)
{
	sigaction(SIGINT, &old_quit[0], NULL);
	sigaction(SIGTERM, &old_quit[1], NULL);
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_sigs[i], &old_crash[i], NULL);
}

/* --- screen stack ----------------------------------------------------------------- */

enum tui_screen tui_top(const struct tui *t)
{
	return t->stack[t->depth - 1];
}

void tui_push(struct tui *t, enum tui_screen s)
{
	if (tui_top(t) == s)
		return;
	/* a screen already on the stack is brought back, not stacked twice */
	for (int i = 1; i < t->depth; i++) {
		if (t->stack[i] == s) {
			t->depth = i;
			break;
		}
	}
	if (t->depth < (int)(sizeof t->stack / sizeof *t->stack))
		t->stack[t->depth++] = s;
}

void tui_pop(struct tui *t)
{
	if (t->depth > 1)
		t->depth--;
}

void tui_message(struct tui *t, bool error, const char *text)
{
	str_copy(t->msg, sizeof t->msg, text);
	t->msg_error = error;
	t->msg_until = tui_wall_us() + 4000000;
}

static const struct screen_ops *ops(const struct tui *t)
{
	return tui_screens[tui_top(t)];
}

/* --- model -> copies ----------------------------------------------------------- */

/* Copies under the lock what the top screen shows; true if anything changed. */
static bool snapshot(struct tui *t, bool force)
{
	struct model *m = t->m;
	int64_t t0 = m->hold_hist ? lock_hist_now_us() : 0; /* a bench figure */
	model_lock(m);
	t->locked_at = m->hold_hist ? lock_hist_now_us() : 0;
	if (m->hold_hist)
		lock_hist_add(m->tui_wait_hist, t->locked_at - t0);
	bool changed = force || m->version != t->version || !t->snapped;
	frame_snap(t);
	if (changed)
		ops(t)->snap(t);
	t->version = m->version;
	tui_account(t);
	if (m->hold_hist)
		lock_hist_add(m->hold_hist, lock_hist_now_us() - t->locked_at);
	model_unlock(m);
	t->snapped = true;
	frame_rates(t);
	return changed;
}

void tui_lock_breathe(struct tui *t)
{
	struct model *m = t->m;
	int64_t t0 = m->hold_hist ? lock_hist_now_us() : 0;
	if (m->hold_hist)
		lock_hist_add(m->hold_hist, t0 - t->locked_at);
	model_unlock(m);
	sched_yield(); /* the decoder, if it waits, gets the lock now */
	model_lock(m);
	t->locked_at = m->hold_hist ? lock_hist_now_us() : 0;
	if (m->hold_hist)
		lock_hist_add(m->tui_wait_hist, t->locked_at - t0);
}

static void draw(struct tui *t)
{
	erase();
	int w = COLS, h = LINES;
	if (w < 20 || h < 5) {
		draw_text(0, 0, w, "smtpscope: the terminal is too small", STY_NORMAL);
		refresh();
		return;
	}
	frame_header(t, w);
	ops(t)->draw(t, 1, h - 2, w);
	curs_set(0);
	frame_footer(t, h - 1, w);
	if (t->prompt != PROMPT_NONE)
		curs_set(1);
	refresh();
}

/* --- prompts: '/' filter and 'w' file name ------------------------------------- */

static void filter_apply(struct tui *t)
{
	struct tbl *tb = ops(t)->table ? ops(t)->table(t) : NULL;
	if (tb)
		str_copy(tb->filter, sizeof tb->filter, t->pbuf);
}

static void write_pcap(struct tui *t)
{
	char err[256] = "", msg[400];
	if (!t->hooks || !t->hooks->write_pcap) {
		tui_message(t, true, "writing pcap files is not available here");
	} else if (t->hooks->write_pcap(t->hooks->ctx, t->wids, t->nwids, t->pbuf, err,
					 sizeof err) == 0) {
		snprintf(msg, sizeof msg, "wrote %zu session%s to %s", t->nwids,
			 t->nwids == 1 ? "" : "s", t->pbuf);
		tui_message(t, false, msg);
	} else {
		snprintf(msg, sizeof msg, "%s: %s", t->pbuf, err[0] ? err : "cannot write");
		tui_message(t, true, msg);
	}
	free(t->wids);
	t->wids = NULL;
	t->nwids = 0;
}

static void write_bundle(struct tui *t)
{
	char err[256] = "", msg[400], a[ADDR_STRLEN];
	addr_format(&t->bundle_addr, a);
	if (!t->hooks || !t->hooks->write_bundle) {
		tui_message(t, true, "incident bundles are not available here");
	} else if (t->hooks->write_bundle(t->hooks->ctx, &t->bundle_addr, t->pbuf, err, sizeof err) == 0) {
		snprintf(msg, sizeof msg, "wrote the bundle of %s to %s/%s/", a, t->pbuf, a);
		tui_message(t, false, msg);
	} else {
		snprintf(msg, sizeof msg, "bundle of %s: %s", a, err[0] ? err : "cannot write");
		tui_message(t, true, msg);
	}
}

static int prompt_key(struct tui *t, int ch)
{
	size_t n = strlen(t->pbuf);
	bool filter = t->prompt == PROMPT_FILTER;
	switch (ch) {
	case 27: /* Esc */
		t->prompt = PROMPT_NONE;
		if (filter) {
			t->pbuf[0] = '\0';
			filter_apply(t);
			return ACT_REBUILD;
		}
		free(t->wids);
		t->wids = NULL;
		return ACT_REDRAW;
	case '\n': case '\r': case KEY_ENTER:
		if (!filter && t->pbuf[0])
			(t->prompt == PROMPT_BUNDLE ? write_bundle : write_pcap)(t);
		t->prompt = PROMPT_NONE;
		return ACT_REDRAW;
	case KEY_BACKSPACE: case 127: case 8:
		while (n > 0 && ((unsigned char)t->pbuf[n - 1] & 0xc0) == 0x80)
			n--; /* a whole UTF-8 character */
		if (n > 0)
			n--;
		t->pbuf[n] = '\0';
		break;
	case 'u' & 0x1f:
		t->pbuf[0] = '\0';
		break;
	case KEY_RESIZE:
		return ACT_REDRAW;
	default:
		if (ch < 0x20 || ch > 0xff || ch == 0x7f || n + 1 >= sizeof t->pbuf ||
		    (filter && n + 1 >= sizeof t->pfilter_saved))
			return ACT_NONE;
		t->pbuf[n] = (char)ch;
		t->pbuf[n + 1] = '\0';
		break;
	}
	if (filter) {
		filter_apply(t);
		return ACT_REBUILD;
	}
	return ACT_REDRAW;
}

static int start_filter(struct tui *t)
{
	struct tbl *tb = ops(t)->table ? ops(t)->table(t) : NULL;
	if (!tb) {
		tui_message(t, true, "no list to filter here");
		return ACT_REDRAW;
	}
	str_copy(t->pbuf, sizeof t->pbuf, tb->filter);
	t->prompt = PROMPT_FILTER;
	return ACT_REDRAW;
}

static int start_write(struct tui *t)
{
	if (!ops(t)->pcap_ids)
		return ACT_NONE;
	char name[200] = "";
	free(t->wids);
	t->wids = NULL;
	model_lock(t->m);
	t->nwids = ops(t)->pcap_ids(t, &t->wids, name, sizeof name);
	model_unlock(t->m);
	if (!t->nwids) {
		tui_message(t, true, "no session to write");
		return ACT_REDRAW;
	}
	str_copy(t->pbuf, sizeof t->pbuf, name);
	t->prompt = PROMPT_WRITE;
	return ACT_REDRAW;
}

static int start_bundle(struct tui *t)
{
	if (!ops(t)->bundle_host)
		return ACT_NONE;
	model_lock(t->m);
	bool ok = ops(t)->bundle_host(t, &t->bundle_addr);
	model_unlock(t->m);
	if (!ok) {
		tui_message(t, true, "select a remote host for its incident bundle");
		return ACT_REDRAW;
	}
	str_copy(t->pbuf, sizeof t->pbuf, "smtpscope-bundles");
	t->prompt = PROMPT_BUNDLE;
	return ACT_REDRAW;
}

/* --- keys ------------------------------------------------------------------------ */

static int toggle_pause(struct tui *t)
{
	t->paused = !t->paused;
	if (t->replay && t->hooks && t->hooks->set_replay_paused)
		t->hooks->set_replay_paused(t->hooks->ctx, t->paused);
	return t->paused ? ACT_REDRAW : ACT_RESNAP;
}

static int global_key(struct tui *t, int ch)
{
	switch (ch) {
	case 'q':
		if (t->depth == 1)
			return ACT_QUIT;
		tui_pop(t);
		return ACT_RESNAP;
	case 27: case KEY_BACKSPACE: case 127: case KEY_LEFT:
		tui_pop(t);
		return ACT_RESNAP;
	case 'Q': case KEY_F(10):
		return ACT_QUIT;
	case '?': case KEY_F(1):
		t->help_top = 0;
		tui_push(t, SCR_HELP);
		return ACT_REDRAW;
	case 'a':
		tui_push(t, SCR_ALERTS);
		return ACT_RESNAP;
	case 'm': /* the mail queue, as mailq */
		queue_open(t);
		return ACT_RESNAP;
	case 'M':
		messages_open(t, NULL);
		return ACT_RESNAP;
	case 'p':
		return toggle_pause(t);
	case 'w':
		return start_write(t);
	case 'b':
		return start_bundle(t);
	case '/':
		return start_filter(t);
	case 'l' & 0x1f:
		clearok(curscr, TRUE);
		return ACT_REDRAW;
	default:
		return ACT_NONE;
	}
}

static int handle_key(struct tui *t, int ch)
{
	if (t->prompt != PROMPT_NONE)
		return prompt_key(t, ch);
	if (ch == KEY_RESIZE)
		return ACT_REDRAW;
	int a = ops(t)->key(t, ch);
	return a == ACT_UNHANDLED ? global_key(t, ch) : a;
}

/* --- terminal -------------------------------------------------------------------- */

static SCREEN *term_open(void)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "smtpscope: the dashboard needs a terminal (use --format text or json)\n");
		return NULL;
	}
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		const char *term = getenv("TERM");
		fprintf(stderr, "smtpscope: cannot set up the terminal '%s' for the dashboard\n",
			term ? term : "");
		return NULL;
	}
	curses_on = 1;
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(100);
	return scr;
}

static void term_close(SCREEN *scr)
{
	if (curses_on) {
		erase();
		refresh();
		endwin();
		curses_on = 0;
	}
	delscreen(scr);
}

static void tui_free(struct tui *t)
{
	model_lock(t->m); /* the copies are charged to the decoder's memory account */
	hosts_free(&t->hv);
	tui_account_release(t);
	model_unlock(t->m);
	sessions_free(&t->sv);
	detail_free(&t->dv);
	alerts_free(&t->av);
	queue_free(&t->qv);
	messages_free(&t->mv);
	free(t->wids);
	free(t);
}

static void loop(struct tui *t)
{
	int period = t->opt && t->opt->refresh_ms > 0 ? t->opt->refresh_ms : 250;
	int64_t next = 0;
	int todo = ACT_RESNAP;
	while (!quit_signal) {
		int64_t now = tui_wall_us();
		bool timed = false;
		if ((todo & ACT_RESNAP) || (!t->paused && now >= next)) {
			if (snapshot(t, todo & ACT_RESNAP))
				todo |= ACT_REBUILD;
			todo |= ACT_REDRAW;
			timed = true;
		}
		struct tbl *tb = ops(t)->table ? ops(t)->table(t) : NULL;
		if (todo & ACT_REBUILD || ((todo & ACT_RESORT) && !tb))
			ops(t)->build(t);
		else if (todo & ACT_RESORT)
			tbl_finish(tb); /* a sort key: the rows stay, only their order changes */
		if (todo & (ACT_REBUILD | ACT_REDRAW | ACT_RESORT))
			draw(t);
		if (timed) {
			/* a refresh that costs more than a fifth of the period (tens of
			 * thousands of hosts) comes less often: the dashboard keeps to
			 * about a fifth of a core, the decoder beside it the rest */
			int64_t cost = tui_wall_us() - now;
			next = now + (cost * 5 > period * 1000LL ? cost * 5 : period * 1000LL);
		}
		todo = ACT_NONE;
		int ch = getch();
		if (ch == ERR)
			continue;
		todo = handle_key(t, ch);
		if (todo & ACT_QUIT)
			break;
		if (todo & ACT_RESNAP)
			t->snapped = false;
	}
}

int tui_run(struct model *m, const struct tui_options *opt, const struct tui_hooks *hooks)
{
	setlocale(LC_ALL, "");
	bool utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	const char *no_colour = getenv("NO_COLOR");
	bool ascii = (opt && opt->ascii) || !utf8;
	bool mono = (opt && opt->mono) || (no_colour && *no_colour);

	SCREEN *scr = term_open();
	if (!scr)
		return 2;
	quit_signal = 0;
	signals_install();
	draw_init(ascii, mono);

	struct tui *t = xcalloc(1, sizeof *t);
	t->m = m;
	t->opt = opt;
	t->hooks = hooks;
	t->stack[0] = SCR_HOSTS;
	t->depth = 1;
	hosts_init(&t->hv);
	sessions_init(&t->sv);
	alerts_init(&t->av);
	queue_init(&t->qv);
	messages_init(&t->mv);
	model_lock(m);
	/* --replay; a file read at full speed shows a progress bar instead */
	t->replay = !m->stats.live && opt && opt->replay_speed > 0;
	t->replay_speed = opt ? opt->replay_speed : 0;
	model_unlock(m);

	loop(t);

	if (t->paused && t->replay && hooks && hooks->set_replay_paused)
		hooks->set_replay_paused(hooks->ctx, false);
	term_close(scr);
	signals_restore();
	tui_free(t);
	return 0;
}
