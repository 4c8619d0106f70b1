/* smtpgen.c - writes smtpscope's deterministic sample captures: smtpgen [-v] OUTDIR [NAME]. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int gen_one(const struct sample *s, const char *dir)
{
	struct cap cap;
	char path[4096];
	int rc;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, s->name) >= sizeof path) {
		fprintf(stderr, "smtpgen: path too long\n");
		return 1;
	}
	/* samples in a folder (ring/: one capture split over files) */
	const char *slash = strrchr(s->name, '/');
	if (slash) {
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%.*s", dir, (int)(slash - s->name), s->name);
		mkdir(sub, 0777); /* EEXIST is fine; a real failure shows in cap_write */
	}
	note("%s\n", s->name);
	cap_init(&cap, s->link);
	s->fn(&cap);
	rc = cap_write(&cap, path);
	note("  packets: %zu\n", cap.n);
	cap_free(&cap);
	if (rc) {
		fprintf(stderr, "smtpgen: failed to write %s\n", path);
		return 1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: smtpgen [-v] OUTDIR [NAME]\n       smtpgen -l\nsamples:\n");
	for (const struct sample *s = samples; s->name; s++)
		fprintf(stderr, "  %s\n", s->name);
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc == 2 && !strcmp(argv[1], "-l")) {
		for (const struct sample *s = samples; s->name; s++)
			puts(s->name);
		return 0;
	}
	if (i < argc && !strcmp(argv[i], "-v")) {
		verbose = 1;
		i++;
	}
	if (argc - i < 1 || argc - i > 2) {
		usage();
		return 2;
	}
	const char *dir = argv[i], *name = argc - i == 2 ? argv[i + 1] : NULL;
	int rc = 0, found = 0;
	for (const struct sample *s = samples; s->name; s++) {
		if (name && strcmp(name, s->name))
			continue;
		found = 1;
		rc |= gen_one(s, dir);
	}
	if (!found) {
		fprintf(stderr, "smtpgen: unknown sample '%s'\n", name);
		usage();
		return 2;
	}
	return rc;
}
