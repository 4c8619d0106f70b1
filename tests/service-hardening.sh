#!/bin/sh
# service-hardening.sh — the systemd unit that `make install` installs
# (contrib/smtpscope.service.in) stays hardened: systemd-analyze security
# rates its exposure at 2.5 or below, the only capability is CAP_NET_RAW
# (ambient and bounding set), it reads the EnvironmentFile, and systemd
# finds nothing wrong in it.  Skips (77) without systemd-analyze.
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
skip() { echo "SKIP: $*"; exit 77; }
command -v systemd-analyze >/dev/null || skip "systemd-analyze missing (apt-get install systemd)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# as installed with --prefix=/usr --sysconfdir=/etc (debian/rules)
sed -e 's|@bindir@|/usr/bin|g' -e 's|@sysconfdir@|/etc|g' "$srcdir/contrib/smtpscope.service.in" \
	> "$tmp/smtpscope.service"
fail=0
systemd-analyze security --offline=yes "$tmp/smtpscope.service" > "$tmp/out" 2>&1
line=$(grep "Overall exposure level" "$tmp/out")
level=$(echo "$line" | sed -n 's/.*: \([0-9][0-9.]*\) .*/\1/p')
[ -n "$level" ] || { cat "$tmp/out"; skip "systemd-analyze cannot rate units offline here"; }
if awk -v l="$level" 'BEGIN { exit !(l <= 2.5) }'; then
	echo "ok   exposure $level <= 2.5 ($line)"
else
	echo "FAIL exposure $level > 2.5:"; grep "✗" "$tmp/out"; fail=1
fi
for key in AmbientCapabilities CapabilityBoundingSet; do
	v=$(grep "^$key=" "$tmp/smtpscope.service")
	if [ "$v" = "$key=CAP_NET_RAW" ]; then
		echo "ok   $v only"
	else
		echo "FAIL $key: '$v'"; fail=1
	fi
done
if grep -q '^EnvironmentFile=-/etc/default/smtpscope$' "$tmp/smtpscope.service" &&
   ! grep -q '^Environment=IFACE' "$tmp/smtpscope.service"; then
	echo "ok   the interface comes from /etc/default/smtpscope, not the unit"
else
	echo "FAIL EnvironmentFile"; fail=1
fi
# every variable the unit uses is set in the shipped default file
for v in $(grep -o 'SMTPSCOPE_[A-Z]*' "$tmp/smtpscope.service" | sort -u); do
	grep -q "^$v=" "$srcdir/contrib/default/smtpscope" || { echo "FAIL $v not in contrib/default/smtpscope"; fail=1; }
done
# systemd's own check of the unit file (the binary need not exist here)
systemd-analyze verify "$tmp/smtpscope.service" > "$tmp/verify" 2>&1
if grep -v -e "man smtpscope(8)" -e "^$" "$tmp/verify" | grep -q .; then
	echo "FAIL systemd-analyze verify:"; cat "$tmp/verify"; fail=1
else
	echo "ok   systemd-analyze verify finds nothing wrong"
fi
exit $fail
