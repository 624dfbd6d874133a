#!/usr/bin/env bash
# deps.sh - installs what mieruka needs on Debian 12, from Debian's packages.
# Usage: bash scripts/deps.sh [build|test|all]   (default: all)
# Installs only what is missing; runs apt-get update only when it must.
set -euo pipefail

build_pkgs="build-essential cmake ninja-build pkg-config libpcap-dev libsqlite3-dev zlib1g-dev ieee-data"
# Tests: cmocka for unit tests, clang for the libFuzzer smoke run, python3 for
# integration scripts, tcpreplay + iproute2 + tcpdump for the live monitor test.
test_pkgs="libcmocka-dev clang libclang-rt-14-dev python3 python3-scapy time tcpreplay iproute2 tcpdump"

case "${1:-all}" in
build) pkgs="$build_pkgs" ;;
test | all) pkgs="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 [build|test|all]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
