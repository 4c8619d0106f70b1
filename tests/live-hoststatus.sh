#!/bin/sh
# live-hoststatus.sh — live JSON on a veth pair (as tests/live-veth.sh):
# samples/pmtu-blackhole.pcap is replayed while smtpscope captures; the host
# record written at the status change (retry) cannot know the cause yet, so
# once the pmtu-blackhole rule fires the record must come again, before the
# final records, with "path MTU black hole: ..." as its last error.
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
netns_setup hoststatus tcpreplay python3
netns_veth a b

"$bin" -i "$a" --format json --immediate-mode -o "$tmp/live.json" 2> "$tmp/err" &
pid=$!
sleep 1
kill -0 "$pid" 2>/dev/null || { cat "$tmp/err"; echo "FAIL: smtpscope did not start"; exit 1; }
netns_replay "$b" "$srcdir/samples/pmtu-blackhole.pcap" || { echo "FAIL: tcpreplay"; exit 1; }
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
