/* prom.h — the Prometheus text exposition format (version 0.0.4, as
 * Prometheus scrapes it over HTTP and node_exporter's textfile collector
 * reads it), built in memory so the file and the HTTP answer are the same
 * text; and the file written atomically: everything goes to PATH.tmp,
 * which is renamed over PATH only when complete, so the collector never
 * reads half a file. */
#ifndef SMTPSCOPE_PROM_H
#define SMTPSCOPE_PROM_H

#include <stddef.h>
#include <stdint.h>

/* A text being built.  Zero-initialised is empty; the buffer is kept
 * between prom_reset calls, so a writer that renders again and again
 * allocates only when a text is longer than any before. */
struct prom {
	char *buf;
	size_t len, cap;
};

void prom_reset(struct prom *p);
void prom_release(struct prom *p);

/* A metric family: the HELP and TYPE lines ("counter", "gauge" or
 * "histogram").  All samples of a family must follow it, before the next
 * family. */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);

/* One sample.  `labels` is NULL or a NULL-terminated list of name, value
 * pairs; values are escaped as the format requires (\\, \", \n). */
void prom_u64(struct prom *p, const char *name, const char *const *labels, uint64_t v);
void prom_f64(struct prom *p, const char *name, const char *const *labels, double v);

/* Writes text to PATH.tmp, syncs it and renames it to PATH.  0, or -1 with
 * the reason (naming the file) in err; PATH.tmp is then removed and PATH
 * left as it was. */
int prom_write_file(const char *path, const char *text, size_t len, char *err, size_t errlen);

#endif
