#!/usr/bin/env bash
# List-page latency of GET /v1/webhook_endpoints for an account with 1,000
# endpoints and for one with 1,000,000 (both in the same table, same server,
# same run). Keyset pagination should keep the two within 1.5x.
#   bash bench/endpoint_list.sh
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
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
"$hookgate" migrate >/dev/null

json_field() { sed -n "s/^  \"$1\": \"\([^\"]*\)\".*/\1/p"; }
new_account() {
  local account key
  account=$("$hookgate" accounts create --name "$1" | json_field id)
  key=$("$hookgate" keys create --account "$account" --kind sk --bundle store)
  echo "$account $(echo "$key" | json_field id) $(echo "$key" | json_field secret)"
}
read -r small_account small_key small_secret < <(new_account small)
read -r large_account large_key large_secret < <(new_account large)

load() {  # account key count
  log "loading $3 endpoints for $1"
  psql -q "$HOOKGATE_DATABASE_URL" <<SQL
INSERT INTO webhook_endpoints (id, account_id, url)
  SELECT 'we_' || md5('$1' || g), '$1', 'https://example.com/hooks/' || g FROM generate_series(1, $3) g;
INSERT INTO endpoint_subscriptions (endpoint_id, pattern, authorized_by)
  SELECT id, 'order.*', '$2' FROM webhook_endpoints WHERE account_id = '$1';
SQL
}
load "$small_account" "$small_key" 1000
load "$large_account" "$large_key" 1000000
psql -q "$HOOKGATE_DATABASE_URL" -c "VACUUM ANALYZE"

port=$(free_port)
HOOKGATE_LISTEN="127.0.0.1:$port" "$hookgate" serve --no-migrate &
server_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

# A cursor deep into the large account's list: keyset pages cost the same there.
deep_cursor=$(psql -tA "$HOOKGATE_DATABASE_URL" -c \
  "SELECT id FROM webhook_endpoints WHERE account_id = '$large_account' ORDER BY seq LIMIT 1 OFFSET 1000")

measure() {  # label secret query
  local url="http://127.0.0.1:$port/v1/webhook_endpoints?$3"
  wrk -t1 -c4 -d2s -H "Authorization: Bearer $2" "$url" >/dev/null  # warm-up
  wrk -t2 -c8 -d10s --latency -H "Authorization: Bearer $2" "$url" |
    awk -v label="$1" '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
      END {printf "%-44s %10s req/s   p50 %8s   p99 %8s\n", label, rps, p50, p99}'
}

echo
echo "GET /v1/webhook_endpoints (limit=10), wrk -t2 -c8 -d10s on $(nproc) cores"
measure "1,000 endpoints, first page" "$small_secret" "limit=10"
measure "1,000,000 endpoints, first page" "$large_secret" "limit=10"
measure "1,000,000 endpoints, page after 999,000 rows" "$large_secret" "limit=10&starting_after=$deep_cursor"
measure "1,000 endpoints, enabled_event filter" "$small_secret" "limit=10&enabled_event=order.accepted"
measure "1,000,000 endpoints, enabled_event filter" "$large_secret" "limit=10&enabled_event=order.accepted"
