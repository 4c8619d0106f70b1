#!/bin/sh
# check-samples.sh - regenerates the sample captures and checks they match the committed ones byte for byte and are readable.
# usage: check-samples.sh [PATH-TO-SMTPGEN]   (default: samples/gen/smtpgen, relative to the build dir)
set -u

gen=${1:-${SMTPGEN:-samples/gen/smtpgen}}
here=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$gen" ]; then
	echo "check-samples: generator '$gen' not found or not executable" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-samples.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

if ! "$gen" "$tmp"; then
	echo "check-samples: $gen failed" >&2
	exit 1
fi

# tshark also lets us verify checksums; tcpdump is the fallback reader
reader=
if command -v tshark >/dev/null 2>&1; then
	reader=tshark
elif command -v tcpdump >/dev/null 2>&1; then
	reader=tcpdump
else
	echo "check-samples: neither tshark nor tcpdump installed, skipping read checks" >&2
fi

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# samples/ring/: one capture split over several files (-r merged by time)
for f in "$tmp"/* "$tmp"/ring/*; do
	[ -f "$f" ] || continue
	name=${f#"$tmp"/}
	if [ ! -f "$here/$name" ]; then
		bad "$name is generated but not committed in $here"
		continue
	fi
	if ! cmp -s "$f" "$here/$name"; then
		bad "$name differs from the regenerated file (run smtpgen $here and commit)"
		continue
	fi
	case $reader in
	tshark)
		# checksum status 0 means "bad"; a readable file with good checksums prints nothing
		if ! out=$(tshark -n -r "$here/$name" -o ip.check_checksum:TRUE \
			-o tcp.check_checksum:TRUE \
			-Y 'ip.checksum.status == 0 || tcp.checksum.status == 0' 2>"$tmp/err.txt"); then
			bad "$name: tshark cannot read it: $(grep -v '^Running as user' "$tmp/err.txt")"
			continue
		fi
		if [ -n "$out" ]; then
			bad "$name: bad checksums: $out"
			continue
		fi
		;;
	tcpdump)
		if ! tcpdump -n -r "$here/$name" >/dev/null 2>"$tmp/err.txt"; then
			bad "$name: tcpdump cannot read it: $(cat "$tmp/err.txt")"
			continue
		fi
		;;
	esac
	ok
done

for f in "$here"/*.pcap "$here"/*.pcapng "$here"/ring/*.pcap; do
	[ -e "$f" ] || continue
	[ -e "$tmp/${f#"$here"/}" ] || bad "${f#"$here"/} is committed but no longer generated"
done

echo "check-samples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
