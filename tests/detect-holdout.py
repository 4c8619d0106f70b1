#!/usr/bin/env python3
"""detect-holdout.py — alert recall and precision on hold-out captures.

The samples in samples/ were written next to the rules they test.  These
captures are not: they are drawn at random here (fixed seeds, so runs
repeat), by a generator of their own (Python, sharing no code with
samples/gen), from families of what a mail gateway sees — clean deliveries,
greylisting at RCPT and after DATA, mailbox-full deferrals, retry loops,
slow and fast deferral series, silent drops, PMTU black holes, injected and
genuine resets, half-open scans — with the parameters (timings, sizes,
recipients, pipelining, codes, retry schedules) varied within what real
MTAs do.  Each capture comes with the alerts it must raise, (rule, host)
and for growing alerts the final count, stated from how it was drawn.

    tests/detect-holdout.py             check (make check): 10 captures per
                                        family, recall and precision >= 95%
    tests/detect-holdout.py -v N        N captures per family, print every miss
    tests/detect-holdout.py --keep DIR  keep the captures and labels in DIR

(tests/holdout.py is another hold-out: verdicts on mixes of the samples.)

Recall: labelled alerts raised; precision: raised alerts that were
labelled; an alert is matched by rule and host (an update, same id, is the
same alert), and its final count must equal the labelled one when given."""
import collections
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
GW = "192.0.2.10"
MSS = 1448
failures = 0

# --- pcap writing ---------------------------------------------------------------------


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(map(int, a.split(".")))


class Capture:
    def __init__(self):
        self.frames = []  # (t_us, order, bytes)

    def add(self, t, src, dst, sport, dport, seq, ack, flags, payload=b"", ttl=64, ipid=1):
        opts = b""
        if flags & 0x02:  # SYN: MSS 1460
            opts = struct.pack("!BBH", 2, 4, 1460)
        off = (20 + len(opts)) // 4
        tcp = bytearray(struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                                    off << 4, flags, 65535, 0, 0) + opts + payload)
        iph = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), ipid & 0xFFFF, 0x4000,
                                    ttl, 6, 0, ip4(src), ip4(dst)))
        iph[10:12] = struct.pack("!H", csum(bytes(iph)))
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(tcp))
        tcp[16:18] = struct.pack("!H", csum(bytes(pseudo + tcp)))
        eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00"
        self.frames.append((int(t), len(self.frames), eth + bytes(iph + tcp)))

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, _, b in sorted(self.frames):
                f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(b), len(b)))
                f.write(b)


class Conn:
    """One TCP connection, scripted: every send is acknowledged unless told."""

    def __init__(self, cap, rng, cli, cport, srv, sport, t, cttl=64, sttl=52):
        self.cap, self.rng = cap, rng
        self.ep = [(cli, cport), (srv, sport)]
        self.seq = [rng.randrange(1 << 32), rng.randrange(1 << 32)]
        self.ttl = [cttl, sttl]
        self.ipid = [rng.randrange(1 << 16), rng.randrange(1 << 16)]
        self.t = t

    def emit(self, side, seq, ack, flags, payload=b"", ttl=None, ipid=None):
        (a, ap), (b, bp) = self.ep[side], self.ep[1 - side]
        self.ipid[side] += 1
        self.cap.add(self.t, a, b, ap, bp, seq, ack, flags, payload,
                     ttl if ttl is not None else self.ttl[side],
                     ipid if ipid is not None else self.ipid[side])

    def step(self, lo=100, hi=2000):
        self.t += self.rng.randint(lo, hi)

    def handshake(self):
        self.emit(0, self.seq[0], 0, 0x02)
        self.step(500, 30000)
        self.emit(1, self.seq[1], self.seq[0] + 1, 0x12)
        self.seq = [self.seq[0] + 1, self.seq[1] + 1]
        self.step(50, 300)
        self.emit(0, self.seq[0], self.seq[1], 0x10)

    def send(self, side, data, acked=True):
        """Data in MSS segments; the peer ACKs every second one and the last."""
        off, n = 0, 0
        while off < len(data):
            chunk = data[off:off + MSS]
            last = off + len(chunk) == len(data)
            self.emit(side, self.seq[side], self.seq[1 - side], 0x18 if last else 0x10, chunk)
            self.seq[side] += len(chunk)
            off += len(chunk)
            n += 1
            self.step(30, 200)
            if acked and (n % 2 == 0 or last):
                self.emit(1 - side, self.seq[1 - side], self.seq[side], 0x10)
                self.step(30, 200)

    def c(self, line):
        self.step(100, 1500)
        self.send(0, line)

    def s(self, line, lo=2000, hi=60000):
        self.step(lo, hi)
        self.send(1, line)

    def close(self):
        self.step()
        self.emit(0, self.seq[0], self.seq[1], 0x11)
        self.step()
        self.emit(1, self.seq[1], self.seq[0] + 1, 0x11)
        self.step()
        self.emit(0, self.seq[0] + 1, self.seq[1] + 1, 0x10)

    def rst(self, side, ttl=None, ipid=None):
        self.step()
        self.emit(side, self.seq[side], self.seq[1 - side], 0x14, ttl=ttl, ipid=ipid)


# --- SMTP dialogue ----------------------------------------------------------------------

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()


def body(rng, size, mid):
    head = ("From: Sender <s@example.com>\r\nTo: R <r@example.net>\r\nSubject: %s\r\n"
            "Message-ID: <%s>\r\n\r\n" % (" ".join(rng.sample(WORDS, 3)), mid)).encode()
    lines = []
    n = len(head)
    while n < size:
        line = (" ".join(rng.choice(WORDS) for _ in range(10)) + "\r\n").encode()
        lines.append(line)
        n += len(line)
    return head + b"".join(lines) + b".\r\n"


def greet(c, mx, pipelining):
    c.handshake()
    c.s(("220 %s ESMTP\r\n" % mx).encode(), 5000, 200000)
    c.c(b"EHLO gw.example.com\r\n")
    ext = "250-%s\r\n%s250-SIZE 52428800\r\n250 ENHANCEDSTATUSCODES\r\n" % (
        mx, "250-PIPELINING\r\n" if pipelining else "")
    c.s(ext.encode())


def envelope(c, frm, rcpts, rcpt_replies, pipelining, size, data_reply=None):
    """MAIL, RCPTs (and DATA when pipelining): returns True if 354 came."""
    mail = ("MAIL FROM:<%s> SIZE=%d\r\n" % (frm, size)).encode()
    if pipelining:
        cmds = mail + b"".join(("RCPT TO:<%s>\r\n" % r).encode() for r in rcpts) + b"DATA\r\n"
        ok = any(r.startswith("250") for r in rcpt_replies)
        c.c(cmds)
        dr = "354 End data with <CR><LF>.<CR><LF>\r\n" if ok else "554 5.5.1 Error: no valid recipients\r\n"
        c.s(("250 2.1.0 Ok\r\n" + "".join(rcpt_replies) + dr).encode())
        return ok
    c.c(mail)
    c.s(b"250 2.1.0 Ok\r\n")
    for r, rep in zip(rcpts, rcpt_replies):
        c.c(("RCPT TO:<%s>\r\n" % r).encode())
        c.s(rep.encode())
    if not any(r.startswith("250") for r in rcpt_replies):
        return False
    c.c(b"DATA\r\n")
    c.s(b"354 End data with <CR><LF>.<CR><LF>\r\n")
    return True


def quit_(c):
    c.c(b"QUIT\r\n")
    c.s(b"221 2.0.0 Bye\r\n", 500, 5000)
    c.close()


class World:
    """One capture: sessions from the gateway to remote hosts."""

    def __init__(self, rng):
        self.rng, self.cap, self.port = rng, Capture(), 40000
        self.labels = collections.Counter()  # (rule, host) -> alerts
        self.counts = {}                     # (rule, host) -> final count
        self.end = 0

    def conn(self, srv, t, sport=25, cli=GW, cttl=64, sttl=52):
        self.port += 1
        c = Conn(self.cap, self.rng, cli, self.port, srv, sport, t, cttl, sttl)
        return c

    def deliver(self, srv, t, frm, rcpts, size, mid, pipelining=None, replies=None,
                final="250 2.0.0 Ok: queued\r\n"):
        rng = self.rng
        pipelining = rng.random() < 0.5 if pipelining is None else pipelining
        c = self.conn(srv, t)
        greet(c, "mx.%s" % srv.replace(".", "-"), pipelining)
        replies = replies or ["250 2.1.5 Ok\r\n"] * len(rcpts)
        if envelope(c, frm, rcpts, replies, pipelining, size):
            c.step(200, 2000)
            c.send(0, body(rng, size, mid))
            c.s(final.encode(), 5000, 800000)
        elif pipelining and rng.random() < 0.5:  # Postfix resets before QUIT
            c.c(b"RSET\r\n")
            c.s(b"250 2.0.0 Ok\r\n")
        quit_(c)
        self.end = max(self.end, c.t)
        return c


def us(s):
    return int(s * 1000000)


# --- families ---------------------------------------------------------------------------

def host(rng):
    return "198.51.101.%d" % rng.randint(2, 250)


def f_clean(w, rng):
    """Deliveries that went well, some with a lone deferral or a recipient
    limit on the way: nothing to alert on."""
    for i in range(rng.randint(1, 5)):
        n = rng.randint(1, 4)
        srv = host(rng)
        rcpts = ["r%d@example.net" % k for k in range(n)]
        size, mid = rng.randint(500, 60000), "%d.%d@gw" % (i, rng.randrange(1 << 30))
        t = us(60 * i + rng.random())
        kind = rng.random()
        if kind < 0.2 and n >= 2:
            # RFC 5321 4.5.3.1.10: 452 4.5.3 beyond the server's recipient
            # limit, the client sends the rest in a second transaction
            lim = rng.randint(1, n - 1)
            rep = ["250 2.1.5 Ok\r\n"] * lim + ["452 4.5.3 Error: too many recipients\r\n"] * (n - lim)
            w.deliver(srv, t, "a%d@example.com" % i, rcpts, size, mid, replies=rep)
            w.deliver(srv, t + us(2), "a%d@example.com" % i, rcpts[lim:], size, mid)
        elif kind < 0.4:
            # one temporary failure, delivered at the next queue run
            w.deliver(srv, t, "a%d@example.com" % i, rcpts, size, mid,
                      final=rng.choice(["451 4.3.0 Temporary lookup failure\r\n",
                                        "421 4.4.2 Connection timed out\r\n"]))
            w.deliver(srv, t + us(rng.uniform(300, 900)), "a%d@example.com" % i, rcpts, size, mid)
        else:
            w.deliver(srv, t, "a%d@example.com" % i, rcpts, size, mid)


GREY = ["450 4.7.1 <{r}>: Recipient address rejected: Greylisted, try again later\r\n",
        "451 4.7.1 Greylisting in action, please come back later\r\n",
        "450 4.2.0 <{r}>: Recipient address rejected: Greylisted, see http://postgrey.example/\r\n",
        "451 Greylisted, please try again in 300 seconds\r\n",
        "451 4.7.1 Please try again later\r\n"]


def f_greylist(w, rng):
    """Every recipient deferred at RCPT (or the message after DATA, Exim
    style), then accepted 1-20 min later, maybe after one more deferral."""
    srv = host(rng)
    n = rng.randint(1, 4)
    rcpts = ["u%d@example.net" % k for k in range(n)]
    size, mid = rng.randint(800, 30000), "g%d@gw" % rng.randrange(1 << 30)
    tmpl = rng.choice(GREY)
    at_data = rng.random() < 0.25
    t = us(rng.random() * 10)
    tries = 1 + (rng.random() < 0.3)
    for k in range(tries):
        if at_data:
            w.deliver(srv, t, "s@example.com", rcpts, size, mid, final=tmpl.format(r=rcpts[0]))
        else:
            w.deliver(srv, t, "s@example.com", rcpts, size, mid,
                      replies=[tmpl.format(r=r) for r in rcpts])
        t += us(rng.uniform(60, 600) if k + 1 < tries else rng.uniform(60, 1200))
    if rng.random() < 0.3:
        # the retry goes to another MX of the domain, which accepts at once:
        # not that host's greylisting (and the first host never accepted)
        w.deliver(host(rng), t, "s@example.com", rcpts, size, mid)
        return
    w.deliver(srv, t, "s@example.com", rcpts, size, mid)
    w.labels[("greylisting", srv)] += 1


def f_mailbox_full(w, rng):
    """452 4.2.2 at RCPT, accepted later: a deferral, not greylisting."""
    srv = host(rng)
    rc = ["full@example.net"]
    size, mid = rng.randint(800, 20000), "m%d@gw" % rng.randrange(1 << 30)
    w.deliver(srv, 0, "s@example.com", rc, size, mid,
              replies=["452 4.2.2 <full@example.net>: Mailbox full\r\n"])
    w.deliver(srv, us(rng.uniform(300, 1800)), "s@example.com", rc, size, mid)


def f_deferrals(w, rng):
    """A host deferring m different messages, Postfix-paced: m >= 3 within
    an hour is a deferral pattern (final count m); fewer, or spread over
    more than an hour, is not."""
    srv = host(rng)
    pattern = rng.random() < 0.6
    m = rng.randint(3, 6) if pattern else rng.randint(1, 2)
    span = rng.uniform(600, 3300) if pattern else rng.uniform(0, 3000)
    times = sorted(rng.uniform(0, span) for _ in range(m))
    codes = ["451 4.3.0 Temporary failure\r\n", "421 4.4.2 Timeout exceeded\r\n",
             "452 4.2.2 Mailbox full\r\n", "450 4.2.1 Mailbox unavailable\r\n",
             "451 4.7.0 Rate limited, try later\r\n"]
    for i, t in enumerate(times):
        code = rng.choice(codes)
        if rng.random() < 0.5:
            w.deliver(srv, us(t), "s%d@example.com" % i, ["d%d@example.net" % i], 2000,
                      "d%d.%d@gw" % (i, rng.randrange(1 << 30)), final=code)
        else:
            w.deliver(srv, us(t), "s%d@example.com" % i, ["d%d@example.net" % i], 2000,
                      "d%d.%d@gw" % (i, rng.randrange(1 << 30)), replies=[code])
    if m >= 3:
        w.labels[("deferral-pattern", srv)] += 1
        w.counts[("deferral-pattern", srv)] = m


def f_retry_loop(w, rng):
    """One message, k attempts each reset mid-body: rst-mid-data k times,
    retry-loop once from the third, growing to k."""
    srv = host(rng)
    k = rng.randint(2, 8)
    size, mid = rng.randint(20000, 80000), "r%d@gw" % rng.randrange(1 << 30)
    gap = rng.uniform(5, 900)
    t = 0.0
    for i in range(k):
        c = w.conn(srv, us(t))
        greet(c, "mx", False)
        envelope(c, "s@example.com", ["x@example.net"], ["250 2.1.5 Ok\r\n"], False, size)
        data = body(rng, size, mid)
        cut = rng.randint(3, max(4, len(data) // MSS - 2)) * MSS
        c.send(0, data[:cut])
        c.rst(1)
        w.end = max(w.end, c.t)
        t += gap * rng.uniform(0.8, 1.2)
    w.labels[("rst-mid-data", srv)] += k
    if k >= 3 and gap * 1.2 * 2 < 7200:
        w.labels[("retry-loop", srv)] += 1
        w.counts[("retry-loop", srv)] = k


def f_drop(w, rng, blackhole):
    """The body stalls: a black hole (small segments pass, full-size never
    ACKed on this path) or a plain drop after full-size segments were
    ACKed.  Both time out (idle timeout) mid-body: drop-mid-data."""
    srv = host(rng)
    size, mid = rng.randint(15000, 60000), "p%d@gw" % rng.randrange(1 << 30)  # >= 10 segments
    c = w.conn(srv, 0)
    greet(c, "mx", False)
    envelope(c, "s@example.com", ["x@example.net"], ["250 2.1.5 Ok\r\n"], False, size)
    data = body(rng, size, mid)
    head = data.index(b"\r\n\r\n") + 4
    nbody = (len(data) - head) // MSS  # whole segments of body; the end of data is beyond
    inflight = rng.randint(1, 4)
    if blackhole:
        c.send(0, data[:head])
        sent = 0
    else:
        sent = rng.randint(2, max(2, nbody - inflight - 1)) * MSS
        c.send(0, data[:head + sent])
    s0 = c.seq[0]
    first = data[head + sent: head + sent + MSS]
    for i in range(inflight):
        c.emit(0, s0 + i * MSS, c.seq[1], 0x10, data[head + sent + i * MSS: head + sent + (i + 1) * MSS])
        c.step(50, 150)
    rto = rng.uniform(0.2, 1.0)
    for i in range(rng.randint(3, 7)):
        c.t += us(rto * (2 ** i))
        c.emit(0, s0, c.seq[1], 0x10, first)
    w.end = max(w.end, c.t)
    w.labels[("drop-mid-data", srv)] += 1
    if blackhole:
        w.labels[("pmtu-blackhole", srv)] += 1


def f_resets(w, rng):
    """A half-open scan (kernel RSTs: no dialogue, no alert), or a RST
    injected mid-body by a box on the path (TTL 64 against the server's
    52): rst-mid-data and middlebox-interference."""
    if rng.random() < 0.5:
        scanner = "203.0.113.%d" % rng.randint(2, 250)
        for i, port in enumerate(rng.sample([25, 465, 587, 2525], rng.randint(1, 4))):
            c = w.conn(GW, us(i * 0.05), sport=port, cli=scanner, cttl=rng.randint(37, 60))
            c.emit(0, c.seq[0], 0, 0x02)
            c.step(500, 3000)
            c.emit(1, c.seq[1], c.seq[0] + 1, 0x12)
            c.step(30, 100)
            c.emit(0, c.seq[0] + 1, 0, 0x04, ttl=64, ipid=0)
            w.end = max(w.end, c.t)
        return
    srv = host(rng)
    size = rng.randint(20000, 50000)
    c = w.conn(srv, 0)
    greet(c, "mx", False)
    envelope(c, "s@example.com", ["x@example.net"], ["250 2.1.5 Ok\r\n"], False, size)
    data = body(rng, size, "i%d@gw" % rng.randrange(1 << 30))
    c.send(0, data[:rng.randint(3, 8) * MSS])
    c.rst(1, ttl=64, ipid=0)
    w.end = max(w.end, c.t)
    w.labels[("rst-mid-data", srv)] += 1
    w.labels[("middlebox-interference", srv)] += 1


FAMILIES = {
    "clean": f_clean,
    "greylist": f_greylist,
    "mailbox-full": f_mailbox_full,
    "deferrals": f_deferrals,
    "retry-loop": f_retry_loop,
    "pmtu": lambda w, rng: f_drop(w, rng, True),
    "drop": lambda w, rng: f_drop(w, rng, False),
    "resets": f_resets,
}


def draw(family, seed):
    rng = random.Random("%s-%d" % (family, seed))
    w = World(rng)
    FAMILIES[family](w, rng)
    # a healthy session well after everything: ends silent ones by the idle timeout
    w.deliver("198.51.100.7", w.end + us(1000), "late@example.com", ["b@example.net"], 1500,
              "late%d@gw" % seed)
    return w


def raised(path):
    p = subprocess.run([BIN, "-r", path, "--format", "json"], capture_output=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit("smtpscope failed on %s: %s" % (path, p.stderr.decode()))
    alerts = collections.Counter()
    final = {}
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        if r["type"] != "alert":
            continue
        key = (r["rule"], r["host"])
        if not r.get("update", False):  # (builds before alert updates had no such field)
            alerts[key] += 1
        final[key] = r["count"]
    return alerts, final


def main():
    per_family, verbose, keep = 10, False, None
    args = sys.argv[1:]
    while args:
        a = args.pop(0)
        if a == "-v":
            verbose, per_family = True, int(args.pop(0))
        elif a == "--keep":
            keep = args.pop(0)
    tp, fp, fn = collections.Counter(), collections.Counter(), collections.Counter()
    count_ok, count_all = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        out = keep or tmp
        os.makedirs(out, exist_ok=True)
        for family in FAMILIES:
            for seed in range(per_family):
                w = draw(family, seed)
                path = os.path.join(out, "%s-%02d.pcap" % (family, seed))
                w.cap.write(path)
                if keep:
                    with open(path + ".labels", "w") as f:
                        json.dump({"alerts": {"%s@%s" % k: v for k, v in w.labels.items()},
                                   "final_count": {"%s@%s" % k: v for k, v in w.counts.items()}}, f)
                got, final = raised(path)
                for key in set(got) | set(w.labels):
                    g, want = got.get(key, 0), w.labels.get(key, 0)
                    tp[key[0]] += min(g, want)
                    fp[key[0]] += max(0, g - want)
                    fn[key[0]] += max(0, want - g)
                    if verbose and g != want:
                        print("  %s: %s@%s raised %d, labelled %d" % (os.path.basename(path), key[0],
                                                                     key[1], g, want))
                for key, n in w.counts.items():
                    count_all += 1
                    if final.get(key) == n:
                        count_ok += 1
                    elif verbose:
                        print("  %s: %s@%s final count %s, labelled %d" % (
                            os.path.basename(path), key[0], key[1], final.get(key), n))
    global failures
    total_tp, total_fp, total_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    print("%-24s %6s %6s %6s %8s %9s" % ("rule", "tp", "fp", "fn", "recall", "precision"))
    for rule in sorted(set(tp) | set(fp) | set(fn)):
        rec = tp[rule] / (tp[rule] + fn[rule]) if tp[rule] + fn[rule] else 1.0
        prec = tp[rule] / (tp[rule] + fp[rule]) if tp[rule] + fp[rule] else 1.0
        flag = "" if rec >= 0.95 and prec >= 0.95 else "   <-- below 95%"
        if flag:
            failures += 1
        print("%-24s %6d %6d %6d %7.1f%% %8.1f%%%s" % (rule, tp[rule], fp[rule], fn[rule],
                                                       100 * rec, 100 * prec, flag))
    rec = total_tp / (total_tp + total_fn)
    prec = total_tp / (total_tp + total_fp)
    print("%-24s %6d %6d %6d %7.1f%% %8.1f%%" % ("all", total_tp, total_fp, total_fn, 100 * rec, 100 * prec))
    print("final counts of growing alerts: %d of %d right" % (count_ok, count_all))
    if count_all and count_ok / count_all < 0.95:
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
