#!/usr/bin/env python3
"""ops-exits.py — honest exits and output files (issue 14): SIGINT/SIGTERM
while a FIFO or stdin is read, SIGHUP reopening -o, link types smtpscope
cannot decode, the dashboard without a terminal, -w FILE as tcpdump writes
it and -w DIR kept as --evidence DIR.  The packet counts are computed here
from the pcap bytes, not taken from smtpscope.  Each check states what it
expects."""
import array
import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLES = os.path.join(SRCDIR, "samples")
OUTAGE = os.path.join(SAMPLES, "outage-rst-mid-data.pcap")
RAW = open(OUTAGE, "rb").read()
HEAD = 30000   # bytes fed before the signal: ends inside a record
failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok   " + what)
    else:
        failures += 1
        print("FAIL " + what)


def run(args, **kw):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=60, stdin=subprocess.DEVNULL, **kw)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def records(text, kind=None):
    out = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for r in out if kind is None or r["type"] == kind]


def pcap_packets(data):
    """[(ts_sec, ts_usec, caplen, wirelen, bytes)] of a classic little-endian pcap."""
    off, out = 24, []
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        if off + 16 + caplen > len(data):
            break
        out.append((sec, usec, caplen, wirelen, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return out


COMPLETE = len(pcap_packets(RAW[:HEAD]))   # whole records in the first HEAD bytes


def wait_for_read(p, w):
    """Until smtpscope has drained the pipe it reads (its signal handlers are
    in place before the first read), then a moment to decode what it read;
    it is then blocked in read, waiting for the rest."""
    buf = array.array("i", [0])
    for _ in range(400):
        fcntl.ioctl(w.fileno(), termios.FIONREAD, buf)
        if buf[0] == 0:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    check(buf[0] == 0 and p.poll() is None, "read what was fed, blocked for more, before the signal")


def interrupted_fifo(tmp, fmt, sig):
    fifo = os.path.join(tmp, "in-%s-%d" % (fmt, sig))
    os.mkfifo(fifo)
    out = os.path.join(tmp, "out-%s-%d" % (fmt, sig))
    p = subprocess.Popen([BIN, "-r", fifo, "--format", fmt, "-o", out],
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    w = open(fifo, "wb")          # opens once smtpscope opened its end
    w.write(RAW[:HEAD])
    w.flush()
    wait_for_read(p, w)
    p.send_signal(sig)
    err = p.communicate(timeout=30)[1].decode()
    w.close()
    return p.returncode, open(out).read(), err


with tempfile.TemporaryDirectory() as tmp:
    # --- SIGINT / SIGTERM during -r ---------------------------------------------
    rc, out, err = interrupted_fifo(tmp, "json", signal.SIGINT)
    check(rc == 130, "SIGINT on -r FIFO: exit 130 (got %d)" % rc)
    check(err.count("\n") == 1 and "interrupted by SIGINT after %d packets" % COMPLETE in err
          and "in-json" in err, "SIGINT: one stderr line naming the file and %d packets (%r)" % (COMPLETE, err))
    st = records(out, "stats")
    check(len(st) == 1 and st[0].get("interrupted") is True, "SIGINT: stats record has interrupted: true")
    check(st and st[0]["truncated"] is False and st[0]["truncated_at"] is None,
          "SIGINT: not reported as a truncated file")
    check(st and st[0]["packets"] == COMPLETE, "SIGINT: stats count the %d packets read" % COMPLETE)
    check(len(records(out, "session")) >= 1 and len(records(out, "host")) >= 1,
          "SIGINT: the sessions and hosts read so far were written")

    rc, out, err = interrupted_fifo(tmp, "text", signal.SIGTERM)
    check(rc == 143, "SIGTERM on -r FIFO, text: exit 143 (got %d)" % rc)
    check("interrupted (SIGINT or SIGTERM)" in out and "truncated" not in out,
          "SIGTERM: the text report says interrupted, not truncated")
    check("Capture" in out, "SIGTERM: the whole report was written")

    # Ctrl-C on -r - (stdin from a pipe that stays open)
    p = subprocess.Popen([BIN, "-r", "-", "--format", "json"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(RAW[:HEAD])
    p.stdin.flush()
    wait_for_read(p, p.stdin)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    out, err = out.decode(), err.decode()
    check(p.returncode == 130, "SIGINT on -r -: exit 130 (got %d)" % p.returncode)
    check("stdin: interrupted by SIGINT" in err and "truncated" not in err,
          "SIGINT on -r -: stderr says interrupted, not truncated (%r)" % err)
    st = records(out, "stats")
    check(st and st[0].get("interrupted") is True and st[0]["truncated"] is False,
          "SIGINT on -r -: interrupted true, truncated false")

    # a run that reads its input to the end has no "interrupted" key
    rc, out, err = run(["-r", OUTAGE, "--format", "json"])
    check(rc == 0 and "interrupted" not in records(out, "stats")[0],
          "whole file: no interrupted key, exit 0")

    # --- SIGHUP reopens -o ---------------------------------------------------------
    for fmt in ("json", "text"):
        fifo = os.path.join(tmp, "hup-" + fmt)
        os.mkfifo(fifo)
        out = os.path.join(tmp, "hup-out." + fmt)
        p = subprocess.Popen([BIN, "-r", fifo, "--format", fmt, "-o", out],
                             stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        w = open(fifo, "wb")
        w.write(RAW[:HEAD])
        w.flush()
        wait_for_read(p, w)
        os.rename(out, out + ".1")   # what logrotate does
        p.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        check(p.poll() is None, "%s: SIGHUP does not stop the run" % fmt)
        w.write(RAW[HEAD:])
        w.close()
        err = p.communicate(timeout=30)[1].decode()
        check(p.returncode == 0, "%s: SIGHUP then EOF: exit 0 (got %d, %r)" % (fmt, p.returncode, err))
        check("SIGHUP" in err and "reloaded" in err, "%s: SIGHUP reloads the rules (%r)" % (fmt, err))
        check(os.path.exists(out), "%s: SIGHUP: a new file at the -o path" % fmt)
        new = open(out).read() if os.path.exists(out) else ""
        old = open(out + ".1").read()
        if fmt == "json":
            st = records(new, "stats")
            check(len(st) == 1 and "interrupted" not in st[0] and not st[0]["truncated"],
                  "json: the final records go to the new file")
            check(records(old, "stats") == [], "json: the moved file has no final records")
            n = len(records(old, "session")) + len(records(new, "session"))
            check(n == 8, "json: every session is in one of the two files (%d of 8)" % n)
        else:
            check("Capture" in new and old == "", "text: the report goes to the new file only")

    # --- link types -------------------------------------------------------------
    def one_frame_pcap(path, dlt):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, dlt))
            f.write(struct.pack("<IIII", 1795143600, 0, 4, 4) + b"abcd")

    wifi = os.path.join(tmp, "wifi.pcap")
    one_frame_pcap(wifi, 105)
    rc, out, err = run(["-r", wifi, "--format", "json"])
    check(rc == 2 and out == "", "802.11 capture: exit 2, no records (got %d)" % rc)
    check(err.count("\n") == 1 and "wifi.pcap" in err and "IEEE802_11" in err and "DLT 105" in err,
          "802.11 capture: one line naming the file and the link type (%r)" % err)
    odd = os.path.join(tmp, "odd.pcap")
    one_frame_pcap(odd, 147)
    rc, out, err = run(["-r", odd])
    check(rc == 2 and "DLT 147" in err, "link type 147: exit 2 naming DLT 147 (%r)" % err)
    p = subprocess.run([BIN, "-r", "-"], input=open(wifi, "rb").read(), capture_output=True, timeout=60)
    check(p.returncode == 2 and b"stdin" in p.stderr and b"IEEE802_11" in p.stderr,
          "802.11 on stdin: exit 2 naming stdin")

    # --- the dashboard without a terminal ---------------------------------------------
    for args in (["--replay"], ["--replay=10"], ["--tui"]):
        rc, out, err = run(["-r", OUTAGE] + args)
        check(rc == 1 and err.count("\n") == 1 and "needs a terminal" in err and out == "",
              "%s without a terminal: exit 1, one line (%d, %r)" % (args[0], rc, err))

    # --- -w FILE is tcpdump's -w; -w DIR still means --evidence ------------------------
    wfile = os.path.join(tmp, "all.pcap")
    rc, out, err = run(["-r", OUTAGE, "-w", wfile, "--format", "json"])
    check(rc == 0 and err == "", "-w FILE: exit 0, nothing on stderr (%r)" % err)
    got = open(wfile, "rb").read() if os.path.exists(wfile) else b""
    check(pcap_packets(got) == pcap_packets(RAW) and len(pcap_packets(RAW)) > 0,
          "-w FILE: every packet, same timestamps, lengths and bytes (%d)" % len(pcap_packets(RAW)))
    check(got[20:24] == RAW[20:24], "-w FILE: the input's link type")
    rc, out, err = run(["-r", OUTAGE, "-w", wfile, "--write-all", wfile + "2"])
    check(rc == 1 and "not both" in err, "-w FILE with --write-all: exit 1 (%r)" % err)
    rc, out, err = run(["-r", OUTAGE, "-w", os.path.join(tmp, "r.pcap"), "-C", "40k"])
    check(rc == 0 and os.path.exists(os.path.join(tmp, "r.pcap1")), "-w FILE -C: rotates as tcpdump")

    p = subprocess.run([BIN, "-r", OUTAGE, "-w", "-", "-o", os.path.join(tmp, "rep.txt")],
                       capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    check(p.returncode == 0 and pcap_packets(p.stdout) == pcap_packets(RAW),
          "-w - -o FILE: the pcap on stdout, every packet")
    check("Remote hosts" in open(os.path.join(tmp, "rep.txt")).read(), "-w - -o FILE: the report in FILE")
    rc, out, err = run(["-r", OUTAGE, "-w", "-"])
    check(rc == 1 and out == "" and "-o FILE" in err, "-w - without -o: exit 1, nothing mixed on stdout")

    evdir = os.path.join(tmp, "ev")
    os.mkdir(evdir)
    rc, out, err = run(["-r", OUTAGE, "-w", evdir, "--format", "json"])
    check(rc == 0 and err.count("\n") == 1 and "warning" in err and "--evidence" in err,
          "-w DIR (existing): exit 0, one warning line pointing to --evidence (%r)" % err)
    check(os.listdir(evdir) == ["198.51.100.20-20261120.pcap"],
          "-w DIR: the evidence pcap of the failing host, as --evidence writes it")
    check(records(out, "stats")[0]["evidence"]["files"] == 1, "-w DIR: stats evidence files 1")
    rc, out, err = run(["-r", OUTAGE, "-w", evdir, "--evidence", evdir])
    check(rc == 1, "-w DIR with --evidence: exit 1 (%r)" % err)
    ev2 = os.path.join(tmp, "ev2")
    rc, out, err = run(["-r", OUTAGE, "--evidence", ev2, "--format", "json"])
    check(rc == 0 and err == "" and os.listdir(ev2) == ["198.51.100.20-20261120.pcap"],
          "--evidence DIR: created, the failing host's pcap, no warning")

sys.exit(1 if failures else 0)
