/* units.h — the one way each kind of figure is written for people: every
 * duration and every size in alert messages, host last errors, the text
 * report and the dashboard goes through these functions (issue 14: "one
 * unit per kind of figure").  Counts are plain integers with their noun;
 * reply codes are written as codes; JSON keeps raw numbers. */
#ifndef SMTPSCOPE_UNITS_H
#define SMTPSCOPE_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_STRLEN 32 /* enough for any value of the functions below */

/* Durations, rounded to the precision shown (a value that rounds up to the
 * next step is shown in it, never "1000 ms" or "120 s"):
 *   0 s  |  1 us .. 999 us  |  1 ms .. 999 ms  |  1.0 s .. 9.9 s  |  10 s .. 119 s
 *   2m00s .. 59m59s  |  1h00m .. 23h59m  |  1d00h ...
 * "-" when negative (unknown). */
void format_duration(char *out, size_t sz, int64_t us);
/* The same for a figure in seconds (rule fields, queue ages); "-" when
 * negative, not a number or unknown. */
void format_duration_s(char *out, size_t sz, double seconds);
/* Sizes, rounded to one decimal in the largest unit that keeps the value
 * at or above 1 (units of 1024 bytes): "0 B", "1023 B", "1.0 KB",
 * "18.4 KB", "1.2 MB", "3.0 GB", "16.0 EB". */
void format_size(char *out, size_t sz, uint64_t bytes);
/* A size that matters to the byte (segment sizes against an MTU):
 * "1448 B", in the same unit word as format_size. */
void format_size_exact(char *out, size_t sz, uint64_t bytes);

#endif
