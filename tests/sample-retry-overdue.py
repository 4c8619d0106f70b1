#!/usr/bin/env python3
"""sample-retry-overdue.py — samples/retry-overdue.pcap checked against facts
read here from the packets (not from smtpscope): the SYNs to 198.51.100.30,
the 451 replies, the last packet; then smtpscope's host record must agree,
and its next-retry estimate must lie before the end of the capture (the
dashboard's "overdue").  Each check states what it expects."""
import json
import os
import struct
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
PCAP = os.path.join(SRCDIR, "samples", "retry-overdue.pcap")
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += 0 if cond else 1


def packets(data):
    """(ts, src, dst, sport, dport, flags, payload) of Ethernet/IPv4/TCP frames."""
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
        sport, dport = struct.unpack_from(">HH", f, t)
        doff = (f[t + 12] >> 4) * 4
        yield (sec + usec / 1e6, ".".join(map(str, f[26:30])), ".".join(map(str, f[30:34])),
               sport, dport, f[t + 13], f[t + doff:14 + tot])


pk = list(packets(open(PCAP, "rb").read()))
t0 = pk[0][0]
syns = [p[0] for p in pk if p[2] == "198.51.100.30" and p[4] == 25 and p[5] & 0x02 and not p[5] & 0x10]
r451 = [p[0] for p in pk if p[1] == "198.51.100.30" and p[6].startswith(b"451 4.3.0 ")]
last = pk[-1][0]
check([round(s - t0) for s in syns] == [0, 60, 120, 180], "packets: SYNs to .30 at 0, 60, 120, 180 s")
check(len(r451) == 4, "packets: four 451 replies from .30")
check(round(last - t0, 3) == 510.274, "packets: the last packet at 510.274 s")
check(not [p for p in pk if p[2] == "198.51.100.30" and p[0] > syns[-1] + 1],
      "packets: nothing is sent to .30 after the fourth attempt")

out = subprocess.run([BIN, "-r", PCAP, "--format", "json"], capture_output=True, timeout=60).stdout
recs = [json.loads(line) for line in out.decode().splitlines()]
hosts = {r["host"]: r for r in recs if r["type"] == "host"}
h = hosts.get("198.51.100.30", {})
check(h.get("status") == "failing" and h.get("deferred") == 4 and h.get("pending") == 1,
      "smtpscope: .30 failing, 4 deferred, 1 pending")
check(abs(h.get("last_attempt", 0) - syns[-1]) < 0.001, "smtpscope: last attempt = the fourth SYN")
est = h.get("next_retry_estimate") or 0
check(syns[-1] + 50 < est < syns[-1] + 70, "smtpscope: next retry expected about 60 s after it")
check(last - est > 240, "the estimate lies more than 4 minutes before the last packet: overdue")
check(hosts.get("198.51.100.7", {}).get("status") == "ready", "smtpscope: .7 ready")
alerts = [r for r in recs if r["type"] == "alert"]
raised = sorted((a["rule"], a["host"]) for a in alerts if not a["update"])
final = {a["rule"]: a["count"] for a in alerts}  # an alert that grows: its last record
# the same message deferred 4 times in 3 minutes: a retry loop, and 4
# deferrals (4xx) from one host within the hour (doc/rules.md); both grow to 4
check(raised == [("deferral-pattern", "198.51.100.30"), ("retry-loop", "198.51.100.30")],
      "smtpscope: two alerts for .30, retry-loop and deferral-pattern")
check(final.get("retry-loop") == 4 and final.get("deferral-pattern") == 4,
      "smtpscope: both grown to the 4 deferred attempts")
sys.exit(1 if failures else 0)
