#!/bin/sh
# metrics-replay.sh — --metrics-listen with the dashboard's --replay: the
# figures grow while the file is fed at capture pace (the capture thread
# serves scrapes while it waits for a packet's time), and once the replay is
# over the last scrape has the whole file's figures, the same as a plain -r
# run's --metrics-file.  The dashboard needs a terminal: tmux gives it one.
# Skips (77) without tmux.
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
skip() { echo "SKIP: $*"; exit 77; }
command -v tmux >/dev/null || skip "tmux missing"
command -v python3 >/dev/null || skip "python3 missing"
tmp=$(mktemp -d)
sock=smtpscope-mreplay-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
sample=$srcdir/samples/outage-rst-mid-data.pcap
"$bin" -r "$sample" --metrics-file "$tmp/file.prom" > /dev/null || { echo "FAIL: -r run"; exit 1; }
# the sample spans 300 s of capture time: 4 s at 75 times the pace
tmux -L "$sock" new-session -d -x 120 -y 35 \
	"TERM=xterm LANG=C.UTF-8 $bin -r $sample --tui --replay=75 --metrics-listen 127.0.0.1:$port 2> $tmp/err; sleep 30"
python3 - "$port" "$tmp/file.prom" <<'PY'
import sys, time, urllib.request
port, fileprom = sys.argv[1], sys.argv[2]
fail = 0
def scrape():
    for _ in range(50):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5) as r:
                return {l.rsplit(" ", 1)[0]: float(l.rsplit(" ", 1)[1])
                        for l in r.read().decode().splitlines() if not l.startswith("#")}
        except OSError:
            time.sleep(0.1)
    return {}
def check(cond, what):
    global fail
    print(("ok   " if cond else "FAIL ") + what)
    fail |= not cond
P = "smtpscope_capture_packets_total"
R = 'smtpscope_sessions_reset_mid_data_total{direction="outbound",end_by="server"}'
seen = []
t0 = time.time()
while time.time() - t0 < 12:
    m = scrape()
    seen.append(m.get(P, -1))
    if seen[-1] == 322 and m.get(R) == 6:
        break
    time.sleep(0.4)
check(any(0 < n < 322 for n in seen), "packets grow during the replay: %s" % sorted(set(seen)))
check(seen[-1] == 322 and m.get(R) == 6, "after the replay: 322 packets, 6 resets mid-DATA")
time.sleep(1)
last = scrape()
ref = {l.rsplit(" ", 1)[0]: float(l.rsplit(" ", 1)[1]) for l in open(fileprom) if not l.startswith("#")}
# memory figures depend on what the dashboard keeps; the rest must agree
diff = [k for k in set(ref) | set(last) if "memory" not in k and ref.get(k) != last.get(k)]
check(not diff, "the last scrape = the -r run's metrics file (%d series; differing: %s)" % (len(ref), diff[:5]))
sys.exit(fail)
PY
rc=$?
tmux -L "$sock" send-keys q
sleep 0.5
[ -s "$tmp/err" ] && { echo "stderr:"; cat "$tmp/err"; }
exit $rc
