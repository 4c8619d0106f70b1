/* tui.c — placeholder until the dashboard lands. */
#include "config.h"

#include <stdio.h>

#include "tui.h"

int tui_run(struct model *m, const struct tui_options *opt, const struct tui_hooks *hooks)
{
	(void)m;
	(void)opt;
	(void)hooks;
	fprintf(stderr, "smtpscope: the dashboard is not built yet\n");
	return 2;
}
