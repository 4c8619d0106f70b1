#!/bin/sh
# live-veth.sh — live capture on a real interface without any external
# network: a veth pair with one end in a private network namespace;
# tcpreplay sends the samples into that end while smtpscope captures on the
# other, and the JSON session records must match the offline analysis of the
# same files (all but the timestamps, which are the replay's own).
# The pair comes from tests/netns.sh; skips (77) unless root with ip(8),
# network namespaces and tcpreplay.
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
. "$srcdir/tests/netns.sh"

tmp=$(mktemp -d)
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
netns_cleanup_hook=cleanup
netns_setup veth tcpreplay python3
netns_veth a b

# Samples whose meaning does not depend on idle timeouts (replayed at top
# speed, minutes shrink to milliseconds) and that carry no VLAN tags.
samples="clean-delivery.pcap pipelining.pcap bdat.pcap starttls.pcap rejections-5xx.pcap
auth-submission.pcap ooo-retrans.pcap capture-gap.pcap outage-rst-mid-data.pcap"

# Compares the live records ($1) with the offline ones ($2).
compare() {
python3 - "$1" "$2" <<'PY'
import json, sys
TIMES = {"start", "end", "ts", "last_error_ts"}
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in TIMES and k != "id"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
def sessions(path):
    recs = [json.loads(l) for l in open(path) if l.strip()]
    out = {}
    for r in recs:
        if r["type"] == "session":
            out[(r["client"], r["client_port"], r["server"], r["server_port"])] = strip(r)
    return recs, out
live_recs, live = sessions(sys.argv[1])
off_recs, off = sessions(sys.argv[2])
fail = 0
for k, v in sorted(off.items()):
    if k not in live:
        print("FAIL session %s:%d -> %s:%d missing live" % k); fail = 1
    elif live[k] != v:
        print("FAIL session %s:%d -> %s:%d differs" % k)
        for f in v:
            if live[k].get(f) != v[f]:
                print("   %s: live %s offline %s" % (f, json.dumps(live[k].get(f))[:200], json.dumps(v[f])[:200]))
        fail = 1
    else:
        print("ok   session %s:%d -> %s:%d identical" % k)
extra = set(live) - set(off)
if extra:
    print("FAIL live sessions not in the files: %s" % sorted(extra)); fail = 1
stats = [r for r in live_recs if r["type"] == "stats"]
if not stats or stats[-1]["dropped_kernel"] is None:
    print("FAIL live stats record without kernel drop figures"); fail = 1
elif stats[-1].get("sessions_stalled") != 0:
    # every session has ended when the final record is written
    print("FAIL live stats: sessions_stalled %r, expected 0" % stats[-1].get("sessions_stalled")); fail = 1
else:
    print("ok   live stats: %d packets, %d dropped by the kernel, %d by the interface"
          % (stats[-1]["packets"], stats[-1]["dropped_kernel"], stats[-1]["dropped_interface"]))
hosts = [r for r in live_recs if r["type"] == "host"]
print(("ok   " if hosts else "FAIL ") + "%d host records live" % len(hosts))
sys.exit(fail or not hosts)
PY
}

fail=0
for s in $samples; do
	# one capture per sample: the samples reuse ports and sequence numbers
	"$bin" -i "$a" --format json --immediate-mode -o "$tmp/live.json" 2> "$tmp/err" &
	pid=$!
	sleep 1
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/err"; echo "FAIL: smtpscope did not start"; exit 1; }
	netns_replay "$b" "$srcdir/samples/$s" ||
		{ echo "FAIL: tcpreplay $s"; exit 1; }
	sleep 0.5
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	pid=
	[ $rc -eq 0 ] || { cat "$tmp/err"; echo "FAIL: smtpscope exit $rc on SIGINT"; exit 1; }
	"$bin" -r "$srcdir/samples/$s" --format json > "$tmp/offline.json" || exit 1
	echo "== $s"
	compare "$tmp/live.json" "$tmp/offline.json" || fail=1
done

# Headless service habits: --stats-interval records, SIGHUP reopens the
# output (logrotate) and reloads the rules, keeping the old ones when the
# new file is broken; SIGTERM ends with the final host and stats records.
printf 'rule any-reset\n    on session_end\n    when end_reason == "rst"\n    message "reset"\n' > "$tmp/r.rules"
"$bin" -i "$a" -N --stats-interval 1 --rules "$tmp/r.rules" -o "$tmp/svc.json" 2> "$tmp/svc.err" &
pid=$!
sleep 1.5
mv "$tmp/svc.json" "$tmp/svc.json.1"
echo 'rule broken' >> "$tmp/r.rules"
kill -HUP "$pid"
sleep 1.2
netns_replay "$b" "$srcdir/samples/outage-rst-mid-data.pcap"
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
if [ $rc -eq 0 ] && grep -q '"type":"stats"' "$tmp/svc.json.1" && [ -s "$tmp/svc.json" ] &&
   grep -q "keeping the rules in force" "$tmp/svc.err" &&
   [ "$(grep -c '"rule":"any-reset"' "$tmp/svc.json")" -eq 6 ] &&
   tail -1 "$tmp/svc.json" | grep -q '"type":"stats"' &&
   grep -q "^322 packets captured, 0 dropped by kernel" "$tmp/svc.err"; then
	echo "ok   service: periodic stats, SIGHUP reopened -o and kept the old rules on a bad file, SIGTERM final records"
else
	echo "FAIL service habits (exit $rc):"; cat "$tmp/svc.err"; grep -c "\"type\":\"stats\"" "$tmp/svc.json.1"; grep -c any-reset "$tmp/svc.json"; fail=1
fi

# -Z: capture opened as root, then running as nobody
"$bin" -i "$a" -N -Z nobody -o /dev/null 2> "$tmp/z.err" &
pid=$!
sleep 1
user=$(ps -o user= -p "$pid" | tr -d ' ')
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
if [ "$user" = nobody ] && [ $rc -eq 0 ]; then
	echo "ok   -Z nobody: the capture runs as $user, exits 0 on SIGINT"
else
	echo "FAIL -Z nobody: user '$user', exit $rc: $(cat "$tmp/z.err")"; fail=1
fi

# Without root: a copy of the binary with only CAP_NET_RAW, run as nobody
# (what `setcap cap_net_raw=eip` gives; README, "Live, on a span port").
if command -v setcap >/dev/null && [ "${SMTPSCOPE_SANITIZED:-no}" != yes ] &&
   cp "$bin" "$tmp/ss-cap" && chmod 755 "$tmp" "$tmp/ss-cap" && setcap cap_net_raw=eip "$tmp/ss-cap" 2>/dev/null; then
	mkdir -p "$tmp/capout" && chmod 777 "$tmp/capout"
	su nobody -s /bin/sh -c "$tmp/ss-cap -i $a -N -o $tmp/capout/cap.json" 2> "$tmp/cap.err" &
	sleep 1.5
	netns_replay "$b" "$srcdir/samples/clean-delivery.pcap"
	sleep 1
	pkill -INT -f "$tmp/ss-cap"
	wait
	if [ "$(grep -c '"type":"session"' "$tmp/capout/cap.json" 2>/dev/null)" = 2 ]; then
		echo "ok   unprivileged with only CAP_NET_RAW: 2 sessions captured as nobody"
	else
		echo "FAIL unprivileged with CAP_NET_RAW: $(cat "$tmp/cap.err")"; fail=1
	fi
else
	echo "note: setcap not available here: unprivileged capture not checked"
fi

# The dashboard on the live interface: the hosts screen fills as packets
# arrive, and 'w' writes the selected host's sessions from the packets kept
# in memory (no file to re-read live).
if command -v tmux >/dev/null; then
	sock=smtpscope-live-$$
	tmux -L "$sock" new-session -d -x 120 -y 35 "cd $tmp && TERM=xterm LANG=C.UTF-8 $bin -i $a; sleep 30"
	sleep 1.5
	netns_replay "$b" "$srcdir/samples/outage-rst-mid-data.pcap"
	ok_screen=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		tmux -L "$sock" capture-pane -p | grep -q '198.51.100.20 .*failing' && { ok_screen=1; break; }
		sleep 0.5
	done
	tmux -L "$sock" send-keys w
	sleep 0.5
	tmux -L "$sock" send-keys C-u "live-w.pcap" Enter
	sleep 1
	screen=$(tmux -L "$sock" capture-pane -p)
	tmux -L "$sock" send-keys q
	sleep 0.5
	tmux -L "$sock" kill-server 2>/dev/null
	n=$(python3 -c "
import struct,sys
d=open(sys.argv[1],'rb').read(); o=24; n=0
while o+16<=len(d): n+=1; o+=16+struct.unpack_from('<I',d,o+8)[0]
print(n)" "$tmp/live-w.pcap" 2>/dev/null || echo 0)
	# the six failing sessions to 198.51.100.20: 39+40+42+39+40+42 packets
	if [ $ok_screen -eq 1 ] && echo "$screen" | grep -q 'wrote 6 sessions to live-w.pcap' && [ "$n" -eq 242 ]; then
		echo "ok   live dashboard: the failing host on screen, 'w' wrote its 6 sessions ($n packets)"
	else
		echo "FAIL live dashboard: screen ok=$ok_screen, $n packets written"; echo "$screen" | tail -3; fail=1
	fi
fi
exit $fail
