/* json_writer.h — streaming JSON (RFC 8259) onto a stdio stream: one record
 * per line, strings escaped and forced to valid UTF-8 (invalid bytes become
 * U+FFFD), times as epoch seconds with microseconds. */
#ifndef SMTPSCOPE_JSON_WRITER_H
#define SMTPSCOPE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JW_DEPTH 16

/* A record is built in buf and handed to stdio in one fwrite when it ends
 * (or when buf fills): stdio's per-call work, not the bytes, was most of the
 * writer's cost on many small records. */
#define JW_BUF 8192

struct jw {
	FILE *out;
	int depth;
	bool first[JW_DEPTH]; /* nothing written yet at this level */
	size_t len;           /* bytes in buf not yet given to out */
	char buf[JW_BUF];
};

void jw_init(struct jw *w, FILE *out);
void jw_object_begin(struct jw *w);
void jw_object_end(struct jw *w);
void jw_array_begin(struct jw *w);
void jw_array_end(struct jw *w);
/* Ends a top-level record: newline. */
void jw_record_end(struct jw *w);  /* writes "\n" and flushes the record to out */
void jw_flush(struct jw *w);       /* gives buffered bytes to out (not fflush) */

/* A key of n bytes (no escaping: keys are the program's own names). */
void jw_keyn(struct jw *w, const char *key, size_t n);
/* Inline so that the length of a literal key is a compile-time constant. */
static inline void jw_key(struct jw *w, const char *key) { jw_keyn(w, key, strlen(key)); }
void jw_str(struct jw *w, const char *s);          /* NULL -> null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_time(struct jw *w, int64_t ts_us);         /* 0 -> null */
void jw_double(struct jw *w, double v, int decimals);

/* key + value shorthands */
static inline void jw_kstr(struct jw *w, const char *k, const char *v) { jw_key(w, k); jw_str(w, v); }
static inline void jw_kint(struct jw *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
static inline void jw_kuint(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_uint(w, v); }
static inline void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
static inline void jw_knull(struct jw *w, const char *k) { jw_key(w, k); jw_null(w); }
static inline void jw_ktime(struct jw *w, const char *k, int64_t ts) { jw_key(w, k); jw_time(w, ts); }

/* Writes s as UTF-8 into a JSON string body (no quotes) — shared with the
 * text report, which needs the same sanitising for terminals. */

#endif
