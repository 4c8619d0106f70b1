#!/bin/sh
# tsan.sh — the threaded paths under ThreadSanitizer: the dashboard over a
# --replay (capture thread paced, 'p' pressed while it runs) and the live
# capture on a veth pair (tests/live-veth.sh), with every TSan report written
# to a log file instead of the terminal tmux shows.  Any report fails.
# Runs only in a --enable-sanitizers=thread build (SMTPSCOPE_SANITIZED=thread,
# set by make check); elsewhere it skips (77).
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
srcdir=$(cd "$srcdir" && pwd)
bin=${SMTPSCOPE:-./smtpscope}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
[ "${SMTPSCOPE_SANITIZED:-no}" = thread ] || { echo "SKIP: not a ThreadSanitizer build (./bootstrap.sh --enable-sanitizers=thread)"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }

tmp=$(mktemp -d)
sock=smtpscope-tsan-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
TSAN_OPTIONS="log_path=$tmp/tsan halt_on_error=0 second_deadlock_stack=1"
export TSAN_OPTIONS
fails=0

# 1. --replay of many sessions, pause and resume while the capture thread paces.
tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 35 \
	"TERM=xterm LANG=C.UTF-8 $bin -r $srcdir/samples/clean-many.pcap --tui --replay=200; echo EXITED \$?; sleep 30"
sleep 2
for k in p p p p p p; do
	tmux -L "$sock" send-keys "$k"
	sleep 0.3
done
tmux -L "$sock" send-keys q
i=0
while [ $i -lt 100 ] && ! tmux -L "$sock" capture-pane -p | grep -q 'EXITED'; do
	sleep 0.1; i=$((i + 1))
done
if ! tmux -L "$sock" capture-pane -p | grep -q 'EXITED 0'; then
	echo "FAIL: the replay dashboard did not exit 0 on q:"
	tmux -L "$sock" capture-pane -p | sed 's/^/    | /'
	fails=$((fails + 1))
fi
tmux -L "$sock" kill-server 2>/dev/null

# 1b. -r FILE --tui at full speed: the gateway's first pass and the analysis
# in the capture thread while the dashboard paints, sorts and switches
# screens; 60,000 half-open sessions from as many clients so that the
# loading lasts long enough for the two threads to overlap.
python3 - "$tmp/many.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    rec = bytearray(16 + 54)
    struct.pack_into("<II", rec, 8, 54, 54)
    rec[16:30] = bytes.fromhex("020000c0020a" "0200000000fe" "0800")
    for i in range(60000):
        us = i * 40
        struct.pack_into("<II", rec, 0, 1795143600 + us // 1000000, us % 1000000)
        struct.pack_into(">BBHHHBBHII", rec, 30, 0x45, 0, 40, i & 0xffff, 0x4000, 52, 6, 0,
                         (100 << 24) | (64 << 16) | (i + 1), (192 << 24) | (2 << 8) | 10)
        struct.pack_into(">HHIIBBHHH", rec, 50, 1024 + i % 60000, 25, i, 0, 0x50, 0x02, 64240, 0, 0)
        f.write(rec)
PY
tmux -L "$sock" -f /dev/null new-session -d -x 120 -y 35 \
	"TERM=xterm LANG=C.UTF-8 $bin -r $tmp/many.pcap --tui; echo EXITED \$?; sleep 30"
for k in s ">" d d S q q; do
	sleep 0.5
	tmux -L "$sock" send-keys "$k"
done
i=0
while [ $i -lt 300 ] && ! tmux -L "$sock" capture-pane -p | grep -q 'EXITED'; do
	sleep 0.1; i=$((i + 1))
done
if ! tmux -L "$sock" capture-pane -p | grep -q 'EXITED 0'; then
	echo "FAIL: the loading dashboard did not exit 0 on q, q:"
	tmux -L "$sock" capture-pane -p | sed 's/^/    | /'
	fails=$((fails + 1))
fi
tmux -L "$sock" kill-server 2>/dev/null

# 2. The live capture thread and the dashboard (and the headless live run).
SMTPSCOPE=$bin sh "$srcdir/tests/live-veth.sh" > "$tmp/live.out" 2>&1
rc=$?
case $rc in
0) echo "live-veth under TSan: ran" ;;
77) echo "live-veth under TSan: skipped ($(tail -1 "$tmp/live.out"))" ;;
*) echo "FAIL: live-veth.sh under TSan exited $rc:"; tail -20 "$tmp/live.out"; fails=$((fails + 1)) ;;
esac

reports=$(cat "$tmp"/tsan.* 2>/dev/null | grep -c 'WARNING: ThreadSanitizer')
if [ "$reports" -ne 0 ]; then
	echo "FAIL: $reports ThreadSanitizer report(s):"
	cat "$tmp"/tsan.* | head -80
	fails=$((fails + 1))
fi
[ $fails -eq 0 ] && { echo "PASS: no data race on the replay and live paths"; exit 0; }
exit 1
