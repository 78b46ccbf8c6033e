# Shared set-up of the list-latency benchmarks: a Release build, a private
# Postgres cluster (stopped on exit), accounts with keys, one API server and
# wrk. Source it from a bench script; do not run it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$HOOKGATE_ROOT"

"$HOOKGATE_ROOT/scripts/install-deps.sh" wrk
build_dir="${BENCH_BUILD_DIR:-build-bench}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DHOOKGATE_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target hookgate >/dev/null
hookgate="$HOOKGATE_ROOT/$build_dir/hookgate"

state="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  "$HOOKGATE_ROOT/scripts/pg-cluster.sh" stop "$state" || true
  rm -rf "$state"
}
trap cleanup EXIT
"$HOOKGATE_ROOT/scripts/pg-cluster.sh" start "$state"
export HOOKGATE_DATABASE_URL="$(cat "$state/url")"
export HOOKGATE_LOG_LEVEL=warn HOOKGATE_RATE_LIMIT_PER_SECOND=1000000 HOOKGATE_RATE_LIMIT_BURST=10000000
# A throwaway key ring: endpoint secrets are sealed at rest (README, "Secrets at rest").
export HOOKGATE_SECRETS_KEYS="$(head -c 32 /dev/urandom | base64)"
"$hookgate" migrate >/dev/null

json_field() { sed -n "s/^  \"$1\": \"\([^\"]*\)\".*/\1/p"; }
# Prints "account key_id key_secret" for a new account with an sk_ key of `bundle`.
new_account() {  # name bundle
  local account key
  account=$("$hookgate" accounts create --name "$1" | json_field id)
  key=$("$hookgate" keys create --account "$account" --kind sk --bundle "$2")
  echo "$account $(echo "$key" | json_field id) $(echo "$key" | json_field secret)"
}

port=""
start_server() {  # extra serve arguments
  port=$(free_port)
  HOOKGATE_LISTEN="127.0.0.1:$port" "$hookgate" serve --no-migrate "$@" &
  server_pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
}

measure() {  # label secret path-and-query
  local url="http://127.0.0.1:$port$3"
  wrk -t1 -c4 -d2s -H "Authorization: Bearer $2" "$url" >/dev/null  # warm-up
  wrk -t2 -c8 -d10s --latency -H "Authorization: Bearer $2" "$url" |
    awk -v label="$1" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
      END {printf "%-52s %10s req/s   p50 %8s   p99 %8s\n", label, rps, p50, p99}'
}
