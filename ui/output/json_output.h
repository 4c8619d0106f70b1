/* json_output.h — JSON lines as an output (output.h): session and alert
 * records as they happen, host records on status changes (live), host,
 * domain and stats records at every state (periodic live, and final). */
#ifndef SMTPSCOPE_JSON_OUTPUT_H
#define SMTPSCOPE_JSON_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "ui/output/output.h"

struct json_output;

extern const struct output_ops json_output_ops;

/* live: flush per record and write host records as statuses change. */
struct json_output *json_output_new(FILE *out, bool live, bool transcript);
/* SIGHUP after logrotate: write to this file from now on. */
void json_output_set_file(struct json_output *jo, FILE *out);

#endif
