#!/bin/sh
# systemd-service.sh — the Debian package under a real systemd (issue 14):
# the .deb is built (or taken from $SMTPSCOPE_DEB), a container boots systemd
# as its PID 1 (systemd-nspawn -b on a copy-on-write overlay of this very
# system: nothing to download, nothing written outside a tmpfs), the package
# is installed there, and `systemctl start smtpscope` runs the unit as
# shipped — DynamicUser, CAP_NET_RAW only, ProtectSystem=strict, the system
# call filter — on the near end of a veth pair (tests/netns.sh) moved into
# the container, while tcpreplay sends a sample into the far end.  Checked:
# the unit active, its process as systemd set it up (dynamic user, the
# capability sets, no new privileges, seccomp, a read-only /usr in its own
# mount namespace), systemd-analyze security on the live unit, the session
# records in /var/log/smtpscope, the metrics, logrotate with the installed
# file (its postrotate `systemctl kill --signal=HUP`), `systemctl reload`,
# `systemctl stop` ending with the final records, dpkg --purge.
# tests/debian-package.sh covers the same where systemd cannot be booted.
#
# About 2.5 min, the package build most of it (15 s with SMTPSCOPE_DEB=a
# built .deb): not in make check;
# .ci/run runs it as its own stage.  Installs what is missing of
# systemd-container, tcpreplay and the packaging tools with apt-get; skips
# (77) unless root with overlayfs and network namespaces, or when systemd
# cannot be booted in a container here.
set -u
srcdir=$(cd "${srcdir:-$(dirname "$0")/..}" && pwd)
. "$srcdir/tests/netns.sh"
skip() { netns_skip "$@"; }
[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn, ip netns)"
# as tests/debian-package.sh: what is missing comes from apt, else a skip
need="systemd systemd-container debhelper dpkg-dev fakeroot logrotate tcpreplay iproute2 curl"
[ -n "${SMTPSCOPE_DEB:-}" ] && need="systemd systemd-container logrotate tcpreplay iproute2 curl"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing > /dev/null 2>&1 ||
		skip "cannot install$missing"
fi
command -v systemd-nspawn > /dev/null && [ -x /lib/systemd/systemd ] && command -v nsenter > /dev/null ||
	skip "systemd-nspawn, systemd or nsenter missing"

t0=$(date +%s)
tmp=$(mktemp -d)
npid=
machine=ssc-$$
cleanup() {
	if [ -n "$npid" ] && kill -0 "$npid" 2> /dev/null; then
		kill -TERM "$npid" # nspawn asks the container's systemd to power off
		i=0
		while kill -0 "$npid" 2> /dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -KILL "$npid" 2> /dev/null
	fi
	mountpoint -q "$tmp/root" && umount "$tmp/root"
	mountpoint -q "$tmp/ov" && umount "$tmp/ov"
	rmdir "/run/systemd/nspawn/propagate/$machine" 2> /dev/null
	rm -rf "$tmp"
}
netns_cleanup_hook=cleanup
netns_setup sysd tcpreplay curl python3
netns_veth a b
fail=0
check() { # check CONDITION-STATUS WHAT
	if [ "$1" -eq 0 ]; then echo "ok   $2"; else echo "FAIL $2"; fail=1; fi
}

# 1. the package
if [ -n "${SMTPSCOPE_DEB:-}" ]; then
	deb=$SMTPSCOPE_DEB
	[ -r "$deb" ] || { echo "FAIL: no package at $deb"; exit 1; }
	echo "     the package: $deb"
else
	mkdir "$tmp/smtpscope-0.1.0"
	(cd "$srcdir" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$tmp/smtpscope-0.1.0") ||
		{ echo "FAIL: copying the tree (a git checkout is needed)"; exit 1; }
	(cd "$tmp/smtpscope-0.1.0" && dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1 ||
		{ tail -30 "$tmp/build.log"; echo "FAIL dpkg-buildpackage"; exit 1; }
	deb=$(ls "$tmp"/smtpscope_*.deb)
	echo "ok   dpkg-buildpackage: $(basename "$deb") in $(($(date +%s) - t0)) s"
fi

# 2. the container: this system, copy-on-write, writes in a tmpfs
mkdir "$tmp/ov" "$tmp/root"
mount -t tmpfs -o size=512m tmpfs "$tmp/ov" || skip "cannot mount a tmpfs"
mkdir "$tmp/ov/upper" "$tmp/ov/work"
mount -t overlay overlay -o "lowerdir=/,upperdir=$tmp/ov/upper,workdir=$tmp/ov/work" "$tmp/root" 2> /dev/null ||
	skip "cannot mount an overlay of / here"
cp "$deb" "$tmp/root/root/smtpscope.deb"
t1=$(date +%s)
# no machined or system bus here (--register=no --keep-unit); only basic.target:
# the services this system has enabled stay down
systemd-nspawn -D "$tmp/root" -M "$machine" --private-network --register=no --keep-unit \
	--link-journal=no -b systemd.unit=basic.target < /dev/null > "$tmp/boot.log" 2>&1 &
npid=$!
leader=
state=
i=0
while [ $i -lt 300 ] && kill -0 "$npid" 2> /dev/null; do
	leader=$(ps -o pid= --ppid "$npid" | tr -d ' ' | head -1)
	if [ -n "$leader" ] && [ "$(cat "/proc/$leader/comm" 2> /dev/null)" = systemd ]; then
		state=$(nsenter -t "$leader" -a systemctl is-system-running 2> /dev/null)
		case $state in running | degraded) break ;; esac
	fi
	sleep 0.2
	i=$((i + 1))
done
case $state in
running | degraded) ;;
*)
	sed 's/^/     | /' "$tmp/boot.log" | tail -15
	skip "systemd did not boot in a container here (state '$state')"
	;;
esac
in_ct() { nsenter -t "$leader" -a "$@"; }
echo "ok   systemd $(in_ct systemctl --version | head -1 | cut -d' ' -f2) booted as PID 1 of a container in $(($(date +%s) - t1)) s ($state)"
[ "$(in_ct cat /proc/1/comm)" = systemd ]
check $? "PID 1 in the container is systemd"

# the veth pair's near end into the container
ip link set "$a" netns "$leader" || { echo "FAIL: moving $a into the container"; exit 1; }
in_ct sysctl -qw "net.ipv6.conf.$a.disable_ipv6=1" 2> /dev/null
in_ct ip link set "$a" up
i=0
until in_ct ip -o link show dev "$a" | grep -q 'state UP' || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done

# 3. install: the unit known to systemd, neither enabled nor started
in_ct dpkg -i /root/smtpscope.deb > "$tmp/dpkg.log" 2>&1
check $? "dpkg -i inside the container"
[ "$(in_ct systemctl is-enabled smtpscope.service 2>&1)" = disabled ] &&
	! in_ct systemctl is-active -q smtpscope.service
check $? "the unit is installed disabled and not running (the interface must be set first)"

# 4. the admin's step, then systemctl start
in_ct sed -i -e "s|^SMTPSCOPE_INTERFACE=.*|SMTPSCOPE_INTERFACE=$a|" \
	-e 's|^SMTPSCOPE_OPTS=.*|SMTPSCOPE_OPTS="--stats-interval 1 --immediate-mode --metrics-listen 127.0.0.1:9187"|' \
	/etc/default/smtpscope
in_ct systemctl start smtpscope.service
check $? "systemctl start smtpscope.service"
sleep 1.5
in_ct systemctl is-active -q smtpscope.service
check $? "the unit is active: $(in_ct systemctl show -p ActiveState -p SubState smtpscope.service | tr '\n' ' ')"
mpid=$(in_ct systemctl show -p MainPID --value smtpscope.service)
st=$(in_ct cat "/proc/$mpid/status" 2> /dev/null)
user=$(in_ct ps -o user= -p "$mpid" | tr -d ' ')
uid=$(echo "$st" | awk '/^Uid:/ { print $2 }')
caps=$(echo "$st" | grep -E '^(CapEff|CapBnd|CapAmb)' | tr -s '\t ' ' ' | tr '\n' ' ')
# DynamicUser: a uid from 61184..65519; CAP_NET_RAW (bit 13) alone
[ "$user" = smtpscope ] && [ "${uid:-0}" -ge 61184 ] && [ "$uid" -le 65519 ]
check $? "runs as the dynamic user $user (uid $uid)"
echo "$caps" | grep -q "CapEff: 0000000000002000 CapBnd: 0000000000002000 CapAmb: 0000000000002000"
check $? "CAP_NET_RAW only ($caps)"
echo "$st" | grep -q '^NoNewPrivs:[[:space:]]*1' && echo "$st" | grep -q '^Seccomp:[[:space:]]*2'
check $? "no new privileges, a seccomp filter"
[ "$(in_ct readlink "/proc/$mpid/ns/mnt")" != "$(in_ct readlink /proc/1/ns/mnt)" ] &&
	in_ct nsenter -t "$mpid" -m findmnt -no OPTIONS -T /usr | grep -q '^ro,' &&
	in_ct nsenter -t "$mpid" -m findmnt -no OPTIONS -T /var/log/private/smtpscope | grep -q '^rw,'
check $? "its own mount namespace: /usr read-only, the log directory writable"
level=$(in_ct systemd-analyze security smtpscope.service 2> /dev/null |
	sed -n 's/.*Overall exposure level for smtpscope.service: \([0-9.]*\).*/\1/p')
[ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.5) }'
check $? "systemd-analyze security on the running unit: exposure $level <= 2.5"

# 5. packets on the wire
netns_replay "$b" "$srcdir/samples/outage-rst-mid-data.pcap"
sleep 2
n=$(in_ct grep -c '"type":"session"' /var/log/smtpscope/smtpscope.json)
[ "$n" = 8 ]
check $? "8 session records in /var/log/smtpscope/smtpscope.json (got '$n')"
in_ct curl -s http://127.0.0.1:9187/metrics |
	grep -q '^smtpscope_sessions_reset_mid_data_total{direction="outbound",end_by="server"} 6$'
check $? "its metrics on 127.0.0.1:9187: the 6 resets mid-DATA"

# 6. logrotate with the installed file: its postrotate is systemctl kill --signal=HUP
in_ct logrotate -f /etc/logrotate.d/smtpscope 2> "$tmp/logrotate.err"
sleep 2.5 # a stats record every second
in_ct test -s /var/log/smtpscope/smtpscope.json.1 && in_ct grep -q '"type":"stats"' /var/log/smtpscope/smtpscope.json &&
	[ "$(in_ct systemctl show -p MainPID --value smtpscope.service)" = "$mpid" ]
check $? "logrotate: smtpscope.json.1 kept, the same process writes a fresh smtpscope.json $(cat "$tmp/logrotate.err")"
in_ct systemctl reload smtpscope.service && sleep 1 &&
	[ "$(in_ct systemctl show -p MainPID --value smtpscope.service)" = "$mpid" ] &&
	in_ct systemctl is-active -q smtpscope.service
check $? "systemctl reload: SIGHUP, the same process goes on"

# 7. stop: the final records; then purge
in_ct systemctl stop smtpscope.service
check $? "systemctl stop smtpscope.service"
[ "$(in_ct systemctl show -p Result --value smtpscope.service)" = success ] &&
	in_ct tail -1 /var/log/smtpscope/smtpscope.json | grep -q '"type":"stats"'
check $? "it ended with success after writing its final stats record"
in_ct dpkg --purge smtpscope > /dev/null 2>&1 && ! in_ct test -e /usr/bin/smtpscope &&
	! in_ct test -e /etc/default/smtpscope && ! in_ct test -e /lib/systemd/system/smtpscope.service
check $? "dpkg --purge: the binary, unit and /etc/default file gone"
echo "     total $(($(date +%s) - t0)) s"
exit $fail
