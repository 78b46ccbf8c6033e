#!/usr/bin/env bash
# The API's speed against its own yardsticks, in one run on one machine
# (issue 19). Targets, each measured with wrk for BENCH_DURATION after a
# warm-up, in BENCH_ROUNDS rounds that alternate the targets; the median
# round of each is printed:
#   bare     a bare Boost.Beast server (bench/bare_server.cpp) with as many
#            I/O threads as hookgate is given, answering /healthz's body
#   1-3      hookgate's GET /healthz, GET /v1/event_types with a cached sk_
#            key, and the 403 path (a pk_ key lacking the route's scope)
#   4-6      database reads: GET /v1/webhook_endpoints/{id}, and list pages
#            (limit=10) of endpoints and of deliveries
#   pgbench  pgbench -S -M prepared (BENCH_PGBENCH_CLIENTS, default 8) on the
#            same cluster, the yardstick of the database reads
# Prints each target's req/s, p50 and p99, its ratio to its yardstick and
# the goal. Tunables: BENCH_DURATION (5s), BENCH_WARMUP (1s), BENCH_ROUNDS
# (3), BENCH_CONNECTIONS (32), BENCH_HTTP_THREADS (hookgate's and the bare
# server's I/O threads, 1), BENCH_PGBENCH_CLIENTS (8).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$HOOKGATE_ROOT"

duration="${BENCH_DURATION:-5s}" warmup="${BENCH_WARMUP:-1s}" rounds="${BENCH_ROUNDS:-3}"
connections="${BENCH_CONNECTIONS:-32}" http_threads="${BENCH_HTTP_THREADS:-1}"
pgbench_clients="${BENCH_PGBENCH_CLIENTS:-8}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive whole number"

"$HOOKGATE_ROOT/scripts/install-deps.sh" wrk
build_dir="${BENCH_BUILD_DIR:-build-bench}"
log "building $build_dir (Release): hookgate and the bare server"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DHOOKGATE_BUILD_TESTS=OFF -DHOOKGATE_BUILD_BENCH=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target hookgate hookgate_bench_bare_server >/dev/null
hookgate="$HOOKGATE_ROOT/$build_dir/hookgate"

work="$(mktemp -d "${TMPDIR:-/tmp}/hookgate-bench.XXXXXX")"
server="" bare=""
stop_process() { [ -n "$1" ] && { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }; }
cleanup() {
  stop_process "$server"
  stop_process "$bare"
  "$HOOKGATE_ROOT/scripts/pg-cluster.sh" stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$HOOKGATE_ROOT/scripts/pg-cluster.sh" start "$work/pg"
export HOOKGATE_DATABASE_URL="$(cat "$work/pg/url")"
export HOOKGATE_OPERATOR_TOKEN="$(od -An -vtx1 -N32 /dev/urandom | tr -d ' \n')"
export HOOKGATE_LOG_LEVEL=warn
# A throwaway key ring: endpoint secrets are sealed at rest (README, "Secrets at rest").
export HOOKGATE_SECRETS_KEYS="$(head -c 32 /dev/urandom | base64)"
"$hookgate" migrate >/dev/null

json_field() { sed -n "s/^  \"$1\": \"\([^\"]*\)\".*/\1/p"; }
account=$("$hookgate" accounts create --name bench | json_field id)
sk_key=$("$hookgate" keys create --account "$account" --kind sk --bundle full | json_field secret)
pk_key=$("$hookgate" keys create --account "$account" --kind pk --scope pay.intents:read | json_field secret)
[ -n "$account" ] && [ -n "$sk_key" ] && [ -n "$pk_key" ] || die "could not create the account and keys"

# The API role only: nothing is delivered, so the deliveries stay as listed.
port=$(free_port)
base="http://127.0.0.1:$port"
HOOKGATE_ROLE=api HOOKGATE_LISTEN="127.0.0.1:$port" HOOKGATE_HTTP_THREADS="$http_threads" \
  HOOKGATE_RATE_LIMIT_PER_SECOND=1000000 HOOKGATE_RATE_LIMIT_BURST=10000000 \
  "$hookgate" serve --no-migrate 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; die "hookgate serve exited"; }
  sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] || die "hookgate never became ready"

# 20 endpoints (two full list pages) and 200 events fanned out to them.
log "seeding 20 endpoints and 4,000 deliveries"
endpoint=""
for i in $(seq 1 20); do
  created=$(curl -sf -H "Authorization: Bearer $sk_key" -H 'Content-Type: application/json' \
    -d "{\"url\":\"https://hooks.example.com/bench/$i\",\"enabled_events\":[\"order.*\"]}" \
    "$base/v1/webhook_endpoints") || die "could not create an endpoint"
  endpoint=$(sed -n 's/.*"id":"\(we_[^"]*\)".*/\1/p' <<<"$created")
done
[ -n "$endpoint" ] || die "no endpoint id in: $created"
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$HOOKGATE_DATABASE_URL" -c \
  "SELECT hookgate_publish_event('$account', 'order.accepted', jsonb_build_object('n', n)) FROM generate_series(1, 200) AS n" \
  >/dev/null
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$HOOKGATE_DATABASE_URL" -c "ANALYZE" >/dev/null

bare_port_file="$work/bare.port"
"$HOOKGATE_ROOT/$build_dir/hookgate_bench_bare_server" --port-file "$bare_port_file" --threads "$http_threads" &
bare=$!
for _ in $(seq 1 100); do [ -s "$bare_port_file" ] && break; sleep 0.05; done
bare_base="http://127.0.0.1:$(cat "$bare_port_file")"

# pgbench's own tables, in a database of their own on the same cluster.
pg_admin_url="${HOOKGATE_DATABASE_URL%/*}/postgres"
"$PG_BIN/psql" -X -q "$pg_admin_url" -c "CREATE DATABASE pgbench" >/dev/null
pgbench_url="${HOOKGATE_DATABASE_URL%/*}/pgbench"
"$PG_BIN/pgbench" -q -i -s 10 "$pgbench_url" >/dev/null 2>&1 || die "pgbench -i failed"

status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$1"; }
[ "$(status "$bare_base/healthz" x)" = 200 ] || die "the bare server does not answer"
[ "$(status "$base/v1/event_types" "$sk_key")" = 200 ] || die "the sk_ key is not accepted on /v1/event_types"
[ "$(status "$base/v1/webhook_endpoints" "$pk_key")" = 403 ] || die "the pk_ key is not refused with 403"
[ "$(status "$base/v1/webhook_endpoints/$endpoint" "$sk_key")" = 200 ] || die "the endpoint cannot be read"
[ "$(status "$base/v1/webhook_deliveries?limit=10" "$sk_key")" = 200 ] || die "deliveries cannot be listed"

# wrk_target ROUND NAME URL [KEY]: appends "name|round|req/s|p50|p99".
wrk_target() {
  local round="$1" name="$2" url="$3" out; shift 3
  local auth=(); [ $# -gt 0 ] && auth=(-H "Authorization: Bearer $1")
  wrk -t1 -c"$connections" -d"$warmup" "${auth[@]}" "$url" >/dev/null
  out=$(wrk -t1 -c"$connections" -d"$duration" --latency "${auth[@]}" "$url")
  if grep -q 'Non-2xx or 3xx responses' <<<"$out" && [ "$name" != deny ]; then
    die "$name: unexpected non-2xx responses"$'\n'"$out"
  fi
  printf '%s|%s|%s|%s|%s\n' "$name" "$round" \
    "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" >>"$work/results"
}
pgbench_target() {
  local round="$1" out seconds="${duration%s}"
  out=$("$PG_BIN/pgbench" -n -S -M prepared -c "$pgbench_clients" -j "$pgbench_clients" -T "$seconds" \
    -r "$pgbench_url" 2>&1) || die "pgbench failed"$'\n'"$out"
  # pgbench prints the average latency only; p50/p99 are left blank.
  printf 'pgbench|%s|%s|-|-\n' "$round" "$(awk '/^tps = / {print $3}' <<<"$out")" >>"$work/results"
}

for round in $(seq 1 "$rounds"); do
  log "round $round of $rounds"
  wrk_target "$round" bare "$bare_base/healthz"
  wrk_target "$round" healthz "$base/healthz"
  wrk_target "$round" event_types "$base/v1/event_types" "$sk_key"
  wrk_target "$round" deny "$base/v1/webhook_endpoints" "$pk_key"
  wrk_target "$round" endpoint "$base/v1/webhook_endpoints/$endpoint" "$sk_key"
  wrk_target "$round" endpoints "$base/v1/webhook_endpoints?limit=10" "$sk_key"
  wrk_target "$round" deliveries "$base/v1/webhook_deliveries?limit=10" "$sk_key"
  pgbench_target "$round"
done

echo
echo "wrk -t1 -c$connections -d$duration --latency after a $warmup warm-up; pgbench -S -M prepared -c$pgbench_clients;" \
  "median of $rounds round(s); HOOKGATE_HTTP_THREADS=$http_threads; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
# The median round of each target (by req/s), then each ratio against its yardstick.
awk -F'|' '
  { rps[$1] = rps[$1] " " $3; row[$1 "|" $3] = $4 "|" $5 }
  function median(name,   list, n, i, j, t) {
    n = split(rps[name], list, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && list[j - 1] + 0 > list[j] + 0; j--) { t = list[j]; list[j] = list[j - 1]; list[j - 1] = t }
    return list[int((n + 1) / 2)]
  }
  function line(label, name, yard, goal,   m, y, lat, ratio) {
    m = median(name); split(row[name "|" m], lat, "|")
    ratio = yard == "" ? "" : sprintf("%.2fx", m / median(yard))
    printf "%-48s %11s %9s %9s %7s %s\n", label, m, lat[1], lat[2], ratio, goal
  }
  END {
    printf "%-48s %11s %9s %9s %7s %s\n", "target", "req/s", "p50", "p99", "ratio", "goal"
    line("bare Beast server (yardstick)", "bare", "", "")
    line("1. GET /healthz", "healthz", "bare", ">= 0.80x bare")
    line("2. GET /v1/event_types, cached sk_ key", "event_types", "bare", ">= 0.70x bare")
    line("3. 403: GET /v1/webhook_endpoints, pk_ key", "deny", "bare", ">= 0.75x bare")
    line("pgbench -S -M prepared (yardstick, tps)", "pgbench", "", "")
    line("4. GET /v1/webhook_endpoints/{id}", "endpoint", "pgbench", ">= 0.40x pgbench")
    line("5. GET /v1/webhook_endpoints?limit=10", "endpoints", "pgbench", ">= 0.25x pgbench")
    line("6. GET /v1/webhook_deliveries?limit=10", "deliveries", "pgbench", ">= 0.25x pgbench")
  }
' "$work/results"
