#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-15 (ASan + UBSan) and
# runs each for a time budget, starting from its committed seed corpus in
# tests/fuzz/corpus/<target>. Prints executions, coverage (edges) and
# features per target; exits non-zero when any target finds a crash, a leak
# or a sanitizer report (the input is kept under build-fuzz/artifacts).
#   scripts/fuzz.sh [seconds-per-target]   (default 30)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HOOKGATE_ROOT"
seconds="${1:-30}"

"$HOOKGATE_ROOT/scripts/install-deps.sh" clang-15 libfuzzer-15-dev
dir=build-fuzz
log "configuring $dir (clang-15, libFuzzer, ASan + UBSan)"
cmake -S . -B "$dir" -DHOOKGATE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-15 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
log "building $dir"
cmake --build "$dir" -j "$(nproc)" --target fuzz_targets

mkdir -p "$dir/artifacts"
failed=()
printf '%-20s %12s %10s %10s %8s\n' target executions exec/s coverage features
for source in tests/fuzz/*_fuzz.cpp; do
  target="$(basename "$source" .cpp)"
  seeds="tests/fuzz/corpus/${target%_fuzz}"
  # New inputs go to a scratch folder, so the committed seeds stay as they are.
  work="$(mktemp -d)"
  out="$dir/artifacts/$target.log"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$dir/tests/fuzz/$target" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/$target-" "$work" "$seeds" >"$out" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$target")
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out" | tail -1)"
  cov="$(grep -o 'cov: [0-9]*' "$out" | tail -1 | cut -d' ' -f2)"
  ft="$(grep -o 'ft: [0-9]*' "$out" | tail -1 | cut -d' ' -f2)"
  printf '%-20s %12s %10s %10s %8s %s\n' "$target" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$status"
  rm -rf "$work"
done

if [ ${#failed[@]} -gt 0 ]; then
  for target in "${failed[@]}"; do
    log "$target failed; its output:"
    tail -60 "$dir/artifacts/$target.log" >&2
  done
  die "fuzzing found a problem in: ${failed[*]}"
fi
log "fuzzing found nothing in $seconds s per target"
