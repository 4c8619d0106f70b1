/* text_output.h — the text report as an output (output.h): sessions and
 * alerts are gathered as they happen, the report is printed at the end. */
#ifndef SMTPSCOPE_TEXT_OUTPUT_H
#define SMTPSCOPE_TEXT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "ui/output/output.h"

extern const struct output_ops text_output_ops;

struct text_output;
struct text_output *text_output_new(FILE *out);
/* SIGHUP after logrotate: the report goes to this file. */
void text_output_set_file(struct text_output *to, FILE *out);
/* --transcript: the report shows the dialogue of each session that did not
 * end well (off: only how many there were). */
void text_output_set_transcripts(struct text_output *to, bool on);

#endif
