#!/bin/sh
# metrics-full-disk.sh — a --metrics-file whose final write fails (a full
# file system) ends the run with exit status 2 and says why, instead of
# leaving the start's all-zero file behind with exit 0 (issue 14).  A small
# tmpfs has room for the start file and not for the final one.
# Skips (77) unless root can mount a tmpfs here.
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-$(pwd)/smtpscope}
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
command -v python3 >/dev/null || skip "python3 missing"

tmp=$(mktemp -d)
mnt=$tmp/mnt
mkdir "$mnt"
cleanup() { umount "$mnt" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
mount -t tmpfs -o size=1m,mode=0755 tmpfs "$mnt" 2>/dev/null || skip "cannot mount a tmpfs here"

sample=$srcdir/samples/outage-rst-mid-data.pcap
# The start file is the run's figures before any packet: what a capture
# without packets ends with.  A pcap with no packet gives its size.
python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))" > "$tmp/empty.pcap"
"$bin" -r "$tmp/empty.pcap" --metrics-file "$tmp/start.prom" > /dev/null || { echo "FAIL: empty run"; exit 1; }
"$bin" -r "$sample" --metrics-file "$tmp/final.prom" > /dev/null || { echo "FAIL: normal run"; exit 1; }
start=$(stat -c %s "$tmp/start.prom")
final=$(stat -c %s "$tmp/final.prom")
page=$(getconf PAGESIZE)
pages=$(( (start + page - 1) / page ))
echo "start file $start bytes ($pages pages), final file $final bytes"
[ "$final" -gt "$start" ] || { echo "FAIL: the final file should be larger"; exit 1; }
# leave exactly room for the start file: the final one is written to
# PATH.tmp beside it and cannot fit
dd if=/dev/zero of="$mnt/filler" bs="$page" count=$(( 1048576 / page - pages )) 2>/dev/null
free=$(df -B1 --output=avail "$mnt" | tail -1 | tr -d ' ')
echo "free on the tmpfs: $free bytes"

fail=0
"$bin" -r "$sample" --format json -o "$tmp/out.json" --metrics-file "$mnt/smtpscope.prom" 2> "$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--metrics-file $mnt/smtpscope.prom: No space left on device" "$tmp/err"; then
	echo "ok   final write on a full file system: exit 2, '$(cat "$tmp/err")'"
else
	echo "FAIL final write on a full file system: exit $rc, stderr: $(cat "$tmp/err")"; fail=1
fi
# what is left is the start file (all zero), and no PATH.tmp
if [ -f "$mnt/smtpscope.prom" ] && [ ! -e "$mnt/smtpscope.prom.tmp" ] &&
   grep -q '^smtpscope_capture_packets_total 0$' "$mnt/smtpscope.prom"; then
	echo "ok   the start file stays, no PATH.tmp left behind"
else
	echo "FAIL: left behind: $(ls "$mnt")"; fail=1
fi
# the JSON output itself was complete
if tail -1 "$tmp/out.json" | grep -q '"type":"stats"'; then
	echo "ok   the records were written all the same"
else
	echo "FAIL: records incomplete"; fail=1
fi
# with room again, the same run exits 0
rm -f "$mnt/filler"
"$bin" -r "$sample" --metrics-file "$mnt/smtpscope.prom" > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc -eq 0 ] && cmp -s "$mnt/smtpscope.prom" "$tmp/final.prom"; then
	echo "ok   with room: exit 0 and the same file as on a disk"
else
	echo "FAIL with room: exit $rc $(cat "$tmp/err")"; fail=1
fi
exit $fail
