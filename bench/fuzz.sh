#!/usr/bin/env bash
# Longer fuzzing runs than CI's budget: every libFuzzer target of tests/fuzz
# for BENCH_FUZZ_SECONDS each (default 300), printing executions, executions
# per second, edges covered and features per target.
set -euo pipefail
exec bash "$(dirname "$0")/../scripts/fuzz.sh" "${BENCH_FUZZ_SECONDS:-300}"
