#!/usr/bin/env python3
"""metrics.py — --metrics-file (ui/metrics.c): the file parses under a strict
reading of the Prometheus text format 0.0.4, every family is documented in
doc/metrics.md with its type and labels, and the values agree with the JSON
records of the same run (sessions, transactions, replies, alerts, capture,
per-host figures for the listed hosts and host="other")."""
import collections
import json
import math
import os
import re
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLES = os.path.join(SRCDIR, "samples")
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


# --- a strict parser of the text exposition format -------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)"
SAMPLE_RE = re.compile(r"^(%s)(\{.*\})? (%s)(?: (-?\d+))?$" % (NAME, VALUE))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ParseError(Exception):
    pass


def parse_labels(text, lineno):
    """{a="x",b="y"} -> dict; only \\\\, \\" and \\n escapes."""
    body, labels, i = text[1:-1], {}, 0
    while i < len(body):
        m = re.match(LABEL, body[i:])
        if not m:
            raise ParseError("line %d: bad label name at %r" % (lineno, body[i:]))
        name = m.group(0)
        i += len(name)
        if body[i:i + 2] != '="':
            raise ParseError("line %d: label %s: '=\"' expected" % (lineno, name))
        i += 2
        val = []
        while True:
            if i >= len(body):
                raise ParseError("line %d: unterminated label value" % lineno)
            c = body[i]
            if c == "\\":
                esc = body[i + 1:i + 2]
                if esc not in ("\\", '"', "n"):
                    raise ParseError("line %d: bad escape \\%s" % (lineno, esc))
                val.append("\n" if esc == "n" else esc)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise ParseError("line %d: raw newline in label value" % lineno)
            else:
                val.append(c)
                i += 1
        if name in labels:
            raise ParseError("line %d: label %s twice" % (lineno, name))
        labels[name] = "".join(val)
        if i < len(body):
            if body[i] != ",":
                raise ParseError("line %d: ',' expected between labels" % lineno)
            i += 1
            if i == len(body):
                raise ParseError("line %d: trailing comma" % lineno)
    return labels


def parse(text):
    """-> {family: {"type", "help", "samples": [(labels, value)]}}"""
    if not text.endswith("\n"):
        raise ParseError("the file does not end with a newline")
    fams, order, current = {}, [], None
    seen_series = set()
    for lineno, line in enumerate(text[:-1].split("\n"), 1):
        if line == "":
            raise ParseError("line %d: empty line" % lineno)
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
            if not m:
                raise ParseError("line %d: comment that is not HELP or TYPE: %r" % (lineno, line))
            kind, name, rest = m.groups()
            fam = fams.setdefault(name, {"type": None, "help": None, "samples": []})
            if fam["samples"]:
                raise ParseError("line %d: %s for %s after its samples" % (lineno, kind, name))
            if kind == "TYPE":
                if fam["type"] is not None or rest not in TYPES:
                    raise ParseError("line %d: TYPE %s again or unknown (%s)" % (lineno, name, rest))
                fam["type"] = rest
            else:
                if fam["help"] is not None:
                    raise ParseError("line %d: HELP %s twice" % (lineno, name))
                if re.search(r"\\[^\\n]", rest):
                    raise ParseError("line %d: bad escape in HELP" % lineno)
                fam["help"] = rest
            if name not in order:
                order.append(name)
            current = name
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise ParseError("line %d: not a sample: %r" % (lineno, line))
        name, labels, value, _ts = m.groups()
        if name != current or fams[name]["type"] is None:
            raise ParseError("line %d: sample of %s outside its family (after TYPE)" % (lineno, name))
        labels = parse_labels(labels, lineno) if labels else {}
        key = (name, tuple(sorted(labels.items())))
        if key in seen_series:
            raise ParseError("line %d: series %s twice" % (lineno, key))
        seen_series.add(key)
        fams[name]["samples"].append((labels, float(value)))
    return fams


def documented(path):
    """name -> (type, [labels]) from the table in doc/metrics.md."""
    out = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^\| `(smtpscope_[a-z_]+)` \| (\w+) \|([^|]*)\|", line)
        if m:
            out[m.group(1)] = (m.group(2), re.findall(r"`(\w+)`", m.group(3)))
    return out


# --- the run -------------------------------------------------------------------

def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def value(fam, **labels):
    got = [v for l, v in fam["samples"] if all(l.get(k) == x for k, x in labels.items())]
    return sum(got) if got else None


sample = os.path.join(SAMPLES, "outage-rst-mid-data.pcap")
doc = documented(os.path.join(SRCDIR, "doc", "metrics.md"))
check(len(doc) > 20, "doc/metrics.md: a table of %d metrics" % len(doc))

with tempfile.TemporaryDirectory() as tmp:
    prom = os.path.join(tmp, "smtpscope.prom")
    for top in (20, 1):
        rc, out, err = run(["-r", sample, "--format", "json", "--transcript",
                            "--metrics-file", prom, "--metrics-hosts", str(top)])
        check(rc == 0, "--metrics-hosts %d: exit 0 (%s)" % (top, err.strip()))
        check(not os.path.exists(prom + ".tmp"), "no PATH.tmp left behind")
        try:
            fams = parse(open(prom).read())
            check(True, "the file parses (strict text format 0.0.4)")
        except ParseError as e:
            check(False, "the file parses: %s" % e)
            continue
        recs = [json.loads(l) for l in out.splitlines()]
        sessions = [r for r in recs if r["type"] == "session"]
        hosts = [r for r in recs if r["type"] == "host"]
        alerts = [r for r in recs if r["type"] == "alert"]
        stats = [r for r in recs if r["type"] == "stats"][0]

        # names, types, labels: as documented, with HELP and TYPE
        for name, fam in fams.items():
            ok = (name.startswith("smtpscope_") and fam["help"] and fam["type"] in ("counter", "gauge")
                  and name in doc and doc[name][0] == fam["type"]
                  and (fam["type"] != "counter" or name.endswith("_total"))
                  and all(sorted(l) == sorted(doc[name][1]) for l, _ in fam["samples"])
                  and all(v >= 0 and not math.isnan(v) for _, v in fam["samples"]))
            if not ok:
                check(False, "%s: prefix, HELP, TYPE %s, labels %s as documented"
                      % (name, fam["type"], [sorted(l) for l, _ in fam["samples"]][:1]))
        check(all(n in fams for n, (t, _) in doc.items()
                  if n not in ("smtpscope_capture_kernel_drops_total",
                               "smtpscope_capture_interface_drops_total")),
              "every documented family is in the file (kernel drops: live only)")
        check("smtpscope_capture_kernel_drops_total" not in fams,
              "a file has no kernel drop figures: absent, not 0")

        # sessions and transactions
        by_reason = collections.Counter(s["end_reason"] for s in sessions)
        f = fams["smtpscope_sessions_total"]
        check(all(value(f, end_reason=r) == n for r, n in by_reason.items())
              and value(f) == len(sessions), "sessions_total by end_reason = the session records")
        txns = collections.Counter(t["outcome"] for s in sessions for t in s["transactions"])
        f = fams["smtpscope_transactions_total"]
        check(all(value(f, outcome=o) == txns.get(o, 0) for o in ("accepted", "deferred", "rejected",
                                                                    "aborted")),
              "transactions_total by outcome = the transactions of the session records")

        # replies: each complete reply is one transcript entry
        check(all(s.get("transcript_omitted", 0) == 0 for s in sessions), "transcripts complete")
        codes = collections.Counter(str(e["code"]) for s in sessions for e in s["transcript"]
                                    if e.get("dir") == "S" and "code" in e)
        f = fams["smtpscope_replies_by_code_total"]
        check({l["code"]: v for l, v in f["samples"]} == codes,
              "replies_by_code_total = the replies of the transcripts")
        f = fams["smtpscope_replies_total"]
        check(all(value(f, **{"class": "%dxx" % c}) == sum(n for k, n in codes.items() if k[0] == str(c))
                  for c in range(1, 6)), "replies_total by class")

        # alerts
        by_rule = collections.Counter((a["rule"], a["severity"]) for a in alerts)
        f = fams["smtpscope_alerts_total"]
        check({(l["rule"], l["severity"]): v for l, v in f["samples"]} == by_rule and by_rule,
              "alerts_total by rule and severity = the alert records")

        # capture and memory
        check(value(fams["smtpscope_capture_packets_total"]) == stats["packets"]
              and value(fams["smtpscope_capture_bytes_total"]) == stats["bytes"]
              and value(fams["smtpscope_capture_acked_unseen_total"]) == stats["acked_unseen"]
              and value(fams["smtpscope_capture_malformed_total"]) == stats["malformed"]
              and value(fams["smtpscope_memory_cap_bytes"]) == stats["memcap"],
              "capture packets, bytes, acked_unseen, malformed, memcap = the stats record")
        check(abs(value(fams["smtpscope_last_packet_timestamp_seconds"]) - stats["last_packet"]) < 1e-5,
              "last packet timestamp = the stats record")

        # hosts: the first N host records listed, the rest summed per role
        listed, rest = hosts[:top], hosts[top:]
        figures = ("sessions", "messages", "accepted", "deferred", "rejected", "aborted",
                   "resets", "timeouts", "retries", "pending")
        ok = True
        for fig in figures:
            f = fams["smtpscope_host_" + fig]
            for h in listed:
                ok &= value(f, host=h["host"], role=h["role"]) == h[fig]
            for role in ("server", "client"):
                ok &= value(f, host="other", role=role) == sum(h[fig] for h in rest if h["role"] == role)
            ok &= len(f["samples"]) == len(listed) + 2
        check(ok and listed, "host figures (pending, retries, ...) = the host records, top %d + other" % top)
        f = fams["smtpscope_host_status"]
        ok = all(value(f, host=h["host"], role=h["role"], status=st) == (h["status"] == st)
                 for h in listed for st in ("ready", "active", "retry", "failing"))
        ok &= all(value(f, host="other", role=role, status=st)
                  == sum(1 for h in rest if h["role"] == role and h["status"] == st)
                  for role in ("server", "client") for st in ("ready", "active", "retry", "failing"))
        check(ok, "host_status: 1 for each listed host's status, counts for host=\"other\"")
        by_status = collections.Counter(h["status"] for h in hosts)
        check(all(value(fams["smtpscope_hosts"], status=st) == by_status.get(st, 0)
                  for st in ("ready", "active", "retry", "failing")), "hosts by status")
        if top == 1:
            check(len(rest) > 0, "with --metrics-hosts 1 some hosts are in host=\"other\"")

    # the parser itself refuses what the format forbids
    bad = ['# TYPE a counter\na{x="\\q"} 1\n', '# TYPE a counter\na 1\na 1\n', 'a 1\n',
           '# TYPE a counter\na{x="1",} 1\n', '# TYPE a gauge\na 1', '# TYPE a gauge\n\na 1\n']
    rejected = 0
    for text in bad:
        try:
            parse(text)
        except ParseError:
            rejected += 1
    check(rejected == len(bad), "the strict parser refuses bad escapes, duplicates, untyped samples, ...")

    # a path that cannot be written stops the run before it starts
    rc, out, err = run(["-r", sample, "--metrics-file", os.path.join(tmp, "no", "such", "x.prom")])
    check(rc == 2 and "--metrics-file" in err and "no/such" in err,
          "unwritable --metrics-file: exit 2 naming the file (%s)" % err.strip())
    for bad_arg in (["--metrics-interval", "0"], ["--metrics-interval", "x"], ["--metrics-hosts", "-1"]):
        rc, _, err = run(["-r", sample, "--metrics-file", prom] + bad_arg)
        check(rc == 1, "%s: usage error, exit 1" % " ".join(bad_arg))

sys.exit(1 if failures else 0)
