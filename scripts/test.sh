#!/usr/bin/env bash
# The test command: installs dependencies, builds baton twice (optimised, and
# with AddressSanitizer + UBSan) and runs every test in both builds.
#   scripts/test.sh            everything
#   scripts/test.sh --fast     the optimised build only
set -euo pipefail
cd "$(dirname "$0")/.."
fast=0
[ "${1:-}" = "--fast" ] && fast=1

bash scripts/deps.sh
jobs=$(nproc)

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build && ctest --output-on-failure -j "$jobs")

if [ $fast -eq 0 ]; then
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DBATON_SANITIZE=ON
  # The sanitizers slow the simulation about tenfold: fewer seeds there
  # (the optimised build above runs the full 10,000).
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 BATON_SIM_SEEDS=1000 \
    ctest --output-on-failure -j "$jobs" -LE slow)
fi
