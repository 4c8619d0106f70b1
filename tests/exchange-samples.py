#!/usr/bin/env python3
"""exchange-samples.py — the Exchange samples, checked against facts stated
by hand, independently of the golden files (which a regeneration rewrites).

Two halves:
 1. the packets: each capture is read here with a small pcap/IPv4/TCP reader
    (no smtpscope code) and the client byte stream is checked to really hold
    what the sample is about, e.g. the XEXCH50 blob with a MAIL FROM line and
    an end-of-data dot inside, or a BDAT chunk that ends in the middle of the
    Message-ID line;
 2. smtpscope's records: per session tls, auth, end state; per transaction
    envelope, Message-ID, Subject, data_bytes, chunks, outcome and reply;
    no anomaly, no alert, the message count of the text report, and no
    credential or blob byte in the output.
Sizes come from the generator script (samples/gen/scenarios_exchange.c): a
BDAT message is sent whole with the sizes chosen there; a DATA message's
data_bytes is its MAIL FROM SIZE= minus the CRLF of the last line.
"""
import json
import os
import struct
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
failures = 0
fields = {"checked": 0, "right": 0}


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def client_streams(path):
    """{(client ip, port): bytes sent to port 25, in sequence order}."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic != 0xa1b2c3d4:
        raise SystemExit("exchange-samples: %s: not a little-endian pcap" % path)
    off, segs = 24, {}
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 14 + 20 or pkt[12:14] != b"\x08\x00":
            continue
        ip = pkt[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6:
            continue
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        payload = tcp[(tcp[12] >> 4) * 4:]
        if dport == 25 and payload:
            src = ".".join(str(b) for b in ip[12:16])
            segs.setdefault((src, sport), {})[seq] = payload
    return {k: b"".join(v[s] for s in sorted(v)) for k, v in segs.items()}


def check_packets():
    base = os.path.join(SRCDIR, "samples")
    s = client_streams(os.path.join(base, "exchange-xexch50-accepted.pcap"))
    (stream,) = s.values()
    at = stream.find(b"XEXCH50 2000 2\r\n")
    blob = stream[at + 16:at + 16 + 2000] if at >= 0 else b""
    if not (b"MAIL FROM:<spoof@evil.example>\r\n" in blob and b"\r\n.\r\n" in blob
            and b"\x00" in blob and stream[at + 16 + 2000:].startswith(b"BDAT 2600 LAST\r\n")):
        fail("exchange-xexch50-accepted.pcap: the client stream does not hold a 2000-byte "
             "blob with SMTP-looking lines, followed by BDAT 2600 LAST")
    s = client_streams(os.path.join(base, "exchange-bdat-split.pcap"))
    (stream,) = s.values()
    # first chunk: "BDAT 174\r\n" + 174 bytes ending inside "Message-ID: <..."
    at = stream.find(b"BDAT 174\r\n")
    chunk = stream[at + 10:at + 10 + 174]
    line = chunk[chunk.rfind(b"\r\n") + 2:]
    if at < 0 or not line.startswith(b"Message-ID: <") or line.endswith(b">"):
        fail("exchange-bdat-split.pcap: the first chunk does not end inside the Message-ID line")
    if stream[at + 10 + 174:at + 10 + 174 + 11] != b"BDAT 4826\r\n" or b"BDAT 0 LAST\r\n" not in stream:
        fail("exchange-bdat-split.pcap: chunk layout 174 + 4826 + 0 LAST not found")
    at = stream.find(b"BDAT 116\r\n")
    if at < 0 or not stream[at + 10:at + 10 + 116].endswith(b"\r") or \
            not stream[at + 126:].startswith(b"BDAT 784 LAST\r\n\nDate:"):
        fail("exchange-bdat-split.pcap: the second message's first chunk does not end between CR and LF")
    s = client_streams(os.path.join(base, "exchange-anonymoustls.pcap"))
    tls = [v for v in s.values() if b"\x16\x03" in v]
    if len(tls) != 1 or b"X-ANONYMOUSTLS\r\n\x16\x03" not in tls[0]:
        fail("exchange-anonymoustls.pcap: no TLS record right after X-ANONYMOUSTLS")


def txn(mail_from, rcpt, mid, subject, size, chunks, rejected=(), code=250):
    return dict(mail_from=mail_from, rcpt_to=list(rcpt), rcpt_rejected=list(rejected),
                message_id=mid, subject=subject, data_bytes=size, bdat_chunks=chunks,
                outcome="accepted", code=code)


GW = "192.0.2.10"
# sample -> (messages in the text report, [session facts in id order])
EXPECTED = {
    "exchange-anonymoustls.pcap": (1, [
        dict(client=GW, server="198.51.100.90", tls=True, auth=False, end_state="tls",
             end_reason="fin", txns=[]),
        dict(client=GW, server="198.51.100.90", tls=False, auth=False, end_state="quit",
             end_reason="quit", txns=[txn("alice@example.com", ["carl@contoso.com"],
                                         "<20261120030010.ex1@gw.example.com>",
                                         "Plain after refused TLS", 1800, 1)]),
    ]),
    "exchange-xexch50-accepted.pcap": (1, [
        dict(client=GW, server="198.51.100.90", tls=False, auth=False, end_state="quit",
             end_reason="quit", txns=[txn("alice@example.com", ["carl@contoso.com"],
                                         "<20261120030020.ex2@gw.example.com>",
                                         "Properties travel with XEXCH50", 2600, 1)]),
    ]),
    "exchange-xexch50-refused.pcap": (2, [
        dict(client=GW, server="198.51.100.90", tls=False, auth=False, end_state="quit",
             end_reason="quit", txns=[txn("alice@example.com", ["carl@contoso.com"],
                                         "<20261120030030.ex%d@gw.example.com>" % k,
                                         "No properties for you", size, 1)])
        for k, size in ((3, 1400), (4, 1500))
    ]),
    "exchange-bdat-split.pcap": (2, [
        dict(client=GW, server="198.51.100.90", tls=False, auth=False, end_state="quit",
             end_reason="quit", txns=[
                 txn("alice@example.com", ["carl@contoso.com"], "<20261120030040.ex5@gw.example.com>",
                     "Header split across chunks", 5000, 3),
                 txn("alice@example.com", ["dora@contoso.com"], "<20261120030045.ex6@gw.example.com>",
                     "Chunk ends between CR and LF", 900, 2)]),
    ]),
    "exchange-x-exps.pcap": (1, [
        dict(client="203.0.113.90", server=GW, tls=False, auth=True, auth_mechanism="GSSAPI",
             end_state="quit", end_reason="quit",
             txns=[txn("fred@fabrikam.com", ["alice@example.com"], "<7A1B2C3D4E5F@ex1.fabrikam.com>",
                       "Authenticated hop", 3024 - 2, None)]),
        dict(client="203.0.113.90", server=GW, tls=False, auth=False, auth_mechanism="NTLM",
             end_state="quit", end_reason="quit", txns=[]),
    ]),
    "exchange-link2state.pcap": (1, [
        dict(client=GW, server="203.0.113.90", tls=False, auth=False, end_state="quit",
             end_reason="quit",
             txns=[txn("alice@example.com", ["fred@fabrikam.com"], "<20261120030050.ex7@gw.example.com>",
                       "After the link state", 2562 - 2, None, rejected=["nobody@fabrikam.com"])]),
    ]),
}
# never in the output: credentials (client tokens) and blob contents
SECRETS = [b"YIIFYQYJKoZIhvcSAQICAQBugg", b"TlRMTVNTUAABAAAAB4IIog", b"TlRMTVNTUAADAAAAGAAY",
           b"spoof@evil.example"]


def field(where, key, have, want):
    fields["checked"] += 1
    if have == want:
        fields["right"] += 1
    else:
        fail("%s: %s = %r, expected %r" % (where, key, have, want))


def check_sample(name, messages, sessions):
    before = failures
    path = os.path.join(SRCDIR, "samples", name)
    p = subprocess.run([BIN, "-r", path, "--format", "json", "--transcript"], capture_output=True,
                       timeout=60)
    if p.returncode != 0:
        return fail("%s: exit %d: %s" % (name, p.returncode, p.stderr.decode()))
    for secret in SECRETS:
        if secret in p.stdout:
            fail("%s: %r appears in the output" % (name, secret))
    recs = [json.loads(line) for line in p.stdout.decode().splitlines()]
    got = [r for r in recs if r["type"] == "session"]
    for r in recs:
        if r["type"] == "alert":
            fail("%s: unexpected alert %s: %s" % (name, r["rule"], r["message"]))
    if len(got) != len(sessions):
        return fail("%s: %d sessions, expected %d" % (name, len(got), len(sessions)))
    for i, (s, want) in enumerate(zip(got, sessions), 1):
        where = "%s session %d" % (name, i)
        for key in ("client", "server", "tls", "auth", "end_state", "end_reason", "auth_mechanism"):
            if key in want:
                field(where, key, s[key], want[key])
        if s["anomalies"]:
            fail("%s: anomalies %s" % (where, s["anomalies"]))
        if len(s["transactions"]) != len(want["txns"]):
            fail("%s: %d transactions, expected %d" % (where, len(s["transactions"]), len(want["txns"])))
            continue
        for j, (t, w) in enumerate(zip(s["transactions"], want["txns"]), 1):
            for key, value in w.items():
                have = t["reply"]["code"] if key == "code" else t.get(key)
                field("%s transaction %d" % (where, j), key, have, value)
    text = subprocess.run([BIN, "-r", path], capture_output=True, timeout=60).stdout.decode()
    line = "Messages %d: %d accepted" % (messages, messages)
    if line not in text:
        fail("%s: text report lacks %r" % (name, line))
    if failures == before:
        print("ok   %s: %d session(s), %d message(s)" % (name, len(sessions), messages))


check_packets()
for sample, (msgs, sess) in EXPECTED.items():
    check_sample(sample, msgs, sess)
print("session and transaction fields right: %d/%d" % (fields["right"], fields["checked"]))
sys.exit(1 if failures else 0)
