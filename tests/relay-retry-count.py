#!/usr/bin/env python3
"""relay-retry-count.py — a message the gateway receives and relays out is
one delivery, not a retry (samples/relay-retry-count.pcap, scripted in
samples/gen/scenarios_msgmem.c).  The facts below are stated by hand from
the script, not from smtpscope's output:

  R1 -> ruth@example.net       in, out 250
  R2 -> sam@example.net,       in, out 250 (example.net), out 250 (example.edu)
        tina@example.edu
  R3 -> uma@example.com        in, out 250
  R4 -> vera@example.net       in, out 451, out 250 ten minutes later
  R5 -> wendy@example.com      in 451 (greylisted), in again 250, out 250

So example.net has one retry (R4's second attempt out), example.com one
(R5's second attempt in), example.edu none; the hosts: mx1.example.net one
(R4), the client mta.example.org one (R5), the others none.  Run with the
gateway inferred and with --gateway 192.0.2.10: both must say the same."""
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLE = os.path.join(SRCDIR, "samples", "relay-retry-count.pcap")

failures = passes = 0


def check(ok, what):
    global failures, passes
    if ok:
        passes += 1
    else:
        failures += 1
        print("FAIL " + what)


def run(extra):
    p = subprocess.run([BIN, "-r", SAMPLE, "--format", "json"] + extra, capture_output=True, timeout=60)
    if p.returncode != 0:
        print("FAIL exit %d: %s" % (p.returncode, p.stderr.decode()))
        sys.exit(1)
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


# domain: (messages = attempts in and out, accepted, deferred, retries, pending)
DOMAINS = {
    "example.net": (7, 6, 1, 1, 0),   # R1 in/out, R2 in/out, R4 in/out/out
    "example.edu": (2, 2, 0, 0, 0),   # R2 in/out
    "example.com": (5, 4, 1, 1, 0),   # R3 in/out, R5 in/in/out
}
# (host, role): (messages, retries)
HOSTS = {
    ("198.51.100.7", "server"): (4, 1),    # R1, R2, R4 twice
    ("198.51.100.30", "server"): (1, 0),   # R2
    ("198.51.100.70", "server"): (2, 0),   # R3, R5
    ("203.0.113.20", "client"): (6, 1),    # R1..R4, R5 twice
}
# message: (state, attempts out); the inbound copy seen for each
MESSAGES = {
    "<r1.order@mta.example.org>": ("delivered", 1),
    "<r2.order@mta.example.org>": ("delivered", 2),
    "<r3.order@mta.example.org>": ("delivered", 1),
    "<r4.order@mta.example.org>": ("delivered", 2),
    "<r5.order@mta.example.org>": ("delivered", 1),
}

for label, extra in (("inferred", []), ("--gateway", ["--gateway", "192.0.2.10"])):
    recs = run(extra)
    doms = {r["domain"]: r for r in recs if r["type"] == "domain"}
    hosts = {(r["host"], r["role"]): r for r in recs if r["type"] == "host"}
    msgs = {r["message_id"]: r for r in recs if r["type"] == "message"}
    check(set(doms) == set(DOMAINS), "%s: domains %s" % (label, sorted(doms)))
    for d, (n, acc, dfr, retries, pending) in DOMAINS.items():
        r = doms.get(d, {})
        got = tuple(r.get(k) for k in ("messages", "accepted", "deferred", "retries", "pending"))
        check(got == (n, acc, dfr, retries, pending),
              "%s: domain %s messages/accepted/deferred/retries/pending %s, want %s"
              % (label, d, got, (n, acc, dfr, retries, pending)))
    check(set(hosts) == set(HOSTS), "%s: hosts %s" % (label, sorted(hosts)))
    for h, (n, retries) in HOSTS.items():
        r = hosts.get(h, {})
        check((r.get("messages"), r.get("retries")) == (n, retries),
              "%s: host %s %s messages/retries %s, want %s"
              % (label, h[0], h[1], (r.get("messages"), r.get("retries")), (n, retries)))
    check(set(msgs) == set(MESSAGES), "%s: messages %s" % (label, sorted(msgs)))
    for mid, (state, attempts) in MESSAGES.items():
        r = msgs.get(mid, {})
        check(r.get("state") == state and len(r.get("attempts", [])) == attempts
              and r.get("inbound_session") is not None,
              "%s: message %s state %s, %d attempts, inbound %s"
              % (label, mid, r.get("state"), len(r.get("attempts", [])), r.get("inbound_session")))

print("%d passed, %d failed" % (passes, failures))
sys.exit(1 if failures else 0)
