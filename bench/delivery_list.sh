#!/usr/bin/env bash
# List-page latency of GET /v1/webhook_deliveries?endpoint=…&status=failed for
# an account with 10,000 deliveries and for one with 5,000,000 (both in the
# same table, same server, same run), spread over 30 day partitions. Matching
# indexes, keyset pagination and partition pruning should keep the two within
# 1.5x.
#   bash bench/delivery_list.sh
# BENCH_LARGE_EVENTS (1,000,000) events fan out to 5 endpoints each in the
# large account; BENCH_BUILD_DIR picks the Release build directory.
set -euo pipefail
large_events="${BENCH_LARGE_EVENTS:-1000000}"
source "$(dirname "$0")/list_bench.sh"

read -r small_account small_key small_secret < <(new_account small full)
read -r large_account large_key large_secret < <(new_account large full)

# Deliveries as workers leave them: 2% failed, the rest succeeded, spread
# evenly over the last 30 days (oldest first), so over 30 day partitions,
# written straight into the tables with ids minted at their created_at.
psql -q -v ON_ERROR_STOP=1 "$HOOKGATE_DATABASE_URL" -c \
  "SELECT hookgate_create_partition(t.table_name, (now() AT TIME ZONE 'UTC')::date - g)
   FROM hookgate_partitioned_tables t, generate_series(1, 31) g" >/dev/null
load() {  # account key events endpoints
  log "loading $3 events x $4 endpoints for $1"
  psql -q -v ON_ERROR_STOP=1 "$HOOKGATE_DATABASE_URL" <<SQL
SET synchronous_commit = off;
INSERT INTO webhook_endpoints (id, account_id, url)
  SELECT 'we_' || md5('$1' || e), '$1', 'https://example.com/hooks/' || e FROM generate_series(1, $4) e;
INSERT INTO events (id, account_id, type, payload, occurred_at, created_at)
  SELECT 'evt_' || md5('$1' || g), '$1', 'order.accepted', '{}', now(),
         now() - ($3 - g) * (interval '30 days' / $3)
  FROM generate_series(1, $3) g;
INSERT INTO webhook_deliveries (id, account_id, event_id, event_created_at, endpoint_id, event_type, status,
                                attempt_count, failed_at, created_at)
  SELECT hookgate_id_at('whd_', x.at) || left(md5('$1' || x.g || '.' || x.e), 18), '$1', 'evt_' || md5('$1' || x.g),
         x.event_at, 'we_' || md5('$1' || x.e), 'order.accepted',
         CASE WHEN (x.g + x.e) % 50 = 0 THEN 'failed' ELSE 'succeeded' END, 1,
         CASE WHEN (x.g + x.e) % 50 = 0 THEN now() END, x.at
  FROM (SELECT g, e, now() - ($3 - g) * (interval '30 days' / $3) AS event_at,
               date_trunc('microseconds', now() - ($3 - g) * (interval '30 days' / $3)) + e * interval '1 microsecond' AS at
        FROM generate_series(1, $3) g, generate_series(1, $4) e) x;
SQL
}
load "$small_account" "$small_key" 10000 1
load "$large_account" "$large_key" "$large_events" 5
psql -q "$HOOKGATE_DATABASE_URL" -c "VACUUM ANALYZE"
psql -tA "$HOOKGATE_DATABASE_URL" -c "SELECT 'deliveries in the table: ' || count(*) FROM webhook_deliveries"

start_server --role api

small_endpoint="we_$(echo -n "${small_account}1" | md5sum | cut -c1-32)"
large_endpoint="we_$(echo -n "${large_account}1" | md5sum | cut -c1-32)"
# A cursor deep into the large endpoint's failed deliveries.
deep_cursor=$(psql -tA "$HOOKGATE_DATABASE_URL" -c \
  "SELECT id FROM webhook_deliveries WHERE endpoint_id = '$large_endpoint' AND status = 'failed'
   ORDER BY id LIMIT 1 OFFSET 100")

echo
echo "GET /v1/webhook_deliveries (limit=10), wrk -t2 -c8 -d10s on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
measure "10k deliveries: endpoint + status=failed" "$small_secret" "/v1/webhook_deliveries?limit=10&endpoint=$small_endpoint&status=failed"
measure "5M deliveries: endpoint + status=failed" "$large_secret" "/v1/webhook_deliveries?limit=10&endpoint=$large_endpoint&status=failed"
measure "5M deliveries: same, deep cursor" "$large_secret" \
  "/v1/webhook_deliveries?limit=10&endpoint=$large_endpoint&status=failed&starting_after=$deep_cursor"
measure "10k deliveries: no filter" "$small_secret" "/v1/webhook_deliveries?limit=10"
measure "5M deliveries: no filter" "$large_secret" "/v1/webhook_deliveries?limit=10"
# One day in the middle of the large account's history.
gte=$(date -u -d '-6 days' +%Y-%m-%dT%H:%M:%SZ)
lte=$(date -u -d '-5 days' +%Y-%m-%dT%H:%M:%SZ)
measure "5M deliveries: endpoint + a day's created range" "$large_secret" \
  "/v1/webhook_deliveries?limit=10&endpoint=$large_endpoint&created%5Bgte%5D=$gte&created%5Blte%5D=$lte"
