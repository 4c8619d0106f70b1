#!/bin/sh
# tui-queue.sh — drives the dashboard's Queue ('m') and Messages ('M') screens
# in tmux at 80, 100 and 200 columns over the queue samples, and asserts the
# figures samples/README.md states for them (domains, queued counts, oldest
# ages, rates, states, attempts, forecasts), the drill-down queue -> messages
# -> the sessions that carried a message -> its ladder, Esc back each step,
# 'w' writing the packets of a message's sessions,
# the colours of a stuck and of a deferred domain, and --no-queue.
#   exit 0 pass, 1 fail, 77 skip (no tmux)
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
bin=${SMTPSCOPE:-./smtpscope}
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
srcdir=$(cd "$srcdir" && pwd)
samples=$srcdir/samples
[ -x "$bin" ] || { echo "FAIL: no binary at $bin"; exit 1; }
for s in relay-queued queue-stuck queue-backlog dsn-delayed dsn-expired relay-same-msgid; do
	[ -r "$samples/$s.pcap" ] || { echo "FAIL: no sample $samples/$s.pcap"; exit 1; }
done

sock=smtpscope-queue-test-$$
tmp=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
runs=0
T=
W=

fail() {
	echo "FAIL [${W} cols]: $*"
	fails=$((fails + 1))
}

tm() {
	tmux -L "$sock" "$@"
}

screen() {
	tm capture-pane -p -t "$T" 2>/dev/null
}

keys() {
	tm send-keys -t "$T" "$@"
}

# start W SAMPLE [OPTIONS]: the dashboard on a sample, W columns by 30 rows.
start() {
	runs=$((runs + 1))
	T=run$runs
	W=$1
	tm -f /dev/null new-session -d -s "$T" -x "$1" -y 30 \
		"env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $bin -r $samples/$2.pcap ${3:-} --tui" \; \
		set-option -t "$T" remain-on-exit on
}

# wait_for PATTERN [what]: polls the pane for 5 s.
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
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

# has PATTERN WHAT: the screen shows PATTERN now (after a wait_for).
has() {
	screen | grep -q -e "$1" || { fail "$2: no '$1' on the screen:"; screen | sed 's/^/    | /'; }
}

# row PATTERN: the screen's line matching PATTERN (the first).
row() {
	screen | grep -e "$1" | head -1
}

# coloured COLOUR NAME: the name is drawn in that ANSI colour (31 red, 33
# yellow), whatever attributes come between (the selected row is reversed).
coloured() {
	esc=$(printf '\033')
	tm capture-pane -e -p -t "$T" | grep -Eq "$esc\[$1m($esc\[[0-9;]*m)*$2"
}

# count PATTERN: lines matching PATTERN.
count() {
	screen | grep -c -e "$1"
}

# footer_has TEXT WHAT: the key bar (the last line) shows TEXT.
footer_has() {
	f=$(screen | sed '/^$/d' | tail -1)
	case $f in
	*"$1"*) ;;
	*) fail "$2: the footer has no '$1': '$f'" ;;
	esac
}

# The hosts screen, then 'm'.
open_queue() {
	start "$@"
	wait_for 'Remote hosts' "$2: the hosts screen" || return 1
	keys m
	wait_for '^Queue per next hop' "$2: 'm' opens the queue" || return 1
	wait_for '^DOMAIN ' "$2: the queue's column titles"
}

for w in 80 100 200; do
	# --- relay-queued: C deferred 3 times, D never attempted ----------------
	if open_queue $w relay-queued; then
		has '2 queued for 1 domain' 'relay-queued: example.net holds C and D'
		footer_has '? help' 'queue'
		footer_has 'q/Esc back' 'queue'
		footer_has 'Enter messages' 'queue'
		# DOMAIN, QUEUED, OLDEST lead at every width; oldest ~155.1 s
		r=$(row '^example\.net ')
		echo "$r" | grep -Eq '^example\.net +2 +2m35s ' ||
			fail "relay-queued: example.net row is not 'queued 2, oldest 2m35s': '$r'"
		# next retry = last attempt (t = 150 s) + 1 min, capture ends at 155.24 s
		echo "$r" | grep -Eq ' in 5[4-5] s ' ||
			fail "relay-queued: next retry is not 'in 54/55 s': '$r'"
		# expiry = acceptance (0.17 s) + 2 days: 1d23h57m from the end, shown to
		# the hour (rules/units.h rounds to the precision shown)
		echo "$r" | grep -Eq 'in 2d00h( |$)' || fail "relay-queued: expiry is not 'in 2d00h': '$r'"
		echo "$r" | grep -q '451 4.3.0' || fail "relay-queued: no last error 451 4.3.0: '$r'"
		if [ $w -ge 100 ]; then
			# in: 2 messages, out: none accepted (the rates are per minute of the
			# last ten); velocity in - out
			has 'IN/min' 'relay-queued: the rates at 100+ columns'
			has 'VELOCITY' 'relay-queued: the velocity at 100+ columns'
		fi
		if [ $w -ge 200 ]; then
			# qshape: C is 2m35s old, D 0 s: both in 0-5m
			echo "$r" | grep -Eq ' 2 +0 +0 +0 +0 +0 +0 *$' ||
				fail "relay-queued: qshape is not '0-5m 2': '$r'"
		fi
		# deferred, not stuck: yellow (33), not red
		coloured 33 'example\.net' ||
			fail "relay-queued: the deferred domain is not yellow"

		# Enter: the domain's messages
		keys Enter
		if wait_for '^Messages for example\.net: 2' "relay-queued: Enter lists example.net's messages"; then
			r=$(row '^ *[0-9]* *deferred ')
			echo "$r" | grep -Eq 'deferred +2m35s +3 +example\.net' ||
				fail "relay-queued: C is not 'deferred 2m35s 3 attempts': '$r'"
			echo "$r" | grep -q '451 4.3.0 Temporary' ||
				fail "relay-queued: C's last reply is not the 451: '$r'"
			r=$(row '^ *[0-9]* *queued ')
			# D came in 53 ms before the capture ended
			echo "$r" | grep -Eq 'queued +5[0-9] ms +0 +example\.net +' ||
				fail "relay-queued: D is not 'queued 5x ms, 0 attempts': '$r'"
			[ $w -lt 100 ] || has '<queued1\.17' 'relay-queued: the Message-ID at 100+ columns'
			footer_has '? help' 'messages'
			footer_has 'q/Esc back' 'messages'
			footer_has 'Enter sessions' 'messages'
		fi
		# C is first (oldest): Enter -> its inbound session and 3 attempts
		keys Home Enter
		if wait_for 'Sessions of message #1 <queued1\.17@mta\.example\.org>: 4 sessions' \
			'relay-queued: Enter on C lists the 4 sessions that carried it'; then
			n=$(count ' deferred ')
			[ "$n" -eq 3 ] || fail "relay-queued: expected 3 deferred attempts, saw $n"
			n=$(count ' accepted ')
			[ "$n" -eq 1 ] || fail "relay-queued: expected 1 accepted (inbound) session, saw $n"
			if [ $w -ge 100 ]; then
				n=$(count '-> 198\.51\.100\.41:25')
				[ "$n" -eq 3 ] || fail "relay-queued: expected 3 sessions to 198.51.100.41, saw $n"
				n=$(count '203\.0\.113\.20:[0-9]* -> 192\.0\.2\.10:25')
				[ "$n" -eq 1 ] || fail "relay-queued: expected the inbound session, saw $n"
			fi
		fi
		# the newest attempt first: its ladder says 451
		keys Home Enter
		wait_for 'Session #' 'relay-queued: Enter opens an attempt'"'"'s ladder' &&
			has '451 4.3.0' 'relay-queued: the attempt'"'"'s 451 on the ladder'
		keys Escape
		wait_for 'Sessions of message #1' 'relay-queued: Esc back to the sessions'
		keys Escape
		wait_for '^Messages for example\.net' 'relay-queued: Esc back to the messages'
		keys Escape
		wait_for '^Queue per next hop' 'relay-queued: Esc back to the queue'
		keys Escape
		wait_for 'Remote hosts' 'relay-queued: Esc back to the hosts'
		# 'M' from anywhere: every message
		keys M
		wait_for '^Messages: 2, 2 queued or deferred' "relay-queued: 'M' lists all messages"
		keys Q
	fi

	# --- queue-stuck: three never attempted for lists.example.net ------------
	if open_queue $w queue-stuck; then
		has '3 queued for 2 domains, 1 stuck' 'queue-stuck: the title counts the stuck domain'
		r=$(row '^lists\.example\.net ')
		echo "$r" | grep -Eq '^lists\.example\.net +3 +19m3[23]s ' ||
			fail "queue-stuck: lists.example.net is not 'queued 3, oldest ~1173 s': '$r'"
		echo "$r" | grep -Eq ' - +in 2d00h *' || fail "queue-stuck: no retry (never attempted) and expiry 2d00h: '$r'"
		r=$(row '^example\.com ')
		echo "$r" | grep -Eq '^example\.com +0 +- ' || fail "queue-stuck: example.com holds nothing: '$r'"
		if [ $w -ge 200 ]; then
			# eleven deliveries 3 s after acceptance; one in and out every 2 min
			echo "$r" | grep -Eq ' 0\.5 +0\.5 +\+0\.0 +3\.[01] s ' ||
				fail "queue-stuck: example.com is not 'in 0.5 out 0.5 velocity 0 p95 3.0/3.1 s': '$r'"
			# ages 1173, 1113, 1053 s: all in 10-20m
			r=$(row '^lists\.example\.net ')
			echo "$r" | grep -Eq ' 0 +0 +3 +0 +0 +0 +0 *$' ||
				fail "queue-stuck: qshape is not '10-20m 3': '$r'"
		fi
		coloured 31 'lists\.example\.net' || fail "queue-stuck: the stuck domain is not red"
		coloured 31 'example\.com' &&
			fail "queue-stuck: example.com (nothing queued) is red"
		keys Enter
		wait_for '^Messages for lists\.example\.net: 3, 3 queued or deferred' \
			'queue-stuck: Enter lists the three stuck messages'
		n=$(count '^ *[0-9]* *queued  *1[789]m[0-9][0-9]s  *0 lists\.example\.net')
		[ "$n" -eq 3 ] || fail "queue-stuck: expected 3 rows 'queued 17-19 min, 0 attempts', saw $n"
		keys Escape Escape M
		wait_for '^Messages: 14, 3 queued or deferred' 'queue-stuck: 14 messages in all'
		n=$(count 'delivered .* example\.com ')
		[ "$n" -ge 10 ] || fail "queue-stuck: expected the example.com deliveries, saw $n rows"
		keys Q
	fi

	# --- queue-backlog: 15 delivered, 15 queued, in 2/min out 1/min ----------
	if open_queue $w queue-backlog; then
		r=$(row '^example\.net ')
		echo "$r" | grep -Eq '^example\.net +15 +7m1[45]s ' ||
			fail "queue-backlog: example.net is not 'queued 15, oldest ~435 s': '$r'"
		if [ $w -ge 100 ]; then
			echo "$r" | grep -Eq ' 2\.0 +1\.0 +\+1\.0 ' ||
				fail "queue-backlog: example.net is not 'in 2.0 out 1.0 velocity +1.0': '$r'"
		fi
		if [ $w -ge 200 ]; then
			# queued messages k = 15..29 came in at 5 + 30k s; capture end ~884.5 s:
			# ages 434 ... 14 s: 10 under 5 min, 5 between 5 and 10
			echo "$r" | grep -Eq ' 10 +5 +0 +0 +0 +0 +0 *$' ||
				fail "queue-backlog: qshape is not '0-5m 10, 5-10m 5': '$r'"
		fi
		keys Enter
		wait_for '^Messages for example\.net: 30, 15 queued or deferred' \
			'queue-backlog: 30 messages, 15 still queued'
		keys Q
	fi

	# --- dsn-delayed: deferred for 4 h, a delay DSN ------------------------------
	if open_queue $w dsn-delayed; then
		r=$(row '^example\.net ')
		echo "$r" | grep -Eq '^example\.net +1 +4h00m ' ||
			fail "dsn-delayed: example.net is not 'queued 1, oldest 4h00m': '$r'"
		# the forecast retry (t = 210 s) is long past at t = 4 h: no retry seen
		echo "$r" | grep -q 'overdue 3h5[0-9]m' || fail "dsn-delayed: the retry is not overdue: '$r'"
		# held past the delay-DSN time: red
		coloured 31 'example\.net' ||
			fail "dsn-delayed: a domain past its delay-DSN time is not red"
		keys M
		wait_for '^Messages: 2, 1 queued or deferred' 'dsn-delayed: the original and the DSN'
		r=$(row '^ *[0-9]* *deferred ')
		echo "$r" | grep -Eq 'deferred +4h00m +3 +example\.net' ||
			fail "dsn-delayed: the original is not 'deferred 4h00m, 3 attempts': '$r'"
		echo "$r" | grep -q 'DSN delayed 4\.4\.1' || fail "dsn-delayed: no 'DSN delayed 4.4.1': '$r'"
		r=$(row '^ *[0-9]* *delivered ')
		echo "$r" | grep -Eq 'delivered +[0-9]+ ms +1 +example\.org' ||
			fail "dsn-delayed: the DSN is not 'delivered to example.org': '$r'"
		keys Q
	fi

	# --- dsn-expired: bounced by the expiry NDR ------------------------------------
	if open_queue $w dsn-expired; then
		has '0 queued' 'dsn-expired: nothing queued at the end'
		keys M
		wait_for '^Messages: 2, 0 queued or deferred' 'dsn-expired: the original and the NDR'
		r=$(row '^ *[0-9]* *bounced ')
		echo "$r" | grep -Eq 'bounced +2d00h +2 +example\.net' ||
			fail "dsn-expired: the original is not 'bounced 2d00h, 2 attempts': '$r'"
		echo "$r" | grep -q 'DSN failed 4\.4\.7' || fail "dsn-expired: no 'DSN failed 4.4.7': '$r'"
		# Enter: the inbound session, two attempts and the NDR about it
		keys Home Enter
		wait_for 'Sessions of message #1 .*: 4 sessions' \
			'dsn-expired: inbound, 2 attempts and the DSN session'
		keys Q
	fi
done

# --- relay-same-msgid at 200: two domains on one message, B without Message-ID
start 200 relay-same-msgid
if wait_for 'Remote hosts' 'relay-same-msgid: the hosts screen'; then
	keys M
	if wait_for '^Messages: 2, 0 queued or deferred' 'relay-same-msgid: A and B, both delivered'; then
		r=$(row '<relay1\.4711@mta\.example\.org>')
		echo "$r" | grep -Eq 'delivered +1[0-9] s +2 +example\.net, example\.edu ' ||
			fail "relay-same-msgid: A is not 'delivered, 2 attempts, example.net and example.edu': '$r'"
		r=$(row '(none)')
		echo "$r" | grep -Eq 'delivered +[0-9]\.[0-9] s +1 +example\.net ' ||
			fail "relay-same-msgid: B (no Message-ID) is not 'delivered, 1 attempt': '$r'"
	fi
	# A's sessions: inbound plus one per domain
	keys Home Enter
	wait_for 'Sessions of message #1 <relay1\.4711@mta\.example\.org>: 3 sessions' \
		'relay-same-msgid: A went in once and out twice'
	# 'w' on a message: the packets of the sessions that carried it
	keys Escape
	wait_for '^Messages: 2' 'relay-same-msgid: Esc back to the messages'
	keys w
	wait_for 'Write pcap to: smtpscope-message-1\.pcap' "relay-same-msgid: 'w' names the message's pcap"
	keys C-u
	keys -l "$tmp/message-a.pcap"
	keys Enter
	if wait_for 'wrote 3 sessions to ' "relay-same-msgid: 'w' writes A's three sessions"; then
		"$bin" -r "$tmp/message-a.pcap" --format json >"$tmp/message-a.json" 2>&1
		n=$(grep -c '"type":"session"' "$tmp/message-a.json")
		[ "$n" -eq 3 ] || fail "relay-same-msgid: the pcap of A holds $n sessions, not 3"
		for who in 198.51.100.7 198.51.100.30 192.0.2.10; do
			grep '"type":"session"' "$tmp/message-a.json" | grep -q "\"server\":\"$who\"" ||
				fail "relay-same-msgid: no session to $who in A's pcap"
		done
	fi
	keys Q
fi

# --- --no-queue: the screens say so ---------------------------------------------
start 100 relay-queued --no-queue
if wait_for 'Remote hosts' '--no-queue: the hosts screen'; then
	keys m
	wait_for 'the queue view is off' "--no-queue: 'm' says the queue view is off"
	keys M
	wait_for 'the queue view is off' "--no-queue: 'M' says so too"
	keys '?'
	wait_for '^Keys' 'the help screen'
	wait_for "the gateway's queue per next-hop domain" "help: 'm'"
	has 'every message the gateway took in' "help: 'M'"
	keys End
	wait_for 'never attempted for 15 min' 'help: the queue colours'
	keys Q
fi

if [ $fails -ne 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "PASS: the Queue and Messages screens at 80, 100 and 200 columns"
exit 0
