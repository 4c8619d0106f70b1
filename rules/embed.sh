#!/bin/sh
# embed.sh RULES — prints RULES as a C string (rules/default_rules.c).
echo '/* generated from rules/default.rules by make: do not edit */'
echo '#include "rules/default_rules.h"'
echo 'const char smtpscope_default_rules[] ='
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/	"/' -e 's/$/\\n"/' "$1"
echo '	"";'
