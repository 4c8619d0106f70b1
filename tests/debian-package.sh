#!/bin/sh
# debian-package.sh — the Debian package, end to end (slow, ~3 min: not in
# make check; .ci/run runs it): dpkg-buildpackage -us -uc -b on a copy of
# the tree, lintian without errors, dpkg -i, the files in place, then the
# service started on a veth pair with tcpreplay sending a sample into it:
# records in /var/log/smtpscope, metrics on loopback, logrotate with the
# installed file and SIGHUP reopening the output; finally dpkg --purge.
#
# systemd is not PID 1 in a build sandbox: then the unit's ExecStart line is
# run by hand (tests/systemd-service.sh boots a real systemd in a container
# for `systemctl start`) under what the unit gives it (an unprivileged user, CAP_NET_RAW
# only as ambient and bounding set, no new privileges, the EnvironmentFile),
# and logrotate's postrotate `systemctl kill --signal=HUP` is replaced by
# the same signal sent with kill(1).
# The pair comes from tests/netns.sh; skips (77) unless root with apt's
# packages, ip netns and tcpreplay.
set -u
srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd)
. "$srcdir/tests/netns.sh"
skip() { netns_skip "$@"; }
[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i, ip netns)"
need="debhelper dpkg-dev lintian fakeroot logrotate tcpreplay iproute2 curl"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing > /dev/null 2>&1 ||
		skip "cannot install$missing"
fi
dpkg-query -W -f='${Status}' smtpscope 2>/dev/null | grep -q "install ok installed" &&
	skip "a smtpscope package is already installed here: not touching it"

t0=$(date +%s)
tmp=$(mktemp -d)
made_logdir=
cleanup() {
	[ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
	dpkg-query -W -f='${Status}' smtpscope 2>/dev/null | grep -q "ok installed" &&
		dpkg --purge smtpscope > /dev/null 2>&1
	[ -n "$made_logdir" ] && rm -rf /var/log/smtpscope
	rm -rf "$tmp"
}
# the pair first: no two-minute build when it cannot be made here
netns_cleanup_hook=cleanup
netns_setup deb tcpreplay python3 curl
netns_veth a b
fail=0

# 1. build from a copy of the tracked (and new, not ignored) files
mkdir "$tmp/smtpscope-0.1.0"
(cd "$srcdir" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$tmp/smtpscope-0.1.0") ||
	{ echo "FAIL: copying the tree (a git checkout is needed)"; exit 1; }
(cd "$tmp/smtpscope-0.1.0" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1
rc=$?
t1=$(date +%s)
deb=$(ls "$tmp"/smtpscope_*.deb 2>/dev/null | head -1)
if [ $rc -eq 0 ] && [ -n "$deb" ]; then
	echo "ok   dpkg-buildpackage -us -uc -b: $(basename "$deb") in $((t1 - t0)) s"
else
	tail -30 "$tmp/build.log"; echo "FAIL dpkg-buildpackage (exit $rc)"; exit 1
fi

# 2. lintian: no errors
lintian -I --fail-on error "$tmp"/smtpscope_*.changes > "$tmp/lintian" 2>&1
lrc=$?
if [ $lrc -ne 0 ] || grep -q '^E:' "$tmp/lintian"; then
	echo "FAIL lintian (exit $lrc):"; cat "$tmp/lintian"; fail=1
else
	echo "ok   lintian: exit 0, no errors ($(grep -c '^W:' "$tmp/lintian") warnings, $(grep -c '^I:' "$tmp/lintian") info tags)"
	grep -E '^(W|I):' "$tmp/lintian" | sed 's/^/     /'
fi

# 3. install; the files where the unit and the admin expect them
dpkg -i "$deb" > "$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; echo "FAIL dpkg -i"; exit 1; }
ok=1
for f in /usr/bin/smtpscope /lib/systemd/system/smtpscope.service /etc/default/smtpscope \
	 /etc/logrotate.d/smtpscope /usr/share/man/man8/smtpscope.8.gz /usr/share/smtpscope/default.rules \
	 /usr/share/doc/smtpscope/metrics.md.gz /usr/share/smtpscope/grafana/smtpscope-dashboard.json; do
	[ -e "$f" ] || { echo "FAIL missing $f"; ok=0; }
done
grep -q '^/etc/default/smtpscope$' /var/lib/dpkg/info/smtpscope.conffiles || { echo "FAIL /etc/default not a conffile"; ok=0; }
grep -q "exec /usr/bin/smtpscope" /lib/systemd/system/smtpscope.service || { echo "FAIL unit ExecStart"; ok=0; }
[ $ok -eq 1 ] && echo "ok   dpkg -i: binary, unit, /etc/default/smtpscope (conffile), logrotate, man page, docs"
[ $ok -eq 1 ] || fail=1
/usr/bin/smtpscope --version > /dev/null || { echo "FAIL installed binary does not run"; fail=1; }

# 4. the service on a veth pair
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
# the admin's step: the interface and options in /etc/default/smtpscope
sed -i -e "s|^SMTPSCOPE_INTERFACE=.*|SMTPSCOPE_INTERFACE=$a|" \
	-e "s|^SMTPSCOPE_OPTS=.*|SMTPSCOPE_OPTS=\"--stats-interval 1 --immediate-mode --metrics-listen 127.0.0.1:$port\"|" \
	/etc/default/smtpscope
[ -d /var/log/smtpscope ] || made_logdir=1
if [ "$(ps -o comm= -p 1)" = systemd ] && systemctl start smtpscope.service 2>/dev/null; then
	how="systemctl start"
	sleep 2
	pid=$(systemctl show -p MainPID --value smtpscope.service)
else
	# by hand: ExecStart as systemd would run it (the $$ escapes are
	# systemd's own), as the unprivileged user with CAP_NET_RAW only
	how="the unit's ExecStart by hand (systemd is not PID 1 here)"
	cmd=$(sed -n '/^ExecStart=/,/[^\\]$/p' /lib/systemd/system/smtpscope.service |
		sed -e 's/^ExecStart=//' -e 's/\\$//' | tr '\n' ' ' | sed -e 's/\$\$/$/g')
	mkdir -p /var/log/smtpscope
	chown nobody:nogroup /var/log/smtpscope
	chmod 0750 /var/log/smtpscope
	set -a
	. /etc/default/smtpscope
	set +a
	eval "exec setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs \
		--inh-caps=-all,+net_raw --ambient-caps=-all,+net_raw --bounding-set=-all,+net_raw $cmd" \
		2> "$tmp/service.err" &
	pid=$!
	sleep 2
fi
echo "     started with $how (pid $pid)"
kill -0 "$pid" 2>/dev/null || { cat "$tmp/service.err" 2>/dev/null; echo "FAIL: the service did not start"; exit 1; }
caps=$(grep -E '^(CapEff|CapBnd|CapAmb)' "/proc/$pid/status" | tr -s '\t ' ' ' | tr '\n' ' ')
user=$(ps -o user= -p "$pid" | tr -d ' ')
# CAP_NET_RAW is bit 13: 0x2000
if [ "$user" != root ] && echo "$caps" | grep -q "CapEff: 0000000000002000 CapBnd: 0000000000002000 CapAmb: 0000000000002000"; then
	echo "ok   running as $user with CAP_NET_RAW only ($caps)"
else
	echo "FAIL user $user caps $caps"; fail=1
fi
netns_replay "$b" "$srcdir/samples/outage-rst-mid-data.pcap"
sleep 2
n=$(grep -c '"type":"session"' /var/log/smtpscope/smtpscope.json 2>/dev/null)
if [ "$n" = 8 ]; then
	echo "ok   the service captured the sample: 8 session records in /var/log/smtpscope/smtpscope.json"
else
	echo "FAIL session records: '$n' $(cat "$tmp/service.err" 2>/dev/null)"; fail=1
fi
if curl -s "http://127.0.0.1:$port/metrics" | grep -q '^smtpscope_sessions_reset_mid_data_total{direction="outbound",end_by="server"} 6$'; then
	echo "ok   its metrics on 127.0.0.1:$port: the 6 resets mid-DATA"
else
	echo "FAIL metrics endpoint"; fail=1
fi

# 5. logrotate with the installed file: the old file rotated, the service
# writes on in a new one after SIGHUP
sed -e "s|systemctl kill --kill-whom=main --signal=HUP smtpscope.service|kill -HUP $pid|" \
	/etc/logrotate.d/smtpscope > "$tmp/logrotate.conf"
[ "$how" = "systemctl start" ] && cp /etc/logrotate.d/smtpscope "$tmp/logrotate.conf"
logrotate -f -s "$tmp/logrotate.state" "$tmp/logrotate.conf" 2> "$tmp/logrotate.err"
sleep 2.5 # a stats record every second
if [ -s /var/log/smtpscope/smtpscope.json.1 ] && [ -s /var/log/smtpscope/smtpscope.json ] &&
   grep -q '"type":"stats"' /var/log/smtpscope/smtpscope.json; then
	echo "ok   logrotate: smtpscope.json.1 kept, new records in a fresh smtpscope.json after SIGHUP"
else
	echo "FAIL logrotate: $(cat "$tmp/logrotate.err") $(ls -l /var/log/smtpscope/)"; fail=1
fi

if [ "$how" = "systemctl start" ]; then
	systemctl stop smtpscope.service
else
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] || { echo "FAIL: exit $rc on SIGTERM"; fail=1; }
fi
pid=
dpkg --purge smtpscope > /dev/null 2>&1 && [ ! -e /etc/default/smtpscope ] && [ ! -e /usr/bin/smtpscope ] ||
	{ echo "FAIL dpkg --purge"; fail=1; }
echo "     total $(( $(date +%s) - t0 )) s"
exit $fail
