#!/usr/bin/env bash
# setup.sh - the README's first command: installs the dependencies and builds
# an optimised mieruka at build/mieruka.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMK_TESTS=OFF >/dev/null
cmake --build build
