/* default_rules.h — the built-in default rule set (rules/default.rules,
 * compiled in by make). */
#ifndef SMTPSCOPE_DEFAULT_RULES_H
#define SMTPSCOPE_DEFAULT_RULES_H

extern const char smtpscope_default_rules[];

#endif
