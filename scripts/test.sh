#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test
# twice -- a normal build, then AddressSanitizer + UndefinedBehaviorSanitizer
# -- and then each libFuzzer target of tests/fuzz for a fixed budget
# (HOOKGATE_FUZZ_SECONDS per target, default 40), and a 60 s soak
# (bench/soak.sh). Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HOOKGATE_ROOT"

# Node.js runs the independent webhook receiver the delivery tests use; a
# machine that has none gets Debian's.
extra=()
command -v node >/dev/null && command -v npm >/dev/null || extra=(nodejs npm)
"$HOOKGATE_ROOT/scripts/install-deps.sh" "${extra[@]}"
"$HOOKGATE_ROOT/scripts/receiver-deps.sh"
"$HOOKGATE_ROOT/scripts/openapi-deps.sh"
"$HOOKGATE_ROOT/scripts/dashboard-deps.sh"
jobs="$(nproc)"

run_suite() {
  local dir="$1"; shift
  log "configuring $dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  log "building $dir"
  cmake --build "$dir" -j "$jobs"
  log "testing $dir"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 600)
}

# Line tables only (-g1): enough for useful backtraces, much quicker to compile.
run_suite build -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS="suppressions=$HOOKGATE_ROOT/scripts/lsan-suppressions.txt" \
  run_suite build-sanitize -DHOOKGATE_SANITIZE=ON
bash "$HOOKGATE_ROOT/scripts/fuzz.sh" "${HOOKGATE_FUZZ_SECONDS:-40}"
# A one-minute soak on the normal build: three processes, one SIGKILLed every
# few seconds; fails on a lost delivery, an unrecorded attempt or RSS growth.
SOAK_SECONDS=60 bash "$HOOKGATE_ROOT/bench/soak.sh"
log "all tests passed (normal and sanitizer builds, fuzz budget, soak)"
