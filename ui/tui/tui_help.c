/* tui_help.c — every key of the dashboard, by screen ('?' or F1). */
#include "config.h"

#include <curses.h>
#include <stdio.h>

#include "ui/tui/tui_view.h"

static const struct {
	const char *key, *what; /* key NULL: a section title */
} keys[] = {
	{ NULL, "Everywhere" },
	{ "? F1", "this help (any key but the arrows closes it)" },
	{ "q Esc Left", "back to the previous screen; q on the hosts screen quits" },
	{ "Q F10 Ctrl-C", "quit" },
	{ "a", "alerts (newest first, grouped by rule and host)" },
	{ "m", "the gateway's queue per next-hop domain (as mailq)" },
	{ "M", "every message the gateway took in or carried on" },
	{ "p", "pause the display (the capture keeps running; --replay waits)" },
	{ "w", "write the packets of the selection to a pcap file (asks for a name)" },
	{ "b", "hosts: write the incident bundle of the selected host (evidence pcap, report, JSON records)" },
	{ "Ctrl-L", "redraw the screen" },
	{ NULL, "Lists (hosts, domains, sessions, alerts, queue, messages)" },
	{ "Up Down j k", "move the selection" },
	{ "PgUp PgDn", "a page up or down (also Ctrl-B / Ctrl-F)" },
	{ "Home End g G", "first or last row (g: see Alerts)" },
	{ "Enter Right l", "open the selected row" },
	{ "/", "filter: free text, applied as you type (Enter keeps it, Esc clears it)" },
	{ "< >", "sort by the previous or next column (the sorted one is marked)" },
	{ "s", "reverse the sort order" },
	{ NULL, "Hosts (home)" },
	{ "u", "only unhealthy hosts (status retry or failing)" },
	{ "d Tab", "switch between remote hosts and recipient domains" },
	{ "S", "all sessions, of every host" },
	{ "Enter", "the sessions of the selected host or domain" },
	{ NULL, "Sessions" },
	{ "o", "outcome filter: accepted, deferred, rejected, aborted, failed, open, all" },
	{ "e", "end filter: quit, fin, rst, timeout, capture_end, evicted, open, all" },
	{ "Space", "tag or untag a session (marked *; w writes the tagged ones)" },
	{ "c", "clear the tags" },
	{ "Enter", "the session's ladder diagram" },
	{ NULL, "Queue (m)" },
	{ "Enter", "the messages queued for or carried to the selected domain" },
	{ NULL, "Messages (M)" },
	{ "Enter", "the sessions that carried the message: inbound, outbound attempts, a DSN" },
	{ NULL, "Session (ladder)" },
	{ "t", "switch between the ladder and the raw transcript" },
	{ "r", "relative or absolute (UTC) times" },
	{ "Up Down PgUp PgDn", "scroll" },
	{ NULL, "Alerts" },
	{ "g", "grouped by rule and host, or one row per alert" },
	{ "Enter", "the session of the (latest) alert" },
	{ NULL, "Colours" },
	{ "status", "ready (green), active (cyan), retry (yellow), failing (red)" },
	{ "queue", "red: never attempted for 15 min, past the delay-DSN time or expiring within 1 h;" },
	{ "", "yellow: deferred (failed attempts) or growing for 10 min" },
	{ "sparkline", "sessions per minute, last 12 minutes; a cross: some failed" },
	{ "NEXT TRY", "~when the next attempt is expected; overdue: that time has passed" },
};

#define NKEYS (sizeof keys / sizeof *keys)

static void help_snap(struct tui *t)
{
	(void)t;
}

static void help_build(struct tui *t)
{
	(void)t;
}

static void help_draw(struct tui *t, int y, int h, int w)
{
	draw_text(y, 0, w, "Keys", STY_PROMPT);
	size_t rows = h > 1 ? (size_t)h - 1 : 1;
	if (t->help_top + rows > NKEYS + 1)
		t->help_top = NKEYS + 1 > rows ? NKEYS + 1 - rows : 0;
	for (size_t i = 0; i < rows && t->help_top + i < NKEYS; i++) {
		size_t k = t->help_top + i;
		int row = y + 1 + (int)i;
		if (!keys[k].key) {
			draw_text(row, 1, w - 1, keys[k].what, STY_COLHEAD);
			continue;
		}
		draw_text(row, 3, 18, keys[k].key, STY_FOOTKEY);
		draw_text(row, 22, w - 22, keys[k].what, STY_NORMAL);
	}
}

static int help_key(struct tui *t, int ch)
{
	switch (ch) {
	case KEY_UP: case 'k':
		if (t->help_top)
			t->help_top--;
		return ACT_REDRAW;
	case KEY_DOWN: case 'j':
		t->help_top++;
		return ACT_REDRAW;
	case KEY_PPAGE:
		t->help_top = t->help_top > 10 ? t->help_top - 10 : 0;
		return ACT_REDRAW;
	case KEY_NPAGE:
		t->help_top += 10;
		return ACT_REDRAW;
	case KEY_HOME: case 'g':
		t->help_top = 0;
		return ACT_REDRAW;
	case KEY_END: case 'G':
		t->help_top = NKEYS;
		return ACT_REDRAW;
	case KEY_RESIZE:
		return ACT_UNHANDLED;
	case 'Q': case KEY_F(10):
		return ACT_QUIT;
	default:
		tui_pop(t);
		return ACT_RESNAP;
	}
}

const struct screen_ops help_screen = {
	.name = "help",
	.snap = help_snap,
	.build = help_build,
	.draw = help_draw,
	.key = help_key,
	.footer = "Up/Down:scroll q/Esc:close",
};
