#!/usr/bin/env python3
"""queue-samples.py — the queue samples checked against facts stated by hand
from their scripts (samples/gen/scenarios_queue.c), not against smtpscope's
own output: which messages exist, their state, relay delays (the scripted
times, within the scripts' few hundred ms of think time), per-domain queued
counts and oldest ages, the expiry forecast, the DSN attached to the
original, and exactly which queue/dsn alerts fire.  Every sample is run with
the gateway inferred and with --gateway 192.0.2.10: both must agree."""
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
QUEUE_RULES = {"queue-stuck", "queue-backlog", "dsn-expired", "dsn-failed", "dsn-delayed"}
BASE = 1795143600.0  # BASE_TIME of the generator: scripted t=0

failures = 0


def fail(sample, what):
    global failures
    failures += 1
    print("FAIL %s: %s" % (sample, what))


def run(sample, extra=()):
    p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", sample), "--format", "json"]
                       + list(extra), capture_output=True, timeout=60)
    if p.returncode != 0:
        fail(sample, "exit %d: %s" % (p.returncode, p.stderr.decode()))
        return []
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


def near(x, want, tol):
    return x is not None and abs(x - want) <= tol


class Sample:
    def __init__(self, name):
        self.name = name
        self.recs = run(name)
        other = run(name, ["--gateway", "192.0.2.10"])
        strip = lambda rs: [r for r in rs if r["type"] != "stats"]
        if strip(self.recs) != strip(other):
            fail(name, "--gateway 192.0.2.10 gives other records than the inferred gateway")
        self.msgs = [r for r in self.recs if r["type"] == "message"]
        self.doms = {r["domain"]: r for r in self.recs if r["type"] == "domain"}
        # one alert per episode; its updates (same id, growing count) are not new alerts
        self.alerts = [r for r in self.recs if r["type"] == "alert" and r["rule"] in QUEUE_RULES
                       and not r.get("update")]
        ids = {r["id"] for r in self.alerts}
        for r in self.recs:
            if r["type"] == "alert" and r["rule"] in QUEUE_RULES and r.get("update") and r["id"] not in ids:
                fail(name, "update of an unknown alert %s" % r["id"])
        self.last = next(r["last_packet"] for r in self.recs if r["type"] == "stats")

    def msg(self, mid):
        m = [r for r in self.msgs if r["message_id"] == mid]
        if len(m) != 1:
            fail(self.name, "%d messages with Message-ID %s" % (len(m), mid))
            return None
        return m[0]

    def expect(self, cond, what):
        if not cond:
            fail(self.name, what)

    def queue_alerts(self, want):
        got = sorted((a["rule"], a["domain"]) for a in self.alerts)
        self.expect(got == sorted(want), "queue alerts %s, expected %s" % (got, sorted(want)))
        for a in self.alerts:
            self.expect(a["host"] is None, "%s alert with a host" % a["rule"])

    def queued(self, domain, n, oldest=None, tol=1.0):
        d = self.doms.get(domain)
        if not d:
            fail(self.name, "no domain record for %s" % domain)
            return
        self.expect(d["queued"] == n, "%s queued %s, expected %d" % (domain, d["queued"], n))
        if oldest is None:
            self.expect(d["oldest_queued_age"] is None, "%s has an oldest age" % domain)
        else:
            self.expect(near(d["oldest_queued_age"], oldest, tol), "%s oldest age %s, expected %.1f"
                        % (domain, d["oldest_queued_age"], oldest))


# Message A: handed in at t~0, to example.net at t=2, to example.edu at t=5;
# message B (no Message-ID, grown by a Received header) in at 10, out at 13.
s = Sample("relay-same-msgid.pcap")
s.expect(len(s.msgs) == 2, "%d messages, expected 2" % len(s.msgs))
a = s.msg("<relay1.4711@mta.example.org>")
if a:
    s.expect(a["state"] == "delivered" and a["inbound_session"] == 1, "A not delivered via session 1")
    s.expect(sorted(a["rcpt_domains"]) == ["example.edu", "example.net"], "A domains %s" % a["rcpt_domains"])
    s.expect(near(a["relay_delay"], 5.0, 0.5), "A relay delay %s, expected ~5 s" % a["relay_delay"])
    legs = {d["domain"]: d for d in a["domains"]}
    s.expect(near(legs["example.net"]["relay_delay"], 2.0, 0.5), "A to example.net not ~2 s")
    s.expect(sorted(x["host"] for x in a["attempts"]) == ["198.51.100.30", "198.51.100.7"],
             "A attempts %s" % a["attempts"])
b = s.msg(None)
if b:
    s.expect(b["state"] == "delivered" and b["mail_from"] == "erin@example.org", "B not delivered")
    s.expect(b["inbound_session"] is not None, "B not tied to its inbound session (envelope match)")
    s.expect(near(b["relay_delay"], 3.0, 0.5), "B relay delay %s, expected ~3 s" % b["relay_delay"])
s.queued("example.net", 0)
s.queued("example.edu", 0)
s.queue_alerts([])

# C in at t~0, deferred at 30, 90, 150; D in at 155, never attempted.
s = Sample("relay-queued.pcap")
c, d = s.msg("<queued1.17@mta.example.org>"), s.msg("<queued2.18@mta.example.org>")
if c and d:
    s.expect(c["state"] == "deferred" and len(c["attempts"]) == 3, "C not deferred 3 times")
    s.expect(all(x["outcome"] == "deferred" and x["reply"]["code"] == 451 for x in c["attempts"]),
             "C attempts not all 451")
    leg = c["domains"][0]
    # three attempts: still in the 1-minute glitch retries (4 x 1 min)
    s.expect(near(leg["next_retry"], leg["last_attempt"] + 60, 0.001), "C next retry not +1 min")
    s.expect(near(leg["expires"], c["accepted_in"] + 2 * 86400, 0.001), "C expiry not +2 days")
    s.expect(near(leg["delay_dsn_due"], c["accepted_in"] + 4 * 3600, 0.001), "C delay DSN not +4 h")
    s.expect(c["relay_delay"] is None and c["delivered"] is None, "C has a delivery")
    s.expect(d["state"] == "queued" and d["attempts"] == [], "D not queued unattempted")
    s.queued("example.net", 2, oldest=s.last - c["accepted_in"], tol=0.01)
    s.expect(s.doms["example.net"]["never_attempted"] == 1, "example.net never_attempted != 1")
    s.expect(near(s.last - c["accepted_in"], 155.0, 1.0), "C accepted at an unexpected time")
s.queue_alerts([])

# lists.example.net: 3 messages in at 60, 120, 180 s, never attempted; the
# capture runs to ~20 min; example.com: 11 messages each out 3 s after in.
s = Sample("queue-stuck.pcap")
stuck = [m for m in s.msgs if "lists.example.net" in m["rcpt_domains"]]
flow = [m for m in s.msgs if "example.com" in m["rcpt_domains"]]
s.expect(len(stuck) == 3 and all(m["state"] == "queued" for m in stuck), "stuck messages not 3 queued")
s.expect(len(flow) == 11 and all(m["state"] == "delivered" and near(m["relay_delay"], 3.0, 0.5)
                                  for m in flow), "example.com flow not 11 delivered in ~3 s")
s.queued("lists.example.net", 3, oldest=s.last - BASE - 60, tol=1.0)
s.queued("example.com", 0)
s.queue_alerts([("queue-stuck", "lists.example.net")])
for al in s.alerts:  # not before the oldest had waited 15 min
    s.expect(al["ts"] - BASE >= 60 + 900, "queue-stuck fired early at t=%.0f" % (al["ts"] - BASE))

# 30 messages in, one every 30 s from t=5; out FIFO one a minute from t=50:
# message k (0-based) relayed after (50 + 60k) - (5 + 30k) = 45 + 30k s.
s = Sample("queue-backlog.pcap")
s.expect(len(s.msgs) == 30, "%d messages, expected 30" % len(s.msgs))
for k in range(30):
    m = s.msg("<backlog%02d@mta.example.org>" % (k + 1))
    if not m:
        continue
    if k < 15:
        s.expect(m["state"] == "delivered" and near(m["relay_delay"], 45 + 30 * k, 1.0),
                 "backlog%02d: %s, relay %s, expected %d s" % (k + 1, m["state"], m["relay_delay"], 45 + 30 * k))
    else:
        s.expect(m["state"] == "queued", "backlog%02d %s, expected queued" % (k + 1, m["state"]))
s.queued("example.net", 15, oldest=s.last - BASE - (5 + 30 * 15), tol=1.0)
dn = s.doms.get("example.net", {})
s.expect(near(dn.get("in_rate"), 2.0, 0.01) and near(dn.get("out_rate"), 1.0, 0.01),
         "rates in %s out %s, expected 2 and 1 per minute" % (dn.get("in_rate"), dn.get("out_rate")))
s.queue_alerts([("queue-backlog", "example.net")])
# the deliveries are one at a time, each ~2 KB of content plus the dialogue
mx = [r for r in s.recs if r["type"] == "host" and r["host"] == "198.51.100.7"]
s.expect(mx and mx[0]["max_concurrent_sessions"] == 1 and mx[0]["open_sessions"] == 0,
         "198.51.100.7 not one session at a time")
s.expect(mx and 15 * 1500 < mx[0]["bytes"] < 15 * 3000, "198.51.100.7 bytes %s" % (mx and mx[0]["bytes"]))


def dsn_sample(name, kind, status, action, orig_state, queued):
    s = Sample(name)
    o = s.msg("<dsn-orig.4711@mta.example.org>")
    if o:
        s.expect(o["state"] == orig_state, "original %s, expected %s" % (o["state"], orig_state))
        dsn = o["dsn"] or {}
        s.expect(dsn.get("action") == action and dsn.get("status") == status, "original's dsn %s" % dsn)
        s.expect(dsn.get("final_recipient", "").endswith("@example.net"), "dsn recipient %s" % dsn)
    dsns = [m for m in s.msgs if m["mail_from"] == ""]
    s.expect(len(dsns) == 1 and dsns[0]["state"] == "delivered"
             and dsns[0]["rcpt_domains"] == ["example.org"], "the DSN is not one message out to example.org")
    s.queued("example.net", queued, oldest=None if not queued else s.last - o["accepted_in"], tol=0.01)
    s.queue_alerts([(kind, "example.net")])
    return s, o


# in at t~0, deferred at 30 and 90 s, the 4.4.7 NDR at 2 days + 10 s
s, o = dsn_sample("dsn-expired.pcap", "dsn-expired", "4.4.7", "failed", "bounced", 0)
s.expect(o and near(o["dsn"]["ts"] - o["accepted_in"], 2 * 86400 + 10, 1.0), "NDR not at 2 days")
# in, refused 550 5.1.1 at 30 s, the NDR at 35 s
s, o = dsn_sample("dsn-failed.pcap", "dsn-failed", "5.1.1", "failed", "bounced", 0)
s.expect(o and o["attempts"][0]["outcome"] == "rejected", "the 550 attempt is not rejected")
# in, deferred at 30, 90, 150 s, the delay notice at 4 h + 20 s: still queued
s, o = dsn_sample("dsn-delayed.pcap", "dsn-delayed", "4.4.1", "delayed", "deferred", 1)
s.expect(o and near(s.last - o["accepted_in"], 4 * 3600 + 20, 1.0), "delay notice not at 4 h")

# the options: another schedule moves the forecast; --no-queue turns it off;
# a malformed value is bad usage
recs = run("relay-queued.pcap", ["--retry-schedule", "2x30s,5m", "--expire-after", "1d",
                                 "--delay-dsn-after", "90m"])
c = [r for r in recs if r["type"] == "message" and r["message_id"] == "<queued1.17@mta.example.org>"]
if c:
    leg = c[0]["domains"][0]
    ok = (near(leg["next_retry"], leg["last_attempt"] + 300, 0.001)  # 3rd attempt: past 2 x 30 s
          and near(leg["expires"], c[0]["accepted_in"] + 86400, 0.001)
          and near(leg["delay_dsn_due"], c[0]["accepted_in"] + 5400, 0.001))
    if not ok:
        fail("relay-queued.pcap", "options did not move the forecast: %s" % leg)
recs = run("relay-queued.pcap", ["--no-queue"])
if any(r["type"] == "message" for r in recs) or any(
        r["type"] == "domain" and r["queued"] is not None for r in recs):
    fail("relay-queued.pcap", "--no-queue still tracks messages")
for bad in (["--retry-schedule", "1m,,2m"], ["--expire-after", "2 days"], ["--delay-dsn-after", "0h"]):
    p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", "relay-queued.pcap")] + bad,
                       capture_output=True, timeout=60)
    if p.returncode != 1 or bad[0] not in p.stderr.decode():
        fail("options", "%s: exit %d, %s" % (bad, p.returncode, p.stderr.decode().strip()))

print("%s queue samples" % ("FAIL:" if failures else "ok:"), "%d failures" % failures)
sys.exit(1 if failures else 0)
