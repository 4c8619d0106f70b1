#!/bin/sh
# replay.sh — every harness over its committed corpus, without libFuzzer
# (make check).  tests/fuzz/corpus/<harness>/ holds the seeds and every
# regress-* input a fuzzer once crashed on; a harness aborts on a finding.
set -u
srcdir=${srcdir:-$(dirname "$0")/../..}
corpus="$srcdir/tests/fuzz/corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ran=0
for dir in "$corpus"/*/; do
	h=$(basename "$dir")
	ran=$((ran + 1))
	bin=./tests/fuzz/replay_$h
	if [ ! -x "$bin" ]; then
		echo "FAIL $h: $bin not built"
		fail=1
		continue
	fi
	if "$bin" "$dir" > "$tmp/$h.out" 2>&1; then
		echo "PASS $h: $(tail -n 1 "$tmp/$h.out")"
	else
		echo "FAIL $h: exit $?"
		tail -n 40 "$tmp/$h.out"
		fail=1
	fi
done
[ "$ran" -gt 0 ] || { echo "FAIL: no corpus under $corpus"; exit 1; }
exit $fail
