#!/usr/bin/env bash
# fuzz.sh - long fuzzing runs (not part of the default tests).
# Usage: bash scripts/fuzz.sh [TARGET] [SECONDS]
#   TARGET: e.g. fuzz_decode, fuzz_capture, fuzz_proto_dhcp (default: every target)
#   SECONDS: per target (default 300)
# New corpus entries are kept in build-fuzz/corpus/TARGET; crashes are written to
# build-fuzz/crashes/ — copy each into tests/regress/TARGET/ and fix it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMK_FUZZ=ON >/dev/null
cmake --build build-fuzz
secs=${2:-300}
targets=${1:-$(cd build-fuzz/fuzz && ls fuzz_* | grep -v '\.')}
mkdir -p build-fuzz/crashes
for t in $targets; do
	corpus=build-fuzz/corpus/$t
	mkdir -p "$corpus"
	[ -d "fuzz/corpus/$t" ] && cp -rn "fuzz/corpus/$t/." "$corpus/"
	echo "== $t for ${secs}s"
	"build-fuzz/fuzz/$t" -max_total_time="$secs" -artifact_prefix=build-fuzz/crashes/"$t"- \
		-print_final_stats=1 "$corpus" 2>&1 | grep -E "stat::number_of_executed_units|ERROR|SUMMARY" || true
done
