#!/usr/bin/env bash
# End-to-end delivery benchmark on loopback (issue "delivery engine"):
#   1. throughput: a backlog of deliveries is published first, then one
#      `hookgate serve --role worker` drains it into a fast local receiver;
#      deliveries/s over BENCH_SECONDS (60) of steady draining, and the
#      worker's resident memory;
#   2. the ceiling: bench/ceiling.sh on the same cluster right after (the
#      least a durable queue does per job), and hookgate's ratio to it;
#   3. latency: events are published at each of BENCH_RATES (1000 5000)
#      events/s with pgbench while a worker runs; p50/p99 of publish (event
#      committed) → first attempt started, from the database's timestamps.
# Durable commits: the cluster runs with fsync and synchronous_commit on (the
# defaults), unlike the test suite's. The receiver is bench/fast_receiver.cpp
# (answers 200, verifies nothing) so the two cores go to what is measured.
# BENCH_PROFILE=1 also prints where PostgreSQL spent its time, per statement
# (pg_stat_statements), during the throughput run.
#   bash bench/delivery.sh
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$HOOKGATE_ROOT"

seconds="${BENCH_SECONDS:-60}"
latency_seconds="${BENCH_LATENCY_SECONDS:-30}"
rates="${BENCH_RATES-${BENCH_RATE:-1000 5000}}"  # BENCH_RATES="" skips the latency runs
endpoints="${BENCH_ENDPOINTS:-10}"
# Enough for the window at 40,000 deliveries/s; the run stops if it runs out.
backlog_events="${BENCH_BACKLOG_EVENTS:-250000}"
build_dir="${BENCH_BUILD_DIR:-build-bench}"

log "building $build_dir/hookgate and the bench receiver (Release)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DHOOKGATE_BUILD_TESTS=OFF -DHOOKGATE_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target hookgate hookgate_bench_receiver >/dev/null
hookgate="$HOOKGATE_ROOT/$build_dir/hookgate"
pgbench="$PG_BIN/pgbench"

work="$(mktemp -d "${TMPDIR:-/tmp}/hookgate-bench.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pg_stop_cluster "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] && chown "$(pg_user)" "$work"
# BENCH_PG_SETTINGS adds server settings ("-c name=value ...") to try a tuning.
# shellcheck disable=SC2086
export HOOKGATE_DATABASE_URL="$(pg_start_cluster "$work/pg" -c max_connections=100 \
  -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all \
  -c track_commit_timestamp="$([ "${BENCH_PROFILE:-0}" = 1 ] && echo on || echo off)" ${BENCH_PG_SETTINGS:-})"
export HOOKGATE_ALLOW_PRIVATE_TARGETS=1 HOOKGATE_LOG_LEVEL=warn
# A throwaway key ring: endpoint secrets are sealed at rest (README, "Secrets at rest").
export HOOKGATE_SECRETS_KEYS="$(head -c 32 /dev/urandom | base64)"
"$hookgate" migrate >/dev/null
sql() { psql -qtAX -v ON_ERROR_STOP=1 "$HOOKGATE_DATABASE_URL" "$@"; }

"$build_dir/hookgate_bench_receiver" --port-file "$work/receiver.port" >/dev/null &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
receiver="http://127.0.0.1:$(cat "$work/receiver.port")"

account=$("$hookgate" accounts create --name bench | sed -n 's/^  "id": "\(.*\)",$/\1/p')
key=$("$hookgate" keys create --account "$account" --kind sk --bundle full | sed -n 's/^  "id": "\(.*\)",$/\1/p')
# Endpoints are inserted directly (the API's rules are not what is measured);
# their plaintext secrets are sealed when the worker starts, as after an upgrade.
sql <<SQL
INSERT INTO webhook_endpoints (id, account_id, url)
  SELECT 'we_bench' || g, '$account', '$receiver/e' || g FROM generate_series(1, $endpoints) g;
INSERT INTO endpoint_secrets (endpoint_id, secret)
  SELECT id, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' FROM webhook_endpoints;
INSERT INTO endpoint_subscriptions (endpoint_id, pattern, authorized_by)
  SELECT id, 'order.*', '$key' FROM webhook_endpoints;
SQL

start_worker() {
  "$hookgate" serve --role worker --no-migrate &
  pids+=($!)
  worker=$!
}
stop_worker() { kill -TERM "$worker"; wait "$worker" 2>/dev/null || true; }
succeeded() { sql -c "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'"; }

# 1. Throughput.
log "publishing a backlog of $backlog_events events × $endpoints endpoints"
for ((done = 0; done < backlog_events; done += 5000)); do
  sql -c "SELECT count(*) FROM generate_series(1, 5000) n,
          LATERAL hookgate_publish_event('$account', 'order.accepted', jsonb_build_object('n', n))" >/dev/null
done
total=$((backlog_events * endpoints))
# CPU time (clock ticks) used so far by this cluster's processes, the
# receiver and the worker: where the machine's two cores go per delivery.
postmaster=$(head -1 "$work/pg/postmaster.pid")
receiver_pid=${pids[0]}
cpu_ticks() { for pid in "$@"; do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done | awk '{t += $1} END {print t + 0}'; }
cluster_pids() { echo "$postmaster" $(pgrep -P "$postmaster"); }
start_worker
sleep 3  # connections warm, pools filled
sql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
wal_now() { sql -F ' ' -c "SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal"; }
read -r walr0 walf0 walb0 < <(wal_now)
first=$(succeeded)
read -r pg0 rc0 wk0 < <(echo "$(cpu_ticks $(cluster_pids)) $(cpu_ticks "$receiver_pid") $(cpu_ticks "$worker")")
sleep "$seconds"
read -r pg1 rc1 wk1 < <(echo "$(cpu_ticks $(cluster_pids)) $(cpu_ticks "$receiver_pid") $(cpu_ticks "$worker")")
last=$(succeeded)
# A backlog drained before the window ended would understate the rate.
[ "$last" -lt "$total" ] || die "the backlog ran out during the throughput run: raise BENCH_BACKLOG_EVENTS"
# Resident memory: now, and the most it has been (VmHWM) since it started.
rss_mb() { awk -v f="$2:" '$1 == f {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
worker_rss="$(rss_mb "$worker" VmRSS) MB, peak $(rss_mb "$worker" VmHWM) MB"
read -r walr1 walf1 walb1 < <(wal_now)
# Statement text to its first 70 characters; time per delivery in µs.
profile=$(sql -F ' | ' -c "
  SELECT to_char(round((total_exec_time * 1000 / greatest($last - $first, 1))::numeric, 1), '99990.0') AS exec_us,
         to_char(round((total_plan_time * 1000 / greatest($last - $first, 1))::numeric, 1), '9990.0') AS plan_us,
         to_char(calls, '99999999') AS calls, left(regexp_replace(query, '\s+', ' ', 'g'), 70)
  FROM pg_stat_statements WHERE total_exec_time + total_plan_time > 0
  ORDER BY total_exec_time + total_plan_time DESC LIMIT 12")
stop_worker
throughput=$(( (last - first) / seconds ))
delivered=$(( last - first > 0 ? last - first : 1 ))
# per_delivery FORMAT BEFORE AFTER [SCALE]: (AFTER - BEFORE) * SCALE / deliveries.
per_delivery() { awk -v f="$1" -v a="$2" -v b="$3" -v s="${4:-1}" -v n="$delivered" 'BEGIN {printf f, (b - a) * s / n}'; }
micros_per_tick=$(( 1000000 / $(getconf CLK_TCK) ))
wal_split="$(per_delivery %.0f "$walb0" "$walb1") bytes in $(per_delivery %.1f "$walr0" "$walr1") records, \
full-page images $(per_delivery %.2f "$walf0" "$walf1")"
cpu_split="postgres $(per_delivery %.0f "$pg0" "$pg1" "$micros_per_tick") µs, \
receiver $(per_delivery %.0f "$rc0" "$rc1" "$micros_per_tick") µs, worker $(per_delivery %.0f "$wk0" "$wk1" "$micros_per_tick") µs"
failed=$(sql -c "SELECT count(*) FROM webhook_attempts WHERE outcome <> 'succeeded'")
log "throughput: $throughput deliveries/s ($failed attempts not successful)"

# 2. The ceiling, on the same cluster with the worker stopped.
log "measuring PostgreSQL's own ceiling (bench/ceiling.sh)"
ceiling_out=$(bash "$HOOKGATE_ROOT/bench/ceiling.sh")
ceiling=$(tail -1 <<<"$ceiling_out")
ceiling_what=$(tail -2 <<<"$ceiling_out" | head -1)

# 3. Latency at fixed publishing rates, one endpoint per event.
sql -c "DELETE FROM endpoint_subscriptions WHERE endpoint_id <> 'we_bench1';
        DELETE FROM webhook_delivery_queue;
        UPDATE webhook_deliveries SET status = 'succeeded' WHERE status = 'pending'" >/dev/null
# The backlog left over was just closed in bulk: vacuum it now rather than
# have autovacuum (and dead queue entries) compete with the latency run.
sql -c "VACUUM ANALYZE webhook_deliveries" -c "VACUUM ANALYZE webhook_attempts" \
  -c "VACUUM ANALYZE webhook_delivery_queue" >/dev/null
# As the REST route publishes: a durable commit without NOTIFY, then the
# workers' wake-up in a transaction that does not wait for the disk (V014).
# One round trip (pgbench's \; joins commands into one query; the BEGIN
# commits the publish before the wake-up starts), as the server sends it.
cat >"$work/publish.sql" <<SQL
SELECT hookgate_publish_event('$account', 'order.accepted', '{"n": 1}', p_notify => false) \;
BEGIN \; SET LOCAL synchronous_commit = off \; NOTIFY hookgate_deliveries \; COMMIT
SQL
latency_lines=()
latency_splits=()
for rate in $rates; do
  marker=$(sql -c "SELECT coalesce(max(seq), 0) FROM events")
  start_worker
  sleep 2
  log "publishing at $rate events/s for ${latency_seconds}s"
  # Each publish waits for its commit to reach the disk (several ms here
  # when many wait together), so enough clients are needed for the
  # schedule to be kept: 8, or one per 250 events/s (more only crowd the
  # two cores: 62 clients at 5,000/s reached 1,198/s, 20 reached 1,582/s).
  clients=$(( rate / 250 > 8 ? rate / 250 : 8 ))
  "$pgbench" -n -c "$clients" -j 2 -R "$rate" -T "$latency_seconds" -f "$work/publish.sql" "$HOOKGATE_DATABASE_URL" \
    >"$work/pgbench.txt" 2>&1 || { cat "$work/pgbench.txt" >&2; die "pgbench failed"; }
  sleep 3
  stop_worker
  read -r events p50 p99 < <(sql -F ' ' -c "
    SELECT count(*), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
           round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2)
    FROM (SELECT extract(epoch FROM a.started_at - e.created_at) * 1000 AS ms
          FROM events e JOIN webhook_deliveries d ON d.event_id = e.id
          JOIN webhook_attempts a ON a.delivery_id = d.id AND a.attempt_number = 1
          WHERE e.seq > $marker) t")
  achieved=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/pgbench.txt" | head -1)
  target=$([ "$rate" -ge 5000 ] && echo 25 || echo 10)
  latency_lines+=("$(printf '%-52s %s' "latency at ${rate} events/s (achieved ${achieved:-?}/s, $events events):" \
    "publish → first attempt p50 ${p50} ms, p99 ${p99} ms (target p99 ≤ $target ms)")")
  if [ "${BENCH_PROFILE:-0}" = 1 ]; then
    # The latency split at the publishing commit (track_commit_timestamp: the
    # time the commit record was written, before its flush to disk).
    latency_splits+=("at $rate/s: $(sql -F ' ' -c "
      SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY to_commit)::numeric, 2),
             round(percentile_cont(0.99) WITHIN GROUP (ORDER BY to_commit)::numeric, 2),
             round(percentile_cont(0.5) WITHIN GROUP (ORDER BY to_attempt)::numeric, 2),
             round(percentile_cont(0.99) WITHIN GROUP (ORDER BY to_attempt)::numeric, 2)
      FROM (SELECT extract(epoch FROM pg_xact_commit_timestamp(e.xmin) - e.created_at) * 1000 AS to_commit,
                   extract(epoch FROM a.started_at - pg_xact_commit_timestamp(e.xmin)) * 1000 AS to_attempt
            FROM events e JOIN webhook_deliveries d ON d.event_id = e.id
            JOIN webhook_attempts a ON a.delivery_id = d.id AND a.attempt_number = 1
            WHERE e.seq > $marker) t" | awk '{printf "publish → commit record p50 %s ms, p99 %s ms; commit record (flush included) → first attempt p50 %s ms, p99 %s ms", $1, $2, $3, $4}')")
  fi
done

echo
echo "hookgate delivery benchmark on $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-52s %s\n' "throughput, $endpoints endpoints, backlog $total deliveries:" \
  "$throughput deliveries/s over ${seconds}s"
printf '%-52s %s\n' "PostgreSQL's ceiling (bench/ceiling.sh):" "$ceiling jobs/s ($ceiling_what)"
printf '%-52s %s\n' "hookgate / ceiling:" "$(awk -v a="$throughput" -v b="$ceiling" 'BEGIN {printf "%.2fx", a / b}') (target ≥ 0.5x)"
printf '%-52s %s\n' "CPU per delivery during throughput run:" "$cpu_split"
printf '%-52s %s\n' "WAL per delivery during throughput run:" "$wal_split"
printf '%-52s %s\n' "worker resident memory after throughput run:" "$worker_rss"
printf '%-52s %s\n' "non-successful attempts during throughput run:" "$failed"
for line in "${latency_lines[@]}"; do echo "$line"; done
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  echo
  echo "PostgreSQL time per delivery during the throughput run (exec µs | plan µs | calls | statement):"
  echo "$profile"
  echo
  echo "Latency runs, split at the publishing commit:"
  for line in "${latency_splits[@]}"; do echo "  $line"; done
fi
