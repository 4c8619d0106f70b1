#!/usr/bin/env python3
"""any-port.py — --any-port (nDPI, decode/flow_class.c): SMTP found on any
port and only with --any-port, with the same session record as on port 25;
TLS and HTTP on an SMTP port reported as such; other protocols on other
ports ignored.  The captures are made here: samples with their ports
rewritten, and small conversations written with struct.  With
../shared/corpus present, two real captures of SMTP on odd ports too."""
import json
import os
import struct
import subprocess
import sys
import tempfile

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLES = os.path.join(SRCDIR, "samples")
CORPUS = os.path.join(SRCDIR, "..", "shared", "corpus")
NONSTD = "Known Protocol on Non Standard Port"
failures = 0


def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1


def run(args):
    p = subprocess.run([BIN] + args + ["--format", "json"], capture_output=True, timeout=120)
    if p.returncode != 0:
        print("  exit %d: %s" % (p.returncode, p.stderr.decode(errors="replace").strip()))
    return [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]


def sessions(recs):
    return [r for r in recs if r["type"] == "session"]


def stats(recs):
    return [r for r in recs if r["type"] == "stats"][0]


def comparable(s):
    """A session record without what names its ports or comes from nDPI."""
    s = dict(s)
    for k in ("id", "client_port", "server_port", "protocol", "dpi_risks"):
        s.pop(k, None)
    return json.dumps(s, sort_keys=True)


# --- pcap reading, port rewriting, writing ---------------------------------

def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack_from("<I", data, 0)[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), path + ": little-endian classic pcap expected"
    linktype = struct.unpack_from("<I", data, 20)[0]
    off, frames = 24, []
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack_from("<IIII", data, off)
        frames.append((sec, frac, wirelen, bytearray(data[off + 16: off + 16 + caplen])))
        off += 16 + caplen
    return data[:24], linktype, frames


def write_pcap(path, header, frames):
    with open(path, "wb") as f:
        f.write(header)
        for sec, frac, wirelen, b in frames:
            f.write(struct.pack("<IIII", sec, frac, len(b), wirelen))
            f.write(bytes(b))


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_checksum(ip, tcp):
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
    tcp[16:18] = b"\0\0"
    tcp[16:18] = struct.pack("!H", csum(bytes(pseudo + tcp)))


def rewrite_ports(src, dst, portmap):
    """tcprewrite --portmap for Ethernet/IPv4 captures (the samples used)."""
    header, linktype, frames = read_pcap(src)
    assert linktype == 1, src + ": Ethernet expected"
    for _, _, _, b in frames:
        if len(b) < 34 or b[12:14] != b"\x08\x00" or b[23] != 6:
            continue
        ihl = (b[14] & 15) * 4
        t = 14 + ihl
        sp, dp = struct.unpack_from("!HH", b, t)
        struct.pack_into("!HH", b, t, portmap.get(sp, sp), portmap.get(dp, dp))
        tot = struct.unpack_from("!H", b, 16)[0]
        if 14 + tot <= len(b):  # whole segment captured: keep the checksum right
            seg = b[t:14 + tot]
            tcp_checksum(b[14:14 + ihl], seg)
            b[t:14 + tot] = seg
    write_pcap(dst, header, frames)


# --- small conversations, written from scratch --------------------------------

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = bytearray(struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0))
    tcp += payload
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                               bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))))
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    tcp_checksum(ip, tcp)
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + bytes(ip + tcp)


def conversation(path, cport, sport, exchanges, cli="192.0.2.10", srv="198.51.100.80", t0=1700000000):
    """SYN, SYN-ACK, ACK; each (side, bytes) of exchanges acknowledged by the
    other side; then FIN, FIN, ACK."""
    F, S, A, P = 0x01, 0x02, 0x10, 0x08
    cseq, sseq, t, out = 1000, 5000, [t0 * 1000000], []

    def emit(b):
        t[0] += 1000
        out.append((t[0] // 1000000, t[0] % 1000000, len(b), bytearray(b)))

    emit(frame(cli, srv, cport, sport, cseq, 0, S))
    emit(frame(srv, cli, sport, cport, sseq, cseq + 1, S | A))
    cseq += 1
    sseq += 1
    emit(frame(cli, srv, cport, sport, cseq, sseq, A))
    for side, data in exchanges:
        if side == "c":
            emit(frame(cli, srv, cport, sport, cseq, sseq, P | A, data))
            cseq += len(data)
            emit(frame(srv, cli, sport, cport, sseq, cseq, A))
        else:
            emit(frame(srv, cli, sport, cport, sseq, cseq, P | A, data))
            sseq += len(data)
            emit(frame(cli, srv, cport, sport, cseq, sseq, A))
    emit(frame(cli, srv, cport, sport, cseq, sseq, F | A))
    emit(frame(srv, cli, sport, cport, sseq, cseq + 1, F | A))
    emit(frame(cli, srv, cport, sport, cseq + 1, sseq + 1, A))
    write_pcap(path, PCAP_HEADER, out)


def client_hello(sni=b"mx.example.net"):
    """A TLS 1.2 ClientHello (RFC 5246 7.4.1.2) with SNI (RFC 6066)."""
    name = struct.pack("!BH", 0, len(sni)) + sni
    ext_sni = struct.pack("!HH", 0, len(name) + 2) + struct.pack("!H", len(name)) + name
    groups = struct.pack("!HHH", 10, 4, 2) + struct.pack("!H", 23)
    sigalgs = struct.pack("!HHH", 13, 4, 2) + struct.pack("!H", 0x0401)
    exts = ext_sni + groups + sigalgs
    suites = struct.pack("!HHH", 0xC02F, 0xC030, 0x009C)
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", len(suites)) + suites
            + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def server_hello():
    body = b"\x03\x03" + bytes(range(32, 64)) + b"\x00" + b"\xc0\x2f" + b"\x00" + b"\x00\x00"
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


HTTP = [("c", b"GET / HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.88.1\r\n"
              b"Accept: */*\r\n\r\n"),
        ("s", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")]
SMTP = [("s", b"220 mx.example.net ESMTP\r\n"), ("c", b"EHLO gw.example.com\r\n"),
        ("s", b"250-mx.example.net\r\n250 SIZE 10240000\r\n"), ("c", b"MAIL FROM:<a@example.com>\r\n"),
        ("s", b"250 2.1.0 Ok\r\n"), ("c", b"RCPT TO:<b@example.net>\r\n"),
        ("s", b"250 2.1.5 Ok\r\n"), ("c", b"DATA\r\n"), ("s", b"354 End data\r\n"),
        ("c", b"Subject: hi\r\n\r\nhello\r\n.\r\n"), ("s", b"250 2.0.0 Ok: queued\r\n"),
        ("c", b"QUIT\r\n"), ("s", b"221 2.0.0 Bye\r\n")]
FTP = [("s", b"220 ProFTPD Server (Debian) [198.51.100.80]\r\n"), ("c", b"USER anonymous\r\n"),
       ("s", b"331 Anonymous login ok, send your complete email address as your password\r\n"),
       ("c", b"PASS guest@example.com\r\n"), ("s", b"230 Anonymous access granted\r\n"),
       ("c", b"QUIT\r\n"), ("s", b"221 Goodbye.\r\n")]


with tempfile.TemporaryDirectory() as tmp:
    def path(name):
        return os.path.join(tmp, name)

    # SMTP moved to 8025 is found only with --any-port, as the same session.
    orig = os.path.join(SAMPLES, "clean-delivery.pcap")
    rewrite_ports(orig, path("8025.pcap"), {25: 8025})
    ref = sessions(run(["-r", orig]))
    check(len(ref) > 0, "clean-delivery.pcap: sessions on port 25")
    check(sessions(run(["-r", path("8025.pcap")])) == [], "port 8025: no session without --any-port")
    got = run(["-r", path("8025.pcap"), "--any-port"])
    s8025 = sessions(got)
    check(sorted(map(comparable, s8025)) == sorted(map(comparable, ref)),
          "port 8025 with --any-port: the same sessions as on port 25")
    check(all(s["server_port"] == 8025 and s["protocol"] == "SMTP" for s in s8025),
          "port 8025: server_port 8025, protocol SMTP")
    check(all(NONSTD in s["dpi_risks"] for s in s8025), "port 8025: nDPI's '%s'" % NONSTD)
    check(stats(got)["any_port_sessions"] == len(ref), "stats: any_port_sessions")

    # 2525 is an SMTP port by default; with --ports 25 only --any-port finds it
    rewrite_ports(orig, path("2525.pcap"), {25: 2525})
    check(len(sessions(run(["-r", path("2525.pcap")]))) == len(ref), "port 2525: found by default (--ports)")
    check(sessions(run(["-r", path("2525.pcap"), "--ports", "25"])) == [],
          "port 2525 with --ports 25: not found without --any-port")
    s2525 = sessions(run(["-r", path("2525.pcap"), "--ports", "25", "--any-port"]))
    check(sorted(map(comparable, s2525)) == sorted(map(comparable, ref)),
          "port 2525 with --ports 25 --any-port: the same sessions")
    s2525 = sessions(run(["-r", path("2525.pcap"), "--any-port"]))
    check(all(s["protocol"] == "SMTP" and s["dpi_risks"] == [] for s in s2525),
          "port 2525 among --ports: SMTP, not flagged as a non-standard port")

    # without --any-port nDPI does not run: null, not made up
    check(all(s["protocol"] is None and s["dpi_risks"] is None for s in ref),
          "without --any-port: protocol and dpi_risks null")

    # STARTTLS on 25 and implicit TLS on 465
    st = sessions(run(["-r", os.path.join(SAMPLES, "starttls.pcap"), "--any-port"]))
    s25 = [s for s in st if s["server_port"] == 25]
    s465 = [s for s in st if s["server_port"] == 465]
    check(s25 and all(s["tls"] and s["protocol"] in ("SMTP", "SMTPS") and not s.get("not_smtp")
                      for s in s25), "starttls.pcap: STARTTLS on 25 is SMTP with tls true")
    check(s465 and all(s["tls"] and s["protocol"] in ("SMTPS", "TLS") and not s.get("not_smtp")
                       for s in s465), "starttls.pcap: implicit TLS on 465 is SMTPS, not flagged")
    conversation(path("tls465.pcap"), 40001, 465, [("c", client_hello()), ("s", server_hello())])
    s = sessions(run(["-r", path("tls465.pcap"), "--any-port"]))
    check(len(s) == 1 and s[0]["protocol"] in ("SMTPS", "TLS") and s[0]["tls"]
          and not s[0].get("not_smtp"), "TLS on 465: %s, tls, not flagged" % (s and s[0]["protocol"]))

    # what an SMTP port carries when it is not SMTP
    conversation(path("http25.pcap"), 40002, 25, HTTP)
    s = sessions(run(["-r", path("http25.pcap"), "--any-port"]))
    check(len(s) == 1 and s[0]["protocol"] == "HTTP" and s[0].get("not_smtp") is True
          and s[0]["anomalies"].get("not_smtp_on_smtp_port") == 1,
          "HTTP on port 25: protocol HTTP, not_smtp, anomaly not_smtp_on_smtp_port")
    s = sessions(run(["-r", path("http25.pcap")]))
    check(len(s) == 1 and s[0]["protocol"] is None and "not_smtp" not in s[0],
          "HTTP on port 25 without --any-port: a session, protocol null")
    conversation(path("tls25.pcap"), 40003, 25, [("c", client_hello()), ("s", server_hello())])
    s = sessions(run(["-r", path("tls25.pcap"), "--any-port"]))
    check(len(s) == 1 and s[0]["protocol"] == "TLS" and s[0].get("not_smtp") is True and s[0]["tls"],
          "TLS on port 25: protocol TLS, not_smtp")
    conversation(path("smtp25.pcap"), 40004, 25, SMTP)
    s = sessions(run(["-r", path("smtp25.pcap"), "--any-port"]))
    check(len(s) == 1 and s[0]["protocol"] == "SMTP" and "not_smtp" not in s[0]
          and s[0]["transactions"][0]["outcome"] == "accepted", "generated SMTP on 25: SMTP, accepted")

    # other ports: SMTP promoted, the rest ignored
    conversation(path("http8080.pcap"), 40005, 8080, HTTP)
    r = run(["-r", path("http8080.pcap"), "--any-port"])
    check(sessions(r) == [] and stats(r)["any_port_ignored"] == 1
          and stats(r)["other_tcp"] == stats(r)["tcp_packets"],
          "HTTP on 8080: ignored, every packet counted as other TCP")
    conversation(path("ftp2121.pcap"), 40006, 2121, FTP)
    r = run(["-r", path("ftp2121.pcap"), "--any-port"])
    check(sessions(r) == [] and stats(r)["any_port_ignored"] == 1,
          "FTP on 2121 (a 220 greeting, then USER): not SMTP")
    conversation(path("smtp5001.pcap"), 40007, 5001, SMTP)
    s = sessions(run(["-r", path("smtp5001.pcap"), "--any-port"]))
    check(len(s) == 1 and s[0]["protocol"] == "SMTP" and s[0]["end_reason"] == "quit",
          "SMTP on 5001 (a port nDPI gives to another protocol): found, named SMTP")
    conversation(path("banner9025.pcap"), 40008, 9025, [("s", b"220 mx.example.net ESMTP\r\n")])
    r = run(["-r", path("banner9025.pcap"), "--any-port"])
    check(sessions(r) == [] and stats(r)["any_port_ignored"] == 1,
          "a greeting alone on 9025: no SMTP exchange, not SMTP (FTP greets with 220 too)")

    # real captures of SMTP on odd ports (behind an HTTP proxy; BDAT on 1224)
    for rel, port in (("zeek/connect-with-smtp.pcap", 8240), ("arkime/wireshark-bdat.pcap", 1224)):
        f = os.path.join(CORPUS, rel)
        if not os.path.exists(f):
            print("skip %s: ../shared/corpus absent" % rel)
            continue
        check(sessions(run(["-r", f])) == [], "%s: nothing without --any-port" % rel)
        s = sessions(run(["-r", f, "--any-port"]))
        check(len(s) == 1 and s[0]["server_port"] == port and s[0]["banner"]
              and s[0]["banner"]["code"] == 220 and s[0]["end_state"] == "quit",
              "%s: the session on port %d with --any-port (%s)" % (rel, port, s and s[0]["protocol"]))

sys.exit(1 if failures else 0)
