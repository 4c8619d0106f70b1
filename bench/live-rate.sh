#!/bin/sh
# live-rate.sh [PCAP] — live throughput: tcpreplay sends a capture into a
# veth pair (one end in a private network namespace) at increasing rates
# while smtpscope captures headless on the other end; prints, per rate, the
# rate tcpreplay achieved and what smtpscope saw and lost.  Needs root,
# ip(8), tcpreplay.  Not a test: numbers for doc/performance.md.
set -u
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
pcap=${1:-${BENCH_DIR:-/tmp/smtpscope-bench}/smtp-200.pcap}
ns=sslr-$$; a=sslrA$$; b=sslrB$$
tmp=$(mktemp -d)
trap 'ip link del $a 2>/dev/null; ip netns del $ns 2>/dev/null; rm -rf $tmp' EXIT
ip netns add $ns && ip link add $a type veth peer name $b && ip link set $b netns $ns &&
	ip link set $a up && ip netns exec $ns ip link set $b up || exit 77
sysctl -qw "net.ipv6.conf.$a.disable_ipv6=1" 2>/dev/null
printf '%-10s %12s %12s %12s %10s %10s\n' rate sent_pps captured kernel_drop if_drop sessions
for rate in 200 500 1000 2000 4000 top; do
	"$bin" -i $a -N -o $tmp/out.json 2> $tmp/err &
	pid=$!
	sleep 1
	if [ $rate = top ]; then opt=--topspeed; else opt=--mbps=$rate; fi
	pps=$(ip netns exec $ns tcpreplay $opt -i $b "$pcap" 2>&1 | sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p')
	sleep 1
	kill -INT $pid; wait $pid
	set -- $(sed -n 's/^\([0-9]*\) packets captured, \([0-9]*\) dropped by kernel, \([0-9]*\) dropped by interface.*/\1 \2 \3/p' $tmp/err)
	sessions=$(tail -1 $tmp/out.json | sed -n 's/.*"sessions":\([0-9]*\).*/\1/p')
	printf '%-10s %12s %12s %12s %10s %10s\n' "$rate" "${pps:-?}" "${1:-?}" "${2:-?}" "${3:-?}" "${sessions:-?}"
done
