#!/bin/sh
# Zeek smtp.log agreement field by field (tests/peer-fields.py); automake
# test: exit 0 pass, 1 fail, 77 skip (no python3, corpus or binary).
srcdir=${srcdir:-$(dirname "$0")/..}
py=$(command -v python3 2>/dev/null)
if test -z "$py"; then
    echo "peer-fields: SKIP: python3 not found"
    exit 77
fi
bin=${SMTPSCOPE:-./smtpscope}
exec "$py" "$srcdir/tests/peer-fields.py" --smtpscope "$bin" --srcdir "$srcdir"
