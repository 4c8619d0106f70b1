#!/usr/bin/env python3
"""multi-input.py — several -r files read as one capture (issue 11, input part).

samples/ring/ring-{0,1,2}.pcap hold the packets of outage-rst-mid-data.pcap
dealt out in runs of 5 (samples/gen/scenarios_multiinput.c), and
ring/mixed-{sll,eth}.pcap the same packets in runs of 4, one file behind a
Linux cooked header, the other behind Ethernet.  Merged by time they must
give exactly the single file's records but the source; the per-file
figures are counted here from the pcap records themselves; the golden
files tests/golden/ring-merged.{json,text} fix the full output.
  tests/multi-input.py          check (make check)
  tests/multi-input.py --regen  rewrite the two golden files (review the diff)
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
REGEN = sys.argv[1:] == ["--regen"]
RING = ["samples/ring/ring-%d.pcap" % i for i in range(3)]
MIXED = ["samples/ring/mixed-sll.pcap", "samples/ring/mixed-eth.pcap"]
SINGLE = "samples/outage-rst-mid-data.pcap"
failures = 0


def run(args, rc=0, stdin=None):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120, cwd=SRCDIR, input=stdin)
    if rc is not None and p.returncode != rc:
        raise SystemExit("FAIL smtpscope %s: exit %d (expected %d): %s"
                         % (" ".join(args), p.returncode, rc, p.stderr.decode()))
    return p


def records(args, rc=0):
    p = run(args + ["--format", "json", "--transcript"], rc)
    return [json.loads(l) for l in p.stdout.decode().splitlines()]


def check(what, got, want):
    global failures
    if got == want:
        print("ok   %s: %s" % (what, json.dumps(got)[:120]))
    else:
        failures += 1
        print("FAIL %s: got %s, expected %s" % (what, json.dumps(got)[:400], json.dumps(want)[:400]))


def pcap_records(path):
    """(ts_us, orig_len) of every record of a classic little-endian pcap."""
    with open(os.path.join(SRCDIR, path), "rb") as f:
        data = f.read()
    magic, = struct.unpack_from("<I", data, 0)
    assert magic == 0xa1b2c3d4, path
    linktype, = struct.unpack_from("<I", data, 20)
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, off)
        out.append((sec * 1000000 + usec, orig, off))
        off += 16 + incl
    return linktype, out


def without_source(recs):
    out = []
    for r in recs:
        r = dict(r)
        if r["type"] == "stats":
            for k in ("source", "sources", "linktype", "memory_used", "memory_peak"):
                r.pop(k, None)
        out.append(r)
    return out


def normalise(text):
    text = re.sub(r'"memory_used":[0-9]*,"memory_peak":[0-9]*,', "", text)
    return re.sub(r"(?m)^  memory peak .*", "  memory peak (not compared)", text)


# --- the files themselves: interleaved, so concatenation is out of order ---
ring = [pcap_records(f) for f in RING]
check("ring files are Ethernet", [lt for lt, _ in ring], [1, 1, 1])
check("ring-1 starts before ring-0 ends (a naive concatenation is out of order)",
      ring[1][1][0][0] < ring[0][1][-1][0], True)
check("ring-2 starts before ring-1 ends", ring[2][1][0][0] < ring[1][1][-1][0], True)
_, single = pcap_records(SINGLE)
check("ring files hold the single file's packets, no more",
      sorted(r[:2] for _, recs in ring for r in recs), sorted(r[:2] for r in single))

# --- merged: the single file's analysis but the source ---
merged = records(["-r", RING[0], "-r", RING[1], "-r", RING[2]])
alone = records(["-r", SINGLE])
check("merged records equal the single file's (but the source)",
      without_source(merged), without_source(alone))
stats = merged[-1]
check("stats source names every file", stats["source"], "files " + ", ".join(RING))
check("stats sources: name, packets, bytes counted from the pcap records",
      [(s["name"], s["packets"], s["bytes"], s["truncated"]) for s in stats["sources"]],
      [(f, len(recs), sum(r[1] for r in recs), False) for f, (_, recs) in zip(RING, ring)])
check("stats packets: the sum, 322 as in samples/README.md", stats["packets"], 322)
sess = [r for r in merged if r["type"] == "session"]
check("6 attempts reset by the server, 2 healthy deliveries (samples/README.md)",
      sorted((s["server"], s["end_reason"], s["end_by"]) for s in sess),
      sorted([("198.51.100.20", "rst", "server")] * 6 + [("198.51.100.7", "quit", "client")] * 2))
check("merged stats: no kernel figures from files", stats["dropped_kernel"], None)

# order of -r does not matter: merged by time
rev = records(["-r", RING[2], "-r", RING[0], "-r", RING[1]])
check("-r in another order: same records but the source", without_source(rev), without_source(merged))

# a quoted pattern: expanded by smtpscope, sorted
globbed = run(["-r", "samples/ring/ring-*.pcap", "--format", "json", "--transcript"]).stdout
explicit = run(["-r", RING[0], "-r", RING[1], "-r", RING[2], "--format", "json", "--transcript"]).stdout
check("-r 'samples/ring/ring-*.pcap' equals the three -r", globbed == explicit, True)

# -c counts across the files
check("-c 10 stops after 10 merged packets",
      records(["-r", "samples/ring/ring-*.pcap", "-c", "10"])[-1]["packets"], 10)

# --- golden: the whole output, text and JSON ---
for fmt, args in (("json", ["--format", "json", "--transcript"]), ("text", ["--format", "text"])):
    out = normalise(run(["-r", RING[0], "-r", RING[1], "-r", RING[2]] + args).stdout.decode())
    path = os.path.join(SRCDIR, "tests", "golden", "ring-merged." + fmt)
    if REGEN:
        with open(path, "w") as f:
            f.write(out)
        continue
    with open(path) as f:
        check("golden ring-merged.%s" % fmt, out == f.read(), True)
text = run(["-r", RING[0], "-r", RING[1], "-r", RING[2], "--format", "text"]).stdout.decode()
for (f, (_, recs)) in zip(RING, ring):
    check("text report lists %s" % f, "  source %s (EN10MB): %d packets\n" % (f, len(recs)) in text, True)

# --- mixed link types: SLL and Ethernet files ---
mixed = records(["-r", MIXED[0], "-r", MIXED[1]])


def without_bytes(recs):
    # frame sizes count the link header: a cooked header is 2 bytes longer
    return [{k: v for k, v in r.items() if k != "bytes"} for r in recs]


check("mixed link types: records equal the single file's (but frame bytes)",
      without_bytes(without_source(mixed)), without_bytes(without_source(alone)))
check("mixed link types: frame bytes, counted from the pcap records",
      mixed[-1]["bytes"], sum(r[1] for f in MIXED for r in pcap_records(f)[1]))
check("mixed link types: 2 bytes more per SLL frame than Ethernet",
      mixed[-1]["bytes"] - alone[-1]["bytes"], 2 * len(pcap_records(MIXED[0])[1]))
check("mixed link types: stats linktype", mixed[-1]["linktype"], "LINUX_SLL,EN10MB")
check("mixed link types: per-source link types",
      [(s["linktype"], s["packets"]) for s in mixed[-1]["sources"]],
      [("LINUX_SLL", len(pcap_records(MIXED[0])[1])), ("EN10MB", len(pcap_records(MIXED[1])[1]))])
check("mixed files: SLL (113) then Ethernet (1)", [pcap_records(f)[0] for f in MIXED], [113, 1])
tmp = tempfile.mkdtemp()
try:
    p = run(["-r", MIXED[0], "-r", MIXED[1], "--format", "json", "--write-all",
             os.path.join(tmp, "all.pcap")], rc=2)
    check("--write-all with mixed link types refuses, saying why",
          "different link types (LINUX_SLL,EN10MB)" in p.stderr.decode(), True)
    p = run(["-r", MIXED[0], "-r", MIXED[1], "--format", "json", "-w", os.path.join(tmp, "all.pcap")], rc=2)
    check("-w FILE with mixed link types refuses", "-w/--write-all" in p.stderr.decode(), True)
    p = run(["-r", MIXED[0], "-r", MIXED[1], "--format", "json", "--evidence", os.path.join(tmp, "ev")], rc=2)
    check("--evidence with mixed link types refuses",
          "--evidence %s: the inputs have different link types" % os.path.join(tmp, "ev") in p.stderr.decode(), True)
    p = run(["-r", RING[0], "-r", RING[1], "-r", RING[2], "--format", "json", "--write-all",
             os.path.join(tmp, "all.pcap")])
    _, written = pcap_records(os.path.join(tmp, "all.pcap"))
    check("--write-all of a merged ring: every packet, in time order",
          [r[:2] for r in written], [r[:2] for r in single])

    # --bundle re-reads the files, merged again: the same evidence as from the single file
    run(["-r", RING[0], "-r", RING[1], "-r", RING[2], "--bundle", os.path.join(tmp, "b1")])
    run(["-r", SINGLE, "--bundle", os.path.join(tmp, "b2")])
    ev = [open(os.path.join(tmp, b, "198.51.100.20", "evidence.pcap"), "rb").read() for b in ("b1", "b2")]
    check("--bundle of the ring: evidence.pcap equals the single file's", ev[0] == ev[1] and len(ev[0]) > 24, True)
    p = run(["-r", MIXED[0], "-r", MIXED[1], "--bundle", os.path.join(tmp, "b3")], rc=2)
    check("--bundle with mixed link types: no evidence.pcap, saying why",
          "not written: the input files have different link types" in p.stderr.decode(), True)

    # --- errors ---
    p = run(["-r", RING[0], "-r", "samples/ring/no-such.pcap", "--format", "json"], rc=2)
    check("a missing file is named", "samples/ring/no-such.pcap" in p.stderr.decode(), True)
    p = run(["-r", "samples/ring/nothing-*.pcap", "--format", "json"], rc=2)
    check("a pattern matching nothing is named", "samples/ring/nothing-*.pcap" in p.stderr.decode(), True)
    p = run(["-r", RING[0], "-r", "-", "--format", "json"], rc=2, stdin=b"")
    check("stdin only alone", "stdin (-r -) can only be read alone" in p.stderr.decode(), True)
    run(["-r", RING[0], "-i", "lo", "--format", "json"], rc=1)

    # a file truncated in the middle of the set: named, the rest still read
    _, recs1 = ring[1]
    cut = recs1[40][2] + 20  # inside record 41's data
    broken = os.path.join(tmp, "ring-1-cut.pcap")
    with open(os.path.join(SRCDIR, RING[1]), "rb") as f:
        data = f.read()
    with open(broken, "wb") as f:
        f.write(data[:cut])
    p = run(["-r", os.path.abspath(os.path.join(SRCDIR, RING[0])), "-r", broken,
             "-r", os.path.abspath(os.path.join(SRCDIR, RING[2])), "--format", "json"], rc=2)
    err = p.stderr.decode()
    check("truncated file named with its packet and offset",
          "%s: truncated at packet 41 (byte offset %d)" % (broken, recs1[40][2]) in err, True)
    recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
    st = recs[-1]
    check("truncated: the other files read to their end",
          [(s["packets"], s["truncated"]) for s in st["sources"]],
          [(len(ring[0][1]), False), (40, True), (len(ring[2][1]), False)])
    check("truncated: stats names the file", (st["truncated"], st["truncated_at"]["file"],
                                               st["truncated_at"]["packet"]), (True, broken, 41))
finally:
    shutil.rmtree(tmp)

# the dashboard's header names the files (count first: the line is narrow)
if shutil.which("tmux"):
    import time
    sess = "mi-%d" % os.getpid()
    subprocess.run(["tmux", "new-session", "-d", "-s", sess, "-x", "140", "-y", "30",
                    "cd %s && %s -r 'samples/ring/ring-*.pcap' --tui" % (os.path.abspath(SRCDIR), os.path.abspath(BIN))], check=True)
    head = ""
    try:
        for _ in range(100):
            head = subprocess.run(["tmux", "capture-pane", "-p", "-t", sess], capture_output=True,
                                  text=True).stdout.split("\n")[0]
            if "pkts" in head:
                break
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", sess, "q"])
        time.sleep(0.3)
        subprocess.run(["tmux", "kill-session", "-t", sess], capture_output=True)
    check("dashboard header: the files and all 322 packets",
          ("3 files: ring-0.pcap, ring-1.pcap" in head, "322 pkts" in head), (True, True))
else:
    print("skip dashboard header: no tmux")

if REGEN:
    print("regenerated tests/golden/ring-merged.{json,text}: review the diff")
sys.exit(1 if failures else 0)
