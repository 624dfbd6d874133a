#!/bin/sh
# make-captures.sh - regenerates tests/captures/slmp/*.pcap: the npm package
# mcprotocol (1E and 3E frames, binary and ASCII) and extra_client.py (CPU model
# name, remote STOP/RUN in 1E, 3E and 4E) talking to responder.py on 127.0.0.1,
# captured with tcpdump on lo, then moved by relocate.py onto 192.168.3.0/24
# (PLC 192.168.3.39, client 192.168.3.10: mieruka keeps no loopback assets).  Needs root (tcpdump), node/npm, python3.
# Usage: tests/peers/slmp/make-captures.sh   (from anywhere)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/../../captures/slmp" 2>/dev/null && pwd || { mkdir -p "$here/../../captures/slmp"; cd "$here/../../captures/slmp" && pwd; })
cd "$here"
[ -d node_modules/mcprotocol ] || npm install --no-audit --no-fund
: > "$out/requests.log"

# capture NAME PORT CLIENT-COMMAND...
capture() {
	name=$1 port=$2
	shift 2
	python3 responder.py "$port" --once 2>>"$out/requests.log" >/tmp/slmp-resp.$$ &
	rpid=$!
	tcpdump -i lo -U -s 0 -w "/tmp/slmp-$name.$$.pcap" "tcp port $port" 2>/dev/null &
	tpid=$!
	i=0
	until grep -q ready /tmp/slmp-resp.$$ 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || exit 1; sleep 0.1; done
	sleep 1 # tcpdump is listening
	echo "# $name" >>"$out/requests.log"
	"$@"
	sleep 1
	kill "$tpid"
	wait "$tpid" 2>/dev/null || true
	wait "$rpid" 2>/dev/null || true
	python3 relocate.py "/tmp/slmp-$name.$$.pcap" "$out/$name.pcap" "$port"
	rm -f /tmp/slmp-resp.$$ "/tmp/slmp-$name.$$.pcap"
}

# mcprotocol: 1E on the FX3U-ENET example port (not a port hint: detection by content)
capture mcprotocol_1e_binary 1281 node client.js 1281 1E binary
capture mcprotocol_1e_ascii 1282 node client.js 1282 1E ascii
capture mcprotocol_3e_binary 5000 node client.js 5000 3E binary
capture mcprotocol_3e_ascii 5001 node client.js 5001 3E ascii
# commands mcprotocol does not have
capture extra_1e_binary 1283 python3 extra_client.py 1283 1E binary
capture extra_3e_binary 5002 python3 extra_client.py 5002 3E binary
capture extra_4e_ascii 5003 python3 extra_client.py 5003 4E ascii
capture extra_4e_binary 6000 python3 extra_client.py 6000 4E binary
ls -l "$out"
