#!/usr/bin/env python3
"""alert-updates.py — the limit on a growing alert's update records (doc/json.md,
"Growing alerts": an update is written when its count reaches a power of two or
30 s of capture time after the alert's previous record; the final state always
at the end) on samples/retry-storm.pcap, against facts read here from the
packets (not from smtpscope): the 451 replies of 198.51.100.40 and their times.
Each count that must be written is derived twice: stated by hand from
samples/README.md, and computed here from the packet times with the rule."""
import json
import os
import struct
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
PCAP = os.path.join(SRCDIR, "samples", "retry-storm.pcap")
INTERVAL = 30.0
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += 0 if cond else 1


def packets(data):
    """(ts, src, payload) of Ethernet/IPv4/TCP frames."""
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack_from("<IIII", data, off)
        f = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        ihl = (f[14] & 15) * 4
        tot = struct.unpack_from(">H", f, 16)[0]
        t = 14 + ihl
        doff = (f[t + 12] >> 4) * 4
        yield sec + usec / 1e6, ".".join(map(str, f[26:30])), f[t + doff:14 + tot]


pk = list(packets(open(PCAP, "rb").read()))
t0 = pk[0][0]
r451 = [ts for ts, src, pay in pk if src == "198.51.100.40" and pay.startswith(b"451 4.4.1 ")]
check(len(r451) == 50, "packets: 50 replies 451 4.4.1 from 198.51.100.40 (got %d)" % len(r451))
gaps = [b - a for a, b in zip(r451, r451[1:])]
check(gaps and all(2.0 < g < 2.8 for g in gaps), "packets: one every 2.4 s (%.2f .. %.2f s)"
      % (min(gaps or [0]), max(gaps or [0])))

# The rule applied to the packet times: raised at the 3rd deferral; the
# k-th deferral's update is written if k is a power of two or 30 s passed
# since the previous record; the last one is written at the end regardless.
derived, last, near = [3], r451[2], []
for k in range(4, len(r451) + 1):
    since = r451[k - 1] - last
    if abs(since - INTERVAL) < 0.5:
        near.append(k)
    if k & (k - 1) == 0 or since >= INTERVAL:
        derived.append(k)
        last = r451[k - 1]
check(not near, "packets: no reply within 0.5 s of a 30 s boundary (the sample is not fragile) %s" % near)
if derived[-1] != len(r451):
    derived.append(len(r451))
BY_HAND = [3, 4, 8, 16, 29, 32, 45, 50]  # samples/README.md, retry-storm.pcap
check(derived == BY_HAND, "the rule on the packet times writes counts %s (by hand %s)" % (derived, BY_HAND))

out = subprocess.run([BIN, "-r", PCAP, "--format", "json"], capture_output=True, timeout=60)
check(out.returncode == 0, "smtpscope exit 0")
recs = [json.loads(line) for line in out.stdout.decode().splitlines()]
alerts = [r for r in recs if r["type"] == "alert"]
stats = [r for r in recs if r["type"] == "stats"][-1]
for rule in ("retry-loop", "deferral-pattern"):
    a = [r for r in alerts if r["rule"] == rule]
    check(len({r["id"] for r in a}) == 1, "%s: one alert id" % rule)
    check([r["count"] for r in a] == BY_HAND, "%s: records with counts %s (got %s)"
          % (rule, BY_HAND, [r["count"] for r in a]))
    check([r["update"] for r in a] == [False] + [True] * (len(BY_HAND) - 1),
          "%s: the first record new, the others updates" % rule)
    # each written record carries the time of the reply that made it
    check(all(abs(r["ts"] - r451[r["count"] - 1]) < 0.01 for r in a),
          "%s: each record at the time of its count's 451 reply" % rule)
    check(a and a[-1]["host"] == "198.51.100.40", "%s: host 198.51.100.40" % rule)
retry = [r for r in alerts if r["rule"] == "retry-loop"]
check(retry and "50 failed attempts" in retry[-1]["message"],
      "retry-loop: the last record (the alert's state) says 50 failed attempts")
# the final state comes before the host records (the end of the run)
first_host = next(i for i, r in enumerate(recs) if r["type"] == "host")
check(max(i for i, r in enumerate(recs) if r["type"] == "alert") < first_host,
      "every alert record before the final host records")
check(stats["alerts"] == 2, "stats: 2 alerts raised (updates not counted), got %s" % stats["alerts"])

# The text report is not limited: it shows each alert once with its final count.
text = subprocess.run([BIN, "-r", PCAP, "--format", "text"], capture_output=True, timeout=60).stdout.decode()
check("50 failed attempts" in text and "50 deferrals (4xx)" in text,
      "text report: both alerts with their final count 50")
sys.exit(1 if failures else 0)
