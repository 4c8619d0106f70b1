#!/bin/sh
# live-multi-iface.sh — several -i at once (a gateway's inside and outside
# legs): two veth pairs, their far ends in a private network namespace;
# tcpreplay sends one sample into each leg while one smtpscope captures on
# both near ends.  The sessions of both legs must be there, each as the
# offline analysis of its file finds it, and the stats record must give
# each interface's packets and kernel drop figures ("sources").
# The pairs come from tests/netns.sh; skips (77) unless root with ip(8),
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
netns_setup multi tcpreplay python3
netns_veth a1 b1
netns_veth a2 b2

# different hosts on the two legs: every session belongs to one of them
inside=clean-delivery.pcap
outside=rejections-5xx.pcap
"$bin" -i "$a1" -i "$a2" --format json --immediate-mode -o "$tmp/live.json" 2> "$tmp/err" &
pid=$!
sleep 1
kill -0 "$pid" 2>/dev/null || { cat "$tmp/err"; echo "FAIL: smtpscope did not start"; exit 1; }
netns_replay "$b1" "$srcdir/samples/$inside" &
r1=$!
netns_replay "$b2" "$srcdir/samples/$outside" ||
	{ echo "FAIL: tcpreplay $outside"; exit 1; }
wait "$r1" || { echo "FAIL: tcpreplay $inside"; exit 1; }
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || { cat "$tmp/err"; echo "FAIL: smtpscope exit $rc on SIGINT"; exit 1; }
"$bin" -r "$srcdir/samples/$inside" --format json > "$tmp/in.json" || exit 1
"$bin" -r "$srcdir/samples/$outside" --format json > "$tmp/out.json" || exit 1

python3 - "$tmp/live.json" "$tmp/in.json" "$tmp/out.json" "$a1" "$a2" <<'PY'
import json, sys
TIMES = {"start", "end", "ts", "last_error_ts"}
def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in TIMES and k != "id"}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o
def load(path):
    recs = [json.loads(l) for l in open(path) if l.strip()]
    return recs, {(r["client"], r["client_port"], r["server"], r["server_port"]): strip(r)
                  for r in recs if r["type"] == "session"}
live_recs, live = load(sys.argv[1])
fail = 0
want_total = 0
for leg, path in ((sys.argv[4], sys.argv[2]), (sys.argv[5], sys.argv[3])):
    off_recs, off = load(path)
    want_total += len(off)
    got = [s["packets"] for s in ([r for r in live_recs if r["type"] == "stats"][-1].get("sources") or [])
           if s["name"] == leg]
    want = [r for r in off_recs if r["type"] == "stats"][-1]["packets"]
    if got != [want]:
        print("FAIL %s: %r packets captured, the file has %d" % (leg, got, want)); fail = 1
    for k, v in sorted(off.items()):
        if live.get(k) != v:
            print("FAIL %s: session %s:%d -> %s:%d missing or different live" % ((leg,) + k)); fail = 1
        else:
            print("ok   %s: session %s:%d -> %s:%d identical" % ((leg,) + k))
if len(live) != want_total:
    print("FAIL %d live sessions, %d in the two files" % (len(live), want_total)); fail = 1
st = [r for r in live_recs if r["type"] == "stats"][-1]
src = st.get("sources") or []
if st["source"] != "interfaces %s, %s" % (sys.argv[4], sys.argv[5]):
    print("FAIL stats source %r" % st["source"]); fail = 1
elif [s["name"] for s in src] != sys.argv[4:6] or any(s["dropped_kernel"] is None for s in src):
    print("FAIL stats sources %r" % src); fail = 1
elif sum(s["packets"] for s in src) != st["packets"] or st["dropped_kernel"] is None:
    print("FAIL stats packets %d vs sources %r" % (st["packets"], src)); fail = 1
else:
    print("ok   stats: %s" % ", ".join("%s %d packets, %d dropped" % (s["name"], s["packets"], s["dropped_kernel"]) for s in src))
sys.exit(fail)
PY
