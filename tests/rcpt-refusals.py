#!/usr/bin/env python3
"""rcpt-refusals.py — each refused recipient carries the reply that refused
it (transactions[].rcpt_rejected_replies), stated by hand from the packets
samples/README.md describes, so a regenerated golden cannot hide a wrong
pairing; and on every sample: the replies name the same recipients as
rcpt_rejected, in order, and each is a 4xx/5xx the server really sent (a
server reply of the transcript with that code and text)."""
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
failures = 0


def check(what, got, want):
    global failures
    if got != want:
        print("FAIL %s: got %r, want %r" % (what, got, want))
        failures += 1


def sessions(name):
    p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", name), "--format", "json",
                        "--transcript"], capture_output=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit("FAIL %s: exit %d: %s" % (name, p.returncode, p.stderr.decode()))
    recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
    return [r for r in recs if r["type"] == "session"]


def refusals(name, client_port):
    s = [x for x in sessions(name) if x["client_port"] == client_port]
    if len(s) != 1:
        raise SystemExit("FAIL %s: %d sessions from port %d" % (name, len(s), client_port))
    return [(r["addr"], r["code"], r["enhanced"], r["text"])
            for t in s[0]["transactions"] for r in t["rcpt_rejected_replies"]]


# greylist-rcpt a1: both pipelined RCPTs greylisted with 450 4.7.1, then
# DATA refused 554 5.5.1: the transaction's reply is the 554, the
# recipients' own refusals are the 450s.
grey = "Recipient address rejected: Greylisted, retry in 5 minutes"
check("greylist-rcpt a1", refusals("greylist-rcpt.pcap", 40000), [
    ("carl@example.net", 450, "4.7.1", "4.7.1 <carl@example.net>: " + grey),
    ("dina@example.net", 450, "4.7.1", "4.7.1 <dina@example.net>: " + grey)])
a1 = [x for x in sessions("greylist-rcpt.pcap") if x["client_port"] == 40000][0]
check("greylist-rcpt a1 reply", a1["transactions"][0]["reply"]["code"], 554)
# greylist-rcpt c1: one RCPT, 452 4.2.2 Mailbox full
check("greylist-rcpt c1", refusals("greylist-rcpt.pcap", 40002),
      [("finn@example.net", 452, "4.2.2", "4.2.2 <finn@example.net>: Mailbox full")])
# pipelining: three RCPTs in one segment, replies in one segment; only the
# second one (nobody@) refused, and it gets the 550, not a neighbour's 250.
check("pipelining", refusals("pipelining.pcap", 40000), [
    ("nobody@example.net", 550, "5.1.1",
     "5.1.1 <nobody@example.net>: Recipient address rejected: User unknown")])
# rejections-5xx a: the first of two RCPTs refused; the message still went
check("rejections-5xx a", refusals("rejections-5xx.pcap", 40000), [
    ("nobody@example.net", 550, "5.1.1",
     "5.1.1 <nobody@example.net>: Recipient address rejected: User unknown")])
# a session without refusals has an empty list, not an absent field
clean = sessions("clean-delivery.pcap")
check("clean-delivery", [t["rcpt_rejected_replies"] for s in clean for t in s["transactions"]],
      [[] for s in clean for t in s["transactions"]])

# Every sample: parallel to rcpt_rejected, and replies the server sent.
seen = 0
for f in sorted(os.listdir(os.path.join(SRCDIR, "samples"))):
    if not (f.endswith(".pcap") or f.endswith(".pcapng")):
        continue
    for s in sessions(f):
        sent = {(e["code"], e["text"]) for e in s.get("transcript", []) if "code" in e}
        for t in s["transactions"]:
            rr = t["rcpt_rejected_replies"]
            check("%s session %d: addresses" % (f, s["id"]), [r["addr"] for r in rr],
                  t["rcpt_rejected"])
            for r in rr:
                seen += 1
                if not 400 <= r["code"] < 600:
                    check("%s session %d %s: code" % (f, s["id"], r["addr"]), r["code"], "4xx/5xx")
                if (r["code"], r["text"]) not in sent:
                    check("%s session %d %s: a reply the server sent" % (f, s["id"], r["addr"]),
                          (r["code"], r["text"]), "in the transcript")
if seen < 10:
    check("refusals seen over all samples", seen, ">= 10")
if failures:
    sys.exit(1)
print("ok: %d refusals checked" % seen)
