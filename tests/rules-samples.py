#!/usr/bin/env python3
"""rules-samples.py — every default rule fires on the sample made for it,
exactly where it should (rule, remote host, number of alerts), and nowhere
else: every other sample, the clean ones above all, raises no alert at all.
An alert that grows is one alert: its update records (same id, "update":
true) are not counted again."""
import collections
import glob
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))

# sample -> {(rule, host): alerts}; samples not listed must raise none.
EXPECTED = {
    "outage-rst-mid-data.pcap": {("rst-mid-data", "198.51.100.20"): 6,
                                 ("retry-loop", "198.51.100.20"): 1},
    "drop-mid-body.pcap": {("drop-mid-data", "203.0.113.30"): 1},
    "drop-after-dot.pcap": {("drop-after-dot", "203.0.113.35"): 1},
    "deferral-storm.pcap": {("deferral-pattern", "198.51.100.44"): 1,
                            ("banner-421", "198.51.100.44"): 2},
    "deferrals-4xx.pcap": {("banner-421", "198.51.100.40"): 1,
                           ("greylisting", "198.51.100.41"): 1},
    "connect-failures.pcap": {("connection-refused", "198.51.100.90"): 1,
                              ("connect-timeout", "198.51.100.91"): 1},
    # the client gave up with a RST after six re-sends: a reset mid-body too
    "pmtu-blackhole.pcap": {("pmtu-blackhole", "203.0.113.60"): 1,
                            ("rst-mid-data", "203.0.113.60"): 1},
    # (a) masked banner + X'ed keywords, (b) STARTTLS refused, (c) forged RST
    "middlebox.pcap": {("middlebox-interference", "198.51.100.61"): 1,
                       ("middlebox-interference", "198.51.100.62"): 1,
                       ("middlebox-interference", "198.51.100.63"): 1,
                       ("rst-mid-data", "198.51.100.63"): 1},
    "slow-server.pcap": {("slow-server", "198.51.100.66"): 2},
    # the server's own 421/451 idle timeout mid-dialogue (not after a delivery)
    "postfix-idle-timeout.pcap": {("client-idle-timeout", "198.51.100.50"): 2},
    "exchange-idle-timeout.pcap": {("client-idle-timeout", "198.51.100.60"): 2},
    "refused-465.pcap": {("connection-refused", "198.51.100.95"): 3},
    # the same message deferred four times, one minute apart (then no more)
    # ...and 4 deferrals from one host within the hour
    "retry-overdue.pcap": {("retry-loop", "198.51.100.30"): 1,
                           ("deferral-pattern", "198.51.100.30"): 1},
    # the same message deferred 50 times, 2.4 s apart: one alert each, grown to 50
    "retry-storm.pcap": {("retry-loop", "198.51.100.40"): 1,
                         ("deferral-pattern", "198.51.100.40"): 1},
    # every recipient deferred at RCPT (pipelined: DATA 554), then accepted;
    # postgrey's 450 4.2.0 "Greylisted"; a 452 mailbox full then accepted is not
    "greylist-rcpt.pcap": {("greylisting", "198.51.100.45"): 1,
                           ("greylisting", "203.0.113.46"): 1},
    # 451 4.7.0, 451 4.3.0, 452 4.2.2 at 0, 5, 25 min (then 421 4.3.2 at 50)
    "slow-deferrals.pcap": {("deferral-pattern", "198.51.100.48"): 1},
    # full-size segments acknowledged on the path, then silence: no black hole
    "drop-after-fullsize.pcap": {("drop-mid-data", "203.0.113.65"): 2},
    # no --gateway: the alerts name the remote host, never a gateway address
    # (node b of the cluster; the gateway whose first sessions fail)
    "gw-cluster.pcap": {("rst-mid-data", "198.51.100.50"): 3,
                        ("retry-loop", "198.51.100.50"): 1},
    "gw-early-failures.pcap": {("rst-mid-data", "192.0.2.3"): 3,
                               ("retry-loop", "192.0.2.3"): 1},
    # host-status samples: two connects of 3 unanswered SYNs, one refused
    "host-syn-unanswered.pcap": {("connect-timeout", "198.51.100.72"): 2,
                                 ("connection-refused", "198.51.100.73"): 1},
    # the black hole ends in silence (no RST): a silent drop mid-body too
    "host-pmtu-silent.pcap": {("pmtu-blackhole", "203.0.113.62"): 1,
                              ("drop-mid-data", "203.0.113.62"): 1},
    # the queue (host null: keyed by the alert's domain); tests/queue-samples.py
    # checks them in detail
    "relay-queued.pcap": {("retry-loop", "198.51.100.41"): 1,
                          ("deferral-pattern", "198.51.100.41"): 1},
    "queue-stuck.pcap": {("queue-stuck", "lists.example.net"): 1},
    "queue-backlog.pcap": {("queue-backlog", "example.net"): 1},
    "dsn-expired.pcap": {("dsn-expired", "example.net"): 1},
    "dsn-failed.pcap": {("dsn-failed", "example.net"): 1},
    "dsn-delayed.pcap": {("dsn-delayed", "example.net"): 1,
                         ("retry-loop", "198.51.100.41"): 1,
                         ("deferral-pattern", "198.51.100.41"): 1},
    # R5 greylisted by the gateway (451 4.7.1), the client back 5 min later;
    # R4's single 451 out and the relayed copies fire nothing
    "relay-retry-count.pcap": {("greylisting", "203.0.113.20"): 1},
}
QUIET_REQUIRED = ["clean-many.pcap", "clean-delivery.pcap", "half-open-scan.pcap",
                  "ftp-on-odd-port.pcap", "capture-hole-then-data.pcap", "relay-same-msgid.pcap"]

failures = 0
seen_rules = set()
samples = sorted(os.path.basename(p) for p in glob.glob(os.path.join(SRCDIR, "samples", "*.pcap*")))
for name in QUIET_REQUIRED + list(EXPECTED):
    if name not in samples:
        print("FAIL %s: sample missing" % name)
        failures += 1
for name in samples:
    p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", name), "--format", "json"],
                       capture_output=True, timeout=60)
    got = collections.Counter()
    ids = {}
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        if r["type"] != "alert":
            continue
        if r["update"]:  # the alert it grows must have come first, same rule and host
            if ids.get(r["id"]) != (r["rule"], r["host"] or r["domain"]):
                failures += 1
                print("FAIL %s: update of unknown alert %d" % (name, r["id"]))
            continue
        if r["id"] in ids:
            failures += 1
            print("FAIL %s: alert id %d raised twice" % (name, r["id"]))
        ids[r["id"]] = (r["rule"], r["host"] or r["domain"])
        got[(r["rule"], r["host"] or r["domain"])] += 1
        seen_rules.add(r["rule"])
    want = collections.Counter(EXPECTED.get(name, {}))
    if p.returncode != 0 or got != want:
        failures += 1
        print("FAIL %s: exit %d, alerts %s, expected %s" % (name, p.returncode, dict(got), dict(want)))
    else:
        print("ok   %s: %s" % (name, ", ".join("%s@%s x%d" % (k[0], k[1], v) for k, v in sorted(got.items())) or "quiet"))

listed = subprocess.run([BIN, "--check-rules"], capture_output=True).stdout.decode()
defaults = {l.split()[0] for l in listed.splitlines() if " on " in l}
missing = defaults - seen_rules
if missing:
    failures += 1
    print("FAIL default rules that no sample shows firing: %s" % sorted(missing))
else:
    print("ok   all %d default rules fire on their samples" % len(defaults))
sys.exit(1 if failures else 0)
