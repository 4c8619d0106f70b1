#!/bin/sh
# evidence-full-disk.sh — --evidence on a full disk (issue 14): the failure
# is said once and counted, the exit status is 2, and no empty or
# header-only pcap is left behind.  A 64 KiB tmpfs is the full disk: root,
# or a user namespace, mounts it; otherwise the test is skipped (77).
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
sample="$srcdir/samples/outage-rst-mid-data.pcap"
[ -r "$sample" ] || { echo "no sample"; exit 99; }

if [ "${EVIDENCE_FULL_DISK_INNER:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		command -v unshare >/dev/null 2>&1 || { echo "SKIP: not root, no unshare"; exit 77; }
		EVIDENCE_FULL_DISK_INNER=1 exec unshare -rm sh "$0"
	fi
	EVIDENCE_FULL_DISK_INNER=1 exec unshare -m sh "$0" 2>/dev/null ||
		{ echo "SKIP: cannot make a mount namespace"; exit 77; }
fi

tmp=$(mktemp -d) || exit 99
trap 'umount "$tmp/disk" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/disk"
if ! mount -t tmpfs -o size=64k tmpfs "$tmp/disk" 2>/dev/null; then
	echo "SKIP: mounting a tmpfs is not permitted here"
	exit 77
fi
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }

# one case: fill the disk leaving $1 KiB, run, judge what is left
run_case() {
	left=$1
	rm -rf "$tmp/disk/"*
	mkdir "$tmp/disk/ev"
	dd if=/dev/zero of="$tmp/disk/filler" bs=1k count=64 2>/dev/null
	if [ "$left" -gt 0 ]; then
		size=$(stat -c %s "$tmp/disk/filler")
		truncate -s $((size - left * 1024)) "$tmp/disk/filler"
	fi
	"$bin" -r "$sample" --format json --evidence "$tmp/disk/ev" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 2 ] && ok "$left KiB left: exit 2" || bad "$left KiB left: exit $rc, want 2"
	if [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q -- "--evidence $tmp/disk/ev/.*(later evidence write errors are only counted)" "$tmp/err"; then
		ok "$left KiB left: one stderr line naming the file"
	else
		bad "$left KiB left: stderr: $(cat "$tmp/err")"
	fi
	small=$(find "$tmp/disk/ev" -type f -size -25c | wc -l)
	[ "$small" -eq 0 ] && ok "$left KiB left: no empty or header-only pcap" ||
		bad "$left KiB left: $small empty pcaps: $(ls -la "$tmp/disk/ev")"
	files=$(find "$tmp/disk/ev" -type f | wc -l)
	python3 - "$tmp/out" "$files" <<'PY' && ok "$left KiB left: stats evidence: write_errors > 0, files = files on disk ($files)" || bad "$left KiB left: stats evidence record"
import json, sys
st = [json.loads(l) for l in open(sys.argv[1]) if '"type":"stats"' in l][0]["evidence"]
sys.exit(0 if st["write_errors"] > 0 and st["files"] == int(sys.argv[2]) else 1)
PY
	[ -s "$tmp/out" ] && ok "$left KiB left: the JSON records were still written (other disk)" ||
		bad "$left KiB left: no records"
}

run_case 0   # nothing left: the file is created empty, then removed
run_case 4   # one page left: what fits is kept, a cut pcap of real packets
exit $fail
