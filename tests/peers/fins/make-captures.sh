#!/bin/sh
# make-captures.sh - regenerates tests/captures/fins/*.pcap: the npm package
# omron-fins (an independent FINS client, pinned in package.json) talking to
# responder.py on 127.0.0.1 over UDP and FINS/TCP, captured with tcpdump on lo,
# then moved by relocate.py onto 192.168.3.0/24 (PLC 192.168.3.49, client
# 192.168.3.20: mieruka keeps no loopback assets).  Needs root (tcpdump),
# node/npm and python3.  Usage: tests/peers/fins/make-captures.sh (from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/../../captures/fins"
out=$(cd "$here/../../captures/fins" && pwd)
cd "$here"
[ -d node_modules/omron-fins ] || npm install --no-audit --no-fund
: > "$out/requests.log"
tmp=$(mktemp -d)

# capture NAME PORT FILTER CLIENT-COMMAND...
capture() {
	name=$1 port=$2 filter=$3
	shift 3
	python3 responder.py "$port" 2>"$tmp/$name.log" >"$tmp/$name.ready" &
	rpid=$!
	tcpdump -i lo -U -s 0 -w "$tmp/$name.pcap" "$filter" 2>/dev/null &
	tpid=$!
	i=0
	until grep -q ready "$tmp/$name.ready" 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || exit 1; sleep 0.1; done
	sleep 1 # tcpdump is listening
	"$@"
	sleep 1
	kill "$tpid" "$rpid"
	wait "$tpid" 2>/dev/null || true
	wait "$rpid" 2>/dev/null || true
	{ echo "# $name"; sort "$tmp/$name.log" | uniq -c; } >>"$out/requests.log"
	python3 relocate.py "$tmp/$name.pcap" "$out/$name.pcap" "$port" 192.168.3.49 192.168.3.20
}

capture omron_fins_udp 9600 "udp port 9600" node client.js 9600 udp
capture omron_fins_tcp 9600 "tcp port 9600" node client.js 9600 tcp
# FINS/TCP on a port that is no port hint: detection by content alone
capture omron_fins_tcp_19600 19600 "tcp port 19600" node client.js 19600 tcp
rm -rf "$tmp"
ls -l "$out"
