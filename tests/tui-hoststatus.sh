#!/bin/sh
# tui-hoststatus.sh — the dashboard's host table on the host-status samples,
# read from the screen in tmux: an overdue next-retry estimate shows
# "overdue" (and only that one), a 5xx-only host shows "rejected".
#   exit 0 pass, 1 fail, 77 skip (no tmux)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-./smtpscope}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
srcdir=$(cd "$srcdir" && pwd)
[ -x "$bin" ] || { echo "FAIL: no binary at $bin"; exit 1; }

sock=smtpscope-hs-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null' EXIT
fails=0

# screen_of SAMPLE: the first screen of --tui on it, 220 columns wide so
# every column of the host table is shown, once the file is loaded (the
# dashboard paints while it reads: the header says "N pkts" when done).
screen_of() {
	name=$(basename "$1" .pcap)
	tmux -L "$sock" -f /dev/null new-session -d -s "$name" -x 220 -y 40 \
		"$bin -r $1 --tui" || return 1
	i=0
	while [ $i -lt 50 ]; do
		out=$(tmux -L "$sock" capture-pane -p -t "$name")
		case $out in *" pkts "*"198.51.100.7 "*) printf '%s\n' "$out"; return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	printf '%s\n' "$out"
}

# expect SCREEN HOST PATTERN: the row of HOST matches the grep pattern
expect() {
	row=$(printf '%s\n' "$1" | grep "^$2 ")
	if ! printf '%s\n' "$row" | grep -q -e "$3"; then
		echo "FAIL: row of $2 does not match '$3': $row"
		fails=$((fails + 1))
	fi
}

s=$(screen_of "$srcdir/samples/host-overdue-retry.pcap")
expect "$s" 198.51.100.75 " failing .* overdue "
expect "$s" 198.51.100.77 " failing .* ~03:16:39 "
expect "$s" 198.51.100.76 " retry "
n=$(printf '%s\n' "$s" | grep -c " overdue ")
[ "$n" -eq 1 ] || { echo "FAIL: $n rows say overdue, expected 1"; fails=$((fails + 1)); }

s=$(screen_of "$srcdir/samples/host-rejected.pcap")
expect "$s" 198.51.100.70 " rejected "
expect "$s" 198.51.100.71 " rejected "
expect "$s" 198.51.100.7 " ready "

[ $fails -eq 0 ] && echo "ok   overdue and rejected on the host table"
[ $fails -eq 0 ]
