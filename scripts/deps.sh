#!/usr/bin/env bash
# deps.sh - installs what mieruka needs on Debian 12, from Debian's packages.
# Usage: bash scripts/deps.sh [build|test|bench|all]   (default: all)
# Installs only what is missing; runs apt-get update only when it must.
set -euo pipefail

build_pkgs="build-essential cmake ninja-build pkg-config libpcap-dev libsqlite3-dev zlib1g-dev ieee-data libmicrohttpd-dev libsodium-dev libgnutls28-dev libjansson-dev chromium fonts-noto-cjk"
# chromium and fonts-noto-cjk are run-time needs of `mieruka assess --report x.pdf` (headless
# Chromium prints the HTML report; the report asks for Noto Sans CJK JP).
# Tests: cmocka for unit tests, clang for the libFuzzer smoke run, python3 for
# integration scripts, tcpreplay + iproute2 + tcpdump for the live monitor test,
# openssl for the HTTPS test's self-signed certificate, poppler-utils (pdftotext,
# pdftoppm) to check the assessment report's PDF and save its pages as images.
test_pkgs="poppler-utils libcmocka-dev clang libclang-rt-14-dev python3 python3-scapy time tcpreplay iproute2 tcpdump openssl"

# Benchmark: scapy builds the factory-mix capture, time measures peak RSS,
# libndpi-bin's ndpiReader is the reference point for nDPI's cost.
bench_pkgs="python3-scapy time libndpi-bin"

case "${1:-all}" in
build) pkgs="$build_pkgs" ;;
test) pkgs="$build_pkgs $test_pkgs" ;;
bench) pkgs="$build_pkgs $bench_pkgs" ;;
all) pkgs="$build_pkgs $test_pkgs $bench_pkgs" ;;
*) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

# Browser tests (tests/e2e): playwright-core driving Debian's chromium, Japanese
# fonts for the pages and screenshots; their npm packages are installed at the end.
e2e=0
case "${1:-all}" in
test | all) e2e=1 pkgs="$pkgs chromium chromium-driver fonts-noto-cjk fonts-ipaexfont" ;;
esac
# Node.js and npm (the dashboard's cytoscape, the browser tests' playwright-core): Debian's
# packages unless a node with npm is already there (e.g. NodeSource's nodejs, which bundles npm
# and conflicts with Debian's npm package).
if [ "${1:-all}" != "bench" ]; then
	command -v node >/dev/null || pkgs="$pkgs nodejs"
	command -v npm >/dev/null || pkgs="$pkgs npm"
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	echo "Installing:$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The dashboard's browser libraries (cytoscape) from web/package-lock.json.
if [ "${1:-all}" != "bench" ] && [ -f "$(dirname "$0")/../web/package-lock.json" ]; then
	npm ci --prefix "$(dirname "$0")/../web" --no-audit --no-fund >/dev/null
fi

# The browser tests' playwright-core from tests/e2e/package-lock.json.
if [ "$e2e" = 1 ]; then
	npm ci --prefix "$(dirname "$0")/../tests/e2e" --no-audit --no-fund >/dev/null
fi
