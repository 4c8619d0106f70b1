#!/usr/bin/env python3
"""gateway-both-ways.py — the default mode (no --gateway) reaches the same
verdicts as the right --gateway, on every sample, read from the file and
from stdin (the look-ahead); no alert or host record ever names a gateway
address; the stats record says which addresses were inferred.  Then the
facts of the three gateway samples, stated by hand from samples/README.md,
and the warning for a --gateway that no session matches."""
import glob
import ipaddress
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))

# The right --gateway per sample (samples/README.md, "Hosts").
DEFAULT_GW = "192.0.2.10,2001:db8::10"
GATEWAY = {"gw-cluster.pcap": "192.0.2.21,192.0.2.22"}

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def run(args, stdin=None):
    p = subprocess.run([BIN] + args, capture_output=True, timeout=120,
                       stdin=open(stdin, "rb") if stdin else None)
    json_out = "json" in args and p.returncode == 0
    recs = [json.loads(l) for l in p.stdout.decode().splitlines()] if json_out else []
    return p.returncode, recs, p.stderr.decode()


def verdicts(recs):
    """Alerts and host records, in output order (timestamps and all)."""
    return [r for r in recs if r["type"] in ("alert", "host")]


def ip(a):
    return ipaddress.ip_address(a)


def stats(recs):
    s = [r for r in recs if r["type"] == "stats"]
    return s[-1] if s else {}


samples = sorted(glob.glob(os.path.join(SRCDIR, "samples", "*.pcap*")))
if len(samples) < 28:
    fail("only %d samples found" % len(samples))
for path in samples:
    name = os.path.basename(path)
    gw = GATEWAY.get(name, DEFAULT_GW)
    gw_set = {ip(a) for a in gw.split(",")}
    rc_g, given, _ = run(["-r", path, "--format", "json", "--gateway", gw])
    rc_f, inferred, err_f = run(["-r", path, "--format", "json"])
    rc_s, piped, err_s = run(["-r", "-", "--format", "json"], stdin=path)
    if rc_g or rc_f or rc_s:
        fail("%s: exit %d/%d/%d" % (name, rc_g, rc_f, rc_s))
        continue
    ok = True
    if verdicts(inferred) != verdicts(given):
        fail("%s: default mode differs from --gateway %s" % (name, gw))
        ok = False
    if verdicts(piped) != verdicts(given):
        fail("%s: stdin differs from --gateway %s" % (name, gw))
        ok = False
    if err_f or err_s:
        fail("%s: unexpected stderr: %s%s" % (name, err_f, err_s))
        ok = False
    for mode, recs in (("default", inferred), ("stdin", piped), ("--gateway", given)):
        named = [r for r in verdicts(recs) if r.get("host") and ip(r["host"]) in gw_set]
        if named:
            fail("%s (%s): a record names the gateway: %s" % (name, mode, named[0]))
            ok = False
    # the inferred addresses: exactly the gateway's addresses that took part
    # in a session (from the session records, not from the inference)
    took_part = set()
    for r in inferred:
        if r["type"] == "session":
            took_part |= {ip(r["client"]), ip(r["server"])} & gw_set
    g = stats(inferred).get("gateway", {})
    got = {ip(a["address"]) for a in g.get("addresses", [])}
    if g.get("source") != "inferred" or got != took_part or g.get("changes") != 0:
        fail("%s: stats gateway %s, expected inferred %s" % (name, g, sorted(map(str, took_part))))
        ok = False
    if stats(given).get("gateway", {}).get("source") != "given":
        fail("%s: --gateway not reported as given" % name)
        ok = False
    if ok:
        print("ok   %s: %d alerts, %d hosts, gateway %s" % (
            name, sum(r["type"] == "alert" for r in given),
            sum(r["type"] == "host" for r in given), ",".join(sorted(map(str, got)))))


def hosts(recs):
    return {(r["host"], r["role"]): r for r in recs if r["type"] == "host"}


def members(recs):
    return {a["address"]: a for a in stats(recs)["gateway"]["addresses"]}


def check(name, cond, what):
    if cond:
        print("ok   %s: %s" % (name, what))
    else:
        fail("%s: %s" % (name, what))


# gw-dual-stack: 4 sessions, each address of gw.example.com once per role.
_, r, _ = run(["-r", os.path.join(SRCDIR, "samples", "gw-dual-stack.pcap"), "--format", "json"])
h = hosts(r)
check("gw-dual-stack", set(h) == {("2001:db8:1::30", "client"), ("198.51.100.7", "server"),
                                  ("2001:db8:1::25", "server"), ("203.0.113.5", "client")},
      "remote hosts are the four peers, never 2001:db8::10")
check("gw-dual-stack", h.get(("2001:db8:1::25", "server"), {}).get("deferred") == 1,
      "the IPv6 delivery deferred at RCPT")
m = members(r)
check("gw-dual-stack", sorted(m) == ["192.0.2.10", "2001:db8::10"] and all(
    a["sessions_as_client"] == 1 and a["sessions_as_server"] == 1 and a["ehlo"] == "gw.example.com"
    and a["banner"] == "gw.example.com" and a["hops"] == 0 for a in m.values()),
    "both addresses inferred, one session in each role, named gw.example.com")

# gw-cluster: nodes .21/.22 (4 sessions each) behind gw.example.com;
# 198.51.100.50 in 6 sessions, 3 of them reset by it mid-body.
_, r, _ = run(["-r", os.path.join(SRCDIR, "samples", "gw-cluster.pcap"), "--format", "json"])
h = hosts(r)
check("gw-cluster", set(h) == {("198.51.100.50", "server"), ("203.0.113.9", "client")},
      "remote hosts: 198.51.100.50 and 203.0.113.9 only")
mx = h.get(("198.51.100.50", "server"), {})
check("gw-cluster", mx.get("sessions") == 6 and mx.get("resets") == 3 and mx.get("accepted") == 3,
      "198.51.100.50: 6 sessions, 3 accepted, 3 resets")
m = members(r)
check("gw-cluster", sorted(m) == ["192.0.2.21", "192.0.2.22"] and
      [m[a]["ehlo"] for a in sorted(m)] == ["gw-a.example.com", "gw-b.example.com"] and
      all(a["banner"] == "gw.example.com" and a["sessions_as_client"] == 3 and
          a["sessions_as_server"] == 1 for a in m.values()),
      "both nodes inferred, tied by their banner name")
alerts = [(a["rule"], a["host"], a["session"]) for a in r if a["type"] == "alert"]
check("gw-cluster", alerts == [("rst-mid-data", "198.51.100.50", 2), ("rst-mid-data", "198.51.100.50", 4),
                               ("retry-loop", "198.51.100.50", 6), ("rst-mid-data", "198.51.100.50", 6)],
      "node b's three resets and its retry loop, on 198.51.100.50")

# gw-early-failures: the first three sessions (192.0.2.10 -> 192.0.2.3, reset
# mid-body) come before anything else; the first alert already names 192.0.2.3.
for mode, args, stdin in (("file", ["-r", os.path.join(SRCDIR, "samples", "gw-early-failures.pcap")], None),
                          ("stdin", ["-r", "-"], os.path.join(SRCDIR, "samples", "gw-early-failures.pcap"))):
    _, r, _ = run(args + ["--format", "json"], stdin=stdin)
    alerts = [(a["rule"], a["host"], a["session"]) for a in r if a["type"] == "alert"]
    check("gw-early-failures (%s)" % mode,
          alerts == [("rst-mid-data", "192.0.2.3", 1), ("rst-mid-data", "192.0.2.3", 2),
                     ("retry-loop", "192.0.2.3", 3), ("rst-mid-data", "192.0.2.3", 3)],
          "every alert, the first one too, names 192.0.2.3; the retry loop is seen")
    st = hosts(r).get(("192.0.2.3", "server"), {})
    check("gw-early-failures (%s)" % mode, st.get("status") == "failing" and st.get("resets") == 3,
          "192.0.2.3 failing, 3 resets")
    check("gw-early-failures (%s)" % mode, sorted(members(r)) == ["192.0.2.10"], "gateway 192.0.2.10")

# --gateway matching no session: a warning on stderr and in the stats record;
# the run itself goes on (exit 0).  A matching one: no warning.
sample = os.path.join(SRCDIR, "samples", "clean-delivery.pcap")
rc, r, err = run(["-r", sample, "--format", "json", "--gateway", "10.9.9.9"])
check("--gateway 10.9.9.9", rc == 0 and "warning: --gateway 10.9.9.9: no session" in err and
      stats(r)["gateway"]["unmatched"] == ["10.9.9.9"] and stats(r)["gateway"]["source"] == "given",
      "warned on stderr and in stats")
rc, r, err = run(["-r", sample, "--format", "text", "--gateway", "192.0.2.10,10.9.9.0/24"])
check("--gateway 192.0.2.10,10.9.9.0/24", rc == 0 and err.count("warning") == 1 and
      "10.9.9.0/24" in err, "only the unmatched block is warned about")
rc, r, err = run(["-r", sample, "--format", "json", "--gateway", "192.0.2.10"])
check("--gateway 192.0.2.10", rc == 0 and err == "" and stats(r)["gateway"]["unmatched"] == [],
      "no warning when it matches")

sys.exit(1 if failures else 0)
