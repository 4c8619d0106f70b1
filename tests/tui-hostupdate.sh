#!/bin/sh
# tui-hostupdate.sh — the host screen shows a host that changed after the
# dashboard's first copy of it (issue 13: the dashboard copies only what
# changed since its last snapshot, rules/host_changes.c, and merges it into
# its own copies).  samples/greylist-rcpt.pcap replayed 100 times faster:
# 198.51.100.45 is refused (554) at 03:00:00 and accepts the retry at
# 03:07:00; 203.0.113.46 and 198.51.100.47 are greylisted (450/452) and
# accept their retries at 03:12:30 and 03:16:00.  Each row must go from its
# first state to its second in place: one row per host, the new figures.
# The session list opened early grows the same way (finished sessions are
# copied once, those ending later added).
#   exit 0 pass, 1 fail, 77 skip (no tmux)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-./smtpscope}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
sample=$(cd "$srcdir" && pwd)/samples/greylist-rcpt.pcap
[ -x "$bin" ] || { echo "FAIL: no binary at $bin"; exit 1; }
sock=smtpscope-hostupdate-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null' EXIT
fails=0

tm() { tmux -L "$sock" "$@"; }
screen() { tm capture-pane -p -t upd 2>/dev/null; }
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
# rows HOST: how many rows of the host list name HOST
rows() { screen | grep -c -e "^$1 "; }

tm -f /dev/null new-session -d -s upd -x 160 -y 30 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $bin -r $sample --replay=100; sleep 30"
# columns: HOST NAME STATUS SINCE SESS ...
first='^198\.51\.100\.45 +mx45\.example\.net +rejected +- +1 '
if wait_for "$first" 10; then
	echo "ok   198.51.100.45 first shown rejected, 1 session"
else
	fail "198.51.100.45 never shown rejected with 1 session"
fi
# 420 s of capture time later (4.2 s here): the accepted retry
if wait_for '^198\.51\.100\.45 +mx45\.example\.net +ready +- +2 ' 10; then
	echo "ok   the same row then shows ready, 2 sessions"
	[ "$(rows '198\.51\.100\.45')" -eq 1 ] || fail "198.51.100.45 has more than one row"
else
	fail "198.51.100.45 not updated to ready, 2 sessions"
fi
# the end of the capture: the two greylisted hosts updated too, none in trouble
if wait_for 'Remote hosts \(3, 0 in trouble\)' 15; then
	echo "ok   every host updated: 3, none in trouble"
	for h in '203\.0\.113\.46 +mail\.example\.org' '198\.51\.100\.47 +mx47\.example\.net'; do
		screen | grep -Eq "^$h +ready +- +2 " || fail "no row '$h ready - 2'"
	done
	[ "$(screen | grep -cE '^(198\.51\.100\.4[57]|203\.0\.113\.46) ')" -eq 3 ] ||
		fail "not one row per host"
else
	fail "the hosts did not all end ready"
fi
tm send-keys -t upd q q
tm kill-session -t upd 2>/dev/null

# The session list, opened while the replay runs: the finished sessions are
# copied once each, those that end later are added to the copies; at the end
# the six sessions, each once, the last three accepted.
tm -f /dev/null new-session -d -s upd -x 160 -y 30 \
	"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $bin -r $sample --replay=100; sleep 30"
wait_for '^198\.51\.100\.45 ' 10 || fail "no host row"
tm send-keys -t upd S
wait_for 'All sessions: [123] session' 5 || fail "S did not open all sessions early"
if wait_for 'All sessions: 6 sessions' 15; then
	echo "ok   the session list grew to 6 while open"
	for id in 1 2 3 4 5 6; do
		[ "$(screen | grep -cE "^ +$id 03:")" -eq 1 ] || fail "session $id not listed once"
	done
	[ "$(screen | grep -cE '^ +[456] 03:.* accepted +quit ')" -eq 3 ] ||
		fail "sessions 4-6 not accepted, quit"
else
	fail "the session list did not reach 6 sessions"
fi
tm send-keys -t upd q q
exit $((fails > 0))
