#!/bin/sh
# tui-screens.sh — the screen captures in doc/screens/ are what the dashboard
# draws now: doc/screens/make-screens.sh draws every screen again (tmux,
# 100x30) into a scratch folder, and each committed capture must have the
# same structure: the same lines with the same words, column headings, rows
# in the same order and the same key bar, numbers aside (every run of
# digits stands for any number, so counts, times, sizes and the memory
# figure may differ).  A change to what a screen shows fails here until
# the captures are regenerated (doc/screens/make-screens.sh) and reviewed.
#   exit 0 pass, 1 fail, 77 skip (no tmux)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-./smtpscope}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
srcdir=$(cd "$srcdir" && pwd)
screens=$srcdir/doc/screens
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/now"

if ! SMTPSCOPE=$bin sh "$screens/make-screens.sh" "$tmp/now" > "$tmp/make.log" 2>&1; then
	cat "$tmp/make.log"
	echo "FAIL: make-screens.sh could not draw the screens"
	exit 1
fi

# the structure of a capture: digits as '#', trailing blanks and blank
# lines at the end dropped (tmux pads the pane)
shape() {
	sed -e 's/[0-9][0-9]*/#/g' -e 's/[[:space:]]*$//' "$1" | awk '
		/./ { for (; blank > 0; blank--) print ""; print; next }
		{ blank++ }'
}

fail=0
n=0
for f in "$screens"/*.txt; do
	name=$(basename "$f")
	n=$((n + 1))
	if [ ! -s "$tmp/now/$name" ]; then
		echo "FAIL $name: make-screens.sh no longer draws it (remove it, or draw it again)"
		fail=1
		continue
	fi
	shape "$f" > "$tmp/committed.shape"
	shape "$tmp/now/$name" > "$tmp/now.shape"
	lines=$(wc -l < "$tmp/committed.shape")
	if [ "$lines" -lt 3 ]; then
		echo "FAIL $name: the committed capture has $lines lines"
		fail=1
	elif cmp -s "$tmp/committed.shape" "$tmp/now.shape"; then
		echo "ok   $name: $lines lines, the same structure as the dashboard draws now"
	else
		echo "FAIL $name differs from what the dashboard draws now (digits as #):"
		diff -u "$tmp/committed.shape" "$tmp/now.shape" | sed -e '1,2d' -e 's/^/     /' | head -40
		fail=1
	fi
done
for f in "$tmp/now"/*.txt; do
	[ -e "$screens/$(basename "$f")" ] ||
		{ echo "FAIL $(basename "$f"): drawn by make-screens.sh, not committed in doc/screens"; fail=1; }
done
[ $n -ge 9 ] || { echo "FAIL: only $n captures in doc/screens"; fail=1; }
[ $fail -eq 0 ] || echo "     (to update: doc/screens/make-screens.sh, then read the diff before committing)"
exit $fail
