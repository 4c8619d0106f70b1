#!/bin/sh
# golden.sh — every sample through smtpscope in JSON (with transcripts) and
# text; the whole output must equal the reviewed file in tests/golden/.
# Memory figures are left out of the comparison: they depend on struct sizes,
# not on what the capture contains.
#   tests/golden.sh            compare (make check)
#   tests/golden.sh --regen    rewrite the expected files (then review the diff)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
regen=${1:-}
golden=$(cd "$srcdir/tests/golden" && pwd) || exit 99
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

normalise() {
	sed -e 's/"memory_used":[0-9]*,"memory_peak":[0-9]*,//' \
	    -e "s/^  memory peak .*/  memory peak (not compared)/"
}

cd "$srcdir" || exit 99
for f in samples/*.pcap samples/*.pcapng; do
	name=$(basename "$f")
	for fmt in json text; do
		case $fmt in
		json) args="--format json --transcript" ;;
		text) args="--format text" ;;
		esac
		# shellcheck disable=SC2086
		"$bin" -r "$f" $args > "$tmp/out" 2> "$tmp/err"
		rc=$?
		if [ $rc -ne 0 ]; then
			echo "FAIL $name ($fmt): exit $rc: $(cat "$tmp/err")"
			fail=1
			continue
		fi
		normalise < "$tmp/out" > "$tmp/norm"
		expect="$golden/$name.$fmt"
		if [ "$regen" = "--regen" ]; then
			cp "$tmp/norm" "$expect"
			continue
		fi
		if [ ! -s "$tmp/norm" ]; then
			echo "FAIL $name ($fmt): empty output"
			fail=1
		elif ! diff -u "$expect" "$tmp/norm" > "$tmp/diff"; then
			echo "FAIL $name ($fmt): output differs from $expect"
			head -40 "$tmp/diff"
			fail=1
		else
			echo "ok   $name ($fmt)"
		fi
	done
done
exit $fail
