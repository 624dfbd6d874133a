#!/bin/sh
# make-captures.sh - regenerates tests/captures/keyence_kv/*.pcap: client.py
# talking KV host link to responder.py on 127.0.0.1, captured with tcpdump on
# lo, then moved by ../fins/relocate.py onto 192.168.3.0/24 (PLC 192.168.3.59,
# client 192.168.3.21: mieruka keeps no loopback assets).  Needs root (tcpdump)
# and python3.  Usage: tests/peers/keyence_kv/make-captures.sh (from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/../../captures/keyence_kv"
out=$(cd "$here/../../captures/keyence_kv" && pwd)
cd "$here"
: > "$out/requests.log"
tmp=$(mktemp -d)

# capture NAME PORT
capture() {
	name=$1 port=$2
	python3 responder.py "$port" 2>"$tmp/$name.log" >"$tmp/$name.ready" &
	rpid=$!
	tcpdump -i lo -U -s 0 -w "$tmp/$name.pcap" "tcp port $port" 2>/dev/null &
	tpid=$!
	i=0
	until grep -q ready "$tmp/$name.ready" 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || exit 1; sleep 0.1; done
	sleep 1 # tcpdump is listening
	python3 client.py "$port"
	sleep 1
	kill "$tpid" "$rpid"
	wait "$tpid" 2>/dev/null || true
	wait "$rpid" 2>/dev/null || true
	{ echo "# $name"; cat "$tmp/$name.log"; } >>"$out/requests.log"
	python3 ../fins/relocate.py "$tmp/$name.pcap" "$out/$name.pcap" "$port" 192.168.3.59 192.168.3.21
}

capture keyence_kv_hostlink 8501
# a port that is no port hint: detection by content alone
capture keyence_kv_hostlink_18501 18501
rm -rf "$tmp"
ls -l "$out"
