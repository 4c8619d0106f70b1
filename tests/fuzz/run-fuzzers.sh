#!/bin/sh
# run-fuzzers.sh — runs each libFuzzer harness for a while and reports.
#
#   tests/fuzz/run-fuzzers.sh SECONDS [HARNESS...]   fuzz (all harnesses by default)
#   tests/fuzz/run-fuzzers.sh merge [HARNESS...]     minimise what was found
#                                                    into tests/fuzz/corpus/
#
# Run it from a build configured with  CC=clang ./configure --enable-fuzz
# (the tests/fuzz/fuzz_* programs must exist; `make` builds them).
# Harnesses: capture packet smtp reasm rules facts.
#
# Environment:
#   FUZZ_OUT   work directory (default ./fuzz-out): per harness a growing
#              corpus, the log and the artifacts (crash-*, leak-*, timeout-*,
#              oom-*), kept between runs so fuzzing resumes where it stopped
#   FUZZ_JOBS  harnesses run at the same time (default 1)
#   FUZZ_ARGS  extra libFuzzer flags, e.g. "-max_len=4096"
#
# Each harness reads the committed corpus (tests/fuzz/corpus/HARNESS, never
# written) and its dictionary (tests/fuzz/dict/HARNESS.dict) if there is
# one.  At the end one line per harness: executions, coverage (cov: edges
# and ft: features, from libFuzzer's last status line), corpus size, peak
# RSS and findings.  Exit status 1 if any harness found something: the
# artifact is a reproducer, to be fixed and then kept as
# tests/fuzz/corpus/HARNESS/regress-SHORT-BUG-NAME.
set -u
LC_ALL=C
export LC_ALL
ALL="capture packet smtp reasm rules facts"
here=$(cd "$(dirname "$0")" && pwd)
out=${FUZZ_OUT:-$(pwd)/fuzz-out}
jobs=${FUZZ_JOBS:-1}

usage() {
	sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

[ $# -ge 1 ] || usage
mode=fuzz
case $1 in
merge) mode=merge ;;
*[!0-9]* | "") usage ;;
*) secs=$1 ;;
esac
shift
harnesses=${*:-$ALL}

bin_of() {
	b=./tests/fuzz/fuzz_$1
	[ -x "$b" ] || { echo "run-fuzzers: $b not found (CC=clang ./configure --enable-fuzz && make)" >&2; return 1; }
	echo "$b"
}

# The last status line of a libFuzzer log: "#N ... cov: C ft: F corp: K/S ..."
summary() {
	h=$1 log=$2 dir=$3
	line=$(grep -a -E '^#[0-9]+' "$log" | grep -a 'cov:' | tail -n 1 | sed 's/ MS: .*//')
	execs=$(grep -a '^stat::number_of_executed_units:' "$log" | tail -n 1 | awk '{print $2}')
	rate=$(grep -a '^stat::average_exec_per_sec:' "$log" | tail -n 1 | awk '{print $2}')
	rss=$(grep -a '^stat::peak_rss_mb:' "$log" | tail -n 1 | awk '{print $2}')
	[ -n "$execs" ] || execs=$(echo "$line" | sed -n 's/^#\([0-9]*\).*/\1/p')
	cov=$(echo "$line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$line" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$line" | sed -n 's/.*corp: \([^ ]*\).*/\1/p')
	found=$(find "$dir/artifacts" -type f 2>/dev/null | wc -l)
	printf '%-8s execs %10s (%s/s)  cov: %-6s ft: %-7s corpus %-10s rss %sMB  findings %s\n' \
		"$h" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$found"
	[ "$found" -eq 0 ]
}

fuzz_one() {
	h=$1
	b=$(bin_of "$h") || return 1
	dir=$out/$h
	mkdir -p "$dir/corpus" "$dir/artifacts"
	dict=""
	[ -f "$here/dict/$h.dict" ] && dict="-dict=$here/dict/$h.dict"
	# shellcheck disable=SC2086
	"$b" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/" $dict ${FUZZ_ARGS:-} \
		"$dir/corpus" "$here/corpus/$h" > "$dir/log" 2>&1
	summary "$h" "$dir/log" "$dir"
}

# Keeps the regress-* inputs, replaces the rest of the committed corpus by
# a small set of inputs that reaches every edge the committed corpus and the
# work corpus reach together (-use_counters=0: edges, not hit counts, so the
# committed corpus stays small; libFuzzer prefers the smaller inputs).
merge_one() {
	h=$1
	b=$(bin_of "$h") || return 1
	src=$here/corpus/$h
	new=$out/$h/merged
	rm -rf "$new"
	mkdir -p "$new" "$out/$h/corpus"
	# shellcheck disable=SC2086
	"$b" -merge=1 -use_counters=0 ${FUZZ_ARGS:-} "$new" "$src" "$out/$h/corpus" \
		> "$out/$h/merge.log" 2>&1 || {
		echo "$h: merge failed, see $out/$h/merge.log"
		return 1
	}
	find "$src" -type f ! -name 'regress-*' -delete
	for f in "$new"/*; do
		[ -f "$f" ] && cp "$f" "$src/$(basename "$f")"
	done
	echo "$h: $(find "$src" -type f | wc -l) inputs, $(cat "$src"/* | wc -c) bytes;" \
		"$(grep -a 'MERGE-OUTER: [0-9]* new files' "$out/$h/merge.log" | sed 's/.*MERGE-OUTER: //')"
}

status=0
if [ "$mode" = merge ]; then
	for h in $harnesses; do merge_one "$h" || status=1; done
	exit $status
fi

mkdir -p "$out"
echo "fuzzing $harnesses for ${secs}s each, $jobs at a time; work dir $out"
set -- $harnesses
while [ $# -gt 0 ]; do
	pids=""
	i=0
	while [ $i -lt "$jobs" ] && [ $# -gt 0 ]; do
		fuzz_one "$1" > "$out/$1.summary" 2>&1 &
		pids="$pids $!"
		shift
		i=$((i + 1))
	done
	for p in $pids; do wait "$p" || status=1; done
done
for h in $harnesses; do
	cat "$out/$h.summary"
	rm -f "$out/$h.summary"
done
exit $status
