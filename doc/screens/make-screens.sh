#!/bin/sh
# make-screens.sh — regenerates the text captures of the dashboard's screens
# in this folder (100x30, UTF-8, samples/outage-rst-mid-data.pcap): hosts,
# domains, sessions, ladder, transcript, alerts, help; then the queue and
# messages screens on samples/relay-queued.pcap.
#   doc/screens/make-screens.sh            (from the top of the tree, after make)
#   SMTPSCOPE=/path/to/smtpscope doc/screens/make-screens.sh
#   doc/screens/make-screens.sh DIR        (write the screens to DIR instead:
#                                           tests/tui-screens.sh compares them)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$(cd "${1:-$here}" && pwd)
bin=${SMTPSCOPE:-$top/smtpscope}
sample=$top/samples/outage-rst-mid-data.pcap
command -v tmux >/dev/null 2>&1 || { echo "make-screens: tmux is needed" >&2; exit 1; }
[ -x "$bin" ] || { echo "make-screens: build smtpscope first ($bin)" >&2; exit 1; }

sock=smtpscope-screens-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null || true' EXIT

tmux -L "$sock" -f /dev/null new-session -d -s s -x 100 -y 30 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $bin -r $sample --tui"

# wait_for PATTERN: until the pane shows it (5 s at most).
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		tmux -L "$sock" capture-pane -p -t s | grep -q -e "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "make-screens: '$1' did not appear" >&2
	exit 1
}

# loaded: until the file is read to its end (the header has its clock and
# no longer says "loading" or "gateway pass"), so no screen is half full.
loaded() {
	i=0
	while [ $i -lt 100 ]; do
		tmux -L "$sock" capture-pane -p -t s | head -1 | grep ' UTC' | grep -v -q -e loading -e 'gateway pass' &&
			return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "make-screens: the dashboard did not finish loading" >&2
	exit 1
}

# shot NAME PATTERN: once PATTERN is on the screen, save it as NAME.txt.
shot() {
	wait_for "$2"
	sleep 0.3 # let a pending redraw land
	tmux -L "$sock" capture-pane -p -t s >"$out/$1.txt"
	echo "wrote $out/$1.txt"
}

keys() {
	tmux -L "$sock" send-keys -t s "$@"
}

loaded
shot hosts 'Remote hosts'
keys d
shot domains 'Recipient domains'
keys d Enter
shot sessions 'Sessions to'
keys Enter
shot ladder 'RST from server'
keys t
shot transcript 'RAW TRANSCRIPT'
keys a
shot alerts 'Alerts: '
keys '?'
shot help '^Keys'
keys Q

# the gateway's queue: a message deferred three times and one never attempted
tmux -L "$sock" kill-session -t s 2>/dev/null || true
tmux -L "$sock" -f /dev/null new-session -d -s s -x 100 -y 30 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $bin -r $top/samples/relay-queued.pcap --tui"
wait_for 'Remote hosts'
loaded
keys m
shot queue '^Queue per next hop'
keys Enter
shot messages '^Messages for'
keys Q
