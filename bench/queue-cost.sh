#!/bin/bash
# bench/queue-cost.sh — what message tracking and the queue view cost on the
# many-small-sessions workload (bench/gencap -B 64 -c 2000: the per-session
# costs dominate), and that its memory stays bounded.
#
#   bench/queue-cost.sh [MB]       default 200
#
# Runs smtpscope -r FILE --format json with and without --no-queue, best
# CPU time (user + sys, /usr/bin/time) of $REPEAT runs each (default 5), and
# prints the ratio; then once with --memcap 16 to show the message table
# evicting (stats "messages": tracked, in_table, evicted) within its bound.
# Environment: BENCH_DIR (default /tmp/smtpscope-bench), SMTPSCOPE, REPEAT, CC.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/smtpscope-bench}
SMTPSCOPE=${SMTPSCOPE:-$top/smtpscope}
REPEAT=${REPEAT:-5}
CC=${CC:-cc}
mb=${1:-200}
mkdir -p "$BENCH_DIR/bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

$CC -O2 -std=gnu11 -o "$BENCH_DIR/bin/gencap" "$here/gencap.c" -lm
file="$BENCH_DIR/small-${mb}.pcap"
[ -s "$file" ] || "$BENCH_DIR/bin/gencap" -q -s "$mb" -B 64 -c 2000 -o "$file" > /dev/null
cat "$file" > /dev/null # page cache

# best NAME ARGS...: prints "NAME cpu_s rss_kib" of the run with the least CPU
best() {
	local name=$1 i cpu rss bcpu= brss=
	shift
	for ((i = 0; i < REPEAT; i++)); do
		/usr/bin/time -f "%U %S %M" -o "$tmp/t" "$SMTPSCOPE" -r "$file" --format json "$@" \
			> "$tmp/out"
		read -r u s rss < <(tail -1 "$tmp/t")
		cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
		if [ -z "$bcpu" ] || awk -v a="$cpu" -v b="$bcpu" 'BEGIN { exit !(a < b) }'; then
			bcpu=$cpu brss=$rss
		fi
	done
	echo "$name $bcpu $brss"
}

echo "# $file: $(stat -c %s "$file") bytes; best of $REPEAT runs; $(nproc) cores (shared)"
read -r _ off off_rss < <(best no-queue --no-queue)
read -r _ on on_rss < <(best queue)
tail -1 "$tmp/out" | grep -o '"messages":{[^}]*}' | sed 's/^/# /'
printf "%-10s %8s %10s\n" run "cpu s" "rss MiB"
printf "%-10s %8s %10.1f\n" no-queue "$off" "$(awk -v k="$off_rss" 'BEGIN { print k / 1024 }')"
printf "%-10s %8s %10.1f\n" queue "$on" "$(awk -v k="$on_rss" 'BEGIN { print k / 1024 }')"
awk -v a="$on" -v b="$off" 'BEGIN { printf "tracking cost: %+.1f%% CPU (ratio %.3f)\n", (a / b - 1) * 100, a / b }'

"$SMTPSCOPE" -r "$file" --format json --memcap 16 > "$tmp/out"
echo "# --memcap 16: $(tail -1 "$tmp/out" | grep -o '"messages":{[^}]*}'), " \
	"memory_peak $(tail -1 "$tmp/out" | grep -o '"memory_peak":[0-9]*')"
