#!/usr/bin/env bash
# Retention by partition drop, measured:
#  1. 40 simulated days of steady traffic, `hookgate maintain --as-of` at the
#     end of each: the database's size must level off once the first days
#     expire (retention 7 days here, events 8, so the plateau shows early).
#  2. One day of BENCH_DROP_DELIVERIES (1,000,000) deliveries with an attempt
#     each, dropped while pgbench writes to today's partitions: how long
#     each detach-and-drop takes and how much WAL the drop writes (measured
#     in a second, quiet run of the same drop).
#   bash bench/retention.sh
# BENCH_DAY_DELIVERIES (100,000) deliveries a simulated day, BENCH_DAYS (40)
# simulated days; BENCH_BUILD_DIR picks the Release build directory.
set -euo pipefail
per_day="${BENCH_DAY_DELIVERIES:-100000}"
days="${BENCH_DAYS:-40}"
drop_deliveries="${BENCH_DROP_DELIVERIES:-1000000}"
source "$(dirname "$0")/list_bench.sh"
export HOOKGATE_RETENTION_DAYS=7 HOOKGATE_RECOVER_MAX_WINDOW_SECONDS=86400
read -r account _ _ < <(new_account retention full)
db="$HOOKGATE_DATABASE_URL"
psql -q -v ON_ERROR_STOP=1 "$db" -c "INSERT INTO webhook_endpoints (id, account_id, url)
  SELECT 'we_bench' || e, '$account', 'https://example.com/hooks/' || e FROM generate_series(1, 5) e"

# A day's traffic as workers leave it: one event per five deliveries, each
# delivery succeeded at its first attempt; ids minted at their times.
load_day() {  # day(YYYY-MM-DD) deliveries
  local events=$(( $2 / 5 ))
  psql -q -o /dev/null -v ON_ERROR_STOP=1 "$db" <<SQL
SET synchronous_commit = off;
SELECT hookgate_create_partition(table_name, '$1'::date) FROM hookgate_partitioned_tables;
INSERT INTO events (id, account_id, type, payload, occurred_at, created_at)
  SELECT 'evt_' || md5('$1' || g), '$account', 'order.accepted', '{"order": {"id": "ord_1", "total": 1999}}',
         t, t
  FROM (SELECT g, '$1'::timestamptz + g * (interval '1 day' / ($events + 1)) AS t
        FROM generate_series(1, $events) g) x;
INSERT INTO webhook_deliveries (id, account_id, event_id, event_created_at, endpoint_id, event_type, status,
                                attempt_count, created_at)
  SELECT hookgate_id_at('whd_', t) || left(md5(g || '.' || e), 18), '$account', 'evt_' || md5('$1' || g), t,
         'we_bench' || e, 'order.accepted', 'succeeded', 1, t
  FROM (SELECT g, e, '$1'::timestamptz + g * (interval '1 day' / ($events + 1)) + e * interval '1 microsecond' AS t
        FROM generate_series(1, $events) g, generate_series(1, 5) e) x;
INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, outcome,
                              status_code, duration_us)
  SELECT 'wha_' || substr(d.id, 5), d.id, d.account_id, 1, d.created_at, d.created_at, 'succeeded', 200, 12000
  FROM webhook_deliveries d WHERE d.id >= hookgate_id_at('whd_', '$1'::timestamptz)
                              AND d.id < hookgate_id_at('whd_', '$1'::timestamptz + interval '1 day');
SQL
}
size_mb() { psql -tA "$db" -c "SELECT round(pg_database_size(current_database()) / 1048576.0)"; }
partitions() { psql -tA "$db" -c "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
  WHERE c.relname ~ '_p[0-9]{8}$'"; }

first=$(date -u -d '-60 days' +%Y-%m-%d)
echo
echo "1. $days simulated days of $per_day deliveries/day (retention: deliveries 7 days, events 8)"
printf "%-12s %10s %12s %10s\n" day "db MB" partitions dropped
for ((k = 0; k < days; k++)); do
  day=$(date -u -d "$first + $k days" +%Y-%m-%d)
  load_day "$day" "$per_day"
  out=$("$hookgate" maintain --as-of "$(date -u -d "$day + 1 day - 1 second" +%Y-%m-%dT%H:%M:%SZ)")
  dropped=$(grep -c '^dropped ' <<<"$out" || true)
  psql -q "$db" -c "VACUUM" >/dev/null
  printf "%-12s %10s %12s %10s\n" "$day" "$(size_mb)" "$(partitions)" "$dropped"
done

echo
echo "2. dropping one day of $drop_deliveries deliveries (and as many attempts) while pgbench writes"
drop_day=$(date -u -d "$first + 45 days" +%Y-%m-%d)
# Past the events' 8 days too, so the same day can be loaded again.
end_of_retention=$(date -u -d "$drop_day + 9 days + 1 hour" +%Y-%m-%dT%H:%M:%SZ)
cat > "$state/load.sql" <<'SQL'
INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, outcome,
                              status_code, duration_us)
VALUES ('wha_' || md5(random()::text), hookgate_id_at('whd_', now()) || md5(random()::text), 'acct_load', 1, now(),
        now(), 'succeeded', 200, 3000);
SQL
measure_drop() {  # label with-load(0|1)
  load_day "$drop_day" "$drop_deliveries"
  psql -q "$db" -c "CHECKPOINT" >/dev/null
  # Every day before it goes first, so the measured run drops this one alone.
  "$hookgate" maintain --as-of "$(date -u -d "$drop_day + 8 days - 1 hour" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
  local pgbench_pid="" lsn
  if [ "$2" = 1 ]; then
    # Per-second rates: seconds 1-5 are the load alone, the drop starts at 6.
    pgbench -n -c 2 -T 12 -P 1 -f "$state/load.sql" "$db" > "$state/pgbench.out" 2>&1 &
    pgbench_pid=$!
    sleep 5.5
  fi
  lsn=$(psql -tA "$db" -c "SELECT pg_current_wal_lsn()")
  "$hookgate" maintain --as-of "$end_of_retention" | grep -E "^dropped .*_p${drop_day//-/}" | sed 's/^/   /'
  echo "   WAL written by the whole run: $(psql -tA "$db" -c \
    "SELECT pg_size_pretty(pg_current_wal_lsn() - '$lsn'::pg_lsn)") ($1)"
  if [ -n "$pgbench_pid" ]; then
    wait "$pgbench_pid"
    awk '/^progress:/ { t = $2 + 0; r = $4 + 0; if (t <= 5) { b += r; nb++ } else if (t <= 8) { d += r; nd++; if (!m || r < m) m = r } }
         END { printf "   load alone (s 1-5): %.0f tps; during and after the drop (s 6-8): %.0f tps, lowest second %.0f (%.2fx)\n",
                      b / nb, d / nd, m, m / (b / nb) }' "$state/pgbench.out"
  fi
}
measure_drop "under pgbench load, its WAL included" 1
measure_drop "quiet" 0
