#!/bin/sh
# tui-stalled.sh — the session list marks an open session that has been
# silent for more than 60 s as "stalled 75 s (state)" (any duration as
# rules/units.h writes it: "2m05s" past 2 min), and drops the mark when
# the connection comes back: samples/pause-in-data.pcap (420 s of silence
# inside DATA) replayed 50 times faster in the dashboard under tmux.
#   exit 0 pass, 1 fail, 77 skip (no tmux)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-./smtpscope}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
sample=$(cd "$srcdir" && pwd)/samples/pause-in-data.pcap
[ -x "$bin" ] || { echo "FAIL: no binary at $bin"; exit 1; }
sock=smtpscope-stalled-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null' EXIT
fails=0

tm() { tmux -L "$sock" "$@"; }
screen() { tm capture-pane -p -t stalled 2>/dev/null; }
fail() { echo "FAIL: $*"; screen | sed 's/^/    | /'; fails=$((fails + 1)); }
# wait_for PATTERN SECONDS: polls the pane
wait_for() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		screen | grep -Eq -e "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

tm -f /dev/null new-session -d -s stalled -x 140 -y 30 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $bin -r $sample --replay=50; sleep 30"
wait_for 'replay' 10 || fail "the dashboard did not start"
tm send-keys -t stalled S
wait_for 'All sessions' 5 || fail "S did not open all sessions"
# 60 s of capture time after the silence began: 1.2 s here; it lasts 8.4 s
if wait_for 'stalled ([0-9]+ s|[0-9]+m[0-9]{2}s) \(body\)' 8; then
	echo "ok   $(screen | grep -Eo 'stalled ([0-9]+ s|[0-9]+m[0-9]{2}s) \(body\)' | head -1) while the client is silent"
else
	fail "no 'stalled N s (body)' during the 420 s pause"
fi
# the rest of the message comes: one session, accepted, ended by QUIT
if wait_for '^ *1 .*accepted +quit ' 15; then
	echo "ok   the same session ends accepted, quit"
	screen | grep -q 'stalled' && fail "still marked stalled after it ended"
	screen | grep -q 'All sessions: 1 session' || fail "not one session"
else
	fail "the session did not end 'quit' after the pause"
fi
tm send-keys -t stalled q q
exit $((fails > 0))
