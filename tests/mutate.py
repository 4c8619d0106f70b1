#!/usr/bin/env python3
"""mutate.py — hostile captures through the real binary (make check).

Two sets of inputs, each run as `$SMTPSCOPE -r FILE --format json`:

  * the project's samples, mutated: truncated at every N bytes, bytes
    flipped in pcap record headers and in IP and TCP headers, record
    lengths corrupted, absurd caplen/snaplen/link type in the file header;
  * captures built from scratch: an SMTP line of 10 MB, a million RCPT
    commands in one session, an endless multi-line reply, 100k pipelined
    commands, BDAT with huge and negative sizes, overlapping and
    out-of-window TCP segments, random sequence numbers.

Every run must: end with exit status 0 or 2 (never a signal), write at most
one line on stderr and no sanitizer report, finish in bounded time and
memory (peak RSS of that one process, from wait4), write valid JSON lines
ending with the stats record (unless the file could not be opened at all),
and count the anomaly or the malformed frames where one is expected.

Environment: SMTPSCOPE (the binary), srcdir, MUTATE_JOBS (parallel runs,
default 2), MUTATE_SEED (default fixed, so runs are reproducible).
A binary built with AddressSanitizer gets 3x the time and memory bounds.
"""
import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
SAMPLES = os.path.join(SRCDIR, "samples")
JOBS = int(os.environ.get("MUTATE_JOBS", "2"))
SEED = int(os.environ.get("MUTATE_SEED", "20240611"))

TIME_LIMIT_S = 20.0
RSS_LIMIT_MB = 300


def sanitized(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return b"__asan_init" in data or b"AddressSanitizer" in data
    except OSError:
        return False


SANITIZED = sanitized(BIN)
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
if SANITIZED:
    TIME_LIMIT_S *= 3
    RSS_LIMIT_MB *= 3

# ---------------------------------------------------------------------------
# running one capture


class Result:
    def __init__(self, name):
        self.name = name
        self.problems = []
        self.status = None
        self.seconds = 0.0
        self.rss_mb = 0.0
        self.stats = None
        self.sessions = []


def run_capture(name, path, expect=None):
    """Runs the binary on path and checks the universal properties; `expect`
    (a function of the Result) adds the case's own checks."""
    r = Result(name)
    out_path, err_path = path + ".out", path + ".err"
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:quarantine_size_mb=32")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        argv = [BIN, "-r", path, "--format", "json"]
        if TIME:
            argv = [TIME, "-f", "%M", "-o", path + ".rss"] + argv
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                start_new_session=True)
        pid = proc.pid
        killer = threading.Timer(TIME_LIMIT_S * 1.5, lambda: _kill(pid))
        killer.start()
        _, status, ru = os.wait4(pid, 0)  # this child's own peak RSS
        proc.returncode = -1              # reaped here, not by Popen
        killer.cancel()
        r.seconds = time.monotonic() - t0
    # wait4's figure includes what the child was before exec (a copy of
    # this Python process); time(1) forks from a small process instead.
    r.rss_mb = ru.ru_maxrss / 1024.0
    if TIME:
        try:
            report = open(path + ".rss").read()
            os.unlink(path + ".rss")
            r.rss_mb = int(report.split()[-1]) / 1024.0
            m = re.search(r"terminated by signal (\d+)", report)
            if m:  # time(1) exits with 128 + the signal
                status = int(m.group(1))
        except (OSError, ValueError, IndexError):
            pass
    if os.WIFSIGNALED(status):
        r.problems.append("killed by signal %d" % os.WTERMSIG(status))
    else:
        r.status = os.WEXITSTATUS(status)
        if r.status not in (0, 2):
            r.problems.append("exit status %d" % r.status)
    if r.seconds > TIME_LIMIT_S:
        r.problems.append("took %.1f s (limit %.0f)" % (r.seconds, TIME_LIMIT_S))
    if r.rss_mb > RSS_LIMIT_MB:
        r.problems.append("peak RSS %.0f MB (limit %d)" % (r.rss_mb, RSS_LIMIT_MB))

    err = open(err_path, "rb").read().decode("utf-8", "replace")
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "AddressSanitizer", "UndefinedBehaviorSanitizer"):
        if marker in err:
            r.problems.append("sanitizer report: " + _first_line_with(err, marker))
            break
    lines = err.splitlines()
    if len(lines) > 1 and not any(p.startswith("sanitizer") for p in r.problems):
        r.problems.append("stderr has %d lines: %r" % (len(lines), err[:300]))
    if r.status == 2 and not lines:
        r.problems.append("exit 2 without a message")

    records = []
    for i, line in enumerate(open(out_path, "rb").read().splitlines()):
        try:
            records.append(json.loads(line.decode("utf-8")))
        except (ValueError, UnicodeDecodeError) as e:
            r.problems.append("output line %d is not JSON: %s" % (i + 1, e))
            break
    stats = [x for x in records if x.get("type") == "stats"]
    r.sessions = [x for x in records if x.get("type") == "session"]
    if stats:
        r.stats = stats[-1]
        if records[-1] is not r.stats:
            r.problems.append("the stats record is not the last one")
    elif r.status == 0 or records:
        r.problems.append("no stats record")
    if expect and not r.problems:
        try:
            expect(r)
        except AssertionError as e:
            r.problems.append("expected: %s" % e)
    for p in (out_path, err_path):
        os.unlink(p)
    return r


def _kill(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _first_line_with(text, marker):
    for line in text.splitlines():
        if marker in line:
            return line.strip()[:200]
    return marker


def anomaly(r, name):
    return (r.stats or {}).get("anomalies", {}).get(name, 0)


def session_anomaly(r, name):
    return sum(s.get("anomalies", {}).get(name, 0) for s in r.sessions)


# ---------------------------------------------------------------------------
# pcap files


def pcap_header(linktype=1, snaplen=262144, magic=0xA1B2C3D4):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(ts_us, frame, wirelen=None):
    return struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(frame),
                       len(frame) if wirelen is None else wirelen) + frame


def parse_pcap(data):
    """(endianness, linktype, [(record offset, caplen)]) of a classic pcap, or None."""
    if len(data) < 24:
        return None
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        return None
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    recs, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        if off + 16 + caplen > len(data):
            break
        recs.append((off, caplen))
        off += 16 + caplen
    return e, linktype, recs


LINK_HDR = {1: 14, 113: 16, 276: 20, 0: 4, 108: 4, 12: 0, 101: 0, 228: 0, 229: 0}


def ip_offset(data, linktype, rec_off, caplen):
    """Offset in the file of the frame's IP header, or None."""
    base = rec_off + 16
    if linktype not in LINK_HDR:
        return None
    off = LINK_HDR[linktype]
    if linktype == 1:
        et = data[base + 12:base + 14]
        while et in (b"\x81\x00", b"\x88\xa8") and off + 4 <= caplen:
            et = data[base + off + 2:base + off + 4]
            off += 4
    if off >= caplen:
        return None
    return base + off


def tcp_offset(data, ip_off, end):
    v = data[ip_off] >> 4
    if v == 4 and data[ip_off + 9] == 6:
        return ip_off + (data[ip_off] & 15) * 4
    if v == 6 and ip_off + 40 < end and data[ip_off + 6] == 6:
        return ip_off + 40
    return None


# ---------------------------------------------------------------------------
# building captures from scratch


class Conn:
    """One TCP connection in a capture being written: Ethernet, IPv4, TCP."""

    def __init__(self, cap, client_port, server_port=25, cisn=1000, sisn=5000,
                 client=b"\xc0\x00\x02\x0a", server=b"\xc6\x33\x64\x19"):
        self.cap = cap
        self.cport, self.sport = client_port, server_port
        self.client, self.server = client, server
        self.cseq, self.sseq = cisn, sisn
        self.ident = 0

    def frame(self, from_client, seq, ack, flags, payload=b""):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        tcp = struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0)
        self.ident = (self.ident + 1) & 0xFFFF
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), self.ident,
                         0x4000, 64 if from_client else 57, 6, 0, src, dst)
        eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
        self.cap.add(eth + ip + tcp + payload)

    def handshake(self):
        self.frame(True, self.cseq, 0, 0x02)
        self.frame(False, self.sseq, self.cseq + 1, 0x12)
        self.cseq += 1
        self.sseq += 1
        self.frame(True, self.cseq, self.sseq, 0x10)

    def send(self, from_client, data, mss=1460):
        for i in range(0, len(data), mss):
            chunk = data[i:i + mss]
            if from_client:
                self.frame(True, self.cseq, self.sseq, 0x18, chunk)
                self.cseq += len(chunk)
            else:
                self.frame(False, self.sseq, self.cseq, 0x18, chunk)
                self.sseq += len(chunk)

    def c(self, data, mss=1460):
        self.send(True, data, mss)

    def s(self, data, mss=1460):
        self.send(False, data, mss)

    def close(self):
        self.frame(True, self.cseq, self.sseq, 0x11)
        self.frame(False, self.sseq, self.cseq + 1, 0x11)
        self.frame(True, self.cseq + 1, self.sseq + 1, 0x10)


class Capture:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(pcap_header())
        self.ts = 1700000000 * 1000000

    def add(self, frame, wirelen=None):
        self.ts += 100
        self.f.write(pcap_record(self.ts, frame, wirelen))

    def close(self):
        self.f.close()


def build(path, fn):
    cap = Capture(path)
    fn(cap)
    cap.close()


def smtp_start(conn, ehlo=True):
    conn.handshake()
    conn.s(b"220 mx.example.net ESMTP\r\n")
    if ehlo:
        conn.c(b"EHLO client.example.org\r\n")
        conn.s(b"250-mx.example.net\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SIZE 100000000\r\n")


def hostile_cases(tmp):
    """(name, path, expect) of the captures built from scratch."""
    cases = []

    def case(name, fn, expect):
        path = os.path.join(tmp, name + ".pcap")
        build(path, fn)
        cases.append((name, path, expect))

    def long_line(cap):
        c = Conn(cap, 40001)
        smtp_start(c, ehlo=False)
        c.c(b"EHLO " + b"A" * (10 << 20) + b"\r\n")
        c.s(b"500 5.5.2 line too long\r\n")
        c.c(b"QUIT\r\n")
        c.s(b"221 bye\r\n")
        c.close()

    def expect_long_line(r):
        assert anomaly(r, "line_too_long") >= 1, "line_too_long counted"
        assert len(r.sessions) == 1, "one session"

    case("line-10MB", long_line, expect_long_line)

    def many_rcpts(cap):
        c = Conn(cap, 40002)
        smtp_start(c)
        c.c(b"MAIL FROM:<a@example.org>\r\n")
        c.s(b"250 2.1.0 ok\r\n")
        batch = 100
        for b in range(0, 1000000, batch):
            cmds = b"".join(b"RCPT TO:<u%d@example.net>\r\n" % i for i in range(b, b + batch))
            c.c(cmds, mss=65000)
            c.s(b"250 2.1.5 ok\r\n" * batch, mss=65000)
        c.c(b"QUIT\r\n")
        c.s(b"221 bye\r\n")
        c.close()

    def expect_many_rcpts(r):
        assert anomaly(r, "too_many_recipients") >= 1, "too_many_recipients counted"

    case("rcpt-1M", many_rcpts, expect_many_rcpts)

    def endless_reply(cap):
        c = Conn(cap, 40003)
        c.handshake()
        line = b"220-" + b"x" * 70 + b"\r\n"
        c.s(line * ((10 << 20) // len(line)), mss=65000)
        c.close()

    def expect_endless(r):
        assert len(r.sessions) == 1, "one session"

    case("reply-endless-multiline", endless_reply, expect_endless)

    def pipelined(cap):
        c = Conn(cap, 40004)
        smtp_start(c)
        c.c(b"MAIL FROM:<a@example.org>\r\n")
        c.s(b"250 ok\r\n")
        c.c(b"NOOP\r\n" * 100000, mss=65000)
        c.s(b"250 ok\r\n" * 100000, mss=65000)
        c.c(b"QUIT\r\n")
        c.s(b"221 bye\r\n")
        c.close()

    def expect_pipelined(r):
        assert anomaly(r, "pending_command_queue_full") >= 1, "pending_command_queue_full counted"

    case("pipeline-100k", pipelined, expect_pipelined)

    bdat_sizes = [b"18446744073709551615 LAST", b"18446744073709551616", b"-1 LAST", b"-1",
                  b"-9223372036854775808 LAST", b"99999999999999999999999999999 LAST",
                  b"4294967296", b"0x10 LAST", b"1e9", b"", b"12 LAST EXTRA"]

    def bdat(cap):
        for i, size in enumerate(bdat_sizes):
            c = Conn(cap, 41000 + i)
            smtp_start(c)
            c.c(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n")
            c.s(b"250 ok\r\n250 ok\r\n")
            c.c(b"BDAT " + size + b"\r\n" + b"Subject: x\r\n\r\nhello\r\n")
            c.s(b"250 2.0.0 queued\r\n")
            c.c(b"QUIT\r\n")
            c.s(b"221 bye\r\n")
            c.close()
        # a BDAT that announces 2^63 bytes and then gets 10 MB
        c = Conn(cap, 41100)
        smtp_start(c)
        c.c(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n")
        c.s(b"250 ok\r\n250 ok\r\n")
        c.c(b"BDAT 9223372036854775807 LAST\r\n")
        c.c(b"y" * (10 << 20), mss=65000)
        c.close()

    def expect_bdat(r):
        assert anomaly(r, "bad_bdat_size") >= 3, \
            "bad_bdat_size counted for the negative/overflowing sizes (got %d)" % anomaly(
                r, "bad_bdat_size")
        assert len(r.sessions) == len(bdat_sizes) + 1, "every session reported"

    case("bdat-sizes", bdat, expect_bdat)

    def overlaps(cap):
        rnd = random.Random(SEED)
        c = Conn(cap, 42000)
        smtp_start(c)
        msg = b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"
        base = c.cseq
        # the same bytes sent as overlapping pieces with conflicting content
        for _ in range(3000):
            start = rnd.randrange(0, len(msg))
            end = min(len(msg), start + rnd.randrange(1, 40))
            data = bytes(msg[start:end]) if rnd.random() < 0.5 else os.urandom(end - start)
            c.frame(True, base + start, c.sseq, 0x18, data)
        # out of the window: far ahead, far behind, at the 2^31 ambiguity
        for delta in (1 << 31, (1 << 31) - 1, -(1 << 31), 1 << 30, -(1 << 30), 65536 * 100,
                      0xFFFFFFFF, 1 << 24):
            c.frame(True, base + delta, c.sseq, 0x18, b"RCPT TO:<far@example.net>\r\n")
            c.frame(False, c.sseq + delta, base, 0x10)
        # ACKs far beyond what was sent (rule (a)/(b) gap declarations)
        for delta in (1 << 31, 1 << 20, 7):
            c.frame(False, c.sseq, base + delta, 0x10)
        # SYNs in the middle with other ISNs, RST with payload, FIN with data
        c.frame(True, rnd.getrandbits(32), 0, 0x02)
        c.frame(False, rnd.getrandbits(32), c.cseq, 0x14, b"reset reason text")
        c.frame(True, base + 10, c.sseq, 0x19, b"QUIT\r\n")
        c.close()

    case("tcp-overlap-window", overlaps, None)

    def random_seq(cap):
        rnd = random.Random(SEED + 1)
        words = [b"EHLO x\r\n", b"MAIL FROM:<a@b>\r\n", b"RCPT TO:<c@d>\r\n", b"DATA\r\n",
                 b"BDAT 5 LAST\r\n", b"\r\n.\r\n", b"250 ok\r\n", b"354 go\r\n", b"220 hi\r\n",
                 b"250-PIPELINING\r\n", b"STARTTLS\r\n", b"220 go ahead\r\n", b"QUIT\r\n"]
        for port in range(43000, 43010):
            c = Conn(cap, port, cisn=rnd.getrandbits(32), sisn=rnd.getrandbits(32))
            if port % 2:
                c.handshake()
            for _ in range(1500):
                from_client = rnd.random() < 0.5
                flags = rnd.choice([0x10, 0x18, 0x18, 0x18, 0x11, 0x14, 0x02, 0x12, 0x04, 0x00])
                payload = b"".join(rnd.choice(words) for _ in range(rnd.randrange(0, 5)))
                seq = rnd.getrandbits(32) if rnd.random() < 0.3 else \
                    (c.cseq if from_client else c.sseq) + rnd.randrange(-3000, 3000)
                c.frame(from_client, seq, rnd.getrandbits(32), flags, payload)

    case("tcp-random-seq", random_seq, None)

    def snaplen_cuts(cap):
        c = Conn(cap, 44000)
        smtp_start(c)
        # frames recorded shorter than they were: wirelen far beyond caplen
        real_add = cap.add
        cap.add = lambda frame, wirelen=None: real_add(frame[:60], len(frame) + 100000)
        c.c(b"MAIL FROM:<a@example.org>\r\n" * 200, mss=1460)
        cap.add = real_add
        c.close()

    case("snaplen-cut", snaplen_cuts, None)

    # pcapng timestamps are 64 bits in units of if_tsresol: with a resolution
    # of one second, any value is a time_t (regress-capture-pcapng-huge-timestamp)
    class Frames:
        def __init__(self):
            self.frames = []

        def add(self, frame, wirelen=None):
            self.frames.append(frame)

    def pcapng_times(path):
        fr = Frames()
        c = Conn(fr, 45000)
        smtp_start(c)
        c.c(b"QUIT\r\n")
        c.s(b"221 bye\r\n")
        c.close()

        def block(btype, body):
            body += b"\0" * (-len(body) % 4)
            n = 12 + len(body)
            return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

        out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
        opts = struct.pack("<HHB3x", 9, 1, 0) + struct.pack("<HH", 0, 0)  # if_tsresol 10^0
        out += block(1, struct.pack("<HHI", 1, 0, 262144) + opts)
        stamps = [1700000000, 0xFFFFFFFFFFFFFFFF, 1 << 63, (1 << 63) - 1, 1 << 40, 0,
                  12682242844415, 1700000001]
        for i, f in enumerate(fr.frames):
            ts = stamps[i % len(stamps)]
            out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
        open(path, "wb").write(out)

    path = os.path.join(tmp, "pcapng-timestamps.pcapng")
    pcapng_times(path)
    cases.append(("pcapng-timestamps", path, None))
    return cases


# ---------------------------------------------------------------------------
# mutating the samples


def sample_files():
    names = sorted(n for n in os.listdir(SAMPLES) if n.endswith((".pcap", ".pcapng")))
    return [(n, open(os.path.join(SAMPLES, n), "rb").read()) for n in names]


def mutations(tmp):
    rnd = random.Random(SEED)
    cases = []

    def add(name, data, expect=None):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        cases.append((name, path, expect))

    def expect_truncated_or_clean(r):
        if r.status == 2:
            assert r.stats is None or r.stats.get("truncated"), "stats say truncated"

    def expect_counted(what):
        def check(r):
            got = (r.stats or {}).get("malformed", 0) + sum(
                (r.stats or {}).get("anomalies", {}).values())
            assert got >= 1, "%s counted as malformed or an anomaly" % what
        return check

    for name, data in sample_files():
        base = name.rsplit(".", 1)[0]
        # truncation: inside the file header, then every N bytes
        cuts = sorted(set([0, 1, 3, 4, 12, 23, 24, 25, 30, 39, 40] +
                          list(range(0, len(data), max(97, len(data) // 40)))))
        for cut in cuts:
            add("%s-cut%d" % (base, cut), data[:cut], expect_truncated_or_clean)
        parsed = parse_pcap(data)
        if parsed is None:
            # pcapng: flip bytes in block headers (type, length) and anywhere
            for i in range(12):
                m = bytearray(data)
                pos = rnd.choice([0, 4, 8, 28, 32, 36, rnd.randrange(len(data))])
                pos = min(pos + rnd.randrange(4), len(data) - 1)
                m[pos] ^= 1 << rnd.randrange(8)
                add("%s-ngflip%d" % (base, i), bytes(m))
            m = bytearray(data)
            m[4:8] = b"\xff\xff\xff\x7f"
            add("%s-ngbiglen" % base, bytes(m))
            continue
        e, linktype, recs = parsed
        if not recs:
            continue
        # flipped bytes in record headers (timestamps, caplen, len)
        for i in range(8):
            m = bytearray(data)
            off, _ = rnd.choice(recs)
            for _ in range(rnd.randrange(1, 4)):
                m[off + rnd.randrange(16)] ^= 1 << rnd.randrange(8)
            add("%s-recflip%d" % (base, i), bytes(m))
        # flipped bytes in IP and TCP headers
        for i in range(10):
            m = bytearray(data)
            for _ in range(rnd.randrange(1, 6)):
                off, caplen = rnd.choice(recs)
                ip = ip_offset(data, linktype, off, caplen)
                if ip is None:
                    continue
                tcp = tcp_offset(data, ip, off + 16 + caplen)
                lo, hi = (ip, tcp or ip + 20) if rnd.random() < 0.5 or tcp is None \
                    else (tcp, tcp + 20)
                hi = min(hi, off + 16 + caplen)
                if hi > lo:
                    m[rnd.randrange(lo, hi)] ^= 1 << rnd.randrange(8)
            add("%s-hdrflip%d" % (base, i), bytes(m))
        # targeted header damage that must be counted
        off, caplen = recs[min(3, len(recs) - 1)]
        ip = ip_offset(data, linktype, off, caplen)
        if ip is not None and ip < off + 16 + caplen:
            m = bytearray(data)
            m[ip] = 0x70 | (m[ip] & 0x0F)
            add("%s-ipversion7" % base, bytes(m), expect_counted("IP version 7"))
            tcp = tcp_offset(data, ip, off + 16 + caplen)
            if tcp is not None and tcp + 13 <= off + 16 + caplen:
                m = bytearray(data)
                m[tcp + 12] = 0x20 | (m[tcp + 12] & 0x0F)  # data offset 2 words
                add("%s-tcpoff2" % base, bytes(m), expect_counted("TCP data offset 2"))
            if (data[ip] >> 4) == 4:
                m = bytearray(data)
                m[ip + 2:ip + 4] = b"\x00\x05"  # total length below the header
                add("%s-iplen5" % base, bytes(m), expect_counted("IP total length 5"))
        # corrupted record lengths and absurd caplen
        fmt = e + "I"
        for label, field, value in (("caplen0", 8, 0), ("caplen1", 8, 1),
                                    ("caplenhuge", 8, 0xFFFFFFF0),
                                    ("caplen-snaplen+1", 8, 262145),
                                    ("caplen+1", 8, None), ("len0", 12, 0),
                                    ("lenhuge", 12, 0xFFFFFFFF)):
            m = bytearray(data)
            off, caplen = recs[len(recs) // 2]
            v = caplen + 1 if value is None else value
            m[off + field:off + field + 4] = struct.pack(fmt, v)
            add("%s-%s" % (base, label), bytes(m))
        # absurd file header: snaplen, link type, version
        for label, field, value in (("snaplen0", 16, 0), ("snaplenhuge", 16, 0xFFFFFFFF),
                                    ("linktype-unknown", 20, 0xFFFF),
                                    ("linktype-fcs", 20, linktype | 0x10000000 | 0x04000000),
                                    ("version9", 4, 9)):
            m = bytearray(data)
            if field == 4:
                m[4:6] = struct.pack(e + "H", value)
            else:
                m[field:field + 4] = struct.pack(fmt, value)
            add("%s-%s" % (base, label), bytes(m))
    return cases


# ---------------------------------------------------------------------------


def main():
    if not os.access(BIN, os.X_OK):
        print("FAIL: %s is not an executable (set SMTPSCOPE)" % BIN)
        return 1
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutate-") as tmp:
        cases = hostile_cases(tmp)
        hostile = set(c[0] for c in cases)
        cases += mutations(tmp)
        built = time.monotonic() - t0
        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            results = list(pool.map(lambda c: run_capture(*c), cases))
    failed = [r for r in results if r.problems]
    worst_t = max(results, key=lambda r: r.seconds)
    worst_m = max(results, key=lambda r: r.rss_mb)
    exits = {}
    for r in results:
        exits[r.status] = exits.get(r.status, 0) + 1
    for r in results:
        if r.name in hostile:
            print("ok   %-28s exit %s  %.2f s  %.0f MB" % (r.name, r.status, r.seconds, r.rss_mb)
                  if not r.problems else "FAIL %-28s %s" % (r.name, "; ".join(r.problems)))
    for r in failed:
        if r.name not in hostile:
            print("FAIL %-28s %s" % (r.name, "; ".join(r.problems)))
    print("%d captures (%s), %d failed; slowest %s %.2f s, largest %s %.0f MB; "
          "built in %.1f s, total %.1f s%s" % (
              len(results), ", ".join("exit %s: %d" % (k, v) for k, v in sorted(
                  exits.items(), key=lambda kv: str(kv[0]))),
              len(failed), worst_t.name, worst_t.seconds, worst_m.name, worst_m.rss_mb, built,
              time.monotonic() - t0, " (sanitizer build)" if SANITIZED else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
