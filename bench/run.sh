#!/bin/bash
# bench/run.sh — smtpscope against its peers on large generated SMTP captures.
#
#   bench/run.sh [SIZE...]        default: 200 100m
#
# SIZE is a capture size in MB (2^20 bytes) with bench/gencap's realistic mix
# (message sizes 1 KB - 5 MB log-uniform, all sessions in flight together);
# a trailing "m" (e.g. 100m) is the workload of a busy gateway: many short
# sessions with small messages (300 B - 4 KB, 200 in flight, ~25,000
# sessions and 20,000 remote hosts per 100 MB): the per-session costs; a
# trailing "s" (e.g. 200s) small messages of 1-64 KB, 2,000 in flight.
# Each file is measured with, side by side:
#
#   floor       bench/pcap_floor: libpcap pcap_dispatch, empty callback
#   floor-1M    the same with a 1 MiB stdio buffer (pcap_fopen_offline): libpcap's
#               own is st_blksize (4 KiB), so 256 read(2)s per MiB instead of 1
#   tcpdump     tcpdump -r FILE -w /dev/null
#   ndpiReader  ndpiReader -q -i FILE             (skipped if not installed)
#   tshark      tshark -r FILE -Y smtp -T fields -e tcp.stream -e smtp.response.code
#   smtpscope   smtpscope -r FILE --format json
#
# (all output to /dev/null).  CPU time (user + system: what a busy 2-core
# machine cannot disturb much) and wall time of the run with the least CPU
# of $REPEAT runs (default 3; tshark runs once, and only on files up to TSHARK_MAX_MB (default 300:
# it reads ~6-12 MB/s here, a 1 GB file takes minutes): on a larger file its
# time is estimated from its rate on the previous file, shown as
# "tshark-est"); peak RSS is /usr/bin/time's %M.
# The file is read once before the runs so every tool reads it from the page
# cache.  Then: the million half-open sessions of tests/memcap.py (set
# MEMCAP=0 to skip).
#
# Environment: BENCH_DIR (default /tmp/smtpscope-bench: captures and tools
# are built there, never in the source tree), SMTPSCOPE (default: the
# smtpscope built next to this script's parent), SMTPSCOPE_ALT (a second
# smtpscope binary measured as "smtpscope-alt", e.g. one with a candidate
# optimisation), REPEAT, CC, TSHARK=0 to skip tshark, KEEP=0 to delete each
# capture after its measurements.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
BENCH_DIR=${BENCH_DIR:-/tmp/smtpscope-bench}
SMTPSCOPE=${SMTPSCOPE:-$top/smtpscope}
REPEAT=${REPEAT:-3}
CC=${CC:-cc}
TSHARK=${TSHARK:-1}
MEMCAP=${MEMCAP:-1}
TSHARK_MAX_MB=${TSHARK_MAX_MB:-300}
tshark_rate=
KEEP=${KEEP:-1}
[ $# -gt 0 ] || set -- 200 100m

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$SMTPSCOPE" ] || die "no smtpscope at $SMTPSCOPE (build it, or set SMTPSCOPE)"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"
mkdir -p "$BENCH_DIR/bin"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- tools ----
$CC -O2 -std=gnu11 -o "$BENCH_DIR/bin/gencap" "$here/gencap.c" -lm
$CC -O2 -std=gnu11 -o "$BENCH_DIR/bin/pcap_floor" "$here/pcap_floor.c" -lpcap
have() { command -v "$1" >/dev/null 2>&1; }

echo "# machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
echo "# smtpscope: $SMTPSCOPE ($("$SMTPSCOPE" --version 2>&1 | head -1))"
[ -z "${SMTPSCOPE_ALT:-}" ] || echo "# smtpscope-alt: $SMTPSCOPE_ALT"
for t in tcpdump tshark ndpiReader; do
	if have $t; then
		case $t in
		tcpdump) v=$(tcpdump --version 2>&1 | head -1) ;;
		tshark) v=$(tshark --version 2>/dev/null | head -1) ;;
		ndpiReader) v=$( (ndpiReader -h 2>&1 || true) | grep -m1 -o 'nDPI [0-9.]*' || true) ;;
		esac
		echo "# $t: $v"
	else
		case $t in
		ndpiReader) pkg=libndpi-bin ;; # no "ndpi-bin" in Debian
		*) pkg=$t ;;
		esac
		echo "# $t: not installed, skipped (Debian: apt-get install $pkg)"
	fi
done

# ---- measuring ----
# run NAME REPS CMD...: sets cpu (user+sys seconds), best (wall seconds of
# that run) and rss (KiB, of that run): the run with the least CPU
run() {
	local name=$1 reps=$2 i t0 t1 ns c
	shift 2
	best= rss= cpu=
	for ((i = 0; i < reps; i++)); do
		t0=$(date +%s%N)
		if ! /usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err"; then
			echo "bench: $name failed:" >&2
			tail -5 "$tmp/err" >&2
			best=NA rss=NA cpu=NA
			return 0
		fi
		t1=$(date +%s%N)
		ns=$((t1 - t0))
		c=$(tail -1 "$tmp/rss" | awk '{ printf "%.3f", $2 + $3 }')
		if [ -z "$cpu" ] || awk -v a="$c" -v b="$cpu" 'BEGIN { exit !(a < b) }'; then
			cpu=$c
			best=$(awk -v n="$ns" 'BEGIN { printf "%.4f", n / 1e9 }')
			rss=$(tail -1 "$tmp/rss" | cut -d' ' -f1)
		fi
	done
}

declare -A ns_per_pkt
for size in "$@"; do
	case $size in
	*s) mb=${size%s} gen_args="-B 64 -c 2000" kind="small messages (1-64 KB), 2000 in flight" ;;
	*m) mb=${size%m} gen_args="-b 300 -B 4 -c 200" kind="many short sessions, messages 300 B-4 KB, 200 in flight" ;;
	*) mb=$size gen_args="" kind="messages 1 KB-5 MB log-uniform" ;;
	esac
	file="$BENCH_DIR/smtp-$size.pcap"
	echo
	# shellcheck disable=SC2086
	gen=$("$BENCH_DIR/bin/gencap" -q -s "$mb" $gen_args -o "$file")
	bytes=$(stat -c %s "$file")
	read -r pkts _ < <("$BENCH_DIR/bin/pcap_floor" "$file")
	cat "$file" >/dev/null # into the page cache
	echo "## $size: $file, $((bytes / 1048576)) MB, $pkts packets; $kind"
	echo "# gencap: $gen"
	echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

	names=() times=() rsss=() cpus=()
	add() { names+=("$1"); times+=("$best"); rsss+=("$rss"); cpus+=("$cpu"); }
	run floor "$REPEAT" "$BENCH_DIR/bin/pcap_floor" "$file"; add floor
	run floor-1M "$REPEAT" "$BENCH_DIR/bin/pcap_floor" -b "$file"; add floor-1M
	if have tcpdump; then run tcpdump "$REPEAT" tcpdump -r "$file" -w /dev/null; add tcpdump; fi
	if have ndpiReader; then run ndpiReader "$REPEAT" ndpiReader -q -i "$file"; add ndpiReader; fi
	if have tshark && [ "$TSHARK" = 1 ]; then
		if [ $((bytes >> 20)) -le "$TSHARK_MAX_MB" ]; then
			run tshark 1 tshark -r "$file" -Y smtp -T fields -e tcp.stream -e smtp.response.code
			add tshark
			[ "$best" = NA ] || tshark_rate=$(awk -v b="$bytes" -v t="$best" 'BEGIN { print b / t }')
		elif [ -n "$tshark_rate" ]; then
			# too slow to wait for: its rate on the last file it read
			best=$(awk -v b="$bytes" -v r="$tshark_rate" 'BEGIN { printf "%.4f", b / r }') rss=NA cpu=$best
			add tshark-est
			echo "# tshark-est: not run on this file (> TSHARK_MAX_MB=$TSHARK_MAX_MB); its time is" \
				"this size at tshark's rate on the previous file (RSS unknown)"
		fi
	fi
	run smtpscope "$REPEAT" "$SMTPSCOPE" -r "$file" --format json; add smtpscope
	if [ -n "${SMTPSCOPE_ALT:-}" ]; then
		run smtpscope-alt "$REPEAT" "$SMTPSCOPE_ALT" -r "$file" --format json; add smtpscope-alt
	fi
	"$SMTPSCOPE" -r "$file" --format json | tail -1 >"$tmp/stats"
	echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

	floor_c=${cpus[0]} tshark_t=NA ndpi_c=NA
	for i in "${!names[@]}"; do
		case ${names[$i]} in tshark*) tshark_t=${times[$i]} ;; ndpiReader) ndpi_c=${cpus[$i]} ;; esac
	done
	# x floor: CPU / the bare libpcap loop's CPU; ndpi/x: ndpiReader's CPU / this tool's
	printf '%-13s %8s %8s %8s %9s %8s %8s %8s %9s\n' tool "cpu s" "wall s" "MB/s" "Mpkt/s" "RSS MB" \
		"x floor" "ndpi/x" "tshark/x"
	for i in "${!names[@]}"; do
		awk -v name="${names[$i]}" -v t="${times[$i]}" -v c="${cpus[$i]}" -v rss="${rsss[$i]}" \
			-v b="$bytes" -v p="$pkts" -v f="$floor_c" -v nd="$ndpi_c" -v ts="$tshark_t" 'BEGIN {
			if (t == "NA") { printf "%-13s %8s\n", name, "failed"; exit }
			cc = c > 0.001 ? c : 0.001
			printf "%-13s %8.3f %8.3f %8.0f %9.2f %8s %8.2f %8s %9s\n", name, c, t,
				b / 1048576 / cc, p / 1e6 / cc, rss == "NA" ? "-" : sprintf("%.1f", rss / 1024),
				cc / (f > 0.001 ? f : 0.001), nd == "NA" ? "-" : sprintf("%.2f", nd / cc),
				ts == "NA" ? "-" : sprintf("%.0f", ts / t) }'
		case ${names[$i]} in smtpscope*) ;; *) continue ;; esac
		[ "${times[$i]}" != NA ] || continue
		ns_per_pkt[$size.${names[$i]}]=$(awk -v t="${cpus[$i]}" -v p="$pkts" 'BEGIN { printf "%.0f", t * 1e9 / p }')
	done
	python3 - "$tmp/stats" "$gen" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))
g = json.loads(sys.argv[2])
ok = st["sessions"] == g["sessions"] and st["packets"] == g["packets"]
print("# smtpscope: %d sessions (gencap: %d), %d packets, memory_peak %.1f MB, "
      "sessions_evicted %d%s" % (st["sessions"], g["sessions"], st["packets"],
      st["memory_peak"] / 1048576, st["sessions_evicted"], "" if ok else "  MISMATCH"))
EOF
	[ "$KEEP" = 1 ] || rm -f "$file"
done

if [ ${#ns_per_pkt[@]} -gt 0 ]; then
	echo
	echo "# smtpscope cost per packet (CPU, best run):"
	for size in "$@"; do
		for tool in smtpscope smtpscope-alt; do
			[ -z "${ns_per_pkt[$size.$tool]:-}" ] ||
				echo "#   $size: $tool ${ns_per_pkt[$size.$tool]} ns/packet"
		done
	done
fi

if [ "$MEMCAP" = 1 ]; then
	echo
	echo "## --memcap 64 with a million half-open sessions (tests/memcap.py)"
	echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
	SMTPSCOPE=$SMTPSCOPE python3 "$top/tests/memcap.py" --sessions 1000000 \
		--few-hosts-sessions 1000000 || true
fi
