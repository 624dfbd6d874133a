#!/usr/bin/env bash
# bench/run.sh - mieruka against a plain libpcap loop (pcount) on the factory-mix capture.
#
# Builds shared/bench's bench.pcap and pcount into a cache dir (first time: a few minutes; needs
# gcc, libpcap-dev, python3-scapy), builds mieruka in Release (-O2, no sanitizers) in build-bench/,
# then runs pcount and `mieruka analyze --quiet` alternately RUNS times each under /usr/bin/time -v
# and prints packets/s, the median ratio of wall times (mieruka / pcount) and peak RSS.
#
#   bench/run.sh                       defaults below
#   BENCH_CACHE=/work/bench-cache RUNS=3 BUILD=build-bench bench/run.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
CACHE=${BENCH_CACHE:-$ROOT/../bench-cache}
BUILD=${BUILD:-$ROOT/build-bench}
RUNS=${RUNS:-3}
PCAP=${BENCH_PCAP:-$CACHE/bench.pcap}
TIME=/usr/bin/time

bash "$ROOT/scripts/deps.sh" bench
[ -x "$TIME" ] || { echo "bench: $TIME missing (Debian package 'time')" >&2; exit 1; }
# nDPI's own reader (flow table + application detection) is timed too, as the
# cost of using nDPI for identification; NDPI=0 skips it.
NDPI_READER=$(command -v ndpiReader || true)
[ "${NDPI:-1}" = 1 ] || NDPI_READER=

if [ -z "${BENCH_PCAP:-}" ]; then
	echo "== bench.pcap and pcount in $CACHE"
	make -s -C "$SHARED/bench" OUT="$CACHE"
fi
[ -x "$CACHE/pcount" ] || make -s -C "$SHARED/bench" OUT="$CACHE" "$CACHE/pcount"

echo "== mieruka (Release, no sanitizers) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" -DMK_SANITIZE= -DMK_TESTS=OFF \
	-DMK_WERROR=OFF >/dev/null
ninja -C "$BUILD" mieruka >/dev/null
MIERUKA=$BUILD/mieruka

TMP=$(mktemp -d /tmp/mk-bench.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# One timed run: prints "wall_seconds max_rss_kb".
timed() {
	local log=$TMP/time.log
	"$TIME" -v -o "$log" "$@" >/dev/null 2>"$TMP/stderr" || {
		echo "bench: command failed: $*" >&2; cat "$TMP/stderr" >&2; exit 1; }
	awk -F': ' '
		/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
			for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
		/Maximum resident set size/ { rss = $2 }
		END { printf "%.3f %d\n", wall, rss }' "$log"
}

PACKETS=$("$CACHE/pcount" "$PCAP" | grep -o '[0-9]\+' | head -1)
echo "== $PCAP: $PACKETS packets, $(du -h "$PCAP" | cut -f1)"
echo "   (machine load: $(cut -d' ' -f1-3 /proc/loadavg))"

: >"$TMP/pc" ; : >"$TMP/mk" ; : >"$TMP/nd"
for i in $(seq 1 "$RUNS"); do
	read -r w r < <(timed "$CACHE/pcount" "$PCAP")
	echo "$w $r" >>"$TMP/pc"
	awk -v i="$i" -v w="$w" -v r="$r" 'BEGIN { printf "run %d  pcount  %7.2fs  %7.1f MB\n", i, w, r / 1024 }'
	rm -f "$TMP"/x.db*
	read -r w r < <(timed "$MIERUKA" analyze --quiet --db "$TMP/x.db" "$PCAP")
	echo "$w $r" >>"$TMP/mk"
	awk -v i="$i" -v w="$w" -v r="$r" 'BEGIN { printf "run %d  mieruka %7.2fs  %7.1f MB\n", i, w, r / 1024 }'
	if [ -n "$NDPI_READER" ]; then
		read -r w r < <(timed "$NDPI_READER" -q -i "$PCAP")
		echo "$w $r" >>"$TMP/nd"
		awk -v i="$i" -v w="$w" -v r="$r" 'BEGIN { printf "run %d  nDPI    %7.2fs  %7.1f MB\n", i, w, r / 1024 }'
	fi
done

python3 - "$TMP/pc" "$TMP/mk" "$PACKETS" "$TMP/nd" <<'PY'
import statistics, sys
pc = [tuple(map(float, l.split())) for l in open(sys.argv[1])]
mk = [tuple(map(float, l.split())) for l in open(sys.argv[2])]
n = int(sys.argv[3])
ratios = [m[0] / p[0] for p, m in zip(pc, mk) if p[0] > 0]
pw = statistics.median(x[0] for x in pc)
mw = statistics.median(x[0] for x in mk)
print("== result (median of %d runs each)" % len(pc))
print("pcount : %6.2fs  %10.0f packets/s  peak RSS %6.1f MB" % (pw, n / pw, max(x[1] for x in pc) / 1024))
print("mieruka: %6.2fs  %10.0f packets/s  peak RSS %6.1f MB" % (mw, n / mw, max(x[1] for x in mk) / 1024))
print("ratio mieruka/pcount (median of per-run ratios): %.2f  (runs: %s)" % (
    statistics.median(ratios), " ".join("%.2f" % r for r in ratios)))
nd = [tuple(map(float, l.split())) for l in open(sys.argv[4])]
if nd:
    nw = statistics.median(x[0] for x in nd)
    nr = [x[0] / p[0] for p, x in zip(pc, nd) if p[0] > 0]
    print("nDPI ndpiReader: %6.2fs  %10.0f packets/s  peak RSS %6.1f MB  ratio to pcount %.2f" % (
        nw, n / nw, max(x[1] for x in nd) / 1024, statistics.median(nr)))
PY
