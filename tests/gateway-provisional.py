#!/usr/bin/env python3
"""gateway-provisional.py — the provisional decision (stdin past its
look-ahead; live works the same way) and how its change is announced.

gw-cluster.pcap is rebuilt with 6 MB of UDP filler (not SMTP) between node
b's third reset (t = 140 s) and the first inbound session (t = 200 s), and
read from stdin with --memcap 16, so the look-ahead (a quarter of --memcap,
4 MB) ends inside the filler.  The first six sessions show no shared name:
198.51.100.50, in all six, is the provisional gateway.  The inbound sessions
then tie the nodes by their banner name (once both are seen, at the end of
session 8), and the decision must change once:
a "gateway" JSON record naming 192.0.2.21 and 192.0.2.22, a note on stderr,
host records that never name a node, stats.gateway.changes == 1.  The alerts
written before the change name node b: that is the documented limit (they
cannot be taken back), checked here so that it stays documented."""
import json
import os
import struct
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
BASE = 1795143600

failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += not cond


def filler(i):
    """An Ethernet/IPv4/UDP frame of 1400 octets between two other hosts."""
    payload = bytes(1400 - 14 - 20 - 8)
    udp = struct.pack("!HHHH", 5000, 5001, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + udp
    return bytes.fromhex("020000000001020000000002") + b"\x08\x00" + ip


with open(os.path.join(SRCDIR, "samples", "gw-cluster.pcap"), "rb") as f:
    head, rest = f.read(24), f.read()
records = []
while rest:
    sec, usec, incl, orig = struct.unpack("<IIII", rest[:16])
    records.append((sec, usec, rest[16:16 + incl], orig))
    rest = rest[16 + incl:]
out = [r for r in records if r[0] - BASE < 150]
for i in range(4500):  # 6.3 MB at t = 150.000 .. 194.999
    frame = filler(i)
    out.append((BASE + 150 + i // 100, (i % 100) * 10000, frame, len(frame)))
out += [r for r in records if r[0] - BASE >= 150]
capture = head + b"".join(struct.pack("<IIII", s, u, len(d), o) + d for s, u, d, o in out)

p = subprocess.run([BIN, "-r", "-", "--format", "json", "--memcap", "16"], input=capture,
                   capture_output=True, timeout=120)
check(p.returncode == 0, "exit 0 (%d)" % p.returncode)
recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
err = p.stderr.decode()
types = [r["type"] for r in recs]
gw_recs = [r for r in recs if r["type"] == "gateway"]
nodes = ["192.0.2.21", "192.0.2.22"]
check(len(gw_recs) == 1 and [a["address"] for a in gw_recs[0]["addresses"]] == nodes and
      gw_recs[0]["source"] == "inferred" and gw_recs[0]["changes"] == 1,
      "one gateway record, naming both nodes")
if gw_recs:
    # node a's banner is seen at session 7 (4 sessions, still fewer than
    # 198.51.100.50's 6); node b's at session 8 (210.266 s) ties the two:
    # written then, before session 8's own record
    sessions_before = sum(1 for r in recs[:recs.index(gw_recs[0])] if r["type"] == "session")
    check(sessions_before == 7 and abs(gw_recs[0]["ts"] - (BASE + 210.265989)) < 1e-3,
          "announced when session 8 ended (%d sessions before)" % sessions_before)
check(err.count("\n") == 1 and "gateway now inferred as 192.0.2.21, 192.0.2.22 (after 8 sessions)" in err,
      "one note on stderr")
hosts = {(r["host"], r["role"]) for r in recs if r["type"] == "host"}
check(hosts == {("198.51.100.50", "server"), ("203.0.113.9", "client")},
      "host records: the two remote hosts, no node (%s)" % sorted(hosts))
stats = recs[-1]
check(stats["type"] == "stats" and stats["gateway"]["changes"] == 1 and
      [a["address"] for a in stats["gateway"]["addresses"]] == nodes, "stats: changes 1, both nodes")
early = [a["host"] for a in recs if a["type"] == "alert"]
check(early and set(early) == {"192.0.2.22"},
      "alerts raised before the change name node b (not taken back; documented)")

# The same capture as a file: read twice, never provisional.
tmp = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gw-provisional-%d.pcap" % os.getpid())
with open(tmp, "wb") as f:
    f.write(capture)
try:
    p = subprocess.run([BIN, "-r", tmp, "--format", "json", "--memcap", "16"], capture_output=True,
                       timeout=120)
finally:
    os.unlink(tmp)
recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
check(p.returncode == 0 and p.stderr == b"" and not any(r["type"] == "gateway" for r in recs) and
      {a["host"] for a in recs if a["type"] == "alert"} == {"198.51.100.50"} and
      recs[-1]["gateway"]["changes"] == 0, "as a file: no change, every alert on 198.51.100.50")
sys.exit(1 if failures else 0)
