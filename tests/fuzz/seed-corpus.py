#!/usr/bin/env python3
"""seed-corpus.py — writes seed inputs for the harnesses from samples/*.pcap.

    tests/fuzz/seed-corpus.py OUTDIR

makes OUTDIR/<harness>/seed-* files: whole captures (and a gzipped one) for
capture, each capture's first frames as records for facts, single frames tagged with their link type for packet, the TCP
payload of each sample's sessions as direction-tagged records for smtp,
synthetic segment sequences for reasm, the shipped rule file for rules.
The committed corpus is this, merged with what the fuzzers found
(libFuzzer -merge=1 keeps only inputs that add coverage).
"""
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))

# fuzz_packet.c's link type table: selector index per DLT
PACKET_SEL = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 12: 5, 228: 6, 229: 7, 101: 8}
# fuzz_facts.c's link type table (the low 3 bits of a record's tag)
FACTS_SEL = {1: 0, 113: 3, 12: 4, 229: 5, 0: 6}


def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        return None, []
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return linktype, frames


def ip_offset(linktype, f):
    """Offset of the IP header, or None."""
    if linktype == 1:
        off, et = 14, struct.unpack(">H", f[12:14])[0]
        while et in (0x8100, 0x88A8):
            et = struct.unpack(">H", f[off + 2:off + 4])[0]
            off += 4
        return off
    return {113: 16, 276: 20, 0: 4, 108: 4, 12: 0, 101: 0, 228: 0, 229: 0}.get(linktype)


def tcp_of(linktype, f):
    """(key, direction-neutral key, seq, flags, payload) or None."""
    off = ip_offset(linktype, f)
    if off is None or off >= len(f):
        return None
    v = f[off] >> 4
    if v == 4:
        ihl = (f[off] & 15) * 4
        if f[off + 9] != 6:
            return None
        tot = struct.unpack(">H", f[off + 2:off + 4])[0]
        src, dst = f[off + 12:off + 16], f[off + 16:off + 20]
        t = off + ihl
        end = off + tot
    elif v == 6:
        if f[off + 6] != 6:
            return None
        plen = struct.unpack(">H", f[off + 4:off + 6])[0]
        src, dst = f[off + 8:off + 24], f[off + 24:off + 40]
        t = off + 40
        end = t + plen
    else:
        return None
    sport, dport, seq = struct.unpack(">HHI", f[t:t + 8])
    doff = (f[t + 12] >> 4) * 4
    flags = f[t + 13]
    return (src, sport, dst, dport), seq, flags, f[t + doff:end]


def smtp_records(linktype, frames):
    """The samples' sessions as fuzz_smtp records, one input per session."""
    sessions = {}
    for f in frames:
        r = tcp_of(linktype, f)
        if not r:
            continue
        (src, sport, dst, dport), seq, flags, payload = r
        server_side = sport in (25, 465, 587, 2525)
        key = (dst, dport, src, sport) if server_side else (src, sport, dst, dport)
        s = sessions.setdefault(key, {"seen": set(), "out": bytearray([0x00])})
        if not payload or (server_side, seq) in s["seen"]:
            continue
        s["seen"].add((server_side, seq))
        tag = (1 if server_side else 0) | 0x30
        s["out"] += struct.pack("<BH", tag, len(payload)) + payload
    return [bytes(s["out"]) for s in sessions.values() if len(s["out"]) > 1]


def smtp_handmade():
    """Dialogues the samples lack: encoded-word subjects in several charsets,
    folded headers, BDAT chunks, AUTH, RSET, pipelined replies, gaps."""
    def rec(side, data, tag_extra=0x30):
        out = b""
        for i in range(0, len(data), 60000):
            chunk = data[i:i + 60000]
            out += struct.pack("<BH", side | tag_extra, len(chunk)) + chunk
        return out
    C, S = 0, 1
    hdrs = (b"Message-ID: <1234@example.org>\r\n"
            b"Subject: =?UTF-8?B?w6l0w6kgZ2FyZGVu?= =?iso-8859-1?Q?caf=E9_cr=E8me?=\r\n"
            b" =?ISO-2022-JP?B?GyRCJEgbKEI=?= =?UTF-7?Q?+AGEAYgBj-?= =?koi8-r*ru?q?=F0=D2?=\r\n"
            b"From: a@example.org\r\n\tfolded\r\n\r\n")
    d1 = (rec(S, b"220 mx ESMTP\r\n") + rec(C, b"EHLO c\r\n") +
          rec(S, b"250-mx\r\n250-PIPELINING\r\n250-CHUNKING\r\n250-AUTH LOGIN PLAIN\r\n250 SIZE 100\r\n") +
          rec(C, b"AUTH LOGIN\r\n") + rec(S, b"334 VXNlcm5hbWU6\r\n") + rec(C, b"dXNlcg==\r\n") +
          rec(S, b"334 UGFzc3dvcmQ6\r\n") + rec(C, b"cGFzcw==\r\n") + rec(S, b"235 2.7.0 ok\r\n") +
          rec(C, b"MAIL FROM:<a@example.org> SIZE=99\r\nRCPT TO:<b@example.net>\r\n"
                 b"RCPT TO:<c@example.net>\r\nDATA\r\n") +
          rec(S, b"250 2.1.0 ok\r\n250 2.1.5 ok\r\n550 5.1.1 unknown\r\n354 go\r\n") +
          rec(C, hdrs + b"body\r\n..dot\r\n.\r\n") + rec(S, b"250 2.0.0 queued as X\r\n") +
          rec(C, b"RSET\r\nMAIL FROM:<>\r\nRCPT TO:<d@example.net>\r\nBDAT 10\r\n0123456789"
                 b"BDAT 5 LAST\r\nabcde") +
          rec(S, b"250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n250 2.0.0 ok\r\n") +
          rec(C, b"QUIT\r\n") + rec(S, b"221 2.0.0 bye\r\n"))
    d2 = (rec(S, b"220 mx\r\n") + rec(C, b"EHLO c\r\n") + rec(S, b"250-mx\r\n250 STARTTLS\r\n") +
          rec(C, b"STARTTLS\r\n") + rec(S, b"220 2.0.0 go ahead\r\n") +
          rec(C, b"\x16\x03\x01\x00\x05hello") + rec(S, b"\x16\x03\x03\x00\x02hi"))
    d3 = (rec(S, b"220 mx\r\n") + rec(C, b"HELO c\r\nMAIL FROM:<a@b>\r\n") +
          rec(S, b"250 mx\r\n") + struct.pack("<BH", S | 0x02, 40) +
          rec(C, b"RCPT TO:<x@y>\r\nDATA\r\n") + rec(S, b"354 go\r\n") +
          rec(C, b"Subject: x\r\n\r\n" + b"line\n" * 50) + struct.pack("<BH", C | 0x02, 1000) +
          rec(C, b"\r\n.\r\n") + rec(S, b"451-4.3.0 first\r\n451-second\r\n452 4.3.1 third\r\n"))
    return {"handmade-auth-data-bdat": bytes([0]) + d1, "handmade-starttls": bytes([0]) + d2,
            "handmade-gaps-multiline": bytes([0x24]) + d3}


def reasm_seeds():
    def rec(flags, seq, ack, length, cut=0):
        return struct.pack("<BhhHB", flags, seq, ack, length, cut)
    isn = struct.pack("<II", 0xFFFFFF00, 1000)   # client ISN wraps soon
    seeds = {
        "in-order": [rec(0x02, 0, 0, 0), rec(0x13, 0, 1, 0), rec(0x10, 1, 1, 100),
                     rec(0x10, 101, 1, 100), rec(0x11, 1, 201, 50), rec(0x14, 201, 51, 0)],
        "out-of-order": [rec(0x02, 0, 0, 0), rec(0x10, 201, 1, 100), rec(0x10, 101, 1, 100),
                         rec(0x10, 1, 1, 100), rec(0x11, 1, 301, 10)],
        "overlap": [rec(0x10, 1, 1, 100), rec(0x10, 50, 1, 100), rec(0x10, 20, 1, 300),
                    rec(0x10, 400, 1, 5), rec(0x10, 399, 1, 10)],
        "acked-gap": [rec(0x02, 0, 0, 0), rec(0x10, 301, 1, 50), rec(0x11, 1, 351, 0),
                      rec(0x14, 351, 1, 0)],
        "snaplen": [rec(0x50, 1, 0, 1460, 40), rec(0x50, 1461, 0, 1460, 255),
                    rec(0x50, 3000, 0, 1000, 10)],
        "far-rst": [rec(0x30, 100, 0, 10), rec(0x30, -100, 0, 10), rec(0x08, 1, 0, 20)],
    }
    return {k: bytes([1]) + isn + b"".join(v) for k, v in seeds.items()}


def main():
    out = sys.argv[1]
    for h in ("capture", "packet", "smtp", "reasm", "rules", "facts"):
        os.makedirs(os.path.join(out, h), exist_ok=True)
    sdir = os.path.join(TOP, "samples")
    for name in sorted(os.listdir(sdir)):
        if not name.endswith((".pcap", ".pcapng")):
            continue
        raw = open(os.path.join(sdir, name), "rb").read()
        base = name.rsplit(".", 1)[0]
        open(os.path.join(out, "capture", "seed-" + name), "wb").write(raw)
        if name == "pipelining.pcap":
            open(os.path.join(out, "capture", "seed-" + name + ".gz"), "wb").write(
                gzip.compress(raw, mtime=0))
        linktype, frames = read_pcap(os.path.join(sdir, name))
        if linktype is None:
            continue
        sel = PACKET_SEL.get(linktype)
        if sel is not None:
            picked = frames[:3] + frames[6:7]
            for i, f in enumerate(picked):
                open(os.path.join(out, "packet", "seed-%s-%d" % (base, i)), "wb").write(
                    bytes([sel]) + f)
        for i, rec in enumerate(smtp_records(linktype, frames)):
            open(os.path.join(out, "smtp", "seed-%s-%d" % (base, i)), "wb").write(rec)
        fsel = FACTS_SEL.get(linktype)
        if fsel is not None and frames:
            # whole sessions for the facts scanner: every frame, clock still
            recs = b"".join(bytes([fsel]) + struct.pack("<H", len(f)) + f for f in frames[:64])
            open(os.path.join(out, "facts", "seed-" + base), "wb").write(recs)
    for k, v in smtp_handmade().items():
        open(os.path.join(out, "smtp", "seed-" + k), "wb").write(v)
    for k, v in reasm_seeds().items():
        open(os.path.join(out, "reasm", "seed-" + k), "wb").write(v)
    rules = open(os.path.join(TOP, "rules", "default.rules"), "rb").read()
    open(os.path.join(out, "rules", "seed-default.rules"), "wb").write(rules)


if __name__ == "__main__":
    main()
