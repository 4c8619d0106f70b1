/* tui.h — the curses dashboard: hosts, recipient domains, sessions, session
 * ladder, alerts.  It reads struct model (rules/model.h) under its lock and
 * never parses packets. */
#ifndef SMTPSCOPE_TUI_H
#define SMTPSCOPE_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/model.h"

struct tui_hooks {
	void *ctx;
	/* 'w': writes the packets of the given sessions into a pcap file at
	 * `path`.  Returns 0, or -1 with a one-line reason in err. */
	int (*write_pcap)(void *ctx, const uint64_t *session_ids, size_t n, const char *path,
			  char *err, size_t errlen);
	/* 'b': writes the incident bundle of one remote host into DIR/<host>/
	 * (evidence pcap, text report, JSON records).  0, or -1 with a reason. */
	int (*write_bundle)(void *ctx, const struct ip_addr *host, const char *dir, char *err,
			    size_t errlen);
	/* Pause/resume of a --replay feed ('p' pauses the display only; this is
	 * for the replay clock, may be NULL). */
	void (*set_replay_paused)(void *ctx, bool paused);
};

struct tui_options {
	bool ascii;          /* force plain ASCII drawing (also when the locale is not UTF-8) */
	bool mono;           /* force monochrome */
	int refresh_ms;      /* redraw period, default 250 */
	double replay_speed; /* --replay speed for the header, 0 when not replaying */
};

/* Runs until the user quits (q on the home screen, or Ctrl-C).  Restores the
 * terminal on every exit path, including crash signals.  Returns 0, or 2 if
 * the terminal could not be set up (message on stderr). */
int tui_run(struct model *m, const struct tui_options *opt, const struct tui_hooks *hooks);

#endif
