/* csv_output.h — --format csv: one line per finished session, for a
 * spreadsheet (RFC 4180: a header line, comma-separated, CRLF, fields with a
 * comma, quote or line break quoted). */
#ifndef SMTPSCOPE_CSV_OUTPUT_H
#define SMTPSCOPE_CSV_OUTPUT_H

#include <stdio.h>

#include "ui/output/output.h"

extern const struct output_ops csv_output_ops;

struct csv_output;
struct csv_output *csv_output_new(FILE *out);

#endif
