#!/bin/sh
# bootstrap.sh — from a fresh Debian checkout to a built ./smtpscope.
#
# Installs the Debian build and test dependencies that are missing (apt-get,
# as root or through sudo), runs autoreconf and configure when needed, then
# make.  Idempotent: a second run only rebuilds what changed.
# Arguments are passed to ./configure (e.g. --enable-sanitizers).
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake pkg-config libpcap-dev libndpi-dev
libmaxminddb-dev libncurses-dev zlib1g-dev python3 tmux libmaxmind-db-writer-perl
tcpreplay iproute2 prometheus systemd"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "bootstrap: installing$missing"
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
stamp=.bootstrap-configure-args
if [ ! -f Makefile ] || [ "$(cat $stamp 2>/dev/null)" != "$*" ]; then
	./configure "$@"
	printf '%s' "$*" > $stamp
fi
make -j"$(nproc)"
