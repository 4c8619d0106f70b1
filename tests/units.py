#!/usr/bin/env python3
"""units.py — one unit per kind of figure (issue 14), checked on what a
reader sees: every alert message, every host and domain last_error (JSON),
every line of the text report of every sample, and with --transcript the
words for each failed session and the notes in its dialogue.  A figure written in a
form other than the canonical one fails the test:

  durations  "0 s", "N us" (< 1000), "N ms" (1..999), "N.N s" (1.0..9.9),
             "N s" (10..119), "NmSSs" (2..59 min), "NhMMm" (< 24 h), "NdHHh";
             never "0.01s", "300s", "300.0 s", "0.3 s", "900 s", "1h",
             "12 min", "5 seconds";
  sizes      "N B" (< 1024), "N.N KB" / "MB" / "GB" ... (>= 1.0, < 1024.0);
             never "18802 body bytes", "1448 bytes", "2048 B", "12 KB",
             "1024.0 KB", "kB", "KiB".

The rules are written here from the canonical forms (rules/units.h), not
read from the program, so a formatting function that drifts fails.  Reply
texts come from the wire and may say anything ("timed out after 2 days"):
a string is checked only up to the first SMTP reply code in it.  Two
labels that are not measured figures are left out: the retry schedule as
configured ("retry 4x1m,10m") and the queue age buckets ("ages: 10-20m 3").
The one exact byte count, a segment size beside an MTU ("largest 1448 B"),
may pass 1023 B.  FACTS states some figures by hand from the packets
(samples/README.md), so a form that is canonical but wrong fails too."""
import glob
import json
import os
import re
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))

NUM = r"(?<![\w.:/-])"  # a figure starts a word (not "EN10MB", "mx66.", "03:00")
# up to the first reply code ("421 4.3.2 Service not available ..."); what
# follows is the peer's text
# (a code and an enhanced code, or a code and a capitalised word: "grew by
# 200 to 215" is not a reply)
REPLY = re.compile(r"(?<![\w.])[2-5]\d\d(?: [2-5]\.\d{1,3}\.\d{1,3}\b| [A-Z<*]|$|,|\))")


def bad_figures(s):
    """The non-canonical figures in s (a list of (figure, why))."""
    m = REPLY.search(s)
    if m:
        s = s[:m.start()]
    s = re.sub(r"\(retry [0-9x,smhd]+,", "(retry ...,", s)
    s = re.sub(r"ages: .*", "", s)
    bad = []

    def flag(rx, why, test=lambda m: True):
        for m in re.finditer(rx, s):
            if test(m):
                bad.append((m.group(0), why))

    # durations
    flag(NUM + r"\d+(?:\.\d+)?s\b", "seconds glued to the number")
    flag(NUM + r"\d+(?:\.\d+)? ?(?:sec|secs|second|seconds|min|mins|minute|minutes|"
         r"hr|hrs|hour|hours|msec|msecs|millis|milliseconds|usec|usecs)\b",
         "a duration unit spelled out")
    flag(NUM + r"\d+(?:\.\d+)?[mhd]\b", "a bare m/h/d duration")
    flag(NUM + r"(\d+)\.(\d+) s\b", "decimal seconds outside 1.0-9.9 s",
         lambda m: not (1 <= int(m.group(1)) <= 9 and len(m.group(2)) == 1))
    flag(NUM + r"(\d+) s\b", "whole seconds outside 0 and 10-119 s",
         lambda m: not (int(m.group(1)) == 0 or 10 <= int(m.group(1)) < 120))
    flag(NUM + r"(\d+)(\.\d+)? ms\b", "ms outside 1-999",
         lambda m: m.group(2) or not 1 <= int(m.group(1)) < 1000)
    flag(NUM + r"(\d+)(\.\d+)? us\b", "us outside 1-999",
         lambda m: m.group(2) or not 1 <= int(m.group(1)) < 1000)
    flag(NUM + r"(\d+)m(\d+)s\b", "minutes and seconds out of range",
         lambda m: not (2 <= int(m.group(1)) < 60 and len(m.group(2)) == 2
                        and int(m.group(2)) < 60))
    flag(NUM + r"(\d+)h(\d+)m\b", "hours and minutes out of range",
         lambda m: not (1 <= int(m.group(1)) < 24 and len(m.group(2)) == 2
                        and int(m.group(2)) < 60))
    flag(NUM + r"(\d+)d(\d+)h\b", "days and hours out of range",
         lambda m: not (int(m.group(1)) >= 1 and len(m.group(2)) == 2 and int(m.group(2)) < 24))
    # sizes
    flag(NUM + r"\d+(?:\.\d+)? (?:[a-z]+ )?(?:bytes?|octets?)\b", "bytes spelled out")
    flag(NUM + r"\d+(?:\.\d+)? ?(?:kB|KiB|MiB|GiB|kb|Kb|mb|Mb)\b", "another size unit")
    flag(r"(?<!largest )" + NUM + r"(\d+)(\.\d+)? B\b", "B outside 0-1023 (or with decimals)",
         lambda m: m.group(2) or int(m.group(1)) >= 1024)
    flag(NUM + r"(\d+)(\.(\d+))? (?:KB|MB|GB|TB|PB|EB)\b", "scaled size not N.N in 1.0-1023.9",
         lambda m: not m.group(2) or len(m.group(3)) != 1 or not 1 <= int(m.group(1)) < 1024)
    return bad


def self_test():
    """The checker itself: the forms issue 14 quotes fail, canonical ones pass."""
    wrong = ["0.01s after 354", "18802 body bytes sent", "after 300s of silence",
             "300.0 s after 354", "no packet for 900 s", "within 1h,", "took 0.3 s",
             "1448 bytes", "2048 B", "12 KB", "1024.0 KB", "3.2 kB", "overdue 4m",
             "1000 ms", "0.5 ms", "5 s", "60m00s", "1m30s", "24h00m", "every 5 minutes",
             "grew by 200 to 215 in 600s", "after 300 s of silence"]
    right = ["8 ms after 354", "18.4 KB sent", "after 5m00s of silence", "4.2 s",
             "no packet for 15m00s", "within 1h00m,", "2d00h", "0 s", "999 us", "10 s",
             "119 s", "largest 1448 B", "1023 B", "1.0 KB", "1023.9 MB",
             "EN10MB", "198.51.100.66", "at 03:00:00", "in 1.8/min",
             "421 4.4.2 Error: timeout exceeded after 300s", "banner 421 Go away in 30s",
             "(retry 4x1m,10m, expiry after 2d00h"]
    ok = True
    for s in wrong:
        if not bad_figures(s):
            print("FAIL self-test: %r passes as canonical" % s)
            ok = False
    for s in right:
        if bad_figures(s):
            print("FAIL self-test: %r flagged: %s" % (s, bad_figures(s)))
            ok = False
    return ok


# Figures stated by hand from samples/README.md (the packets), in their one
# form: sample -> {rule: [text some alert of that rule must contain]}.
FACTS = {
    # 15910, 17356, 18802 unstuffed octets; one attempt every 60 s
    "outage-rst-mid-data.pcap": {
        "rst-mid-data": ["15.5 KB of the body sent", "16.9 KB of the body sent",
                         "18.4 KB of the body sent"],
        "retry-loop": ["one every 60 s"]},
    # 8011 octets before the final dot
    "drop-after-dot.pcap": {"drop-after-dot": ["(7.8 KB sent)"]},
    # full-size segments of 1448 octets
    "pmtu-blackhole.pcap": {"pmtu-blackhole": ["largest 1448 B)"]},
    # Postfix's 300 s smtpd_timeout
    "postfix-idle-timeout.pcap": {"client-idle-timeout": ["after 5m00s of silence"]},
    # banner after 35.03 s, the reply to the dot after 95.01 s
    "slow-server.pcap": {"slow-server": ["took 35 s to answer BANNER", "took 95 s to answer EOD"]},
    # expired 2 days after acceptance; delay notice after 4 h 20 s
    "dsn-expired.pcap": {"dsn-expired": ["after 2d00h in the queue"]},
    "dsn-delayed.pcap": {"dsn-delayed": ["after 4h00m in the queue"]},
    # the rule's 1 h window
    "deferral-storm.pcap": {"deferral-pattern": ["within 1h00m,"]},
}


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("FAIL smtpscope %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def main():
    if not self_test():
        return 1
    samples = sorted(glob.glob(os.path.join(SRCDIR, "samples", "*.pcap*")))
    if not samples:
        print("FAIL no samples")
        return 1
    fail = 0
    seen = {"message": 0, "last_error": 0, "report": 0, "transcript": 0}
    for f in samples:
        name = os.path.basename(f)
        strings = []
        messages = {}  # rule -> its alert messages
        for line in run(["-r", f, "--format", "json"]).splitlines():
            r = json.loads(line)
            if r.get("type") == "alert":
                strings.append(("alert message", "message", r["message"]))
                messages.setdefault(r["rule"], []).append(r["message"])
            elif r.get("type") in ("host", "domain") and r.get("last_error"):
                strings.append(("%s last_error" % r["type"], "last_error", r["last_error"]))
        # report: a figure stays on the line of its unit...
        raw = run(["-r", f, "--format", "text"])
        for m in re.finditer(r"(\S*\d)\n +(us|ms|s|B|KB|MB|GB)\b", raw):
            print("FAIL %s: report: %r split from its unit %r at the end of a line" %
                  (name, m.group(1), m.group(2)))
            fail = 1
        # ...and wrapped lines are joined, so a figure split at the width is whole
        text = re.sub(r"\n {10,}", " ", raw)
        for line in text.splitlines():
            if "memory peak" not in line:
                strings.append(("report line", "report", line))
        # --transcript: each failed session's words and the notes between the
        # dialogue lines ("[message content: 18.4 KB, incomplete]"); the
        # dialogue itself is the peers' text
        tr = run(["-r", f, "--format", "text", "--transcript"])
        if "did not end well (newest first)" in tr:
            tr = re.sub(r"\n {6,}", " ", tr.split("did not end well (newest first)", 1)[1])
            for line in tr.splitlines():
                m = re.match(r"\s+[CS]: (.*)", line)
                if m and not m.group(1).startswith("["):
                    continue
                strings.append(("transcript line", "transcript", m.group(1) if m else line))
        for rule, texts in FACTS.get(name, {}).items():
            for t in texts:
                if not any(t in m for m in messages.get(rule, [])):
                    print("FAIL %s: no %s alert says %r: %s" % (name, rule, t, messages.get(rule)))
                    fail = 1
        for what, kind, s in strings:
            seen[kind] += 1
            for fig, why in bad_figures(s):
                print("FAIL %s: %s %r: %r (%s)" % (name, what, s, fig, why))
                fail = 1
    # the check must have looked at something of each kind
    missing = set(FACTS) - {os.path.basename(f) for f in samples}
    if missing:
        print("FAIL samples of the stated figures missing: %s" % sorted(missing))
        fail = 1
    for kind, n in seen.items():
        if n == 0:
            print("FAIL no %s checked" % kind)
            fail = 1
    if not fail:
        print("ok   %d samples: %d alert messages, %d last errors, %d report lines, "
              "%d transcript words and notes" % (len(samples), seen["message"], seen["last_error"],
                                                 seen["report"], seen["transcript"]))
    return fail


if __name__ == "__main__":
    sys.exit(main())
