/* prom.c — the Prometheus text exposition format, built in memory and
 * written atomically. */
#include "config.h"

#include "ui/output/prom.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode/mem.h"
#include "ui/output/digits.h"

void prom_reset(struct prom *p)
{
	p->len = 0;
}

void prom_release(struct prom *p)
{
	free(p->buf);
	memset(p, 0, sizeof *p);
}

static void reserve(struct prom *p, size_t more)
{
	if (p->len + more + 1 <= p->cap)
		return;
	size_t cap = p->cap ? p->cap : 4096;
	while (cap < p->len + more + 1)
		cap *= 2;
	p->buf = xrealloc(p->buf, cap);
	p->cap = cap;
}

static void put(struct prom *p, const char *s, size_t n)
{
	reserve(p, n);
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void puts_(struct prom *p, const char *s)
{
	put(p, s, strlen(s));
}

static void printf_(struct prom *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(struct prom *p, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	/* only numbers go through here: they always fit */
	put(p, tmp, n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* HELP text escapes backslash and newline; label values also the double
 * quote.  The bytes between two escapes go in one copy (a file with many
 * hosts has tens of thousands of label values). */
static void escaped(struct prom *p, const char *s, int quote)
{
	const char *run = s;
	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
				: *s == '"' && quote ? "\\\"" : NULL;
		if (esc) {
			put(p, run, (size_t)(s - run));
			put(p, esc, 2);
			run = s + 1;
		}
	}
	put(p, run, (size_t)(s - run));
}

void prom_family(struct prom *p, const char *name, const char *type, const char *help)
{
	puts_(p, "# HELP ");
	puts_(p, name);
	put(p, " ", 1);
	escaped(p, help, 0);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	put(p, " ", 1);
	puts_(p, type);
	put(p, "\n", 1);
}

static void head(struct prom *p, const char *name, const char *const *labels)
{
	puts_(p, name);
	if (!labels || !labels[0])
		return;
	put(p, "{", 1);
	for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
		if (i)
			put(p, ",", 1);
		puts_(p, labels[i]);
		put(p, "=\"", 2);
		escaped(p, labels[i + 1], 1);
		put(p, "\"", 1);
	}
	put(p, "}", 1);
}

void prom_u64(struct prom *p, const char *name, const char *const *labels, uint64_t v)
{
	head(p, name, labels);
	/* " %llu\n" without printf: one value per line of the file */
	reserve(p, 22);
	char *o = p->buf + p->len;
	*o++ = ' ';
	o = digits_u64(o, v);
	*o++ = '\n';
	*o = '\0';
	p->len = (size_t)(o - p->buf);
}

void prom_f64(struct prom *p, const char *name, const char *const *labels, double v)
{
	head(p, name, labels);
	if (isnan(v))
		puts_(p, " NaN\n");
	else if (isinf(v))
		puts_(p, v > 0 ? " +Inf\n" : " -Inf\n");
	else
		printf_(p, " %.17g\n", v);
}

int prom_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	size_t n = strlen(path);
	char *tmp = xmalloc(n + 5);
	memcpy(tmp, path, n);
	memcpy(tmp + n, ".tmp", 5);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "--metrics-file %s: cannot write %s: %s", path, tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	int saved = 0;
	for (size_t off = 0; off < len && !saved;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w > 0)
			off += (size_t)w;
		else if (w < 0 && errno != EINTR)
			saved = errno;
		else if (w == 0)
			saved = EIO;
	}
	/* the data must be on disk before the rename makes it the file, or a
	 * crash could leave an empty PATH behind */
	if (!saved && fsync(fd) != 0)
		saved = errno;
	if (close(fd) != 0 && !saved)
		saved = errno;
	if (!saved && rename(tmp, path) != 0)
		saved = errno;
	if (saved) {
		snprintf(err, errlen, "--metrics-file %s: %s", path, strerror(saved));
		unlink(tmp);
	}
	free(tmp);
	return saved ? -1 : 0;
}
