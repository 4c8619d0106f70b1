#!/usr/bin/env python3
"""timeouts-samples.py — idle timeouts and who ended a session, stated by hand
from how samples/gen/scenarios_timeouts.c scripts the packets (samples/README.md),
so that a regenerated golden file cannot hide a wrong verdict:
end_reason / end_by / end_state / session counts, the server's own timeout
replies, a pause longer than the idle timeout rejoining its session, and the
same verdicts whatever --idle-timeout is once the continuation is in sequence."""
import json
import os
import subprocess
import sys

SRCDIR = os.environ.get("srcdir", os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("SMTPSCOPE", os.path.abspath("smtpscope"))
failures = 0


def run(name, *extra):
    p = subprocess.run([BIN, "-r", os.path.join(SRCDIR, "samples", name), "--format", "json",
                        "--transcript", *extra], capture_output=True, timeout=60)
    if p.returncode != 0:
        raise SystemExit("FAIL %s: exit %d: %s" % (name, p.returncode, p.stderr.decode()))
    recs = [json.loads(l) for l in p.stdout.decode().splitlines()]
    sessions = sorted((r for r in recs if r["type"] == "session"), key=lambda r: r["client_port"])
    alerts = sorted((r["rule"], r["host"], r["session"]) for r in recs if r["type"] == "alert")
    stats = [r for r in recs if r["type"] == "stats"][0]
    return sessions, alerts, stats


def check(what, got, want):
    global failures
    if got == want:
        print("ok   %s: %r" % (what, got))
    else:
        failures += 1
        print("FAIL %s: got %r, expected %r" % (what, got, want))


def ends(sessions):
    return [(s["server_port"], s["end_reason"], s["end_by"], s["end_state"]) for s in sessions]


def tcp_events(s):
    return [(e["dir"], e["tcp"]) for e in s.get("transcript", []) if "tcp" in e]


# Postfix: 421 4.4.2 + FIN 300 s after the last reply, after RCPT and mid-body.
# The default timeout (15 min) is longer; 200 s is shorter: the 421 then
# continues a parked connection in sequence and rejoins its session.
for extra in ([], ["--idle-timeout", "200"]):
    tag = "postfix-idle-timeout %s" % " ".join(extra)
    ss, alerts, st = run("postfix-idle-timeout.pcap", *extra)
    check(tag + " sessions", ends(ss), [(25, "fin", "server", "rcpt"), (25, "fin", "server", "body")])
    check(tag + " partial starts", [s["partial_start"] for s in ss], [False, False])
    check(tag + " timeout codes", [s.get("server_timeout", {}).get("code") for s in ss], [421, 421])
    check(tag + " client silent 300-301 s",
          [300 <= s["server_timeout"]["client_silent"] < 301 for s in ss], [True, True])
    check(tag + " last reply", [s["last_reply"]["text"] for s in ss],
          ["4.4.2 mx50.example.net Error: timeout exceeded"] * 2)
    # the server's timeout decides nothing about the message: aborted, not deferred
    check(tag + " outcomes", [[t["outcome"] for t in s["transactions"]] for s in ss],
          [["aborted"], ["aborted"]])
    check(tag + " alerts", [(a[0], a[1]) for a in alerts],
          [("client-idle-timeout", "198.51.100.50")] * 2)
    check(tag + " late packets", st["late_packets"], 0)
    resumed = [e for s in ss for e in s.get("transcript", []) if e.get("tcp") == "resume"]
    check(tag + " resume entries", len(resumed), 2 if extra else 0)

# Exchange: 451 4.7.0 after 300 s idle; after a delivered message (ready: no
# alert), after MAIL FROM (alert), and in the body followed by a RST (alert,
# and no rst-mid-data: the server said why it closed).
ss, alerts, _ = run("exchange-idle-timeout.pcap")
check("exchange sessions", ends(ss), [(25, "fin", "server", "ready"), (25, "fin", "server", "mail"),
                                      (25, "rst", "server", "body")])
check("exchange timeout codes", [s["server_timeout"]["code"] for s in ss], [451, 451, 451])
check("exchange outcomes", [[t["outcome"] for t in s["transactions"]] for s in ss],
      [["accepted"], ["aborted"], ["aborted"]])
check("exchange alerts", alerts, [("client-idle-timeout", "198.51.100.60", ss[1]["id"]),
                                  ("client-idle-timeout", "198.51.100.60", ss[2]["id"])])

# 7 minutes of silence inside DATA, then the rest: one session, delivered,
# with the default timeout and with a 5 minute one (rejoined).
for extra in ([], ["--idle-timeout", "300"]):
    tag = "pause-in-data %s" % " ".join(extra)
    ss, alerts, st = run("pause-in-data.pcap", *extra)
    check(tag + " sessions", ends(ss), [(25, "quit", "client", "quit")])
    check(tag + " outcome", [t["outcome"] for t in ss[0]["transactions"]], ["accepted"])
    check(tag + " partial start", ss[0]["partial_start"], False)
    check(tag + " alerts", alerts, [])
    check(tag + " late packets", st["late_packets"], 0)
    resume = [e["value"] for e in ss[0]["transcript"] if e.get("tcp") == "resume"]
    check(tag + " resume after 420 s", resume, [420] if extra else [])
    if not extra:
        data_bytes = ss[0]["transactions"][0]["data_bytes"]
    else:
        check(tag + " same data_bytes", ss[0]["transactions"][0]["data_bytes"], data_bytes)

# Server FIN first; the RST only answers what the client sent after it.
ss, alerts, _ = run("fin-then-rst.pcap")
check("fin-then-rst sessions", ends(ss), [(25, "fin", "server", "body"), (25, "fin", "server", "ready")])
check("fin-then-rst close order", [tcp_events(s) for s in ss],
      [[("S", "fin"), ("S", "rst")], [("S", "fin"), ("C", "rst")]])
check("fin-then-rst alerts (no rst-mid-data)", alerts, [])

# QUIT answered 221: ended by the client whoever closes the socket first.
ss, alerts, _ = run("quit-close-order.pcap")
check("quit-close-order sessions", ends(ss), [(25, "quit", "client", "quit")] * 3)
check("quit-close-order first close", [tcp_events(s)[0] for s in ss],
      [("S", "fin"), ("C", "rst"), ("S", "rst")])
check("quit-close-order outcomes", [[t["outcome"] for t in s["transactions"]] for s in ss],
      [["accepted"]] * 3)

# Refused on 465, 587 and 2525 alike; 465 is in tls only once bytes flow.
ss, alerts, _ = run("refused-465.pcap")
check("refused sessions", ends(ss), [(465, "rst", "server", "connect"), (587, "rst", "server", "connect"),
                                     (2525, "rst", "server", "connect"), (465, "fin", "client", "connect"),
                                     (465, "fin", "client", "tls")])
check("refused tls flags", [s["tls"] for s in ss], [False, False, False, False, True])
check("refused alerts", [(a[0], a[1]) for a in alerts], [("connection-refused", "198.51.100.95")] * 3)

# Silence with nothing after it is still a timeout (the capture runs on 15+ min).
for name, state in (("drop-mid-body.pcap", "body"), ("drop-after-dot.pcap", "dot")):
    ss, _, _ = run(name)
    check(name + " sessions", ends(ss), [(25, "timeout", None, state), (25, "quit", "client", "quit")])

sys.exit(1 if failures else 0)
