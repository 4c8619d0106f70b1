/* csv_output.h — --format csv: one line per finished session, for a
 * spreadsheet (RFC 4180: a header line, comma-separated, CRLF, fields with a
 * comma, quote or line break quoted). */
#ifndef SMTPSCOPE_CSV_OUTPUT_H
#define SMTPSCOPE_CSV_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ui/output/output.h"

extern const struct output_ops csv_output_ops;

struct csv_output;
struct csv_output *csv_output_new(FILE *out);

/* A time as the CSV writes it: ISO 8601 UTC with microseconds
 * ("2026-11-20T03:00:00.002929Z", which spreadsheets read as a time), by
 * hand from 1970 to 9999, through gmtime and strftime outside (0, an
 * unknown time, is ".000000Z").  out holds CSV_TIME_MAX bytes; returns the
 * length written (NUL-terminated). */
#define CSV_TIME_MAX 48
size_t csv_time(char *out, int64_t ts_us);

#endif
