#!/usr/bin/env python3
"""geoip.py — --geoip end to end: the project's own small databases (built
with Debian's libmaxmind-db-writer-perl) give exact country/city/AS in host
records and the text report; missing and corrupt databases fail with exit 2
naming the file; MaxMind's own test databases in ../shared/geoip, when
present, are read too (their broken ones must be refused, never crash)."""
import json
import os
import struct
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SHARED = os.environ.get("SMTPSCOPE_GEOIP", os.path.join(SRCDIR, "..", "shared", "geoip"))
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(args):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def hosts(out):
    return {r["host"]: r for r in map(json.loads, out.splitlines()) if r["type"] == "host"}


def refused_pcap(path, servers):
    """A capture of connection attempts from 192.0.2.10 to each server:25,
    answered by RST (enough for a host record)."""
    def frame(src, dst, sport, dport, flags, seq, ack):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                         bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
        return b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + ip + tcp
    recs = []
    t = 1795143600
    for i, srv in enumerate(servers):
        recs.append((t + i, frame("192.0.2.10", srv, 40000 + i, 25, 0x02, 1000, 0)))
        recs.append((t + i, frame(srv, "192.0.2.10", 25, 40000 + i, 0x14, 0, 1001)))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, data in recs:
            f.write(struct.pack("<IIII", ts, 0, len(data), len(data)) + data)


with tempfile.TemporaryDirectory() as tmp:
    rc = subprocess.run(["perl", os.path.join(SRCDIR, "tests", "geoip", "make-mmdb.pl"), tmp],
                        capture_output=True)
    if rc.returncode != 0:
        print("SKIP: cannot build test databases (libmaxmind-db-writer-perl missing?): "
              + rc.stderr.decode().strip())
        sys.exit(77)
    city, asn = os.path.join(tmp, "test-city.mmdb"), os.path.join(tmp, "test-asn.mmdb")
    sample = os.path.join(SRCDIR, "samples", "outage-rst-mid-data.pcap")

    rc, out, err = run(["-r", sample, "--format", "json", "--geoip", city + "," + asn])
    h = hosts(out)
    check(rc == 0 and h["198.51.100.20"]["geo"] == {"country": "NL", "city": "Amsterdam", "asn": 64500,
                                                    "org": "Example Transit B.V."},
          "City + ASN: the failing host has country, city, AS and organisation")
    rc, out, err = run(["-r", sample, "--format", "json", "--geoip", asn])
    check(rc == 0 and hosts(out)["198.51.100.20"]["geo"] == {"country": None, "city": None, "asn": 64500,
                                                             "org": "Example Transit B.V."},
          "ASN only: country and city are null, not made up")
    rc, out, err = run(["-r", sample, "--format", "json"])
    check(rc == 0 and hosts(out)["198.51.100.20"]["geo"] is None, "without --geoip: geo is null")
    rc, out, err = run(["-r", sample, "--geoip", city + "," + asn])
    check(rc == 0 and "location    NL Amsterdam, AS64500 Example Transit B.V." in out,
          "the text report shows the location")

    missing = os.path.join(tmp, "nope.mmdb")
    rc, out, err = run(["-r", sample, "--geoip", missing])
    check(rc == 2 and missing in err and len(err.strip().splitlines()) == 1,
          "missing database: exit 2 naming the file: " + err.strip())
    junk = os.path.join(tmp, "junk.mmdb")
    open(junk, "wb").write(b"\x00" * 4096)
    rc, out, err = run(["-r", sample, "--geoip", junk])
    check(rc == 2 and junk in err, "corrupt database: exit 2 naming the file: " + err.strip())

    if not os.path.isdir(SHARED):
        print("note: %s not present, MaxMind test databases not checked" % SHARED)
    else:
        pcap = os.path.join(tmp, "refused.pcap")
        refused_pcap(pcap, ["81.2.69.142", "1.0.0.1"])
        dbs = os.path.join(SHARED, "GeoLite2-City-Test.mmdb") + "," + os.path.join(SHARED, "GeoLite2-ASN-Test.mmdb")
        rc, out, err = run(["-r", pcap, "--format", "json", "--geoip", dbs])
        h = hosts(out)
        check(rc == 0 and h["81.2.69.142"]["geo"]["country"] == "GB" and h["81.2.69.142"]["geo"]["city"] == "London",
              "MaxMind City test database: 81.2.69.142 is London, GB")
        check(h.get("1.0.0.1", {}).get("geo", {}) and h["1.0.0.1"]["geo"]["asn"] == 15169
              and h["1.0.0.1"]["geo"]["org"] == "Google Inc.", "MaxMind ASN test database: 1.0.0.1 is AS15169")
        rc, out, err = run(["-r", pcap, "--format", "json", "--geoip", os.path.join(SHARED, "GeoLite2-Country-Test.mmdb")])
        check(rc == 0 and hosts(out)["81.2.69.142"]["geo"]["country"] == "GB", "MaxMind Country test database")
        bad = os.path.join(SHARED, "bad")
        for name in sorted(os.listdir(bad)) if os.path.isdir(bad) else []:
            path = os.path.join(bad, name)
            rc, out, err = run(["-r", pcap, "--format", "json", "--geoip", path])
            # refused at open (exit 2, naming the file), or opened and no
            # answer for our addresses -- never a crash
            check(rc in (0, 2) and (rc == 0 or path in err) and "Sanitizer" not in err and "runtime error" not in err,
                  "broken MaxMind database %s: exit %d, %s" % (name, rc, err.strip() or "no message"))

sys.exit(1 if failures else 0)
