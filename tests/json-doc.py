#!/usr/bin/env python3
"""json-doc.py — doc/json.md and the JSON output cannot drift apart.

Parses the `| field | type | meaning |` tables of doc/json.md (one `## type`
section per record type), runs every sample in JSON with --transcript, plus a
few runs with options that add fields (--any-port, -w and --evidence, a
truncated file, two inputs), and fails on:
  * a key path written that the doc does not list (nested objects as `a.b`,
    arrays of objects as `a[].b`; `a.*` lists a map of free names);
  * a documented field no run writes (unless listed in NEEDS_ELSEWHERE with
    the reason);
  * a value whose JSON type is not the documented one (`int`, `number`,
    `time`, `string`, `bool`, `object`, `array`, `|null`);
  * keys of one object written in another order than the doc lists them."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))

# Documented fields no run of this test can produce, and why.
NEEDS_ELSEWHERE = {
    ("session", "not_smtp"): "a non-SMTP protocol on port 25; tests/any-port.py covers it",
    ("session", "transactions[].rcpt_dropped"): "more than 1000 recipients in one transaction",
    ("session", "transcript[].omitted"): "a dialogue of more than 64 entries",
    ("stats", "interrupted"): "SIGINT/SIGTERM while reading (tests/ops-exits.py)",
    ("stats", "sessions_stalled"): "a live capture (tests/tui-stalled.sh)",
    ("host", "geo.country"): "--geoip and a MaxMind database (tests/geoip.py)",
    ("host", "geo.city"): "--geoip and a MaxMind database (tests/geoip.py)",
    ("host", "geo.asn"): "--geoip and a MaxMind database (tests/geoip.py)",
    ("host", "geo.org"): "--geoip and a MaxMind database (tests/geoip.py)",
}
# Record types only a live capture writes.
LIVE_ONLY = {"gateway": "written live when the provisional gateway changes (files never)"}

failures = []


def fail(msg):
    failures.append(msg)


def parse_doc():
    """{record type: [(path, types or None)]} in doc order."""
    doc = {}
    current = None
    in_table = False
    for line in open(os.path.join(SRCDIR, "doc", "json.md"), encoding="utf-8"):
        m = re.match(r"^## (\w+)\s*$", line)
        if m:
            current = m.group(1)
            continue
        if re.match(r"^\| field \| type \| meaning \|", line):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False  # other tables (host status rules) are prose
        if current is None or not in_table or not line.startswith("| `"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) != 3:
            fail("doc/json.md: a field row without 3 cells: %s" % line.strip())
            continue
        paths = re.findall(r"`([^`]+)`", cells[0])
        types = [t.strip().replace("\\|", "|") for t in cells[1].split(",")] if cells[1] else []
        if types and len(types) not in (1, len(paths)):
            fail("doc/json.md %s: %d types for %d fields: %s" % (current, len(types),
                                                                 len(paths), cells[0]))
            types = []
        rows = doc.setdefault(current, [])
        for i, p in enumerate(paths):
            t = (types[i] if len(types) > 1 else types[0]) if types else None
            rows.append((p, t))
    return doc


def type_ok(doc_type, value):
    alts = [a.strip() for a in doc_type.split("|")]
    for a in alts:
        if a == "null" and value is None:
            return True
        if a == "int" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if a in ("number", "time") and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            return True
        if a == "string" and isinstance(value, str):
            return True
        if a == "bool" and isinstance(value, bool):
            return True
        if a == "object" and isinstance(value, dict):
            return True
        if a.startswith("array") and isinstance(value, list):
            return True
    return False


def lookup(rows, path):
    """The doc entry for path, allowing `x.*` to cover any key under x."""
    if path in rows:
        return path
    parts = path.rsplit(".", 1)
    if len(parts) == 2 and parts[0] + ".*" in rows:
        return parts[0] + ".*"
    return None


def walk(rtype, rows, order, obj, prefix, seen, where):
    last_index = -1
    last_key = None
    for k, v in obj.items():
        path = prefix + k
        key = lookup(rows, path)
        if key is None:
            fail("%s: %s field `%s` is not in doc/json.md" % (where, rtype, path))
            continue
        seen.add((rtype, key))
        t = rows[key]
        if t and not type_ok(t, v):
            fail("%s: %s `%s` = %r is not %s" % (where, rtype, path, v, t))
        if not key.endswith(".*"):
            idx = order[key]
            if idx < last_index:
                fail("%s: %s `%s` written after `%s`, the doc lists it before" %
                     (where, rtype, path, last_key))
            last_index, last_key = idx, path
        if isinstance(v, dict) and not key.endswith(".*"):
            walk(rtype, rows, order, v, path + ".", seen, where)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, dict):
                    walk(rtype, rows, order, x, path + "[].", seen, where)


def runs(tmp):
    samples = sorted(f for f in os.listdir(os.path.join(SRCDIR, "samples"))
                     if f.endswith(".pcap") or f.endswith(".pcapng"))
    if len(samples) < 20:
        raise SystemExit("FAIL: only %d samples found" % len(samples))
    for f in samples:
        yield f, [os.path.join(SRCDIR, "samples", f), "--transcript"], (0,)
    yield "ftp-on-odd-port.pcap --any-port", [
        os.path.join(SRCDIR, "samples", "ftp-on-odd-port.pcap"), "--any-port"], (0,)
    yield "clean-delivery.pcap -w --evidence", [
        os.path.join(SRCDIR, "samples", "clean-delivery.pcap"),
        "-w", os.path.join(tmp, "all.pcap"), "--evidence", os.path.join(tmp, "ev")], (0,)
    # a file cut inside a record: stats.truncated_at
    cut = os.path.join(tmp, "cut.pcap")
    with open(os.path.join(SRCDIR, "samples", "clean-delivery.pcap"), "rb") as src:
        data = src.read()
    with open(cut, "wb") as dst:
        dst.write(data[:len(data) - 7])
    yield "clean-delivery.pcap cut short", [cut], (2,)  # exit 2: the input is damaged
    # several inputs, the second cut short: stats.sources[], truncated_at.file
    yield "greylist-rcpt.pcap + the cut file", [
        os.path.join(SRCDIR, "samples", "greylist-rcpt.pcap"), "-r", cut], (2,)


def main():
    doc = parse_doc()
    for rtype in ("session", "alert", "host", "domain", "message", "stats", "gateway"):
        if rtype not in doc:
            fail("doc/json.md has no field table for `%s`" % rtype)
    rows = {t: dict(r) for t, r in doc.items()}
    order = {t: {p: i for i, (p, _) in enumerate(r)} for t, r in doc.items()}
    seen = set()
    types_seen = set()
    tmp = tempfile.mkdtemp()
    try:
        for name, args, exits in runs(tmp):
            p = subprocess.run([BIN, "-r", *args, "--format", "json"], capture_output=True,
                               timeout=120)
            if p.returncode not in exits:
                fail("%s: exit %d: %s" % (name, p.returncode, p.stderr.decode()[:200]))
                continue
            for n, line in enumerate(p.stdout.decode().splitlines(), 1):
                rec = json.loads(line)
                rtype = rec.get("type")
                where = "%s line %d" % (name, n)
                if rtype not in rows:
                    fail("%s: record type `%s` is not in doc/json.md" % (where, rtype))
                    continue
                types_seen.add(rtype)
                walk(rtype, rows[rtype], order[rtype], rec, "", seen, where)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for rtype, r in doc.items():
        if rtype in LIVE_ONLY:
            continue
        if rtype not in types_seen:
            fail("doc/json.md documents record type `%s` that no run wrote" % rtype)
            continue
        for path, _ in r:
            if (rtype, path) not in seen and (rtype, path) not in NEEDS_ELSEWHERE:
                fail("doc/json.md documents %s `%s` but no run wrote it" % (rtype, path))
    for (rtype, path) in NEEDS_ELSEWHERE:
        if path not in rows.get(rtype, {}):
            fail("NEEDS_ELSEWHERE names %s `%s`, which the doc does not list" % (rtype, path))
        elif (rtype, path) in seen:
            fail("NEEDS_ELSEWHERE names %s `%s`, but a run wrote it: drop it" % (rtype, path))
    for f in failures[:60]:
        print("FAIL", f)
    if failures:
        print("%d problems" % len(failures))
        return 1
    print("ok: %d record types, %d documented fields checked" %
          (len(types_seen), sum(len(r) for r in doc.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
