#!/bin/sh
# tui-ops.sh — the dashboard for a mail team's operations (issue 14), each
# check at 80, 100 and 200 columns in tmux: the footer keeps '?' and 'q'; LAST
# ERROR is cut after a whole word; the alerts screen's 'g' switches between
# groups and one row per alert; a tagged session shows its '*' and the title
# counts the tags; a next retry the capture's clock has passed shows as
# "overdue 4m" (samples/retry-overdue.pcap), one still ahead as "~03:06:00".
#   exit 0 pass, 1 fail, 77 skip (no tmux)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-./smtpscope}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
srcdir=$(cd "$srcdir" && pwd)
outage=$srcdir/samples/outage-rst-mid-data.pcap
overdue=$srcdir/samples/retry-overdue.pcap
[ -x "$bin" ] || { echo "FAIL: no binary at $bin"; exit 1; }

sock=smtpscope-ops-$$
tmp=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
runs=0
T=
utf8="env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color"

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
tm() { tmux -L "$sock" "$@"; }
screen() { tm capture-pane -p -t "$T" 2>/dev/null; }
keys() { tm send-keys -t "$T" "$@"; }
start() {
	runs=$((runs + 1))
	T=run$runs
	tm -f /dev/null new-session -d -s "$T" -x "$1" -y "$2" "$3" \; \
		set-option -t "$T" remain-on-exit on
}
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		screen | grep -q -e "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "${2:-waiting for '$1'}: not on the screen:"
	screen | sed 's/^/    | /'
	return 1
}

# wait_loaded [what]: a file is read while the dashboard already paints;
# the header says "N pkts SIZE" only once the whole file is analysed.
wait_loaded() {
	wait_for ' pkts ' "${1:-the file loaded}" 10
}
footer() { screen | sed '/^$/d' | tail -1; }

# The full last error of the failing host, from the JSON (not the screen).
full_error=$("$bin" -r "$outage" --format json | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["type"] == "host" and r["host"] == "198.51.100.20":
        print(r["last_error"])')
[ -n "$full_error" ] || { echo "FAIL: no last error for 198.51.100.20 in the JSON"; exit 1; }

for W in 80 100 200; do
	echo "--- $W columns"
	start "$W" 30 "$utf8 $bin -r $outage --tui"
	wait_loaded "$W: the file loaded"
	wait_for 'Remote hosts' "$W: the hosts screen" || continue

	# footer: help and quit always there
	f=$(footer)
	echo "$f" | grep -q '? help' || fail "$W: hosts footer has no '? help': '$f'"
	echo "$f" | grep -q 'q quit' || fail "$W: hosts footer has no 'q quit': '$f'"

	# LAST ERROR: what is shown is the full text, or a prefix ending at a
	# word's end followed by an ellipsis
	row=$(screen | grep '^198\.51\.100\.20 ')
	ROW=$row FULL=$full_error python3 - <<'PY' || fail "$W: LAST ERROR cut mid-word: '$row'"
import os, sys
row, full = os.environ["ROW"], os.environ["FULL"]
i = row.find("connection reset")
if i < 0:
    sys.exit(1)
cell = row[i:]
if "\u2026" in cell:
    shown = cell.split("\u2026")[0]
    ok = full.startswith(shown) and len(shown) < len(full) and full[len(shown)] == " " \
         and shown[-1] not in " ,;:"
else:
    ok = cell.startswith(full)
sys.exit(0 if ok else 1)
PY
	# the next retry is still ahead at the end of this capture
	echo "$row" | grep -q '~03:06:00' || fail "$W: next try ~03:06:00 not on the row: '$row'"
	echo "$row" | grep -q 'overdue' && fail "$W: a retry still ahead is marked overdue: '$row'"

	# tagged sessions
	keys Enter
	if wait_for 'Sessions to 198.51.100.20' "$W: the sessions screen"; then
		f=$(footer)
		echo "$f" | grep -q '? help' || fail "$W: sessions footer has no '? help': '$f'"
		echo "$f" | grep -q 'q/Esc back' || fail "$W: sessions footer has no 'q/Esc back': '$f'"
		first=$(screen | grep -A1 'START' | sed -n 2p)
		keys Space
		wait_for '6 sessions, 1 tagged' "$W: the title counts the tag"
		tagged=$(screen | grep -c '^\* *[0-9]')
		[ "$tagged" -eq 1 ] || fail "$W: expected one row marked '*', saw $tagged"
		when=$(echo "$first" | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]*' | head -1)
		screen | grep '^\* *[0-9]' | grep -q "$when" ||
			fail "$W: the '*' is not on the first session"
		keys Space
		wait_for '6 sessions, 2 tagged' "$W: a second tag"
		tagged=$(screen | grep -c '^\* *[0-9]')
		[ "$tagged" -eq 2 ] || fail "$W: expected two rows marked '*', saw $tagged"
		keys Escape
		wait_for 'Remote hosts' "$W: back to the hosts"
	fi

	# alerts: g toggles groups / one row each, and back
	keys a
	if wait_for 'grouped by rule and host' "$W: the alerts screen, grouped"; then
		grouped=$(screen | grep -c '198\.51\.100\.20')
		keys g
		wait_for 'one row each, newest first' "$W: 'g' lists every alert"
		flat=$(screen | grep -c '198\.51\.100\.20')
		[ "$flat" -gt "$grouped" ] ||
			fail "$W: one row per alert ($flat rows) is not more than grouped ($grouped)"
		keys g
		wait_for 'grouped by rule and host' "$W: 'g' again groups"
		f=$(footer)
		echo "$f" | grep -q '? help' || fail "$W: alerts footer has no '? help': '$f'"
	fi
	keys Q

	# an overdue retry
	start "$W" 12 "$utf8 $bin -r $overdue --tui"
	wait_loaded "$W: the file loaded"
	if wait_for 'Remote hosts' "$W: hosts of retry-overdue.pcap"; then
		row=$(screen | grep '^198\.51\.100\.30 ')
		echo "$row" | grep -q 'overdue 4m' || fail "$W: the overdue retry is not marked: '$row'"
		other=$(screen | grep '^198\.51\.100\.7 ')
		echo "$other" | grep -q 'overdue' && fail "$W: a ready host is marked overdue: '$other'"
	fi
	keys Q
done

echo "$runs dashboards, $fails failures"
[ $fails -eq 0 ]
