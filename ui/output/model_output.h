/* model_output.h — the dashboard's model (rules/model.h) as an output
 * (output.h): it keeps every finished session and every alert for the
 * screens.  The caller holds the model lock around the decoder when the
 * dashboard runs beside it. */
#ifndef SMTPSCOPE_MODEL_OUTPUT_H
#define SMTPSCOPE_MODEL_OUTPUT_H

#include "ui/output/output.h"

/* self: the struct model *. */
extern const struct output_ops model_output_ops;

#endif
