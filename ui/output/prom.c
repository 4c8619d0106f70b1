/* prom.c — the Prometheus text exposition format, written atomically. */
#include "config.h"

#include "ui/output/prom.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/mem.h"

struct prom {
	FILE *f;
	char *path, *tmp;
};

struct prom *prom_begin(const char *path, char *err, size_t errlen)
{
	size_t n = strlen(path);
	char *tmp = xmalloc(n + 5);
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp", 5);
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "--metrics-file %s: cannot write %s: %s", path, tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	struct prom *p = xcalloc(1, sizeof *p);
	p->f = f;
	p->path = xstrdup(path);
	p->tmp = tmp;
	return p;
}

/* HELP text: backslash and newline escaped. */
static void help_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Label values: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	fprintf(p->f, "# HELP %s ", name);
	help_text(p->f, help);
	fprintf(p->f, "\n# TYPE %s %s\n", name, type);
}

static void head(struct prom *p, const char *name, const char *const *labels)
{
	fputs(name, p->f);
	if (!labels || !labels[0])
		return;
	fputc('{', p->f);
	for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
		fprintf(p->f, "%s%s=\"", i ? "," : "", labels[i]);
		label_value(p->f, labels[i + 1]);
		fputc('"', p->f);
	}
	fputc('}', p->f);
}

void prom_u64(struct prom *p, const char *name, const char *const *labels, uint64_t v)
{
	head(p, name, labels);
	fprintf(p->f, " %llu\n", (unsigned long long)v);
}

void prom_f64(struct prom *p, const char *name, const char *const *labels, double v)
{
	head(p, name, labels);
	if (isnan(v))
		fputs(" NaN\n", p->f);
	else if (isinf(v))
		fputs(v > 0 ? " +Inf\n" : " -Inf\n", p->f);
	else
		fprintf(p->f, " %.17g\n", v);
}

static void prom_free(struct prom *p)
{
	free(p->path);
	free(p->tmp);
	free(p);
}

int prom_commit(struct prom *p, char *err, size_t errlen)
{
	/* the data must be on disk before the rename makes it the file, or a
	 * crash could leave an empty PATH behind */
	int bad = fflush(p->f) != 0 || ferror(p->f) || fsync(fileno(p->f)) != 0;
	int saved = errno;
	if (fclose(p->f) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	if (!bad && rename(p->tmp, p->path) != 0) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		snprintf(err, errlen, "--metrics-file %s: %s", p->path, strerror(saved));
		unlink(p->tmp);
	}
	prom_free(p);
	return bad ? -1 : 0;
}
