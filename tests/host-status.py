#!/usr/bin/env python3
"""host-status.py — the host records of the host-status samples, checked
against facts read by hand from the generator's scripts
(samples/gen/scenarios_hoststatus.c, samples/README.md), not against a
regenerated golden file: status, pending, retries, last error, the retry
estimate and whether it is overdue, for every remote host.  The same records
must come out with --gateway given and with the gateway inferred."""
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
BASE = 1795143600.0  # first packet of every sample

ANY = object()  # the field is not checked


def near(want, tol=0.5):
    """A time within tol seconds of BASE + want."""
    return ("near", BASE + want, tol)


# sample -> host -> {field: value}; every remote host of the sample is listed.
EXPECTED = {
    "host-rejected.pcap": {
        # 554 after the data, then 550 at RCPT for another message: nothing left to retry
        "198.51.100.70": {"status": "rejected", "pending": 0, "retries": 0, "rejected": 2,
                          "deferred": 0, "failing_since": None, "next_retry_estimate": None,
                          "next_retry_overdue": None,
                          "last_error": "550 5.1.1 <nobody@example.net>: Recipient address "
                                        "rejected: User unknown"},
        # 451, then the same message refused with 554 on the retry
        "198.51.100.71": {"status": "rejected", "pending": 0, "retries": 1, "rejected": 1,
                          "deferred": 1, "last_error": "554 5.6.0 Message content rejected"},
        "198.51.100.7": {"status": "ready", "pending": 0, "last_error": None},
    },
    "host-syn-unanswered.pcap": {
        # SYNs at 0, 1, 3 and 30, 31, 33: two failed attempts 30 s apart
        "198.51.100.72": {"status": "failing", "sessions": 2, "pending": 0, "messages": 0,
                          "last_error": "connect timeout: 3 SYNs unanswered",
                          "last_error_ts": near(33, 0.001), "failing_since": near(0, 0.001),
                          "retry_interval": 30.0, "next_retry_estimate": near(60, 0.001),
                          "next_retry_overdue": False},  # the capture ends at ~60.2 s: within the second of grace
        # SYN at 20, RST+ACK 1.5 ms later
        "198.51.100.73": {"status": "retry", "sessions": 1, "pending": 0,
                          "last_error": "connection refused by 198.51.100.73:25",
                          "last_error_ts": near(20.0015, 0.0001), "next_retry_overdue": None},
        "198.51.100.7": {"status": "ready", "last_error": None},
    },
    "host-rcpt-452.pcap": {
        # 2 of 3 recipients taken twice, the third refused 452 4.5.3 twice more;
        # message 1's third recipient delivered in session 2; message 2's waits
        "198.51.100.74": {"status": "ready", "sessions": 2, "messages": 5, "accepted": 3,
                          "deferred": 2, "pending": 1, "retries": 1, "failing_since": None,
                          "next_retry_estimate": None,
                          "last_error": "452 4.5.3 Too many recipients"},
        "198.51.100.7": {"status": "ready", "pending": 0},
    },
    "host-overdue-retry.pcap": {
        # 451 at 0 and 300: next try due near 600, the capture runs to ~900
        "198.51.100.75": {"status": "failing", "pending": 1, "retries": 1,
                          "retry_interval": ANY, "next_retry_estimate": near(600, 1.0),
                          "next_retry_overdue": True},
        # 451 at 700 and 850: next try due near 1000, after the capture
        "198.51.100.77": {"status": "failing", "pending": 1, "retries": 1,
                          "next_retry_estimate": near(1000, 1.0), "next_retry_overdue": False},
        # one 451: no interval, no estimate
        "198.51.100.76": {"status": "retry", "pending": 1, "retries": 0,
                          "next_retry_estimate": None, "next_retry_overdue": None},
        "198.51.100.7": {"status": "ready"},
    },
    "host-pmtu-silent.pcap": {
        "203.0.113.62": {"status": "retry", "pending": 1, "timeouts": 1, "resets": 0,
                         "last_error": ("prefix", "path MTU black hole: no packet for ")},
        "198.51.100.7": {"status": "ready"},
    },
    "host-ehlo-501-reset.pcap": {
        "198.51.100.78": {"status": "retry", "pending": 0, "resets": 1,
                          "last_error": "EHLO answered 501 5.5.4 Invalid EHLO/HELO domain, "
                                        "then connection reset by server"},
        "198.51.100.7": {"status": "ready"},
    },
    # the existing samples that showed the bugs
    "rejections-5xx.pcap": {
        "198.51.100.50": {"status": "ready", "pending": 0},
        "198.51.100.51": {"status": "rejected", "pending": 0,
                          "last_error": "554 5.7.1 Message rejected as spam"},
        "198.51.100.52": {"status": "rejected", "pending": 0},
    },
    "connect-failures.pcap": {
        "198.51.100.90": {"status": "retry", "last_error": "connection refused by 198.51.100.90:25"},
        "198.51.100.91": {"status": "retry", "last_error": "connect timeout: 5 SYNs unanswered"},
        "198.51.100.7": {"status": "ready"},
    },
    "pmtu-blackhole.pcap": {
        "203.0.113.60": {"status": "retry", "last_error": (
            "prefix", "path MTU black hole: connection reset by client during the message body")},
        "198.51.100.7": {"status": "ready"},
    },
}

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def matches(want, got):
    if want is ANY:
        return True
    if isinstance(want, tuple) and want[0] == "near":
        return isinstance(got, (int, float)) and abs(got - want[1]) <= want[2]
    if isinstance(want, tuple) and want[0] == "prefix":
        return isinstance(got, str) and got.startswith(want[1])
    if isinstance(want, float):
        return isinstance(got, (int, float)) and abs(got - want) < 0.01
    return type(got) is type(want) and got == want


def run(name, *extra):
    p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", name), "--format", "json",
                        "--transcript"] + list(extra), capture_output=True, timeout=60)
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (name, p.returncode, p.stderr.decode().strip()))
        return []
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


for name, hosts in EXPECTED.items():
    recs = run(name)
    got = {r["host"]: r for r in recs if r["type"] == "host"}
    if set(got) != set(hosts):
        fail("%s: hosts %s, expected %s" % (name, sorted(got), sorted(hosts)))
    for h, fields in hosts.items():
        r = got.get(h)
        if r is None:
            continue
        for k, v in fields.items():
            if k not in r:
                fail("%s %s: no field %s" % (name, h, k))
            elif not matches(v, r[k]):
                fail("%s %s: %s = %r, expected %r" % (name, h, k, r[k], v))
    # the default mode reaches the same host records as the right --gateway
    gw = {r["host"]: r for r in run(name, "--gateway", "192.0.2.10") if r["type"] == "host"}
    if gw != got:
        fail("%s: host records differ with --gateway 192.0.2.10" % name)
    if failures == 0:
        print("ok   %s: %s" % (name, ", ".join("%s %s" % (h, got[h]["status"]) for h in sorted(got))))

# wire order, from the transcript: the 501 came before the server's RST
recs = run("host-ehlo-501-reset.pcap")
s = [r for r in recs if r["type"] == "session" and r["server"] == "198.51.100.78"]
tr = s[0]["transcript"] if s else []
i501 = [i for i, e in enumerate(tr) if e.get("code") == 501]
irst = [i for i, e in enumerate(tr) if e.get("tcp") == "rst" and e.get("dir") == "S"]
if not (i501 and irst and i501[0] < irst[0] and tr[i501[0]]["ts"] <= tr[irst[0]]["ts"]):
    fail("host-ehlo-501-reset.pcap: transcript does not show 501 before the server's RST: %r" % tr)

# the text report marks the overdue estimate, and only that one
p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", "host-overdue-retry.pcap")],
                   capture_output=True, timeout=60)
lines = p.stdout.decode().splitlines()
overdue = [l for l in lines if "(overdue)" in l]
if len(overdue) != 1 or "next attempt expected ~03:09:59" not in overdue[0]:
    fail("host-overdue-retry.pcap text: overdue lines %r" % overdue)
# ... and a rejected host's row keeps its columns (STATUS grows to 8)
p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", "host-rejected.pcap")],
                   capture_output=True, timeout=60)
rows = [l for l in p.stdout.decode().splitlines() if l.startswith("198.51.100.7")]
head = [l for l in p.stdout.decode().splitlines() if l.startswith("HOST ")]
if not head or not rows or any(len(r) != len(head[0]) for r in rows):
    fail("host-rejected.pcap text: rows not aligned with the header: %r %r" % (head, rows))

sys.exit(1 if failures else 0)
