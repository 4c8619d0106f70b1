/* json_writer.h — streaming JSON (RFC 8259) onto a stdio stream: one record
 * per line, strings escaped and forced to valid UTF-8 (invalid bytes become
 * U+FFFD), times as epoch seconds with microseconds.
 *
 * Keys are string literals: jw_key(w, "id") pastes the comma, the quotes and
 * the colon around the name at compile time, so writing a key is a few
 * stores of a constant length, not a strlen and a copy (doc/performance.md,
 * "JSON and text output").  A key that is not a literal (anomaly names,
 * age-bucket names) goes through jw_key_str. */
#ifndef SMTPSCOPE_JSON_WRITER_H
#define SMTPSCOPE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ui/output/digits.h"

/* A record is built in buf and handed to stdio in one fwrite when it ends
 * (or when buf fills): stdio's per-call work, not the bytes, was most of the
 * writer's cost on many small records. */
#define JW_BUF 8192

struct jw {
	FILE *out;
	size_t len;  /* bytes in buf not yet given to out */
	/* Something was written at the current level since it opened: the
	 * next key or element needs a comma.  One flag is enough for any
	 * depth: opening a level and writing a key clear it, a value and the
	 * closing of a level set it (the closed level is a value of its
	 * parent). */
	bool comma;
	/* Records stay in buf until it fills (jw_flush gives them to out): set
	 * by a writer whose reader does not tail the output (a file read in
	 * batch); saves stdio a copy and a call per record. */
	bool batch;
	char buf[JW_BUF];
};

void jw_init(struct jw *w, FILE *out);
/* Ends a top-level record: "\n", and the record goes to out (unless batch). */
void jw_record_end(struct jw *w);
void jw_flush(struct jw *w);       /* gives buffered bytes to out (not fflush) */

/* ---- the inline core: buffer room, separators, literals ---------------- */

#if defined(__GNUC__) || defined(__clang__)
#define JW_INLINE static inline __attribute__((always_inline))
#else
#define JW_INLINE static inline
#endif

/* Room for n more bytes (n <= JW_BUF); where they go. */
JW_INLINE char *jw_room_(struct jw *w, size_t n)
{
	if (JW_BUF - w->len < n)
		jw_flush(w);
	return w->buf + w->len;
}

/* Where the next value goes, after its comma when one is due, with room for
 * n bytes of it (n < JW_BUF).  The comma is stored either way and kept only
 * when due: no branch. */
JW_INLINE char *jw_value_(struct jw *w, size_t n)
{
	char *o = jw_room_(w, n + 1);
	o[0] = ',';
	o += w->comma;
	w->comma = true;
	return o;
}

/* The value ended at o. */
JW_INLINE void jw_done_(struct jw *w, const char *o)
{
	w->len = (size_t)(o - w->buf);
}

/* n bytes of program text (a key, or a key with its constant value), after
 * the comma when one is due; `value`: whether it completes a value (else it
 * is a key, and what follows must not write a comma). */
JW_INLINE void jw_lit_(struct jw *w, const char *lit, size_t n, bool value)
{
	char *o = jw_value_(w, n);
	memcpy(o, lit, n);
	jw_done_(w, o + n);
	w->comma = value;
}

/* "name": as one literal.  Only a string literal compiles here. */
#define JW_QKEY_(k) "\"" k "\":"
#define JW_LIT_(w, lit, value) jw_lit_((w), (lit), sizeof(lit) - 1, (value))

/* A key as its JSON text, made at compile time, for helpers that take the
 * key of the field they write: JW_KEY("banner"). */
struct jw_key {
	const char *text; /* "name": */
	size_t len;
};
#define JW_KEY_INIT(k) { JW_QKEY_(k), sizeof(JW_QKEY_(k)) - 1 } /* in a table */
#define JW_KEY(k) ((struct jw_key)JW_KEY_INIT(k))
JW_INLINE void jw_key_put(struct jw *w, struct jw_key k) { jw_lit_(w, k.text, k.len, false); }

/* ---- structure ---------------------------------------------------------- */

JW_INLINE void jw_open_(struct jw *w, char c)
{
	char *o = jw_value_(w, 1);
	*o = c;
	jw_done_(w, o + 1);
	w->comma = false;
}

JW_INLINE void jw_close_(struct jw *w, char c)
{
	char *o = jw_room_(w, 1);
	*o = c;
	jw_done_(w, o + 1);
	w->comma = true;
}

JW_INLINE void jw_object_begin(struct jw *w) { jw_open_(w, '{'); }
JW_INLINE void jw_object_end(struct jw *w) { jw_close_(w, '}'); }
JW_INLINE void jw_array_begin(struct jw *w) { jw_open_(w, '['); }
JW_INLINE void jw_array_end(struct jw *w) { jw_close_(w, ']'); }

/* ---- keys and values ---------------------------------------------------- */

/* A key that is a string literal. */
#define jw_key(w, k) JW_LIT_(w, JW_QKEY_(k), false)
/* A key of n bytes, or a NUL-terminated one, known only at run time (no
 * escaping: keys are the program's own names). */
void jw_keyn(struct jw *w, const char *key, size_t n);
void jw_key_str(struct jw *w, const char *key);

void jw_str(struct jw *w, const char *s);          /* NULL -> null */
void jw_strn(struct jw *w, const char *s, size_t n);
/* printf's "%.*f": exactly rounded (ties to even on the binary value);
 * "nan"/"inf" as printf writes them (not JSON: callers never pass them). */
void jw_double(struct jw *w, double v, int decimals);

/* Numbers and times are written in place: the formatters below put the
 * text at o, which has room for it, and return its end. */
/* Epoch seconds, '.', always six digits of microseconds (at most 28); a
 * time before 1970 is the second below it plus the microseconds after it
 * (-1 us: -1.999999).  0 is written by the callers as null. */
char *jw_time_at_(char *o, int64_t ts_us);
#define JW_TIME_MAX 28

JW_INLINE char *jw_small_u64_(char *o, uint64_t v)
{
	if (v < 10) { /* most counters */
		*o = (char)('0' + v);
		return o + 1;
	}
	return digits_u64(o, v);
}

/* A value, or a key (n bytes of program text) and its value, with one room
 * check and one comma. */
JW_INLINE void jw_kuint_(struct jw *w, const char *key, size_t n, uint64_t v)
{
	char *o = jw_value_(w, n + 20);
	memcpy(o, key, n);
	jw_done_(w, jw_small_u64_(o + n, v));
}

JW_INLINE void jw_kint_(struct jw *w, const char *key, size_t n, int64_t v)
{
	char *o = jw_value_(w, n + 21);
	memcpy(o, key, n);
	jw_done_(w, digits_i64(o + n, v));
}

JW_INLINE void jw_ktime_(struct jw *w, const char *key, size_t n, int64_t ts_us)
{
	char *o = jw_value_(w, n + JW_TIME_MAX);
	memcpy(o, key, n);
	o += n;
	if (ts_us) {
		o = jw_time_at_(o, ts_us);
	} else {
		memcpy(o, "null", 4);
		o += 4;
	}
	jw_done_(w, o);
}

JW_INLINE void jw_uint(struct jw *w, uint64_t v) { jw_kuint_(w, "", 0, v); }
JW_INLINE void jw_int(struct jw *w, int64_t v) { jw_kint_(w, "", 0, v); }
JW_INLINE void jw_time(struct jw *w, int64_t ts_us) { jw_ktime_(w, "", 0, ts_us); } /* 0 -> null */
JW_INLINE void jw_null(struct jw *w) { JW_LIT_(w, "null", true); }
JW_INLINE void jw_bool(struct jw *w, bool v)
{
	if (v)
		JW_LIT_(w, "true", true);
	else
		JW_LIT_(w, "false", true);
}

/* key + value shorthands; k must be a string literal */
#define jw_kstr(w, k, v) (jw_key(w, k), jw_str((w), (v)))
#define jw_kint(w, k, v) jw_kint_((w), JW_QKEY_(k), sizeof(JW_QKEY_(k)) - 1, (v))
#define jw_kuint(w, k, v) jw_kuint_((w), JW_QKEY_(k), sizeof(JW_QKEY_(k)) - 1, (v))
#define jw_ktime(w, k, v) jw_ktime_((w), JW_QKEY_(k), sizeof(JW_QKEY_(k)) - 1, (v))
/* the key and a constant value in one literal */
#define jw_knull(w, k) JW_LIT_(w, JW_QKEY_(k) "null", true)
#define jw_kbool(w, k, v)                                                      \
	((v) ? JW_LIT_(w, JW_QKEY_(k) "true", true) : JW_LIT_(w, JW_QKEY_(k) "false", true))
/* "name":{ and "name":[ */
#define jw_kobject_begin(w, k) JW_LIT_(w, JW_QKEY_(k) "{", false)
#define jw_karray_begin(w, k) JW_LIT_(w, JW_QKEY_(k) "[", false)

#endif
