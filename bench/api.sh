#!/usr/bin/env bash
# api.sh - latency of the dashboard's list endpoints (issue 5: p99 < 100 ms with 10,000 assets
# and 100,000 conversations).  Generates the capture (gen_web_db.py), analyses it into a
# database, serves it on loopback and times REQUESTS requests per endpoint from one client.
# Usage: bash bench/api.sh [BUILD_DIR] [HOSTS] [CONVS] [REQUESTS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
hosts=${2:-10000}
convs=${3:-100000}
reqs=${4:-200}
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
python3 "$here/gen_web_db.py" "$tmp/bench.pcap" "$hosts" "$convs"
start=$(date +%s.%N)
"$build/mieruka" analyze --quiet --max-conversations $((convs + 1000)) --db "$tmp/bench.db" "$tmp/bench.pcap"
echo "analyze: $(python3 -c "print(round($(date +%s.%N) - $start, 1))") s"
"$build/mieruka" serve --db "$tmp/bench.db" --listen 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
for _ in $(seq 50); do grep -q http "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o ':[0-9]*/' "$tmp/serve.out" | tr -d ':/')
python3 - "$port" "$reqs" <<'PY'
import http.client, json, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
def get(path):
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    assert r.status == 200, (path, r.status, body[:200])
    return body
t = time.perf_counter(); get("/api/v1/health"); get("/api/v1/assets?limit=1")
print(f"first load (snapshot): {1000 * (time.perf_counter() - t):.0f} ms")
t = time.perf_counter(); get("/api/v1/map?group=zone")
print(f"first map request (builds the snapshot's map): {1000 * (time.perf_counter() - t):.0f} ms")
tot = json.loads(get("/api/v1/assets?limit=1"))["total"]
ctot = json.loads(get("/api/v1/communications?limit=1"))["total"]
print(f"assets {tot}, communications {ctot}")
paths = ["/api/v1/assets", "/api/v1/assets?sort=-bytes", "/api/v1/assets?q=10.1.3&sort=ip",
         "/api/v1/assets?offset=9000&limit=100", "/api/v1/communications",
         "/api/v1/communications?offset=90000", "/api/v1/communications?protocol=snmp",
         "/api/v1/alerts", "/api/v1/overview", "/api/v1/map", "/api/v1/map?group=subnet",
         "/api/v1/map?group=zone", "/api/v1/map?group=subnet&expand=net:10.1.3.0/24",
         "/api/v1/map?group=zone&expand=nozone|net:10.1.3.0/24,nozone|net:10.1.4.0/24"]
print(f"{'endpoint':45} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'KiB':>7}")
for p in paths:
    ts = []
    for _ in range(n):
        t = time.perf_counter(); b = get(p); ts.append(1000 * (time.perf_counter() - t))
    ts.sort()
    print(f"{p:45} {ts[len(ts) // 2]:8.1f} {ts[min(len(ts) - 1, int(len(ts) * 0.99))]:8.1f} {ts[-1]:8.1f} {len(b) / 1024:7.0f}")
PY
