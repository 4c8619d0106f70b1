#!/usr/bin/env python3
"""text-report.py — the text report is one screen for a 3 a.m. reader, on
every sample:
  * sections in this order: title, Capture, Gateway, Sessions, Problems (the
    summary and its verdict), Findings, Queue (when the gateway relays), Remote hosts, Recipient domains, the
    sessions that did not end well, the capture notes;
  * findings grouped by remote host and cause, newest first: the rows are
    stated from the JSON alerts of the same run (one row per rule and host,
    hosts ordered by their newest alert, then causes newest first);
  * the verdict counts the failing and retrying hosts of the JSON host records;
  * no dialogue without --transcript (a one-line hint instead); with it, each
    session that did not end well has its dialogue, newest first;
  * no line longer than 100 columns (the report's stated limit)."""
import json
import os
import re
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
WIDTH = 100
failures = 0

SECTIONS = [  # (name, how its heading line starts)
    ("title", "smtpscope \u2014 "),
    ("capture", "Capture   "),
    ("gateway", "Gateway   "),
    ("sessions", "Sessions  "),
    ("problems", "Problems  "),
    ("findings", "Findings (by remote host and cause, newest first)"),
    ("queue", "Queue per next hop"),
    ("hosts", "Remote hosts"),
    ("domains", "Recipient domains"),
    ("bad", "Sessions that did not end well (newest first)"),
    ("hint", None),  # "N sessions did not end well: --transcript shows ..."
    ("notes", "Capture"),
]
HINT = re.compile(r"^(\d+) sessions? did not end well: --transcript shows (its|each one's) dialogue$")
DIALOGUE = re.compile(r"^    [CS]: ")


def fail(msg):
    global failures
    print("FAIL", msg)
    failures += 1


def run(path, *args):
    p = subprocess.run([BIN, "-r", path, *args], capture_output=True, timeout=60)
    if p.returncode != 0:
        fail("%s %s: exit %d: %s" % (path, args, p.returncode, p.stderr.decode()[:200]))
        return ""
    return p.stdout.decode("utf-8")


def section_of(line, i):
    if i == 0:
        return "title"
    if HINT.match(line):
        return "hint"
    for name, head in SECTIONS:
        if head and (line == head or (head.endswith(" ") and line.startswith(head))
                     or (not head.endswith(" ") and line.startswith(head) and name != "notes")):
            return name
    return None


def check_sample(name):
    path = os.path.join(SRCDIR, "samples", name)
    text = run(path, "--format", "text")
    full = run(path, "--format", "text", "--transcript")
    recs = [json.loads(l) for l in run(path, "--format", "json").splitlines()]
    if not text or not recs:
        return
    alerts = [r for r in recs if r["type"] == "alert"]
    hosts = [r for r in recs if r["type"] == "host"]
    sessions = [r for r in recs if r["type"] == "session"]
    for label, out in (("text", text), ("text --transcript", full)):
        lines = out.splitlines()
        for n, l in enumerate(lines, 1):
            if len(l) > WIDTH:
                fail("%s %s line %d: %d columns > %d" % (name, label, n, len(l), WIDTH))
        order = [s for s in (section_of(l, i) for i, l in enumerate(lines)) if s]
        # "Capture" alone is the notes heading; "Capture   ..." the summary line
        want = [s for s, _ in SECTIONS]
        idx = [want.index(s) for s in order]
        if idx != sorted(idx) or len(set(order)) != len(order):
            fail("%s %s: sections in order %s" % (name, label, order))
        for s in ("title", "capture", "gateway", "sessions", "problems", "notes"):
            if s not in order:
                fail("%s %s: no %s section" % (name, label, s))
        if ("findings" in order) != bool(alerts):
            fail("%s %s: findings section %s but %d alerts" % (name, label, "findings" in order,
                                                              len(alerts)))
    # no dialogue without --transcript; the hint counts the bad sessions
    tl = text.splitlines()
    if any(DIALOGUE.match(l) for l in tl):
        fail("%s: a dialogue line without --transcript" % name)
    if any(l.startswith("Sessions that did not end well") for l in tl):
        fail("%s: session blocks without --transcript" % name)
    m = re.search(r"^Problems  (\d+) sessions? ended badly; (\d+) remote hosts? failing, "
                  r"(\d+) retrying", text, re.M)
    if not m:
        fail("%s: no verdict line" % name)
        return
    bad = int(m.group(1))
    hints = [HINT.match(l) for l in tl if HINT.match(l)]
    if bad and (len(hints) != 1 or int(hints[0].group(1)) != bad):
        fail("%s: %d bad sessions but hint %s" % (name, bad, [h.group(0) for h in hints]))
    if not bad and hints:
        fail("%s: a hint with no bad session" % name)
    # the verdict, from the JSON host records
    failing = len({h["host"] for h in hosts if h["status"] == "failing"})
    retrying = len({h["host"] for h in hosts if h["status"] == "retry"})
    if (int(m.group(2)), int(m.group(3))) != (failing, retrying):
        fail("%s: verdict %s failing, %s retrying; JSON hosts say %d, %d" %
             (name, m.group(2), m.group(3), failing, retrying))
    # with --transcript: one block per bad session, newest first, with its dialogue
    fl = full.splitlines()
    ids = [int(x.group(1)) for x in (re.match(r"^#(\d+)  ", l) for l in fl) if x]
    if bad and bad <= 50:
        if len(ids) != bad:
            fail("%s --transcript: %d session blocks for %d bad sessions" % (name, len(ids), bad))
        end = {s["id"]: s["end"] for s in sessions}
        ends = [end.get(i, 0) for i in ids]
        if ends != sorted(ends, reverse=True):
            fail("%s --transcript: session blocks not newest first: %s" % (name, ids))
        if not any(DIALOGUE.match(l) for l in fl):
            fail("%s --transcript: no dialogue line" % name)
    # findings: one row per (host, rule), grouped by host, newest first
    groups = {}
    for a in alerts:
        # queue and dsn alerts name a recipient domain instead of a host
        g = groups.setdefault((a["host"] or a.get("domain") or "-", a["rule"]), [0, 0])
        g[0] = max(g[0], a["ts"])
    host_last = {}
    for (h, _), (last, _) in groups.items():
        host_last[h] = max(host_last.get(h, 0), last)
    rows = []
    in_findings = False
    pending_host = None
    for l in tl:
        if l.startswith("Findings ("):
            in_findings = True
            continue
        if in_findings and (not l or l.startswith("... and")):
            break
        if in_findings and l.split() and len(l.split()) == 1 and not l.startswith(" "):
            pending_host = l.strip()  # a row too wide: the host alone, then the row
            continue
        if in_findings and pending_host and l.startswith(" " * 16) and \
                l.split()[0] in ("ready", "active", "retry", "failing", "rejected", "-"):
            l = pending_host + l[len(pending_host):] if len(pending_host) < 16 else \
                pending_host + " " + l.lstrip()
            pending_host = None
        if in_findings and not l.startswith(" ") and not l.startswith("HOST "):
            f = l.split()
            rows.append((f[0], f[2]))
            status = {h["host"]: h["status"] for h in hosts}.get(f[0], "-")
            if f[0] in {h["host"] for h in hosts} and f[1] not in \
                    {h["status"] for h in hosts if h["host"] == f[0]}:
                fail("%s: finding %s status %s, JSON host says %s" % (name, f[0], f[1], status))
    if alerts and len(groups) <= 200:
        if sorted(rows) != sorted(groups):
            fail("%s: finding rows %s, JSON alert groups %s" % (name, rows, sorted(groups)))
        keys = [(-host_last[h], h, -groups[(h, r)][0]) for h, r in rows if (h, r) in groups]
        if keys != sorted(keys):
            fail("%s: findings not grouped by host newest first: %s" % (name, rows))
        seen_hosts = []
        for h, _ in rows:
            if h in seen_hosts and seen_hosts[-1] != h:
                fail("%s: host %s's findings are not together" % (name, h))
            if not seen_hosts or seen_hosts[-1] != h:
                seen_hosts.append(h)
    return bool(alerts), bad


def many_bad_sessions():
    """More than the 50 session blocks kept: the newest 50, newest first,
    and a line for the older ones (outage-rst-mid-data repeated 10 times,
    an hour apart: 60 sessions that did not end well)."""
    import struct
    import tempfile
    with open(os.path.join(SRCDIR, "samples", "outage-rst-mid-data.pcap"), "rb") as f:
        data = f.read()
    recs, o = [], 24
    while o + 16 <= len(data):
        sec, usec, caplen, origlen = struct.unpack("<IIII", data[o:o + 16])
        recs.append((sec, usec, caplen, origlen, data[o + 16:o + 16 + caplen]))
        o += 16 + caplen
    with tempfile.NamedTemporaryFile(suffix=".pcap", delete=False) as f:
        f.write(data[:24])
        for k in range(10):
            for sec, usec, caplen, origlen, pkt in recs:
                f.write(struct.pack("<IIII", sec + k * 3600, usec, caplen, origlen) + pkt)
        path = f.name
    try:
        text = run(path, "--transcript")
        recs = [json.loads(l) for l in run(path, "--format", "json").splitlines()]
    finally:
        os.unlink(path)
    end = {r["id"]: r["end"] for r in recs if r["type"] == "session"}
    ids = [int(x.group(1)) for x in (re.match(r"^#(\d+)  ", l) for l in text.splitlines()) if x]
    if "Problems  60 sessions ended badly" not in text:
        fail("60 bad sessions: verdict line")
    if len(ids) != 50 or [end[i] for i in ids] != sorted((end[i] for i in ids), reverse=True):
        fail("60 bad sessions: %d blocks, not the newest 50 newest first: %s" % (len(ids), ids))
    # in this capture the sessions that did not end well are the reset ones
    rst = sorted((r["end"], r["id"]) for r in recs
                 if r["type"] == "session" and r["end_reason"] == "rst")
    if len(rst) != 60 or sorted(ids) != sorted(i for _, i in rst[-50:]):
        fail("60 bad sessions: the blocks are not the 50 newest reset sessions")
    if "\n... and 10 older sessions that did not end well\n" not in text:
        fail("60 bad sessions: no line for the 10 older ones")


def main():
    samples = sorted(f for f in os.listdir(os.path.join(SRCDIR, "samples"))
                     if f.endswith(".pcap") or f.endswith(".pcapng"))
    with_findings = with_bad = 0
    for f in samples:
        r = check_sample(f)
        if r:
            with_findings += r[0]
            with_bad += r[1] > 0
    many_bad_sessions()
    # the checks above must have had something to check
    if with_findings < 10 or with_bad < 10:
        fail("only %d samples with findings, %d with bad sessions" % (with_findings, with_bad))
    if failures:
        return 1
    print("ok: %d samples (%d with findings, %d with sessions that did not end well)" %
          (len(samples), with_findings, with_bad))
    return 0


if __name__ == "__main__":
    sys.exit(main())
