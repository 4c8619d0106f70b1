#!/usr/bin/env python3
"""evidence.py — --evidence DIR evidence pcaps, -w FILE (--write-all) with tcpdump's -C/-G/-W
rotation, and --bundle incident folders (doc/evidence.md).  Every pcap
written is parsed here and also read back with tcpdump (or tshark) when one
is installed.  Each check states what it expects."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLES = os.path.join(SRCDIR, "samples")
OUTAGE = os.path.join(SAMPLES, "outage-rst-mid-data.pcap")
FAILING = "198.51.100.20"   # the host the outage sample resets mid-body
CLEAN = "198.51.100.7"      # delivers fine in the same capture
failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok   " + what)
    else:
        failures += 1
        print("FAIL " + what)


def run(args, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120, env=e)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


def records(text, kind=None):
    out = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for r in out if kind is None or r["type"] == kind]


# --- pcap reading (classic pcap, microseconds, little endian as libpcap writes)

def read_pcap(path):
    """(linktype, [(ts_us, caplen, wirelen, frame bytes)])"""
    data = open(path, "rb").read()
    magic, _, _, _, _, _, linktype = struct.unpack_from("<IHHiIII", data, 0)
    assert magic == 0xA1B2C3D4, "%s: not a little-endian microsecond pcap" % path
    off, out = 24, []
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        out.append((sec * 1000000 + usec, caplen, wirelen, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    assert off == len(data), "%s: trailing bytes" % path
    return linktype, out


def write_pcap(path, linktype, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for ts, caplen, wirelen, frame in packets:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, caplen, wirelen))
            f.write(frame)


def endpoints(frame):
    """(src, sport, dst, dport) of an Ethernet/IPv4/TCP frame, else None."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 15) * 4
    src = ".".join(str(b) for b in frame[26:30])
    dst = ".".join(str(b) for b in frame[30:34])
    sport, dport = struct.unpack_from(">HH", frame, 14 + ihl)
    return (src, sport, dst, dport)


def conn_key(ep):
    a, b = (ep[0], ep[1]), (ep[2], ep[3])
    return (a, b) if a < b else (b, a)


def session_key(s):
    a, b = (s["client"], s["client_port"]), (s["server"], s["server_port"])
    return (a, b) if a < b else (b, a)


READER = shutil.which("tcpdump") or shutil.which("tshark")


def reader_count(path):
    """Packets as tcpdump/tshark count them, or None without either."""
    if not READER:
        return None
    p = subprocess.run([READER, "-n", "-r", path], capture_output=True, timeout=60)
    if p.returncode != 0:
        return -1
    return len([l for l in p.stdout.decode("utf-8", "replace").splitlines() if l.strip()])


def readable(path, expected):
    n = reader_count(path)
    return n is None or n == expected


# --- --evidence DIR (was -w DIR) --------------------------------------------------------------------

def check_evidence_dir(d, ref, label):
    """Every file holds exactly the packets of the sessions flagged for its
    host (all of them, each once), named HOST-YYYYMMDD.pcap."""
    sessions = {s["id"]: s for s in records(ref, "session")}
    flagged = {}
    for a in records(ref, "alert"):
        if a["session"]:
            flagged.setdefault(a["host"], set()).add(a["session"])
    want_files = set()
    for host, ids in flagged.items():
        for i in ids:
            first = min(al["ts"] for al in records(ref, "alert") if al["session"] == i)
            day = subprocess.run(["date", "-u", "-d", "@%d" % int(first), "+%Y%m%d"],
                                 capture_output=True).stdout.decode().strip()
            want_files.add("%s-%s.pcap" % (host, day))
    got = set(os.listdir(d))
    check(got == want_files, "%s: one file per flagged host and day %s (got %s)"
          % (label, sorted(want_files), sorted(got)))
    for host, ids in flagged.items():
        packets = []
        for name in got:
            if name.startswith(host + "-"):
                lt, p = read_pcap(os.path.join(d, name))
                check(lt == 1, "%s: %s has the capture's link type (EN10MB)" % (label, name))
                check(readable(os.path.join(d, name), len(p)),
                      "%s: %s read by %s" % (label, name, READER))
                packets += p
        want = {session_key(sessions[i]): sessions[i]["packets"] for i in ids}
        seen = {}
        stray = 0
        for _, _, _, frame in packets:
            ep = endpoints(frame)
            k = conn_key(ep) if ep else None
            if k in want:
                seen[k] = seen.get(k, 0) + 1
            else:
                stray += 1
        check(stray == 0, "%s: %s: no packet of another session" % (label, host))
        check(seen == want, "%s: %s: every flagged session's packets, each once (%s vs %s)"
              % (label, host, sum(seen.values()), sum(want.values())))
    return flagged


with tempfile.TemporaryDirectory() as tmp:
    rc, ref, err = run(["-r", OUTAGE, "--format", "json"])
    check(rc == 0, "reference run exit 0")

    d = os.path.join(tmp, "ev")
    rc, out, err = run(["-r", OUTAGE, "--format", "json", "--evidence", d])
    check(rc == 0 and err == "", "--evidence DIR: exit 0, nothing on stderr (%r)" % err)
    check(os.path.isdir(d), "--evidence DIR: the directory is created when missing")
    strip = lambda t: [r for r in records(t) if r["type"] != "stats"]
    check(strip(out) == strip(ref), "--evidence DIR does not change the records")
    flagged = check_evidence_dir(d, ref, "outage")
    check(set(flagged) == {FAILING}, "outage: only %s is flagged" % FAILING)
    check(not [f for f in os.listdir(d) if f.startswith(CLEAN)], "outage: the clean host has no file")
    st = records(out, "stats")[0]
    ev = st.get("evidence") or {}
    check(ev.get("sessions_flagged") == 6 and ev.get("files") == 1 and ev.get("packets_not_kept") == 0,
          "stats record: evidence figures (%s)" % ev)
    check("evidence" not in records(ref, "stats")[0], "stats record: no evidence object without -w")
    n_first = len(read_pcap(os.path.join(d, os.listdir(d)[0]))[1])

    # the same day again (a restarted service): appended, one header
    rc, _, _ = run(["-r", OUTAGE, "--format", "json", "--evidence", d])
    p = read_pcap(os.path.join(d, os.listdir(d)[0]))[1]
    check(rc == 0 and len(p) == 2 * n_first and readable(os.path.join(d, os.listdir(d)[0]), len(p)),
          "--evidence DIR: a second run appends to the day's file (one header, %d packets)" % len(p))

    # several hosts in one capture
    for name in ["middlebox.pcap", "deferral-storm.pcap", "connect-failures.pcap",
                 "pmtu-blackhole.pcap", "drop-after-dot.pcap"]:
        path = os.path.join(SAMPLES, name)
        rc, r2, _ = run(["-r", path, "--format", "json"])
        d2 = os.path.join(tmp, "ev-" + name)
        rc, _, err = run(["-r", path, "--format", "json", "--evidence", d2])
        check(rc == 0, "%s --evidence: exit 0" % name)
        check_evidence_dir(d2, r2, name)

    # a capture that crosses midnight UTC: one file per host and day, each
    # session in the file of the day its alert fired
    lt, pk = read_pcap(OUTAGE)
    shift = (1795219200 - 150) * 1000000 - pk[0][0]   # 2026-11-21 00:00 minus 150 s
    night = os.path.join(tmp, "midnight.pcap")
    write_pcap(night, lt, [(ts + shift, c, w, f) for ts, c, w, f in pk])
    rc, r3, _ = run(["-r", night, "--format", "json"])
    d3 = os.path.join(tmp, "ev-night")
    rc, _, _ = run(["-r", night, "--format", "json", "--evidence", d3])
    check(rc == 0 and len(os.listdir(d3)) == 2, "midnight: two files for the host (%s)" % os.listdir(d3))
    check_evidence_dir(d3, r3, "midnight")

    # a clean capture writes nothing
    d4 = os.path.join(tmp, "ev-clean")
    rc, _, err = run(["-r", os.path.join(SAMPLES, "clean-many.pcap"), "--evidence", d4])
    check(rc == 0 and os.path.isdir(d4) and os.listdir(d4) == [], "clean-many --evidence: no file at all")

    # bad directories: one line naming it, exit 2
    afile = os.path.join(tmp, "afile")
    open(afile, "w").close()
    rc, out, err = run(["-r", OUTAGE, "--evidence", afile])
    check(rc == 2 and err.count("\n") == 1 and afile in err and out == "",
          "--evidence on a file: exit 2, one line naming it (%r)" % err)
    rc, _, err = run(["-r", OUTAGE, "--evidence", os.path.join(tmp, "no", "such", "dir")])
    check(rc == 2 and err.count("\n") == 1 and "no/such/dir" in err,
          "--evidence under a missing parent: exit 2, one line (%r)" % err)

    # --- --write-all with rotation --------------------------------------------------

    # a bigger input: the outage sample 25 times over, ten minutes apart (3.6 MB)
    big = os.path.join(tmp, "big.pcap")
    allp = []
    for i in range(25):
        allp += [(ts + i * 600 * 1000000, c, w, f) for ts, c, w, f in pk]
    write_pcap(big, lt, allp)
    wd = os.path.join(tmp, "wa")
    os.mkdir(wd)
    rc, out, err = run(["-r", big, "--format", "json", "--write-all", os.path.join(wd, "all.pcap"),
                        "-C", "1"])
    files = sorted(os.listdir(wd), key=lambda n: (len(n), n))
    check(rc == 0 and files == ["all.pcap", "all.pcap1", "all.pcap2", "all.pcap3"],
          "-C 1: tcpdump's names FILE, FILE1, ... (%s)" % files)
    got = []
    for i, n in enumerate(files):
        path = os.path.join(wd, n)
        p = read_pcap(path)[1]
        got += p
        size = os.path.getsize(path)
        if i < len(files) - 1:
            last = 16 + p[-1][1]
            check(size > 1000000 and size - last <= 1000000,
                  "-C 1: %s passed 1,000,000 bytes with its last packet (%d)" % (n, size))
        check(readable(path, len(p)), "-C 1: %s read by %s" % (n, READER))
    check(got == allp, "-C 1: the files hold every packet read, in order, unchanged")
    fc = records(out, "stats")[0].get("full_capture", {})
    check(fc.get("files") == 4 and fc.get("packets") == len(allp), "stats record: full_capture %s" % fc)

    wd = os.path.join(tmp, "ring")
    os.mkdir(wd)
    rc, _, _ = run(["-r", big, "--write-all", os.path.join(wd, "r.pcap"), "-C", "1", "-W", "2"])
    files = sorted(os.listdir(wd))
    check(rc == 0 and files == ["r.pcap0", "r.pcap1"], "-C 1 -W 2: a ring of FILE0, FILE1 (%s)" % files)
    tail = read_pcap(os.path.join(wd, "r.pcap1"))[1]
    check(tail and tail[-1] == allp[-1], "-C 1 -W 2: the newest packets are kept")

    wd = os.path.join(tmp, "suffix")
    os.mkdir(wd)
    rc, _, _ = run(["-r", OUTAGE, "--write-all", os.path.join(wd, "s.pcap"), "-C", "40k"])
    sizes = [os.path.getsize(os.path.join(wd, n)) for n in sorted(os.listdir(wd))]
    check(rc == 0 and len(sizes) == 4 and all(s > 40960 for s in sizes[:-1]),
          "-C 40k: KiB as tcpdump 4.99 (%s)" % sizes)

    # -G on capture time: the outage spans 03:00:00 - 03:05:00 UTC
    wd = os.path.join(tmp, "G")
    os.mkdir(wd)
    rc, _, err = run(["-r", OUTAGE, "--write-all", os.path.join(wd, "cap-%Y%m%d-%H%M.pcap"), "-G", "60"],
                     env={"TZ": "UTC"})
    files = sorted(os.listdir(wd))
    want = ["cap-20261120-03%02d.pcap" % m for m in range(6)]
    check(rc == 0 and files == want, "-G 60: one strftime-named file per minute of capture time (%s)" % files)
    total = 0
    for n in files:
        p = read_pcap(os.path.join(wd, n))[1]
        minute = int(n[-7:-5])
        total += len(p)
        check(all((ts // 1000000 - 1795143600) // 60 == minute for ts, _, _, _ in p),
              "-G 60: %s holds that minute's packets only" % n)
        check(readable(os.path.join(wd, n), len(p)), "-G 60: %s read by %s" % (n, READER))
    check(total == len(pk), "-G 60: all %d packets" % len(pk))

    wd = os.path.join(tmp, "GW")
    os.mkdir(wd)
    rc, _, _ = run(["-r", OUTAGE, "--write-all", os.path.join(wd, "c-%H%M.pcap"), "-G", "60", "-W", "3"],
                   env={"TZ": "UTC"})
    files = sorted(os.listdir(wd))
    check(rc == 0 and files == ["c-0303.pcap", "c-0304.pcap", "c-0305.pcap"],
          "-G 60 -W 3: the three newest files are kept (%s)" % files)

    # usage errors (exit 1)
    for args, what in [(["-C", "1"], "-C without --write-all"),
                       (["--write-all", os.path.join(tmp, "x"), "-W", "3"], "-W without -C or -G"),
                       (["--write-all", os.path.join(tmp, "x"), "-C", "0"], "-C 0"),
                       (["--write-all", os.path.join(tmp, "x"), "-C", "1x"], "-C 1x"),
                       (["--write-all", os.path.join(tmp, "x"), "-G", "0"], "-G 0"),
                       (["--bundle-host", FAILING], "--bundle-host without --bundle"),
                       (["--bundle-host", "mx.example", "--bundle", tmp], "--bundle-host NAME")]:
        rc, out, err = run(["-r", OUTAGE] + args)
        check(rc == 1 and err.count("\n") == 1, "usage: %s: exit 1, one line (%r)" % (what, err))
    rc, _, err = run(["-r", "-", "--bundle", tmp])
    check(rc == 1, "usage: --bundle with stdin: exit 1")
    rc, _, err = run(["-r", OUTAGE, "--write-all", os.path.join(tmp, "no", "x.pcap")])
    check(rc == 2 and err.count("\n") == 1 and "no/x.pcap" in err,
          "--write-all in a missing directory: exit 2, one line (%r)" % err)

    # --- --bundle ----------------------------------------------------------------------

    b = os.path.join(tmp, "bundle")
    rc, out, err = run(["-r", OUTAGE, "--format", "json", "--bundle", b])
    check(rc == 0, "--bundle: exit 0 (%r)" % err)
    check(sorted(os.listdir(b)) == [FAILING], "--bundle: a folder for the failing host only (%s)"
          % os.listdir(b))
    hb = os.path.join(b, FAILING)
    check(sorted(os.listdir(hb)) == ["evidence.pcap", "records.json", "report.txt"],
          "--bundle: evidence.pcap, records.json, report.txt")
    recs = records(open(os.path.join(hb, "records.json")).read())
    mine = [s for s in records(ref, "session") if FAILING in (s["client"], s["server"])]
    check([r for r in recs if r["type"] == "session"] == mine,
          "records.json: exactly the host's session records, as in the JSON run")
    # each alert once, in its latest state: an alert that grew (retry-loop)
    # has the last update's time, session, message and count
    latest = {}
    for a in records(ref, "alert"):
        if a["host"] == FAILING:
            latest[a["id"]] = dict(a, update=False)
    check([r for r in recs if r["type"] == "alert"] == list(latest.values()),
          "records.json: exactly the host's alerts, each in its latest state")
    check([r for r in recs if r["type"] == "host"] ==
          [h for h in records(ref, "host") if h["host"] == FAILING],
          "records.json: the host record")
    lt2, p = read_pcap(os.path.join(hb, "evidence.pcap"))
    keys = {session_key(s): s["packets"] for s in mine}
    seen = {}
    for _, _, _, f in p:
        k = conn_key(endpoints(f))
        seen[k] = seen.get(k, 0) + 1
    check(seen == keys, "evidence.pcap: the host's sessions' packets only, all of them")
    check(readable(os.path.join(hb, "evidence.pcap"), len(p)), "evidence.pcap read by %s" % READER)
    rep = open(os.path.join(hb, "report.txt")).read()
    check(FAILING in rep and CLEAN not in rep and "Sessions  6" in rep,
          "report.txt: the host's report, no other host")

    b2 = os.path.join(tmp, "bundle2")
    rc, out, err = run(["-r", OUTAGE, "--bundle", b2, "--bundle-host", CLEAN])
    check(rc == 0 and sorted(os.listdir(b2)) == [CLEAN], "--bundle-host: that host only")
    recs = records(open(os.path.join(b2, CLEAN, "records.json")).read())
    check(len([r for r in recs if r["type"] == "session"]) == 2 and
          not [r for r in recs if r["type"] == "alert"], "--bundle-host: its 2 sessions, no alert")

    # IPv6: the folder name carries '_' for ':'
    b3 = os.path.join(tmp, "bundle3")
    rc, out, err = run(["-r", os.path.join(SAMPLES, "ipv6-vlan.pcap"), "--bundle", b3,
                        "--bundle-host", "2001:db8:1::25"])
    check(rc == 0 and os.listdir(b3) == ["2001_db8_1__25"], "IPv6 bundle folder name (%s)" % os.listdir(b3))
    n = len(read_pcap(os.path.join(b3, "2001_db8_1__25", "evidence.pcap"))[1])
    check(n > 0, "IPv6 bundle: %d packets" % n)

    rc, out, err = run(["-r", os.path.join(SAMPLES, "clean-many.pcap"), "--bundle",
                        os.path.join(tmp, "bundle4")])
    check(rc == 0 and os.listdir(os.path.join(tmp, "bundle4")) == [], "--bundle on a clean capture: empty")

sys.exit(1 if failures else 0)
