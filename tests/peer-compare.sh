#!/bin/sh
# Peer comparison over the public SMTP corpus (see tests/peer-compare.py).
# automake test: exit 0 pass, 1 fail, 77 skip.
#   SMTPSCOPE         binary to test (default: ./smtpscope in the build dir)
#   SMTPSCOPE_CORPUS  corpus directory (default: $srcdir/../shared/corpus,
#                     then /work/shared/corpus)
#   PEER_COMPARE_ARGS extra options for peer-compare.py (e.g. --only FILE -v)
srcdir=${srcdir:-$(dirname "$0")/..}
py=$(command -v python3 2>/dev/null)
if test -z "$py"; then
    echo "peer-compare: SKIP: python3 not found"
    exit 77
fi
bin=${SMTPSCOPE:-./smtpscope}
if test ! -x "$bin" && test -x "$srcdir/smtpscope"; then
    bin=$srcdir/smtpscope
fi
if test ! -x "$bin"; then
    echo "peer-compare: SKIP: smtpscope binary not found ($bin)"
    exit 77
fi
# shellcheck disable=SC2086
exec "$py" "$srcdir/tests/peer-compare.py" --smtpscope "$bin" \
    --srcdir "$srcdir" --exceptions "$srcdir/tests/peer-exceptions.tsv" \
    $PEER_COMPARE_ARGS
