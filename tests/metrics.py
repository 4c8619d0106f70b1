#!/usr/bin/env python3
"""metrics.py — --metrics-file (ui/output/metrics.c): the file parses under a strict
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
        fam = current
        # a histogram's samples are NAME_bucket (with le), NAME_sum, NAME_count
        if (current and fams[current]["type"] == "histogram"
                and name in (current + "_bucket", current + "_sum", current + "_count")):
            name = current
        if name != current or fams[name]["type"] is None:
            raise ParseError("line %d: sample of %s outside its family (after TYPE)" % (lineno, name))
        labels = parse_labels(labels, lineno) if labels else {}
        suffix = m.group(1)[len(fam):]
        if (suffix == "_bucket") != ("le" in labels):
            raise ParseError("line %d: le belongs on _bucket samples, and only there" % lineno)
        key = (m.group(1), tuple(sorted(labels.items())))
        if key in seen_series:
            raise ParseError("line %d: series %s twice" % (lineno, key))
        seen_series.add(key)
        if fams[name]["type"] == "histogram":
            fams[name].setdefault("series", []).append((suffix, labels, float(value)))
        else:
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
            labelsets = ([l for l, _ in fam["samples"]] if fam["type"] != "histogram"
                         else [{k: v for k, v in l.items() if k != "le"} for _, l, _ in fam["series"]])
            values = ([v for _, v in fam["samples"]] if fam["type"] != "histogram"
                      else [v for _, _, v in fam["series"]])
            ok = (name.startswith("smtpscope_") and fam["help"]
                  and fam["type"] in ("counter", "gauge", "histogram")
                  and name in doc and doc[name][0] == fam["type"]
                  and (fam["type"] != "counter" or name.endswith("_total"))
                  and all(sorted(l) == sorted(doc[name][1]) for l in labelsets)
                  and all(v >= 0 and not math.isnan(v) for v in values))
            if not ok:
                check(False, "%s: prefix, HELP, TYPE %s, labels %s as documented"
                      % (name, fam["type"], [sorted(l) for l in labelsets][:1]))
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
        # an update is the same alert grown, not one more (doc/json.md)
        by_rule = collections.Counter((a["rule"], a["severity"]) for a in alerts if not a["update"])
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

        # hosts and domains: the first N records listed, the rest summed
        # (per role for hosts); the cumulative figures are counters
        counters = ("sessions", "messages", "accepted", "deferred", "rejected", "aborted",
                    "resets", "timeouts", "retries")
        domains = [r for r in recs if r["type"] == "domain"]
        for kind, label, records, roles in (("host", "host", hosts, ("server", "client")),
                                            ("domain", "domain", domains, (None,))):
            listed, rest = records[:top], records[top:]
            ok = True
            for fig in counters + ("pending",):
                f = fams["smtpscope_%s_%s" % (kind, fig + "_total" if fig in counters else fig)]
                ok &= f["type"] == ("counter" if fig in counters else "gauge")
                for h in listed:
                    sel = {label: h[label]}
                    if roles[0]:
                        sel["role"] = h["role"]
                    ok &= value(f, **sel) == h[fig]
                for role in roles:
                    sel = {label: "other"}
                    if role:
                        sel["role"] = role
                    ok &= value(f, **sel) == sum(h[fig] for h in rest if not role or h["role"] == role)
                ok &= len(f["samples"]) == len(listed) + len(roles)
            check(ok and listed, "%s figures (pending, retries, ...) = the %s records, top %d + other"
                  % (kind, kind, top))
            f = fams["smtpscope_%s_status" % kind]
            sts = ("ready", "active", "retry", "failing")
            ok = all(value(f, **{label: h[label], "status": st}) == (h["status"] == st)
                     for h in listed for st in sts)
            for role in roles:
                sel = {label: "other"}
                if role:
                    sel["role"] = role
                ok &= all(value(f, status=st, **sel)
                          == sum(1 for h in rest if (not role or h["role"] == role) and h["status"] == st)
                          for st in sts)
            check(ok, "%s_status: 1 for each listed one's status, counts for %s=\"other\"" % (kind, label))
            by_status = collections.Counter(h["status"] for h in records)
            check(all(value(fams["smtpscope_%ss" % kind], status=st) == by_status.get(st, 0)
                      for st in sts), "%ss by status" % kind)
        listed, rest = hosts[:top], hosts[top:]
        if top == 1:
            check(len(rest) > 0, "with --metrics-hosts 1 some hosts are in host=\"other\"")

    # direction, resets mid-DATA and the histograms, from the session records
    # of samples with outbound (gateway as client) and inbound sessions
    dur_le = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600, 1800)
    size_le = (1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 10485760, 26214400, 52428800)

    def buckets(fam, direction):
        # le names the bound exactly ("1048576", not "1.04858e+06")
        out = {l["le"]: v for suffix, l, v in fam["series"]
               if suffix == "_bucket" and l.get("direction") == direction}
        return {(float(k) if k != "+Inf" else k): v for k, v in out.items()}

    def hist_value(fam, suffix, direction):
        return [v for sx, l, v in fam["series"] if sx == suffix and l.get("direction") == direction][0]

    seen_dirs = set()
    for name in ("outage-rst-mid-data.pcap", "auth-submission.pcap", "deferrals-4xx.pcap", "bdat.pcap"):
        rc, out, err = run(["-r", os.path.join(SAMPLES, name), "--format", "json", "--metrics-file", prom])
        fams = parse(open(prom).read())
        recs = [json.loads(l) for l in out.splitlines()]
        servers = {h["host"] for h in recs if h["type"] == "host" and h["role"] == "server"}
        clients = {h["host"] for h in recs if h["type"] == "host" and h["role"] == "client"}
        ok = True
        for d in ("inbound", "outbound"):
            mine = [r for r in recs if r["type"] == "session"
                    and (r["server"] in servers if d == "outbound" else r["client"] in clients)]
            if mine:
                seen_dirs.add(d)
            ok &= value(fams["smtpscope_sessions_total"], direction=d) == len(mine)
            ok &= (value(fams["smtpscope_transactions_total"], direction=d)
                   == sum(len(r["transactions"]) for r in mine))
            for by in ("client", "server"):
                ok &= (value(fams["smtpscope_sessions_reset_mid_data_total"], direction=d, end_by=by)
                       == sum(1 for r in mine if r["end_reason"] == "rst" and r["end_by"] == by
                              and r["end_state"] in ("body", "bdat")))
            durs = [r["end"] - r["start"] for r in mine]
            f = fams["smtpscope_session_duration_seconds"]
            b = buckets(f, d)
            ok &= all(b.get(float(le)) == sum(1 for x in durs if x <= le + 1e-9) for le in dur_le)
            ok &= b["+Inf"] == len(durs) == hist_value(f, "_count", d)
            ok &= abs(hist_value(f, "_sum", d) - sum(durs)) < 1e-3
            sizes = [t["data_bytes"] for r in mine for t in r["transactions"] if t["data_bytes"] is not None]
            f = fams["smtpscope_message_size_bytes"]
            b = buckets(f, d)
            ok &= all(b.get(float(le)) == sum(1 for x in sizes if x <= le) for le in size_le)
            ok &= b["+Inf"] == len(sizes) == hist_value(f, "_count", d)
            ok &= hist_value(f, "_sum", d) == sum(sizes)
        check(rc == 0 and ok, "%s: sessions, transactions, resets mid-DATA, duration and size "
              "histograms by direction = the session records" % name)
        relay = fams["smtpscope_relay_delay_seconds"]["series"]
        check(all(v == 0 for _, _, v in relay) and len(relay) == 14,
              "%s: relay delay histogram present and empty (message tracking not wired yet)" % name)
    check(seen_dirs == {"inbound", "outbound"}, "both directions were checked")
    # le is matched as text in queries: the bounds as Prometheus's Go
    # clients write them (shortest digits, exponent form from 1e6)
    les = lambda fam: [l["le"] for sx, l, _ in fams[fam]["series"]
                       if sx == "_bucket" and l.get("direction", "outbound") == "outbound"]
    check(les("smtpscope_session_duration_seconds") == ["0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30",
                                                        "60", "300", "600", "1800", "+Inf"]
          and les("smtpscope_message_size_bytes") == ["1024", "4096", "16384", "65536", "262144",
                                                       "1.048576e+06", "4.194304e+06", "1.048576e+07",
                                                       "2.62144e+07", "5.24288e+07", "+Inf"]
          and les("smtpscope_relay_delay_seconds") == ["1", "5", "15", "30", "60", "300", "900", "3600",
                                                       "14400", "43200", "86400", "+Inf"],
          "histogram le labels as Prometheus's clients write them")
    rc, out, err = run(["-r", sample, "--metrics-file", prom])
    fams = parse(open(prom).read())
    check(value(fams["smtpscope_sessions_reset_mid_data_total"], end_by="server") == 6,
          "outage-rst-mid-data: the 6 sessions the server reset during the body (samples/README.md)")

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

    # --metrics-listen: malformed is a usage error (1); an address in use
    # stops the run before it starts (2), naming the option
    for bad_arg in ("9925", "localhost:9925", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                    "::1:9925", "[::1]9925", "127.0.0.1:99x"):
        rc, _, err = run(["-r", sample, "--metrics-listen", bad_arg])
        check(rc == 1 and "--metrics-listen" in err, "--metrics-listen %s: usage error, exit 1" % bad_arg)
    import socket
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    rc, _, err = run(["-r", sample, "--metrics-listen", "127.0.0.1:%d" % port])
    check(rc == 2 and "--metrics-listen 127.0.0.1:%d: Address already in use" % port in err,
          "--metrics-listen on a port in use: exit 2 (%s)" % err.strip())
    busy.close()
    # with -r the listener serves while the file is read, and the run's
    # outputs are those of a run without it
    rc, out, err = run(["-r", sample, "--format", "json", "--metrics-listen", "127.0.0.1:%d" % port,
                        "--metrics-file", prom])
    rc2, out2, _ = run(["-r", sample, "--format", "json"])
    check(rc == 0 and rc2 == 0 and out == out2 and parse(open(prom).read()),
          "-r with --metrics-listen: exit 0, the same records")

sys.exit(1 if failures else 0)
