#!/usr/bin/env bash
# List-page latency of GET /v1/webhook_endpoints for an account with 1,000
# endpoints and for one with 1,000,000 (both in the same table, same server,
# same run). Keyset pagination should keep the two within 1.5x.
#   bash bench/endpoint_list.sh
set -euo pipefail
source "$(dirname "$0")/list_bench.sh"

read -r small_account small_key small_secret < <(new_account small store)
read -r large_account large_key large_secret < <(new_account large store)

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

start_server

# A cursor deep into the large account's list: keyset pages cost the same there.
deep_cursor=$(psql -tA "$HOOKGATE_DATABASE_URL" -c \
  "SELECT id FROM webhook_endpoints WHERE account_id = '$large_account' ORDER BY seq LIMIT 1 OFFSET 1000")

echo
echo "GET /v1/webhook_endpoints (limit=10), wrk -t2 -c8 -d10s on $(nproc) cores"
measure "1,000 endpoints, first page" "$small_secret" "/v1/webhook_endpoints?limit=10"
measure "1,000,000 endpoints, first page" "$large_secret" "/v1/webhook_endpoints?limit=10"
measure "1,000,000 endpoints, page after 999,000 rows" "$large_secret" "/v1/webhook_endpoints?limit=10&starting_after=$deep_cursor"
measure "1,000 endpoints, enabled_event filter" "$small_secret" "/v1/webhook_endpoints?limit=10&enabled_event=order.accepted"
measure "1,000,000 endpoints, enabled_event filter" "$large_secret" "/v1/webhook_endpoints?limit=10&enabled_event=order.accepted"
