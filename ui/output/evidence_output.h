/* evidence_output.h — the evidence buffers (capture/evidence.h) as an
 * output (output.h): every frame of a tracked session is buffered, an alert
 * flags its session, the end of an unflagged session frees its buffer. */
#ifndef SMTPSCOPE_EVIDENCE_OUTPUT_H
#define SMTPSCOPE_EVIDENCE_OUTPUT_H

#include "ui/output/output.h"

/* self: the struct evidence * (opened and closed by the caller). */
extern const struct output_ops evidence_output_ops;

#endif
