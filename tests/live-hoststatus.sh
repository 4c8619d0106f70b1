#!/bin/sh
# live-hoststatus.sh — live JSON on a veth pair (as tests/live-veth.sh):
# samples/pmtu-blackhole.pcap is replayed while smtpscope captures; the host
# record written at the status change (retry) cannot know the cause yet, so
# once the pmtu-blackhole rule fires the record must come again, before the
# final records, with "path MTU black hole: ..." as its last error.
# Skips (77) unless root with ip(8), network namespaces and tcpreplay.
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
skip() { echo "SKIP: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
command -v ip >/dev/null || skip "ip(8) missing"
command -v tcpreplay >/dev/null || skip "tcpreplay missing"
command -v python3 >/dev/null || skip "python3 missing"

ns=ssh-test-$$
a=sshA$$
b=sshB$$
tmp=$(mktemp -d)
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	ip link del "$a" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace here"
ip link add "$a" type veth peer name "$b" || skip "cannot create a veth pair here"
ip link set "$b" netns "$ns"
ip link set "$a" up
ip netns exec "$ns" ip link set "$b" up
sysctl -qw "net.ipv6.conf.$a.disable_ipv6=1" 2>/dev/null
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$b.disable_ipv6=1" 2>/dev/null

"$bin" -i "$a" --format json --immediate-mode -o "$tmp/live.json" 2> "$tmp/err" &
pid=$!
sleep 1
kill -0 "$pid" 2>/dev/null || { cat "$tmp/err"; echo "FAIL: smtpscope did not start"; exit 1; }
ip netns exec "$ns" tcpreplay -q -i "$b" --topspeed "$srcdir/samples/pmtu-blackhole.pcap" \
	> /dev/null 2>&1 || { echo "FAIL: tcpreplay"; exit 1; }
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || { cat "$tmp/err"; echo "FAIL: smtpscope exit $rc on SIGINT"; exit 1; }

python3 - "$tmp/live.json" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
first_stats = next((i for i, r in enumerate(recs) if r["type"] == "stats"), len(recs))
alert = next((i for i, r in enumerate(recs)
              if r["type"] == "alert" and r["rule"] == "pmtu-blackhole"), None)
# its host records: at the status change, again with the cause, the final one
hosts = [(i, r) for i, r in enumerate(recs)
         if r["type"] == "host" and r["host"] == "203.0.113.60" and i < first_stats]
fail = 0
if alert is None:
    print("FAIL no pmtu-blackhole alert live"); fail = 1
with_cause = [r for i, r in hosts if (r["last_error"] or "").startswith("path MTU black hole: ")]
before_end = [r for i, r in hosts if r["last_error"] and i < alert]
if not any(r["status"] == "retry" and not r["last_error"].startswith("path MTU") for r in before_end):
    print("FAIL no host record at the status change before the alert: %r" % before_end); fail = 1
if len(with_cause) < 2:
    print("FAIL the host record with the cause came %d times (live and final expected)"
          % len(with_cause)); fail = 1
if not fail:
    print("ok   203.0.113.60: status change record, then again with the cause after the alert")
sys.exit(fail)
PY
