#!/usr/bin/env bash
# Retention by partition drop, measured:
#  1. 40 simulated days of steady traffic, `hookgate maintain --as-of` at the
#     end of each: the database's size must level off once the first days
#     expire (retention 7 days here, events 8, so the plateau shows early).
#  2. One day of BENCH_DROP_DELIVERIES (1,000,000) deliveries with an attempt
#     each, dropped while a `hookgate serve --role worker` drains a backlog
#     into the bench receiver: how long each detach-and-drop takes, the
#     deliveries/s before, during and after it, and (in a second, quiet run
#     of the same drop) how much WAL the drop writes.
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
echo "2. dropping one day of $drop_deliveries deliveries (and as many attempts) while a worker delivers"
cmake -S . -B "$build_dir" -DHOOKGATE_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target hookgate_bench_receiver >/dev/null
export HOOKGATE_ALLOW_PRIVATE_TARGETS=1
receiver_pid="" worker_pid="" sampler=""
stop_load() {
  for pid in $sampler $worker_pid $receiver_pid; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  sampler="" worker_pid="" receiver_pid=""
}
trap 'stop_load; cleanup' EXIT
"$build_dir/hookgate_bench_receiver" --port-file "$state/receiver.port" >/dev/null &
receiver_pid=$!
for _ in $(seq 1 100); do [ -s "$state/receiver.port" ] && break; sleep 0.1; done
read -r load_account load_key _ < <(new_account load full)
psql -q -v ON_ERROR_STOP=1 "$db" <<SQL
INSERT INTO webhook_endpoints (id, account_id, url)
  SELECT 'we_load' || g, '$load_account', 'http://127.0.0.1:$(cat "$state/receiver.port")/e' || g
  FROM generate_series(1, 10) g;
INSERT INTO endpoint_secrets (endpoint_id, secret)
  SELECT id, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' FROM webhook_endpoints WHERE account_id = '$load_account';
INSERT INTO endpoint_subscriptions (endpoint_id, pattern, authorized_by)
  SELECT id, 'order.*', '$load_key' FROM webhook_endpoints WHERE account_id = '$load_account';
SQL
drop_day=$(date -u -d "$first + 45 days" +%Y-%m-%d)
# Past the events' 8 days too, so the same day can be loaded again.
end_of_retention=$(date -u -d "$drop_day + 9 days + 1 hour" +%Y-%m-%dT%H:%M:%SZ)
receiver_url="http://127.0.0.1:$(cat "$state/receiver.port")"
now_s() { date +%s.%N; }
# Every 0.1 s: "time deliveries-answered-so-far", from the receiver.
sample_deliveries() { while :; do echo "$(now_s) $(curl -s "$receiver_url/count")"; sleep 0.1; done; }
# Deliveries/s between two times, the counts interpolated between samples.
rate_between() {  # samples-file from to
  awk -v a="$2" -v b="$3" '
    function at(t,   k) { for (k = 2; k <= n; k++) if (ts[k] >= t) return c[k-1] + (c[k] - c[k-1]) * (t - ts[k-1]) / (ts[k] - ts[k-1]); return c[n] }
    NF == 2 { n++; ts[n] = $1; c[n] = $2 }
    END { printf "%.0f", (at(b) - at(a)) / (b - a) }' "$1"
}
# The start and end of the drops, from maintain's log: each "partition
# dropped" line is written when its drop ends and says how long it took.
drop_window() {  # maintain-log
  local first last took
  first=$(grep -m1 '"partition dropped"' "$1")
  last=$(grep '"partition dropped"' "$1" | tail -1)
  took=$(sed -n 's/.*"duration_ms":\([0-9.]*\).*/\1/p' <<<"$first")
  echo "$(awk -v t="$(date -u -d "$(sed -n 's/.*"ts":"\([^"]*\)".*/\1/p' <<<"$first")" +%s.%N)" -v d="$took" \
    'BEGIN {printf "%.3f", t - d / 1000}') $(date -u -d "$(sed -n 's/.*"ts":"\([^"]*\)".*/\1/p' <<<"$last")" +%s.%N)"
}
# A day past retention was written weeks ago and is not in the page cache;
# one just loaded is, and freeing 1.5 GB of cached pages is most of what
# its drop would cost. So the day's files leave the cache first (written
# out, then dropped) unless BENCH_DROP_CACHED=1.
evict_day() {  # day
  local data
  data=$(cat "$state/data_dir")
  psql -tA "$db" -c "SELECT pg_relation_filepath(r) FROM pg_class c,
      LATERAL (SELECT c.oid UNION ALL SELECT nullif(c.reltoastrelid, 0) UNION ALL
               SELECT indexrelid FROM pg_index WHERE indrelid IN (c.oid, c.reltoastrelid)) x(r)
    WHERE c.relname ~ '_p${1//-/}\$' AND c.relkind = 'r' AND r IS NOT NULL" |
    python3 -c '
import glob, os, sys
pages = 0
for rel in sys.stdin.read().split():
    for path in glob.glob(os.path.join(sys.argv[1], rel) + "*"):
        fd = os.open(path, os.O_RDONLY)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
        pages += os.path.getsize(path) // 8192
print(f"   evicted {pages * 8192 / 1048576:.0f} MB of the day from the page cache")' "$data"
}
measure_drop() {  # label with-load(0|1)
  load_day "$drop_day" "$drop_deliveries"
  # A day past retention was vacuumed and analyzed weeks ago: done now, so
  # autovacuum is not at work on it when it is dropped (a drop waits a
  # deadlock_timeout, 1 s, before autovacuum yields its lock).
  psql -q "$db" -c "VACUUM (ANALYZE) $(psql -tA "$db" -c "SELECT string_agg(c.relname, ', ') FROM pg_class c
    WHERE c.relname ~ '_p${drop_day//-/}\$' AND c.relkind = 'r'")" -c "CHECKPOINT" >/dev/null
  # Every day before it goes first, so the measured run drops this one alone.
  "$hookgate" maintain --as-of "$(date -u -d "$drop_day + 8 days - 1 hour" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
  [ "${BENCH_DROP_CACHED:-0}" = 1 ] || evict_day "$drop_day"
  local started ended lsn
  sampler=""
  if [ "$2" = 1 ]; then
    # A backlog of 40,000 events × 10 endpoints: more than the run drains.
    for _ in 1 2 3 4 5 6 7 8; do
      psql -q -o /dev/null "$db" -c "SELECT count(*) FROM generate_series(1, 5000) n,
        LATERAL hookgate_publish_event('$load_account', 'order.accepted', jsonb_build_object('n', n))"
    done
    # Maintenance is left to the measured `maintain`, as with a cron job.
    HOOKGATE_MAINTENANCE_INTERVAL_SECONDS=0 "$hookgate" serve --role worker --no-migrate &
    worker_pid=$!
    sleep 3  # connections warm, pools filled
    sample_deliveries > "$state/samples" &
    sampler=$!
    sleep 5
  fi
  lsn=$(psql -tA "$db" -c "SELECT pg_current_wal_lsn()")
  started=$(now_s)
  HOOKGATE_LOG_LEVEL=info "$hookgate" maintain --as-of "$end_of_retention" 2>"$state/maintain.log" |
    grep -E "^dropped .*_p${drop_day//-/}" > "$state/dropped"
  ended=$(now_s)
  if [ -z "$sampler" ]; then
    sed 's/^/   /' "$state/dropped"
    echo "   WAL written by the whole run: $(psql -tA "$db" -c \
      "SELECT pg_size_pretty(pg_current_wal_lsn() - '$lsn'::pg_lsn)")"
    return
  fi
  sleep 3
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  sampler=""
  kill -TERM "$worker_pid" && wait "$worker_pid" 2>/dev/null || true
  worker_pid=""
  local from to before
  read -r from to < <(drop_window "$state/maintain.log")
  before=$(rate_between "$state/samples" "$(awk -v t="$started" 'BEGIN {printf "%.3f", t - 5}')" "$started")
  phase() {  # from to: "seconds rate/before" of that stretch
    awk -v r="$(rate_between "$state/samples" "$1" "$2")" -v b="$before" -v f="$1" -v t="$2" \
      'BEGIN {printf "%6.2f s %5.2fx", t - f, r / b}'
  }
  printf "   %-5s %8s   %-16s %-16s %-7s %s\n" "$1" "$before" "$(phase "$from" "$to")" "$(phase "$to" "$ended")" \
    "$(phase "$ended" "$(awk -v t="$ended" 'BEGIN {printf "%.3f", t + 3}')" | awk '{print $3}')" \
    "$(sed -n 's/^dropped \([a-z_]*\)_p[0-9]* .* in \([0-9.]*\) ms.*/\2 \1/p' "$state/dropped" | sort -rn | head -1 |
       awk '{printf "%.0f ms (%s)", $1, $2}')"
}
# Each run's rate before the drop is its baseline: the backlog's rate
# drifts from run to run by more than the drop takes from it.
runs="${BENCH_DROP_RUNS:-3}"
echo "   under delivery load ($runs runs; deliveries/s before, then each stretch's time and rate as a fraction of it):"
printf "   %-5s %8s   %-16s %-16s %-7s %s\n" run before/s "the drops" "ANALYZE, exit" after "slowest drop"
for ((r = 1; r <= runs; r++)); do measure_drop "$r" 1; done
echo "   quiet:"
measure_drop quiet 0
