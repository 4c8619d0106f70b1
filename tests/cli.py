#!/usr/bin/env python3
"""cli.py — end-to-end checks of the command line: gzip and stdin input,
truncated and corrupt captures, unreadable files, usage errors, exit codes,
BPF filters, -c, -o and --gateway.  Each check states what it expects."""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLES = os.path.join(SRCDIR, "samples")
failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok   " + what)
    else:
        failures += 1
        print("FAIL " + what)


def run(args, stdin=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def records(text, kind=None):
    out = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for r in out if kind is None or r["type"] == kind]


def sessions_key(text):
    """The session records without anything that names the input."""
    return [json.dumps(r, sort_keys=True) for r in records(text, "session")]


def pcap_records(data):
    """(offset, caplen) of each record of a classic little-endian pcap."""
    off, out = 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack_from("<I", data, off + 8)[0]
        out.append((off, caplen))
        off += 16 + caplen
    return out


sample = os.path.join(SAMPLES, "outage-rst-mid-data.pcap")
raw = open(sample, "rb").read()
rc, ref, err = run(["-r", sample, "--format", "json"])
check(rc == 0 and len(records(ref, "session")) == 8, "plain pcap: exit 0, 8 sessions")
ref_sessions = sessions_key(ref)

with tempfile.TemporaryDirectory() as tmp:
    gz = os.path.join(tmp, "outage.pcap.gz")
    with gzip.open(gz, "wb") as f:
        f.write(raw)
    rc, out, err = run(["-r", gz, "--format", "json"])
    check(rc == 0 and sessions_key(out) == ref_sessions, "gzip file: same sessions as the plain file")

    rc, out, err = run(["-r", "-", "--format", "json"], stdin=raw)
    check(rc == 0 and sessions_key(out) == ref_sessions, "stdin: same sessions as the file")
    check(records(out, "stats")[0]["source"] == "stdin", "stdin: stats source says stdin")

    rc, out, err = run(["-r", "-", "--format", "json"], stdin=gzip.compress(raw))
    check(rc == 0 and sessions_key(out) == ref_sessions, "gzip on stdin: same sessions")

    # Cut in the middle of packet 200: 199 packets are readable.
    recs = pcap_records(raw)
    cut_at = recs[199][0] + 16 + 10
    trunc = os.path.join(tmp, "trunc.pcap")
    open(trunc, "wb").write(raw[:cut_at])
    rc, out, err = run(["-r", trunc, "--format", "json"])
    stats = records(out, "stats")
    check(rc == 2, "truncated file: exit 2 (got %d)" % rc)
    check(len(err.strip().splitlines()) == 1 and "truncated at packet 200" in err
          and "byte offset %d" % recs[199][0] in err, "truncated file: one stderr line with packet and offset: " + err.strip())
    check(len(stats) == 1 and stats[0]["truncated"] is True
          and stats[0]["truncated_at"]["packet"] == 200
          and stats[0]["truncated_at"]["byte_offset"] == recs[199][0]
          and stats[0]["packets"] == 199, "truncated file: stats record says where")
    check(len(records(out, "session")) >= 4, "truncated file: sessions before the cut are reported")

    # Gzip cut short: what was decompressed is analysed.
    gzcut = os.path.join(tmp, "cut.pcap.gz")
    open(gzcut, "wb").write(gzip.compress(raw)[:4000])
    rc, out, err = run(["-r", gzcut, "--format", "json"])
    check(rc == 2 and "truncated" in err and records(out, "stats")[0]["truncated"], "truncated gzip: exit 2, reported")

    # A record header with an absurd length (corrupt framing) at packet 5.
    bad = bytearray(raw)
    struct.pack_into("<I", bad, recs[4][0] + 8, 0xE9FFFFFF)
    badf = os.path.join(tmp, "badlen.pcap")
    open(badf, "wb").write(bad)
    rc, out, err = run(["-r", badf, "--format", "json"])
    check(rc == 2 and "truncated at packet 5 " in err and "byte offset %d" % recs[4][0] in err,
          "absurd caplen: exit 2 at packet 5: " + err.strip())

    for name, content in (("empty.pcap", b""), ("notpcap.pcap", b"hello world, not a capture\n" * 10)):
        path = os.path.join(tmp, name)
        open(path, "wb").write(content)
        rc, out, err = run(["-r", path])
        check(rc == 2 and len(err.strip().splitlines()) == 1 and path in err,
              "%s: exit 2 with one line naming the file: %s" % (name, err.strip()))
    missing = os.path.join(tmp, "missing.pcap")
    rc, out, err = run(["-r", missing])
    check(rc == 2 and missing in err and "No such file" in err, "missing file: exit 2: " + err.strip())

    outfile = os.path.join(tmp, "out.json")
    rc, out, err = run(["-r", sample, "--format", "json", "-o", outfile])
    check(rc == 0 and out == "" and sessions_key(open(outfile).read()) == ref_sessions, "-o FILE: records go to the file")

for args, what in ((["--bogus"], "unknown option"), (["-r", sample, "--format", "xml"], "bad --format"),
                   ([], "no input"), (["-r", sample, "-i", "lo"], "both -r and -i"),
                   (["-r", sample, "--gateway", "300.1.1.1"], "bad --gateway"),
                   (["-r", sample, "--ports", "25,70000"], "bad --ports"),
                   (["-r", sample, "--idle-timeout", "-5"], "bad --idle-timeout"),
                   (["-r"], "missing value")):
    rc, out, err = run(args)
    check(rc == 1 and len(err.strip().splitlines()) == 1, "usage error (%s): exit 1, one line: %s" % (what, err.strip()))

# Port reuse: the same connection twice (same tuple, same ISN), 60 s apart:
# a SYN on a finished tuple starts a new session.
with tempfile.TemporaryDirectory() as tmp:
    one = open(os.path.join(SAMPLES, "linktype-raw.pcap"), "rb").read()
    recs, off = [], 24
    while off + 16 <= len(one):
        sec, usec, cap, wire = struct.unpack_from("<IIII", one, off)
        recs.append((sec, usec, one[off + 16:off + 16 + cap], wire))
        off += 16 + cap
    twice = os.path.join(tmp, "twice.pcap")
    with open(twice, "wb") as f:
        f.write(one[:24])
        for shift in (0, 60):
            for sec, usec, data, wire in recs:
                f.write(struct.pack("<IIII", sec + shift, usec, len(data), wire) + data)
    rc, out, err = run(["-r", twice, "--format", "json"])
    ss = records(out, "session")
    check(rc == 0 and len(ss) == 2 and all(s["end_reason"] == "quit" for s in ss)
          and records(out, "stats")[0]["port_reuse"] == 1 and records(out, "stats")[0]["late_packets"] == 0,
          "port reuse: the same tuple twice gives two whole sessions")

rc, out, err = run(["--version"])
check(rc == 0 and out.startswith("smtpscope "), "--version")
rc, out, err = run(["-h"])
check(rc == 0 and "--gateway" in out and "Exit status" in out, "-h lists options and exit codes")

import re
man = open(os.path.join(SRCDIR, "doc", "smtpscope.8")).read().replace("\\-", "-")
opts = sorted(set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", out)) - {"-"})
missing = [o for o in opts if o not in man]
check(not missing, "every option in --help is in the man page (missing: %s)" % missing)

rc, out, err = run(["-r", sample, "--format", "json", "host", "198.51.100.7"])
servers = {r["server"] for r in records(out, "session")}
check(rc == 0 and servers == {"198.51.100.7"}, "BPF filter on a file keeps only matching sessions")
rc, out, err = run(["-r", sample, "--format", "json", "tcp port"])
check(rc == 2 and "filter" in err, "bad BPF filter: exit 2 naming the filter: " + err.strip())

rc, out, err = run(["-r", sample, "--format", "json", "-c", "50"])
check(rc == 0 and records(out, "stats")[0]["packets"] == 50, "-c 50 reads 50 packets")

rc, out, err = run(["-r", sample, "--format", "json", "--gateway", "198.51.100.7"])
hosts = {(h["host"], h["role"]) for h in records(out, "host")}
check(("192.0.2.10", "client") in hosts and not any(h == "198.51.100.7" for h, _ in hosts),
      "--gateway makes the other side the remote host")

sys.exit(1 if failures else 0)
