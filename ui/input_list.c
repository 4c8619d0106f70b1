/* input_list.c — -r and -i arguments, -r patterns expanded with glob(3). */
#include "config.h"

#include "ui/input_list.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool too_many(const char *what)
{
	fprintf(stderr, "smtpscope: at most %d %s (see smtpscope --help)\n", CAP_MAX_INPUTS, what);
	return false;
}

static bool is_pattern(const char *arg)
{
	struct stat st;
	/* a file really named "a[1].pcap" is read as it is */
	return strpbrk(arg, "*?[") && stat(arg, &st) != 0;
}

bool input_add_file(struct input_list *in, const char *arg)
{
	glob_t g;
	if (!is_pattern(arg) || glob(arg, 0, NULL, &g) != 0) {
		/* GLOB_NOMATCH and errors alike: kept, and the open names it */
		if (in->nfiles == CAP_MAX_INPUTS)
			return too_many("files");
		in->files[in->nfiles++] = arg;
		return true;
	}
	bool ok = true;
	for (size_t i = 0; i < g.gl_pathc && ok; i++) {
		if (in->nfiles == CAP_MAX_INPUTS) {
			ok = too_many("files");
			break;
		}
		char *p = strdup(g.gl_pathv[i]);
		if (!p)
			abort();
		in->owned[in->nowned++] = p;
		in->files[in->nfiles++] = p;
	}
	globfree(&g);
	return ok;
}

bool input_add_iface(struct input_list *in, const char *arg)
{
	if (in->nifaces == CAP_MAX_INPUTS)
		return too_many("interfaces");
	in->ifaces[in->nifaces++] = arg;
	return true;
}

void input_apply(const struct input_list *in, struct cap_options *cap)
{
	cap->file = in->nfiles ? in->files[0] : NULL;
	cap->files = in->nfiles ? in->files : NULL;
	cap->nfiles = in->nfiles;
	cap->iface = in->nifaces ? in->ifaces[0] : NULL;
	cap->ifaces = in->nifaces ? in->ifaces : NULL;
	cap->nifaces = in->nifaces;
}

void input_short_description(const struct cap_source *cs, char *out, size_t n)
{
	size_t k = cap_inputs(cs);
	if (k == 1) {
		snprintf(out, n, "%s", cap_describe(cs));
		return;
	}
	size_t len = (size_t)snprintf(out, n, "%zu %s:", k, cap_is_live(cs) ? "interfaces" : "files");
	for (size_t i = 0; i < k && len < n; i++) {
		const char *name = cap_input_name(cs, i);
		const char *base = cap_is_live(cs) ? NULL : strrchr(name, '/');
		len += (size_t)snprintf(out + len, n - len, "%s %s", i ? "," : "", base ? base + 1 : name);
	}
}

void input_free(struct input_list *in)
{
	for (size_t i = 0; i < in->nowned; i++)
		free(in->owned[i]);
	in->nowned = 0;
}
