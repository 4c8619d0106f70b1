#!/usr/bin/env python3
"""csv-output.py — --format csv on every sample: a header and one RFC 4180
row per session, each row agreeing field by field with the session's JSON
record (the JSON writer is the reference; the two outputs are written by
different code from the same session)."""
import csv
import glob
import io
import json
import os
import subprocess
import sys

BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SRC = os.environ.get("srcdir", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
HEADER = ["id", "start", "end", "client", "client_port", "server", "server_port", "helo", "tls",
          "messages", "accepted", "deferred", "rejected", "aborted", "end_reason", "end_by",
          "end_state", "last_reply_code", "last_reply_text"]


def run(path, fmt):
    p = subprocess.run([BIN, "-r", path, "--format", fmt], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout


def main():
    fails = rows = 0
    samples = sorted(glob.glob(os.path.join(SRC, "samples", "*.pcap*")))
    for path in samples:
        rc, out = run(path, "csv")
        if rc != 0:
            print("FAIL %s: exit %d" % (path, rc))
            fails += 1
            continue
        text = out.decode("utf-8")
        if text and not text.endswith("\r\n"):
            print("FAIL %s: lines do not end in CRLF" % path)
            fails += 1
        table = list(csv.reader(io.StringIO(text, newline="")))
        _, js = run(path, "json")
        sessions = {r["id"]: r for r in map(json.loads, js.decode().splitlines()) if r["type"] == "session"}
        if not sessions:
            continue
        if not table or table[0] != HEADER:
            print("FAIL %s: header %s" % (path, table[:1]))
            fails += 1
            continue
        if len(table) - 1 != len(sessions):
            print("FAIL %s: %d rows for %d sessions" % (path, len(table) - 1, len(sessions)))
            fails += 1
        for row in table[1:]:
            rows += 1
            c = dict(zip(HEADER, row))
            s = sessions.get(int(c["id"]))
            outcomes = [t["outcome"] for t in s["transactions"]] if s else []
            lr = (s or {}).get("last_reply") or {}
            want = None if s is None else {
                "client": s["client"], "client_port": str(s["client_port"]),
                "server": s["server"], "server_port": str(s["server_port"]),
                "helo": s["helo"] or "", "tls": "yes" if s["tls"] else "no",
                "messages": str(len(outcomes)),
                "accepted": str(outcomes.count("accepted")), "deferred": str(outcomes.count("deferred")),
                "rejected": str(outcomes.count("rejected")), "aborted": str(outcomes.count("aborted")),
                "end_reason": s["end_reason"], "end_by": s["end_by"] or "", "end_state": s["end_state"],
                "last_reply_code": str(lr["code"]) if lr else "",
                "last_reply_text": lr.get("text", "") if lr else "",
            }
            if want is None or any(c[k] != v for k, v in want.items()):
                bad = {k: (c[k], v) for k, v in (want or {}).items() if c[k] != v}
                print("FAIL %s: session %s differs from its JSON record: %s" % (path, c["id"], bad or "no such session"))
                fails += 1
            # the start time is the JSON start, as ISO 8601 UTC
            if s is not None:
                import datetime
                iso = datetime.datetime.fromtimestamp(s["start"], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                if c["start"] != iso:
                    print("FAIL %s: session %s start %s, JSON says %s" % (path, c["id"], c["start"], iso))
                    fails += 1
    print("%d samples, %d CSV rows checked against the JSON records, %d failures" % (len(samples), rows, fails))
    if rows < 50:
        print("FAIL: too few rows checked")
        return 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
