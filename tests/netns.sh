# tests/netns.sh — sourced (not run) by the live tests: veth pairs whose
# far ends sit in a private network namespace, so packets replayed into the
# far end with tcpreplay reach the near end, where smtpscope captures, and
# nothing of the machine's own traffic crosses the pair.
#
#   . "$srcdir/tests/netns.sh"
#   netns_cleanup_hook=cleanup     # optional: the test's own cleanup, run first
#   netns_setup TAG [PROGRAM...]   # root, ip(8), the programs, a namespace; else exit 77
#   netns_veth near far            # sets $near and $far to a new pair's names
#   netns_replay "$far" FILE.pcap  # tcpreplay at top speed from the namespace
#   $netns_name                    # the namespace, for `ip netns exec`
#
# On EXIT (also after a failure, and on INT/TERM, which become exits) the
# hook runs, then every pair and the namespace are deleted; the test's exit
# status is kept.  POSIX sh: the live scripts run under dash.

netns_name=
netns_links=
netns_count=0
netns_cleanup_hook=${netns_cleanup_hook:-}

netns_skip() { echo "SKIP: $*"; exit 77; }

netns_cleanup() {
	netns_rc=$?
	trap - EXIT INT TERM
	[ -n "$netns_cleanup_hook" ] && "$netns_cleanup_hook"
	for l in $netns_links; do
		ip link del "$l" 2>/dev/null # deleting one end deletes the pair
	done
	[ -n "$netns_name" ] && ip netns del "$netns_name" 2>/dev/null
	exit $netns_rc
}

# netns_setup TAG [PROGRAM...]: skips (77) unless root with ip(8), network
# namespaces and every PROGRAM named; creates the namespace and the traps.
netns_setup() {
	netns_tag=$1
	shift
	trap netns_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	[ "$(id -u)" -eq 0 ] || netns_skip "needs root for ip netns"
	command -v ip > /dev/null || netns_skip "ip(8) missing (apt-get install iproute2)"
	for p in "$@"; do
		command -v "$p" > /dev/null || netns_skip "$p missing (apt-get install $p)"
	done
	# another sandbox sharing this network stack may use the same pid
	for k in 1 2 3 4 5; do
		netns_name=smtpscope-$netns_tag-$$-$k
		ip netns add "$netns_name" 2> /dev/null && return 0
	done
	netns_name=
	netns_skip "cannot create a network namespace here"
}

# netns_wait_up IFACE [NETNS]: until the link is up (carrier on both ends),
# at most 5 s; 1 when it never came up.
netns_wait_up() {
	i=0
	while [ $i -lt 50 ]; do
		if [ -n "${2:-}" ]; then
			ip -n "$2" -o link show dev "$1" 2> /dev/null
		else
			ip -o link show dev "$1" 2> /dev/null
		fi | grep -q 'state UP' && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# netns_veth NEAR_VAR FAR_VAR: a new veth pair, the far end moved into the
# namespace, both up and without IPv6 (no autoconfiguration chatter: only
# what the test replays crosses the pair).  Interface names stay under 15
# characters: s + the shell's pid + n + the pair's number + a/b.
netns_veth() {
	netns_made=
	for k in 1 2 3 4 5; do # a name taken (same pid elsewhere): the next number
		netns_count=$((netns_count + 1))
		netns_a=s$$n${netns_count}a
		netns_b=s$$n${netns_count}b
		ip link add "$netns_a" type veth peer name "$netns_b" 2> /dev/null && { netns_made=1; break; }
	done
	[ -n "$netns_made" ] || netns_skip "cannot create a veth pair here"
	netns_links="$netns_links $netns_a"
	sysctl -qw "net.ipv6.conf.$netns_a.disable_ipv6=1" 2> /dev/null
	ip link set "$netns_b" netns "$netns_name" || { echo "FAIL: moving $netns_b into $netns_name"; exit 1; }
	ip netns exec "$netns_name" sysctl -qw "net.ipv6.conf.$netns_b.disable_ipv6=1" 2> /dev/null
	ip link set "$netns_a" up
	ip -n "$netns_name" link set "$netns_b" up
	netns_wait_up "$netns_a" && netns_wait_up "$netns_b" "$netns_name" ||
		{ echo "FAIL: veth pair $netns_a/$netns_b did not come up"; exit 1; }
	eval "$1=\$netns_a; $2=\$netns_b"
}

# netns_replay FAR FILE: the capture sent into the pair from its far end, as
# fast as it goes; the status is tcpreplay's.
netns_replay() {
	ip netns exec "$netns_name" tcpreplay -q -i "$1" --topspeed "$2" > /dev/null 2>&1
}
