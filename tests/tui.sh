#!/bin/sh
# tui.sh — drives the real dashboard in tmux on samples/outage-rst-mid-data.pcap
# and asserts on the screen text as a person sees it: the failing host on top
# with its last error, the '/' filter, the sessions, the ladder with the RST
# marked, the raw transcript, help, alerts, resizing to 80x24, writing a
# pcap, --replay growing, monochrome and ASCII terminals, and the terminal
# given back on q and on Ctrl-C.
#   exit 0 pass, 1 fail, 77 skip (no tmux)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-./smtpscope}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
srcdir=$(cd "$srcdir" && pwd)
sample=$srcdir/samples/outage-rst-mid-data.pcap
[ -x "$bin" ] || { echo "FAIL: no binary at $bin"; exit 1; }
[ -r "$sample" ] || { echo "FAIL: no sample at $sample"; exit 1; }

sock=smtpscope-test-$$
tmp=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
runs=0
T=

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

tm() {
	tmux -L "$sock" "$@"
}

screen() {
	tm capture-pane -p -t "$T" 2>/dev/null
}

# start W H COMMAND: a new session running COMMAND (its pane kept after it
# exits, for the exit status); earlier ones are left to the final kill-server.
start() {
	runs=$((runs + 1))
	T=run$runs
	tm -f /dev/null new-session -d -s "$T" -x "$1" -y "$2" "$3" \; \
		set-option -t "$T" remain-on-exit on
}

# wait_for PATTERN [what] [seconds]: polls the pane (5 s unless told).
wait_for() {
	i=0
	while [ $i -lt $((${3:-5} * 10)) ]; do
		if screen | grep -q -e "$1"; then
			return 0
		fi
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

# wait_gone PATTERN [what]: until the pattern has left the screen.
wait_gone() {
	i=0
	while [ $i -lt 50 ]; do
		if ! screen | grep -q -e "$1"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "${2:-'$1' still on the screen}:"
	screen | sed 's/^/    | /'
	return 1
}

keys() {
	tm send-keys -t "$T" "$@"
}

# wrapped NAME COMMAND: a script that runs COMMAND, then shows its exit
# status and the tty modes the shell gets back, as a person would see them.
# (The script survives the SIGINT sent to the foreground group: its trap is
# reset to the default in the dashboard.)
wrapped() {
	cat >"$tmp/$1.sh" <<EOF
trap : INT
$2
echo EXIT=\$?
stty -a | tr ' ;' '\n\n' | grep -Ex -e '-?icanon' -e '-?echo' | tr '\n' ' '
echo TTY-CHECKED
sleep 30
EOF
	echo "sh $tmp/$1.sh"
}

# after_exit WHAT: the program ended with status 0 and left the tty sane.
after_exit() {
	wait_for 'TTY-CHECKED' "$1: the program ends and the shell is back" || return
	screen | grep -q '^EXIT=0$' || fail "$1: exit status is not 0: $(screen | grep EXIT=)"
	screen | grep -q '^icanon echo TTY-CHECKED' ||
		fail "$1: tty modes not restored: $(screen | grep TTY-CHECKED)"
}

utf8="env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color"

# --- hosts, filter, sessions, ladder, transcript, help ------------------------
start 120 35 "$utf8 $(wrapped main "$bin -r $sample --tui")"
wait_loaded
if wait_for 'Remote hosts' 'the hosts screen'; then
	# the first row under the column titles is the failing host
	row=$(screen | grep -A1 '^HOST ' | sed -n 2p)
	case $row in
	198.51.100.20*) ;;
	*) fail "198.51.100.20 is not the top host: '$row'" ;;
	esac
	echo "$row" | grep -Eq 'failing|retry' || fail "top host is not failing/retry: '$row'"
	echo "$row" | grep -q 'reset' || fail "the last error (reset) is not on the row: '$row'"
	screen | grep -q 'mx.example.org' || fail "the banner name mx.example.org is not shown"
	screen | grep -q 'UTC' || fail "no time in the header"
fi

keys / 1 9 8 . 5 1 . 1 0 0 . 7
wait_for 'Filter: 198.51.100.7' 'the filter prompt'
wait_gone '^198\.51\.100\.20 ' 'the filter leaves 198.51.100.20 out'
screen | grep -q '^198\.51\.100\.7 ' || fail "the filter lost 198.51.100.7"
keys Escape
wait_for '^198\.51\.100\.20 ' 'Esc clears the filter'

# the selection stayed on 198.51.100.7 (as htop keeps it): Home, then open
keys Home Enter
if wait_for 'Sessions to 198.51.100.20' 'Enter opens the sessions'; then
	wait_for '6 sessions' 'six sessions to the failing host'
	n=$(screen | grep -c 'rst by server')
	[ "$n" -eq 6 ] || fail "expected 6 rows ended 'rst by server', saw $n"
fi

keys o o o o
wait_for 'outcome: aborted' 'the outcome filter'
wait_for '6 sessions' 'all six are aborted'
keys o
wait_for 'outcome: failed' 'the failed filter'
keys o o
wait_gone 'outcome:' 'the outcome filter back to all'

keys Enter
if wait_for 'Session #' 'Enter opens the ladder'; then
	screen | grep -q '354 End data' || fail "the 354 reply is not on the ladder"
	screen | grep -q 'RST from server' || fail "the RST is not marked on the ladder"
	screen | grep -E 'RST.*RST from server' | grep -q '<-- RST' ||
		fail "no '<-- RST from server' beside the RST arrow"
	screen | grep -q 'message content .* incomplete' || fail "no DATA arrow with its size"
	screen | grep -q 'connection reset by server during the message body' ||
		fail "the failure is not said in words"
	screen | grep -q 'Alerts for this session' || fail "no alerts section"
fi

keys t
if wait_for 'RAW TRANSCRIPT' 't shows the raw transcript'; then
	screen | grep -q 'C: DATA' || fail "raw transcript lacks 'C: DATA'"
	screen | grep -q 'S: 354 End data' || fail "raw transcript lacks the 354"
	screen | grep -q 'S: 250-PIPELINING' || fail "multi-line replies are not split"
fi
keys t
wait_for 'SYN-ACK' 't again: the ladder'
keys r
wait_for 'TIME (UTC)' 'r: absolute times'
wait_for '03:0[0-9]:[0-9][0-9]\.[0-9]' 'absolute times on the ladder'

keys '?'
wait_for 'Keys' 'the help screen'
screen | grep -q 'only unhealthy' || fail "help does not list 'u'"
screen | grep -q 'filter' || fail "help does not list '/'"
keys q
wait_gone '^Keys' 'q closes help'
wait_for 'Session #' 'back on the ladder after help'

keys a
wait_for 'Alerts: ' 'the alerts screen'
wait_for 'rst-mid-data' 'the alert about the reset'
keys Enter
wait_for 'Session #' 'Enter on an alert opens its session'

keys Escape Escape Escape
wait_for 'Remote hosts' 'Esc goes back to the hosts'
keys d
wait_for 'Recipient domains' 'd: the domain view'
wait_for 'example.org' 'the failing domain'
keys d
wait_for 'Remote hosts' 'd again: the hosts'
keys u
wait_for 'unhealthy only' 'u: unhealthy only'
wait_gone '^198\.51\.100\.7 ' 'u hides the healthy host'
keys u
wait_for '^198\.51\.100\.7 ' 'u again shows it'

# sorting: '>' moves the sort column, 's' reverses
keys '>'
wait_for 'SINCE▼' '> sorts by the next column'
keys '<' s
wait_for 'STATUS▲' 's reverses the sort'
row=$(screen | grep -A1 '^HOST ' | sed -n 2p)
case $row in 198.51.100.7*) ;; *) fail "reversed sort should put 198.51.100.7 first: '$row'" ;; esac
keys s

# --- 80x24 ----------------------------------------------------------------------
tm resize-window -t "$T" -x 80 -y 24
wait_for 'Remote hosts' 'hosts after resizing'
sleep 0.3
[ "$(screen | wc -l)" -le 24 ] || fail "more than 24 lines at 80x24"
w=$(screen | LC_ALL=C.UTF-8 wc -L)
[ "$w" -le 80 ] || fail "a line is $w columns wide at 80x24"
screen | head -1 | grep -q 'UTC' || fail "header lost at 80x24: $(screen | head -1)"
screen | grep -q '^198\.51\.100\.20 .*failing' || fail "host row lost at 80x24"
screen | tail -1 | grep -q 'filter' || fail "footer lost at 80x24"
keys Enter Enter
wait_for 'RST from server' 'the ladder at 80x24'

# --- quit: exit status 0, the terminal back to normal --------------------------
keys q q q
after_exit 'q'

start 100 30 "$utf8 $(wrapped ctrl-c "$bin -r $sample --tui")"
wait_loaded
wait_for 'Remote hosts' 'the dashboard for Ctrl-C'
keys C-c
after_exit 'Ctrl-C'

# --- w: writes the host's sessions to a pcap ------------------------------------
start 100 30 "$utf8 $(wrapped w "cd $tmp && $bin -r $sample --tui")"
wait_loaded
wait_for 'Remote hosts' 'the dashboard for w'
keys w
wait_for 'Write pcap to: smtpscope-198.51.100.20.pcap' 'w asks for a file name'
keys Enter
wait_for 'wrote 6 sessions to smtpscope-198.51.100.20.pcap' 'w writes the pcap'
[ -s "$tmp/smtpscope-198.51.100.20.pcap" ] || fail "no pcap written"
# b: the incident bundle of the failing host
keys b
wait_for 'Bundle folder: smtpscope-bundles' 'b asks for a folder'
keys Enter
wait_for 'wrote the bundle of 198.51.100.20' 'b writes the bundle'
for f in evidence.pcap report.txt records.json; do
	[ -s "$tmp/smtpscope-bundles/198.51.100.20/$f" ] || fail "bundle: no $f"
done
keys q
after_exit 'w'

# --- --replay=50: the sessions grow while we watch ------------------------------
start 100 30 "$utf8 $(wrapped replay "$bin -r $sample --replay=50")"
wait_for 'replay' 'replay in the header'
keys S
wait_for 'All sessions' 'all sessions during the replay'
first=$(screen | sed -n 's/^All sessions: \([0-9]*\) session.*/\1/p')
wait_for 'All sessions: 8 sessions' 'every session once the replay is done' 20
[ -n "$first" ] && [ "$first" -lt 8 ] ||
	fail "the session count did not grow during the replay (first saw '$first')"
keys p
wait_for 'PAUSED' 'p pauses'
keys p
wait_gone 'PAUSED' 'p again resumes'
keys q q
after_exit 'replay'

# --- monochrome and ASCII --------------------------------------------------------
start 100 30 "env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=xterm-mono NO_COLOR=1 $(wrapped mono "$bin -r $sample --tui")"
wait_loaded
if wait_for 'Remote hosts' 'the hosts screen in monochrome'; then
	screen | grep -q '^198\.51\.100\.20 .*failing.*reset' || fail "mono: the failing host"
	if tm capture-pane -e -p -t "$T" | grep -q "$(printf '\033')\[[0-9;]*3[1-7]m"; then
		fail "mono: colours were drawn"
	fi
fi
keys q
after_exit 'mono'

start 100 30 "env LANG=C LC_ALL=C TERM=tmux-256color $(wrapped ascii "$bin -r $sample --tui --ascii")"
wait_loaded
if wait_for 'Remote hosts' 'the hosts screen in ASCII'; then
	screen | grep -q '^198\.51\.100\.20 .*failing.*reset' || fail "ascii: the failing host"
	keys Enter Enter
	wait_for 'RST from server' 'ascii: the ladder'
	screen | grep -q '|<-* RST --|' || fail "ascii: the RST arrow is not drawn in ASCII"
	n=$(screen | LC_ALL=C tr -d '\000-\177' | wc -c)
	[ "$n" -eq 0 ] || fail "ascii: $n non-ASCII bytes on the screen"
fi
keys q q q
after_exit 'ascii'

# --- text from the wire never reaches the terminal as escapes ---------------------
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/hostile.pcap" <<'PY'
import struct, sys
# One SMTP session whose banner, EHLO, MAIL FROM and reply carry terminal
# escapes (OSC title, clear screen, colours, 8-bit CSI, invalid UTF-8).
C, S = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
pkts, clock, seq = [], [1795143600.0], {C: 1000, S: 5000}
def seg(src, flags, data=b"", syn=False):
    dst = S if src == C else C
    sp, dp = (40000, 25) if src == C else (25, 40000)
    s = seq[src] - 1 if syn else seq[src]
    a = 0 if (syn and src == C) else seq[dst]
    tcp = struct.pack(">HHIIBBHHH", sp, dp, s, a, 5 << 4, flags, 65535, 0, 0) + data
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
    clock[0] += 0.01
    pkts.append((clock[0], b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\0" + ip + tcp))
    seq[src] += len(data) + (1 if flags & 1 else 0)
seg(C, 0x02, syn=True); seg(S, 0x12, syn=True); seg(C, 0x10)
for src, line in [
    (S, b"220 mx.evil.test \x1b]0;PWNED\x07\x1b[2J\x1b[31mRED\x9b1m\xff\xfe ESMTP"),
    (C, b"EHLO \x1b[5mblink\x07.example"), (S, b"250 ok"),
    (C, b"MAIL FROM:<a\x1b[7m@x.test>"), (S, b"250 ok"), (C, b"RCPT TO:<b@evil.test>"),
    (S, b"550 no \x1b[41mway"), (C, b"QUIT"), (S, b"221 bye")]:
    seg(src, 0x18, line + b"\r\n")
seg(C, 0x11); seg(S, 0x11); seg(C, 0x10)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for ts, p in pkts:
        f.write(struct.pack("<IIII", int(ts), int(ts % 1 * 1e6), len(p), len(p)) + p)
PY
	start 110 30 "$utf8 $(wrapped hostile "$bin -r $tmp/hostile.pcap --tui")"
	wait_loaded "hostile: the file loaded"
	wait_for 'mx.evil.test' 'hostile: the host named from its banner'
	keys Enter Enter
	if wait_for '?\]0;PWNED' 'hostile: the OSC sequence shown as text'; then
		screen | head -1 | grep -q 'smtpscope' || fail "hostile: the header was wiped"
		screen | grep -q 'HELO ?\[5mblink?\.example' || fail "hostile: HELO not sanitized"
		title=$(tm list-panes -t "$T" -F '#{pane_title}')
		[ "$title" != PWNED ] || fail "hostile: an escape set the terminal title"
	fi
	keys q q q
	after_exit 'hostile'
fi

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "PASS: the dashboard in tmux"
exit 0
