#!/usr/bin/env python3
"""gateway-pass.py — the gateway first pass reads facts with a small scanner
(decode/smtp_facts.c) instead of a second full decoder; it must see what the
decoder sees.

1. Session by session: tests/unit/test_gateway_facts reads each sample and
   each capture of ../shared/corpus (skipped when absent) with both and
   compares every session's start and end, in order: addresses, ports, the
   EHLO word, the banner name, the smallest TTL of each side.
2. The decision: the stats record's "gateway" object (addresses with their
   evidence, session counts) is the same with the scanner and with the
   decoder (SMTPSCOPE_GATEWAY_PASS=decoder), read from the file and, for the
   samples, from stdin (the look-ahead).
3. The comparison is not blind: with the scanner's EHLO names dropped
   (--drop-helo) the harness must fail on a sample with EHLO names, and the
   gateway object of gw-cluster.pcap is stated by hand.
"""
import glob
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
HARNESS = os.path.join(os.path.dirname(BIN), "tests", "unit", "test_gateway_facts")
CORPUS = os.path.join(SRCDIR, "..", "shared", "corpus")

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL " + msg)


def gateway_object(path, env_extra=None, stdin=False):
    env = dict(os.environ)
    env.pop("SMTPSCOPE_GATEWAY_PASS", None)
    env.update(env_extra or {})
    args = [BIN, "-r", "-" if stdin else path, "--format", "json"]
    with open(path, "rb") as f:
        p = subprocess.run(args, capture_output=True, timeout=300, env=env,
                           stdin=f if stdin else subprocess.DEVNULL)
    if p.returncode not in (0, 1, 2):
        fail("%s: exit %d: %s" % (path, p.returncode, p.stderr.decode()[-300:]))
        return None
    stats = [json.loads(l) for l in p.stdout.decode().splitlines() if '"type":"stats"' in l]
    return stats[-1].get("gateway") if stats else None


samples = sorted(glob.glob(os.path.join(SRCDIR, "samples", "*.pcap*")))
if len(samples) < 28:
    fail("only %d samples found" % len(samples))
corpus = []
if os.path.isdir(CORPUS):
    for root, _, files in os.walk(CORPUS):
        corpus += [os.path.join(root, f) for f in files
                   if f.endswith((".pcap", ".pcapng", ".pcap.gz", ".cap"))]
    corpus.sort()
else:
    print("SKIP the corpus: %s is absent" % CORPUS)

# 1. session by session
p = subprocess.run([HARNESS] + samples + corpus, capture_output=True, timeout=900)
out = p.stdout.decode()
ok = sum(1 for l in out.splitlines() if l.startswith("ok "))
if p.returncode != 0:
    fail("the scanner differs from the decoder:\n" +
         "\n".join(l for l in out.splitlines() if not l.startswith("ok ")))
if ok < len(samples):
    fail("the harness compared only %d captures of %d samples" % (ok, len(samples)))
print("%d captures alike session by session (%d samples, %d corpus)"
      % (ok, len(samples), len(corpus)))

# 3a. a scanner that misses the EHLO names is caught
clean = os.path.join(SRCDIR, "samples", "clean-delivery.pcap")
p = subprocess.run([HARNESS, "--drop-helo", clean], capture_output=True, timeout=60)
if p.returncode == 0 or "FAIL" not in p.stdout.decode():
    fail("--drop-helo: the harness did not notice the missing EHLO names")

# 2. the decision, scanner against decoder
for path in samples + corpus:
    name = os.path.relpath(path, SRCDIR)
    facts = gateway_object(path)
    full = gateway_object(path, {"SMTPSCOPE_GATEWAY_PASS": "decoder"})
    if facts != full:
        fail("%s: gateway object\n  scanner: %s\n  decoder: %s" % (name, facts, full))
    if path in samples:
        piped = gateway_object(path, stdin=True)
        piped_full = gateway_object(path, {"SMTPSCOPE_GATEWAY_PASS": "decoder"}, stdin=True)
        if piped != piped_full:
            fail("%s from stdin: gateway object\n  scanner: %s\n  decoder: %s"
                 % (name, piped, piped_full))

# 3b. facts stated by hand (samples/README.md, gw-cluster.pcap): two nodes
# behind one banner name, each with its own EHLO name, next to the capture
gw = gateway_object(os.path.join(SRCDIR, "samples", "gw-cluster.pcap"))
want = [("192.0.2.21", "gw-a.example.com"), ("192.0.2.22", "gw-b.example.com")]
got = [(m["address"], m["ehlo"]) for m in (gw or {}).get("addresses", [])]
if got != want:
    fail("gw-cluster.pcap: addresses %s, want %s" % (got, want))
for m in (gw or {}).get("addresses", []):
    if m["banner"] != "gw.example.com" or m["hops"] != 0:
        fail("gw-cluster.pcap: %s banner %s hops %s" % (m["address"], m["banner"], m["hops"]))
if gw and (gw["sessions"], gw["sessions_with_gateway"]) != (8, 8):
    fail("gw-cluster.pcap: sessions %s" % gw["sessions"])

print("%d failures" % failures)
sys.exit(1 if failures else 0)
