/* rule_field_tables.h — the field tables behind rule_fields.h: the core
 * fields (rule_fields.c) and those of the detection rules that match
 * attempts and replies across sessions (rule_fields_detect.c).  rf_lookup
 * and friends (rule_fields_detect.c) search both, core first.  Not an API. */
#ifndef SMTPSCOPE_RULE_FIELD_TABLES_H
#define SMTPSCOPE_RULE_FIELD_TABLES_H

#include <stddef.h>

#include "rules/rule_fields.h"

extern const struct rule_field rf_core_fields[];
extern const size_t rf_core_count;
extern const struct rule_field rf_detect_fields[];
extern const size_t rf_detect_count;

#endif
