#!/bin/bash
# bench/tui-load.sh — the dashboard on a capture of a million remote hosts
# (issue "speed": the TUI must never stall the decoder).
#
#   bench/tui-load.sh [HOSTS]          default 1000000
#
# Writes (once, into $BENCH_DIR, default /tmp/smtpscope-bench) a capture of
# HOSTS half-open SMTP sessions, one SYN each from HOSTS distinct client
# addresses in 100.64.0.0/10, never closed; then measures, side by side:
#
#   batch         smtpscope -r FILE --format json > /dev/null   (wall, CPU)
#   first paint   the dashboard (`-r FILE --tui` in tmux, 160x45): from the
#                 start until the screen shows anything
#   loaded        until the header says the whole file is read ("N pkts")
#                 (targets: first paint < 1 s, loaded < 1.3x batch)
#   key redraw    after loading, `s` (next sort column) until the screen
#                 changes, median of 5 (target < 100 ms)
#   idle CPU      the process's CPU over 5 s once loaded (target < 10% of a core)
#   lock          with SMTPSCOPE_LOCK_STATS=FILE: how long the dashboard holds
#                 and waits for the model lock, how long the decoder waits
#
# Needs tmux and python3.  Not a test: the numbers go to doc/performance.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
HOSTS=${1:-1000000}
BENCH_DIR=${BENCH_DIR:-/tmp/smtpscope-bench}
SMTPSCOPE=${SMTPSCOPE:-$top/smtpscope}
command -v tmux >/dev/null || { echo "tui-load: tmux is needed" >&2; exit 1; }
mkdir -p "$BENCH_DIR"
file=$BENCH_DIR/tui-load-$HOSTS.pcap
sock=tui-load-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null || true' EXIT

if [ ! -s "$file" ]; then
	python3 - "$file" "$HOSTS" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
T0 = 1795143600
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    rec = bytearray(16 + 54)
    struct.pack_into("<II", rec, 8, 54, 54)
    rec[16:30] = bytes.fromhex("020000c0020a" "0200000000fe" "0800")
    base = (100 << 24) | (64 << 16)
    for i in range(n):
        us = i * 40
        struct.pack_into("<II", rec, 0, T0 + us // 1000000, us % 1000000)
        src = base + 1 + i
        # IPv4: 20 bytes, TCP SYN 192.0.2.10:25 from src:port
        struct.pack_into(">BBHHHBBHII", rec, 30, 0x45, 0, 40, i & 0xffff, 0x4000, 52, 6, 0,
                         src, (192 << 24) | (2 << 8) | 10)
        struct.pack_into(">HHIIBBHHH", rec, 50, 1024 + (i % 60000), 25, (i * 7919) & 0xffffffff, 0, 0x50,
                         0x02, 64240, 0, 0)
        f.write(rec)
PY
fi
echo "# $file: $HOSTS hosts, $(( $(stat -c %s "$file") / 1048576 )) MB"
echo "# smtpscope: $SMTPSCOPE ($("$SMTPSCOPE" --version 2>&1 | head -1)); load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$file" > /dev/null

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

t0=$(now)
/usr/bin/time -f '%U %S %M' -o /tmp/tui-load-batch.$$ "$SMTPSCOPE" -r "$file" --format json > /dev/null
t1=$(now)
batch_ms=$(ms "$t0" "$t1")
read -r bu bs brss < /tmp/tui-load-batch.$$
rm -f /tmp/tui-load-batch.$$
echo "batch:       ${batch_ms} ms wall, $(awk -v u="$bu" -v s="$bs" 'BEGIN{printf "%.2f", u+s}') s CPU, $((brss / 1024)) MB RSS"

screen() { tmux -L "$sock" capture-pane -p 2>/dev/null || true; }
t0=$(now)
tmux -L "$sock" -f /dev/null new-session -d -x 160 -y 45 \
	"TERM=xterm LANG=C.UTF-8 $SMTPSCOPE -r $file --tui"
pid=
first=
loaded=
while :; do
	s=$(screen)
	t=$(now)
	[ -z "$pid" ] && pid=$(pgrep -n -f "smtpscope -r $file --tui" || true)
	if [ -z "$first" ] && [ -n "$(echo "$s" | tr -d ' \n')" ]; then first=$(ms "$t0" "$t"); fi
	# read to the end: the header shows "N pkts SIZE" (not a rate), the hosts are listed
	if echo "$s" | head -1 | grep -q ' pkts ' && echo "$s" | grep -qF 'Remote hosts ('; then
		loaded=$(ms "$t0" "$t")
		# CPU seconds so far (the machine's load does not inflate them as
		# it does wall times): the process (with the capture thread, ended
		# by now) and the dashboard's own thread
		tk=$(getconf CLK_TCK)
		awk -v tk="$tk" '{printf "%.2f ", ($14 + $15) / tk}' /proc/"$pid"/stat \
			/proc/"$pid"/task/"$pid"/stat > /tmp/tui-load-cpu.$$ 2>/dev/null || true
		echo "hosts shown: $(echo "$s" | grep -o 'Remote hosts ([0-9]*' | tr -dc 0-9)"
		break
	fi
	if [ $(( (t - t0) / 1000000000 )) -gt 600 ]; then echo "tui-load: not loaded after 600 s" >&2; break; fi
	sleep 0.02
done
echo "first paint: ${first:-never} ms"
echo "loaded:      ${loaded:-never} ms ($(awk -v l="${loaded:-0}" -v b="$batch_ms" 'BEGIN{printf "%.2f", l/b}')x batch)"
if [ -s /tmp/tui-load-cpu.$$ ]; then
	read -r ptot pdash < /tmp/tui-load-cpu.$$ || true # no newline at its end
	echo "loaded CPU:  $ptot s ($(awk -v p="$ptot" -v u="$bu" -v s="$bs" 'BEGIN{printf "%.2f", p/(u+s)}')x batch CPU): dashboard thread $pdash s, capture $(awk -v p="$ptot" -v d="$pdash" 'BEGIN{printf "%.2f", p-d}') s"
fi
rm -f /tmp/tui-load-cpu.$$

lat=()
for k in 1 2 3 4 5; do
	before=$(screen)
	t0=$(now)
	tmux -L "$sock" send-keys s
	while [ "$(screen)" = "$before" ]; do
		sleep 0.005
		[ $(( ($(now) - t0) / 1000000 )) -lt 5000 ] || break
	done
	lat+=("$(ms "$t0" "$(now)")")
	sleep 0.3
done
med=$(printf '%s\n' "${lat[@]}" | sort -n | sed -n 3p)
echo "key redraw:  median ${med} ms (${lat[*]})"

if [ -n "$pid" ] && [ -r "/proc/$pid/stat" ]; then
	tk=$(getconf CLK_TCK)
	c0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	sleep 5
	c1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	echo "idle CPU:    $(awk -v a="$c0" -v b="$c1" -v tk="$tk" 'BEGIN{printf "%.1f", (b-a)/tk/5*100}')% of a core"
	echo "RSS:         $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MB"
fi
tmux -L "$sock" send-keys q
# SMTPSCOPE_LOCK_STATS=FILE: the model lock's hold and wait times, written
# when the dashboard has ended
for _ in $(seq 100); do [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if [ -n "${SMTPSCOPE_LOCK_STATS:-}" ] && [ -s "$SMTPSCOPE_LOCK_STATS" ]; then
	sed 's/^/lock: /' "$SMTPSCOPE_LOCK_STATS"
fi
