#!/bin/sh
# prometheus.sh — --metrics-listen against a real Prometheus server (the
# Debian package), on a live capture: a veth pair with one end in a private
# network namespace, samples sent into it with tcpreplay while smtpscope
# captures on the other end and serves /metrics on loopback.  Prometheus
# scrapes it every second; through Prometheus's HTTP API: up is 1, the key
# series have the values the samples hold (stated by hand from
# samples/README.md), and every query of the Grafana dashboard
# (contrib/grafana/) parses and returns data.  promtool check metrics
# passes on the HTTP answer and on the --metrics-file of the same run, and
# the two carry the same families.  The listener's limits: 404, 405, 431, a
# client that sends nothing is dropped and does not hold up the capture.
# The pair comes from tests/netns.sh; skips (77) unless root with ip(8),
# network namespaces, tcpreplay and prometheus (apt-get install prometheus;
# bootstrap.sh does).
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
. "$srcdir/tests/netns.sh"
command -v promtool >/dev/null || netns_skip "promtool missing (apt-get install prometheus)"

tmp=$(mktemp -d)
cleanup() {
	[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
	[ -n "${ppid_:-}" ] && kill "$ppid_" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
netns_cleanup_hook=cleanup
netns_setup prom tcpreplay python3 prometheus
netns_veth a b

# two free loopback ports
set -- $(python3 -c "
import socket
s=[socket.socket() for _ in range(2)]
for x in s: x.bind(('127.0.0.1', 0))
print(*[x.getsockname()[1] for x in s])")
mport=$1
pport=$2

"$bin" -i "$a" -N --immediate-mode -o "$tmp/records.json" --metrics-listen "127.0.0.1:$mport" \
	--metrics-file "$tmp/smtpscope.prom" --metrics-interval 1 2> "$tmp/smtpscope.err" &
spid=$!
sleep 1
kill -0 "$spid" 2>/dev/null || { cat "$tmp/smtpscope.err"; echo "FAIL: smtpscope did not start"; exit 1; }

cat > "$tmp/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: smtpscope
    static_configs:
      - targets: ['127.0.0.1:$mport']
EOC
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn > "$tmp/prometheus.log" 2>&1 &
ppid_=$!

netns_replay "$b" "$srcdir/samples/outage-rst-mid-data.pcap" ||
	{ echo "FAIL: tcpreplay"; exit 1; }

python3 - "$mport" "$pport" "$tmp" "$srcdir" "$netns_name" "$b" <<'PY'
import json, os, re, socket, struct, subprocess, sys, threading, time, urllib.parse, urllib.request
mport, pport, tmp, srcdir, ns, veth = sys.argv[1:7]
failures = 0
def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    failures += not cond

def http_get(port, path, method="GET", timeout=10):
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path), method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()

def query(q):
    st, _, body = http_get(pport, "/api/v1/query?" + urllib.parse.urlencode({"query": q}))
    return st, json.loads(body)

def scalar(q):
    st, r = query(q)
    res = r.get("data", {}).get("result", [])
    return float(res[0]["value"][1]) if st == 200 and res else None

def packets(path):
    d = open(path, "rb").read()
    o, n = 24, 0
    while o + 16 <= len(d):
        n += 1
        o += 16 + struct.unpack_from("<I", d, o + 8)[0]
    return n

# Prometheus up and scraping
deadline = time.time() + 60
while time.time() < deadline:
    try:
        if http_get(pport, "/-/ready", timeout=2)[0] == 200 and scalar('up{job="smtpscope"}') == 1:
            break
    except OSError:
        pass
    time.sleep(0.5)
check(scalar('up{job="smtpscope"}') == 1, "Prometheus scrapes smtpscope: up == 1")

# The listener's limits, and the capture goes on meanwhile: a client that
# connects and sends nothing holds the (one-at-a-time) listener for 5 s,
# while the second sample is replayed.
idle = socket.create_connection(("127.0.0.1", int(mport)))
t0 = time.time()
subprocess.run(["ip", "netns", "exec", ns, "tcpreplay", "-q", "-i", veth, "--topspeed",
                os.path.join(srcdir, "samples", "deferrals-4xx.pcap")], capture_output=True, check=True)
idle.settimeout(10)
try:
    closed = idle.recv(100) == b""
except OSError:
    closed = False
waited = time.time() - t0
check(closed and 4 <= waited < 8, "a client that sends nothing is dropped after 5 s (%.1f s)" % waited)
st, hdr, body = http_get(mport, "/nope")
check(st == 404, "GET /nope: 404")
st, hdr, body = http_get(mport, "/metrics", method="POST")
check(st == 405, "POST /metrics: 405")
st, hdr, body = http_get(mport, "/")
check(st == 200 and 'href="/metrics"' in body, "GET /: a page linking to /metrics")
s = socket.create_connection(("127.0.0.1", int(mport)))
s.sendall(b"GET /" + b"a" * 5000 + b" HTTP/1.0\r\n\r\n")
check(s.recv(64).startswith(b"HTTP/1.0 431"), "a request head over 4 KiB: 431")
s.close()
st, hdr, body = http_get(mport, "/metrics", method="HEAD")
check(st == 200 and body == "" and int(hdr["Content-Length"]) > 1000, "HEAD /metrics: headers only")

# wait for the figures of both samples to reach Prometheus
want_packets = packets(os.path.join(srcdir, "samples", "outage-rst-mid-data.pcap")) + \
               packets(os.path.join(srcdir, "samples", "deferrals-4xx.pcap"))
deadline = time.time() + 30
while time.time() < deadline and scalar("smtpscope_capture_packets_total") != want_packets:
    time.sleep(0.5)
# rate() and increase() need two samples inside their window
time.sleep(3)

# Key series, stated from samples/README.md: outage-rst-mid-data has 8
# outbound sessions (6 reset by 198.51.100.20's side in the body, 2
# accepted by 198.51.100.7); deferrals-4xx has 5 (451, 452, 450 and one
# 250 among them).
expect = [
    ("smtpscope_capture_packets_total", want_packets),
    ("smtpscope_capture_kernel_drops_total", 0),
    ('sum(smtpscope_sessions_total{direction="outbound"})', 13),
    ('sum(smtpscope_sessions_total{direction="inbound"})', 0),
    ('smtpscope_sessions_reset_mid_data_total{direction="outbound",end_by="server"}', 6),
    ('sum(smtpscope_transactions_total{direction="outbound",outcome="accepted"})', 3),
    ('smtpscope_host_status{host="198.51.100.20",role="server",status="failing"}', 1),
    ('smtpscope_host_resets_total{host="198.51.100.20",role="server"}', 6),
    ('smtpscope_domain_pending{domain="example.org"}', 1),
    ('smtpscope_replies_by_code_total{code="451"}', 1),
    ('smtpscope_replies_by_code_total{code="452"}', 1),
    ('smtpscope_replies_by_code_total{code="450"}', 1),
    ('smtpscope_session_duration_seconds_count{direction="outbound"}', 13),
    ('smtpscope_relay_delay_seconds_count', 0),
    ('count(smtpscope_build_info{version!=""})', 1),
]
for q, v in expect:
    got = scalar(q)
    check(got == v, "Prometheus: %s = %s (got %s)" % (q, v, got))

# What a scrape costs (Prometheus measures it): well under the 0.9 s timeout
dur, n = scalar('scrape_duration_seconds{job="smtpscope"}'), scalar('scrape_samples_scraped{job="smtpscope"}')
check(dur is not None and dur < 0.5 and n and n > 200,
      "a scrape: %s samples in %.1f ms" % (n, (dur or 0) * 1000))

# Every query of the Grafana dashboard parses and returns data
dash = json.load(open(os.path.join(srcdir, "contrib", "grafana", "smtpscope-dashboard.json")))
exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
check(len(exprs) >= 10, "the dashboard has %d queries" % len(exprs))
for e in exprs:
    q = e.replace("$__rate_interval", "1m").replace('instance=~"$instance"', 'instance=~".*"')
    st, r = query(q)
    n = len(r.get("data", {}).get("result", [])) if r.get("status") == "success" else -1
    check(st == 200 and n > 0, "dashboard query returns data (%d series): %s" % (n, e[:110]))
v = dash["templating"]["list"][1]["query"]["query"]
m = re.match(r"label_values\((\w+), (\w+)\)", v)
st, r = query("count by (%s) (%s)" % (m.group(2), m.group(1)))
check(st == 200 and r["data"]["result"], "the dashboard's instance variable has values")

# promtool on the HTTP answer and on the file; the same families in both
st, _, text = http_get(mport, "/metrics")
open(os.path.join(tmp, "http.prom"), "w").write(text)
for name in ("http.prom", "smtpscope.prom"):
    p = subprocess.run(["promtool", "check", "metrics"], stdin=open(os.path.join(tmp, name)),
                       capture_output=True, text=True)
    check(p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(),
          "promtool check metrics: %s clean %s" % (name, (p.stdout + p.stderr).strip()[:300]))
fams = lambda t: [l.split()[2] for l in t.splitlines() if l.startswith("# TYPE")]
check(fams(text) == fams(open(os.path.join(tmp, "smtpscope.prom")).read()),
      "the file and the HTTP answer carry the same families in the same order")
sys.exit(1 if failures else 0)
PY
fail=$?
kill -INT "$spid"
wait "$spid"
rc=$?
spid=
if [ $rc -ne 0 ]; then
	echo "FAIL: smtpscope exit $rc: $(cat "$tmp/smtpscope.err")"; fail=1
fi
[ $fail -eq 0 ] || tail -5 "$tmp/prometheus.log"
exit $fail
