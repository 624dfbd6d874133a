#!/usr/bin/env bash
# test.sh - the README's second command and what CI runs: installs the test
# dependencies, builds with -Werror and ASan/UBSan, runs every CTest test (unit,
# golden captures, corpus replays, integration), then a short libFuzzer smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
jobs=$(nproc)

cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMK_WERROR=ON \
      -DMK_SANITIZE=address,undefined >/dev/null
cmake --build build-test
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-test --output-on-failure -j "$jobs" --timeout 900

# Memory caps hold without sanitizers too: the flood test on a Release build
# checks peak RSS under 100 MB with 1,000,000 random senders (ASan's shadow
# memory makes that check meaningless in build-test).
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DMK_WERROR=ON -DMK_TESTS=OFF >/dev/null
cmake --build build-release --target mieruka
python3 tests/integration/test_flood.py --mieruka build-release/mieruka --src .

# Fuzz smoke: every target a few seconds on its committed corpus (bounded time).
if [ "${MK_SKIP_FUZZ:-0}" != "1" ] && command -v clang >/dev/null; then
	CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMK_FUZZ=ON \
	      >/dev/null
	cmake --build build-fuzz
	for f in build-fuzz/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		work=$(mktemp -d)
		[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
		"$f" -max_total_time="${MK_FUZZ_SECONDS:-5}" -print_final_stats=0 "$work" >"$work.log" 2>&1 ||
			{ tail -40 "$work.log"; echo "fuzz smoke: $name found a crash"; exit 1; }
		rm -rf "$work" "$work.log"
	done
	echo "fuzz smoke: all targets ran clean"
fi
