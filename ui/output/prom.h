/* prom.h — one file in the Prometheus text exposition format (version
 * 0.0.4, as node_exporter's textfile collector reads it), written
 * atomically: everything goes to PATH.tmp, which is renamed over PATH only
 * when complete, so the collector never reads half a file. */
#ifndef SMTPSCOPE_PROM_H
#define SMTPSCOPE_PROM_H

#include <stddef.h>
#include <stdint.h>

struct prom;

/* Starts PATH.tmp; NULL with the reason (naming the file) in err. */
struct prom *prom_begin(const char *path, char *err, size_t errlen);

/* A metric family: the HELP and TYPE lines ("counter" or "gauge").  All
 * samples of a family must follow it, before the next family. */
void prom_family(struct prom *p, const char *name, const char *type, const char *help);

/* One sample.  `labels` is NULL or a NULL-terminated list of name, value
 * pairs; values are escaped as the format requires (\\, \", \n). */
void prom_u64(struct prom *p, const char *name, const char *const *labels, uint64_t v);
void prom_f64(struct prom *p, const char *name, const char *const *labels, double v);

/* Flushes, syncs and renames PATH.tmp to PATH; frees p.  0, or -1 with the
 * reason in err (PATH.tmp is then removed). */
int prom_commit(struct prom *p, char *err, size_t errlen);

#endif
