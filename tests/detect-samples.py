#!/usr/bin/env python3
"""detect-samples.py — the detection fixes of issue 10, checked against facts
stated here by hand from how samples/gen/scenarios_detect.c (and, for the
retry loop, scenarios.c) wrote the packets, independently of the goldens:

  greylist-rcpt        both RCPTs 450 4.7.1 (pipelined, DATA 554), accepted
                       7 min later; postgrey 450 4.2.0 accepted 12 min later;
                       452 4.2.2 then accepted: no greylisting
  slow-deferrals       4xx at 0, 5, 25, 50 min from one host: one alert that
                       fires at the third and grows to 4
  outage-rst-mid-data  6 attempts of one message: the retry-loop alert grows
                       to 6 under one id
  drop-after-fullsize  8 full-size segments ACKed, then silence; a second
                       session on the same path: drops, no PMTU black hole
  half-open-scan       SYN TTL 41, kernel RST TTL 64: no middle box
  ftp-on-odd-port      vsFTPd/ProFTPD/greeting-only ignored by --any-port,
                       SMTP on 2626 found
  capture-hole-then-data  one body segment missing from the capture, four
                       after it before the ACK: out_of_order 0, one gap"""
import json
import os
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLES = os.path.join(SRCDIR, "samples")
T0 = 1795143600  # BASE_TIME of samples/gen/gen.h
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(sample, *args):
    p = subprocess.run([BIN, "-r", os.path.join(SAMPLES, sample), "--format", "json"] + list(args),
                       capture_output=True, timeout=60)
    if p.returncode != 0:
        print("  exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()))
    return [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]


def of(recs, kind, **kv):
    return [r for r in recs if r["type"] == kind and all(r.get(k) == v for k, v in kv.items())]


# --- greylisting by envelope triplet ---------------------------------------------
recs = run("greylist-rcpt.pcap")
g45 = of(recs, "alert", rule="greylisting", host="198.51.100.45")
check(len(g45) == 1 and g45[0]["session"] == 4 and "attempt 2" in g45[0]["message"]
      and "(450)" in g45[0]["message"],
      "greylist-rcpt: .45 greylisted (both RCPTs 450, enhanced code lost to DATA's 554), "
      "alert on the retry, attempt 2")
s45 = of(recs, "session", server="198.51.100.45")
check(len(s45) == 2 and s45[0]["transactions"][0]["outcome"] == "rejected"
      and s45[0]["transactions"][0]["message_id"] is None
      and s45[1]["transactions"][0]["outcome"] == "accepted",
      "greylist-rcpt: the first attempt never reached DATA (rejected, no Message-ID), the retry accepted")
if g45:
    # minutes and seconds, as every duration of a message (rules/units.h)
    check(", attempt 2" in g45[0]["message"] and "after 7m00s," in g45[0]["message"],
          "greylist-rcpt: .45 retried 7 min after the deferral: %s" % g45[0]["message"])
g46 = of(recs, "alert", rule="greylisting", host="203.0.113.46")
check(len(g46) == 1 and "(450 4.2.0)" in g46[0]["message"] and "attempt 2" in g46[0]["message"],
      "greylist-rcpt: postgrey's 450 4.2.0 Greylisted is greylisting (by its text)")
if g46:
    check("after 12m00s," in g46[0]["message"],
          "greylist-rcpt: .46 retried 12 min later: %s" % g46[0]["message"])
check(of(recs, "alert", host="198.51.100.47") == [],
      "greylist-rcpt: 452 4.2.2 mailbox full then accepted: no greylisting")
check(of(recs, "stats")[0]["envelope_triplets"] == {"tracked": 0, "evicted": 0},
      "greylist-rcpt: every deferred triplet was delivered in the end (none tracked)")

# --- deferral-pattern: slow deferrals, one growing alert --------------------------
recs = run("slow-deferrals.pcap")
d = of(recs, "alert", rule="deferral-pattern")
check(len(d) == 2 and d[0]["update"] is False and d[1]["update"] is True
      and d[0]["id"] == d[1]["id"] and [a["count"] for a in d] == [3, 4],
      "slow-deferrals: fires at the third 4xx, the fourth updates the same alert to 4")
if len(d) == 2:
    check(abs(d[0]["ts"] - (T0 + 1500)) < 5 and abs(d[0]["first_ts"] - T0) < 5
          and abs(d[1]["ts"] - (T0 + 3000)) < 5,
          "slow-deferrals: first deferral at 03:00, alert at 03:25, update at 03:50")
    check(all(c in d[1]["message"] for c in ("451 4.7.0", "451 4.3.0", "452 4.2.2", "421 4.3.2")),
          "slow-deferrals: the four different codes collected")
check(of(recs, "stats")[0]["alerts"] == 1, "slow-deferrals: stats count one alert, not its update")

# --- retry-loop grows to the 6 attempts ---------------------------------------------
recs = run("outage-rst-mid-data.pcap")
r = of(recs, "alert", rule="retry-loop")
check(len(r) == 4 and len({a["id"] for a in r}) == 1 and [a["count"] for a in r] == [3, 4, 5, 6]
      and [a["update"] for a in r] == [False, True, True, True],
      "outage-rst-mid-data: retry-loop raised at attempt 3, updated to 6 under one id")
check(r and "6 failed attempts" in r[-1]["message"] and "(6 attempts in all)" in r[-1]["message"],
      "outage-rst-mid-data: the last update says 6 attempts")
text = subprocess.run([BIN, "-r", os.path.join(SAMPLES, "outage-rst-mid-data.pcap")],
                      capture_output=True, timeout=60).stdout.decode()
check(text.count(" retry-loop ") == 1
      and "198.51.100.20   failing  retry-loop             x1 " in text and "6 failed attempts" in text
      and "3 failed attempts" not in text, "text report: retry-loop once, with the final count 6")

# --- pmtu-blackhole needs a path that never carried a full-size segment -------------------
recs = run("drop-after-fullsize.pcap")
s65 = of(recs, "session", server="203.0.113.65")
check(len(s65) == 2 and all(s["end_reason"] == "timeout" and s["end_state"] == "body" for s in s65),
      "drop-after-fullsize: both sessions to .65 time out in the body")
check(all(s["tcp"]["client"]["fullsize_retransmits_unacked"] >= 3 for s in s65),
      "drop-after-fullsize: each has >= 3 unacknowledged full-size re-sends (what pmtu looks for)")
check(of(recs, "alert", rule="pmtu-blackhole") == []
      and len(of(recs, "alert", rule="drop-mid-data", host="203.0.113.65")) == 2,
      "drop-after-fullsize: drop-mid-data twice, pmtu-blackhole never")
# the black-hole sample itself still is one
check(len(of(run("pmtu-blackhole.pcap"), "alert", rule="pmtu-blackhole")) == 1,
      "pmtu-blackhole.pcap: still a black hole")

# --- middlebox-interference needs an SMTP dialogue -----------------------------------
recs = run("half-open-scan.pcap")
scans = of(recs, "session", client="203.0.113.99")
check(len(scans) == 3 and all(s["end_reason"] == "rst" and s["end_by"] == "client"
                              and s["banner"] is None for s in scans),
      "half-open-scan: three probes reset by the scanner before any banner")
check(of(recs, "alert") == [], "half-open-scan: no alert (no middle box)")
with tempfile.NamedTemporaryFile("w", suffix=".rules", delete=False) as f:
    f.write('rule ttl-jump on session_end when rst_ttl_delta >= 3 message "{rst_ttl_delta}"\n')
    extra = f.name
try:
    jumps = of(run("half-open-scan.pcap", "--rules", extra), "alert", rule="ttl-jump")
    check(len(jumps) == 3 and all(a["message"] == "23" for a in jumps),
          "half-open-scan: the RSTs do differ by 23 hops (64 vs 41): the dialogue rule keeps it quiet")
finally:
    os.unlink(extra)

# --- --any-port: a 220 greeting alone is not SMTP -----------------------------------
recs = run("ftp-on-odd-port.pcap", "--any-port")
ports = sorted(s["server_port"] for s in of(recs, "session"))
check(ports == [25, 2626], "ftp-on-odd-port --any-port: SMTP on 25 and 2626 only (got %s)" % ports)
st = of(recs, "stats")[0]
check(st["any_port_ignored"] == 3 and st["any_port_sessions"] == 1,
      "ftp-on-odd-port --any-port: vsFTPd, ProFTPD and the greeting-only flow ignored")
check([s["server_port"] for s in of(run("ftp-on-odd-port.pcap"), "session")] == [25],
      "ftp-on-odd-port without --any-port: port 25 only")

# --- out_of_order: segments after a capture hole are not reordering ----------------------
recs = run("capture-hole-then-data.pcap")
s = of(recs, "session")
check(len(s) == 1 and s[0]["tcp"]["client"]["out_of_order"] == 0 and s[0]["tcp"]["client"]["gaps"] == 1
      and s[0]["gap_bytes"] == 1448 and s[0]["transactions"][0]["outcome"] == "accepted",
      "capture-hole-then-data: out_of_order 0, one gap of one 1448-byte segment, message accepted")
check(of(recs, "stats")[0]["acked_unseen"] == 1, "capture-hole-then-data: the hole proven by the ACK")
s = of(run("ooo-retrans.pcap"), "session")
check(len(s) == 1 and s[0]["tcp"]["client"]["out_of_order"] == 1,
      "ooo-retrans.pcap: real reordering still counted (1)")

sys.exit(1 if failures else 0)
