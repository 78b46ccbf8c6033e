#!/usr/bin/env bash
# Soak (issue 15): three `hookgate serve` processes (API and delivery workers)
# on one throwaway PostgreSQL, API traffic and published events for
# SOAK_SECONDS, deliveries to a receiver that fails a fraction of requests
# at random, and one process SIGKILLed and restarted every SOAK_KILL_EVERY
# seconds. Then publishing stops, the system drains (bounded), and the script
# prints what was published, delivered, duplicated and lost, the attempts the
# receiver saw that the database has no record of, and each process's RSS.
# Exits non-zero when a delivery is lost, an attempt is unrecorded, the API
# answered 500, or a process's RSS grew beyond the bound after warm-up.
# Loopback only; every loop is bounded; it stops by itself.
#
#   bash bench/soak.sh                    # SOAK_SECONDS=600
#   SOAK_SECONDS=60 bash bench/soak.sh    # what scripts/test.sh runs
#
# Settings (environment):
#   SOAK_SECONDS          how long traffic runs (600)
#   SOAK_DRAIN_SECONDS    longest wait for pending deliveries afterwards (40)
#   SOAK_KILL_EVERY       seconds between SIGKILLs (4)
#   SOAK_KILL_SLOTS       process slots the SIGKILLs rotate over ("2 3"); slot 1
#                         lives the whole run, so its RSS series is the long one
#   SOAK_FAIL_RATE        fraction of webhooks the receiver answers 500 (0.2)
#   SOAK_PUBLISHERS       concurrent publishing loops (2)
#   SOAK_ENDPOINTS        endpoints created through the API, each subscribed
#                         to every published event (5)
#   SOAK_RETRY_SCHEDULE   HOOKGATE_RETRY_SCHEDULE of the run (0,1s,1s,2s × 7:
#                         ten attempts, so 0.2^10 of deliveries exhaust it)
#   SOAK_DELIVERY_TIMEOUT_MS  HOOKGATE_DELIVERY_TIMEOUT_MS (2000; the lease of
#                         a killed worker's claim is twice this)
#   SOAK_RSS_EVERY        seconds between RSS samples (3)
#   SOAK_RSS_WARMUP       seconds of a process's life before its RSS baseline (20)
#   SOAK_RSS_GROWTH_PERCENT  allowed growth of a process's RSS from its
#                         baseline to its last sample (25)
#   SOAK_BUILD_DIR        build directory holding hookgate (build; built there
#                         when missing)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$HOOKGATE_ROOT"

seconds="${SOAK_SECONDS:-600}"
drain_seconds="${SOAK_DRAIN_SECONDS:-40}"
kill_every="${SOAK_KILL_EVERY:-4}"
read -r -a kill_slots <<<"${SOAK_KILL_SLOTS:-2 3}"
fail_rate="${SOAK_FAIL_RATE:-0.2}"
publishers="${SOAK_PUBLISHERS:-2}"
endpoints="${SOAK_ENDPOINTS:-5}"
retry_schedule="${SOAK_RETRY_SCHEDULE:-0,1s,1s,2s,2s,2s,2s,2s,2s,2s}"
rss_every="${SOAK_RSS_EVERY:-3}"
rss_warmup="${SOAK_RSS_WARMUP:-20}"
rss_growth="${SOAK_RSS_GROWTH_PERCENT:-25}"
build_dir="${SOAK_BUILD_DIR:-build}"
attempts_allowed=$(tr ',' '\n' <<<"$retry_schedule" | wc -l)

hookgate="$HOOKGATE_ROOT/$build_dir/hookgate"
if [ ! -x "$hookgate" ]; then
  log "building $build_dir/hookgate"
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
  cmake --build "$build_dir" -j "$(nproc)" --target hookgate >/dev/null
fi
"$HOOKGATE_ROOT/scripts/receiver-deps.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/hookgate-soak.XXXXXX")"
helpers=()
cleanup() {
  touch "$work/stop"
  for slot in 1 2 3; do
    [ -f "$work/slot$slot.pid" ] && kill -TERM "$(cat "$work/slot$slot.pid")" 2>/dev/null || true
  done
  for pid in "${helpers[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop_cluster "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] && chown "$(pg_user)" "$work"

# Durability is not what is tested: a crashed hookgate, not a crashed host.
export HOOKGATE_DATABASE_URL="$(pg_start_cluster "$work/pg" -c fsync=off -c synchronous_commit=off \
  -c full_page_writes=off -c max_connections=100)"
sql() { psql -qtAX -v ON_ERROR_STOP=1 "$HOOKGATE_DATABASE_URL" "$@"; }
secrets_key="$(openssl rand -base64 32 2>/dev/null || head -c 32 /dev/urandom | base64)"
export HOOKGATE_SECRETS_KEYS="$secrets_key"
export HOOKGATE_OPERATOR_TOKEN="soak-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export HOOKGATE_ALLOW_PRIVATE_TARGETS=1 HOOKGATE_LOG_LEVEL=warn HOOKGATE_MIGRATE_ON_START=0
export HOOKGATE_RETRY_SCHEDULE="$retry_schedule"
export HOOKGATE_DELIVERY_TIMEOUT_MS="${SOAK_DELIVERY_TIMEOUT_MS:-2000}" HOOKGATE_DELIVERY_CONNECT_TIMEOUT_MS=1000
export HOOKGATE_DELIVERY_POLL_MS=500 HOOKGATE_SHUTDOWN_GRACE_MS=2000
# One key makes every API call: the per-key limit must not be what is tested.
export HOOKGATE_RATE_LIMIT_PER_SECOND=100000 HOOKGATE_RATE_LIMIT_BURST=100000
"$hookgate" migrate >/dev/null

node tests/receiver/receiver.mjs --port 0 --port-file "$work/receiver.port" --count-only --quiet \
  --fail-rate "$fail_rate" --log "$work/received.log" >"$work/receiver.out" 2>&1 &
helpers+=($!)
for _ in $(seq 1 100); do [ -s "$work/receiver.port" ] && break; sleep 0.1; done
[ -s "$work/receiver.port" ] || die "the receiver did not start: $(cat "$work/receiver.out")"
receiver="http://127.0.0.1:$(cat "$work/receiver.port")"

ports=(unused "$(free_port)" "$(free_port)" "$(free_port)")
started_at=$(date +%s)
# start_slot N: a new hookgate process in slot N, its pid in slotN.pid and a
# line "pid start-second" in slotN.lives.
start_slot() {
  HOOKGATE_LISTEN="127.0.0.1:${ports[$1]}" "$hookgate" serve --no-migrate >>"$work/slot$1.log" 2>&1 &
  echo $! >"$work/slot$1.pid"
  echo "$! $(( $(date +%s) - started_at ))" >>"$work/slot$1.lives"
}
for slot in 1 2 3; do start_slot "$slot"; done
for slot in 1 2 3; do
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${ports[$slot]}/readyz")" = 200 ] && break
    sleep 0.1
  done
done

op="Authorization: Bearer $HOOKGATE_OPERATOR_TOKEN"
api1="http://127.0.0.1:${ports[1]}"
json_field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -1; }
account=$(curl -sf -H "$op" -d '{"name":"soak"}' "$api1/internal/v1/accounts" | json_field id)
secret=$(curl -sf -H "$op" -d '{"kind":"sk","bundle":"full"}' "$api1/internal/v1/accounts/$account/api_keys" | json_field secret)
[ -n "$account" ] && [ -n "$secret" ] || die "could not create the soak account and key"
auth="Authorization: Bearer $secret"

# Each loop below runs until the stop file appears, sending to a random slot
# (a slot being restarted refuses the connection: such a call is not
# acknowledged and not counted).
random_api() { echo "http://127.0.0.1:${ports[$(( RANDOM % 3 + 1 ))]}"; }

# call WHAT BODY-FILE CURL-ARGS...: one API call to a random slot; prints its
# HTTP status (000: no answer) and logs "<status> <what>" to status.log, and
# the body of a 5xx answer to errors.log.
call() {
  local what="$1" body="$2" code; shift 2
  code=$(curl -s -m 5 -o "$body" -w '%{http_code}' "$@" || true)
  code="${code:-000}"
  echo "$code $what" >>"$work/status.log"
  [[ "$code" != 5* ]] || echo "$code $what $(cat "$body")" >>"$work/errors.log"
  echo "$code"
}

# publish_loop N: events evt_soakNx<i>; "<id> <deliveries>" per acknowledged one.
publish_loop() {
  local n="$1" i=0 body="$work/pub$1.body"
  while [ ! -e "$work/stop" ]; do
    i=$((i + 1))
    if [[ $(call publish "$body" -H "$op" "$(random_api)/internal/v1/events" \
        -d "{\"id\":\"evt_soak${n}x$i\",\"account\":\"$account\",\"type\":\"order.accepted\",\"data\":{\"n\":$i}}") == 2* ]]; then
      echo "evt_soak${n}x$i $(sed -n 's/.*"deliveries": *\([0-9]*\).*/\1/p' "$body")" >>"$work/acked$n.log"
    fi
  done
}

# The API's other traffic: endpoints created (up to SOAK_ENDPOINTS), listed,
# and deliveries listed.
api_loop() {
  local created=0 body="$work/api.body" path
  while [ ! -e "$work/stop" ]; do
    if [ "$created" -lt "$endpoints" ] && [[ $(call create-endpoint "$body" -H "$auth" \
        -d "{\"url\":\"$receiver/e$created\",\"enabled_events\":[\"order.*\"]}" \
        "$(random_api)/v1/webhook_endpoints") == 2* ]]; then
      created=$((created + 1))
    fi
    for path in "/v1/webhook_endpoints?limit=20" "/v1/webhook_deliveries?limit=20" \
                "/v1/webhook_deliveries?limit=10&status=failed"; do
      call "GET ${path%%\?*}" "$body" -H "$auth" "$(random_api)$path" >/dev/null
    done
  done
}

# "<second> <slot> <pid> <VmRSS kB>" every SOAK_RSS_EVERY seconds.
rss_loop() {
  local slot pid rss
  while [ ! -e "$work/stop" ]; do
    for slot in 1 2 3; do
      pid=$(cat "$work/slot$slot.pid")
      rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$rss" ] && echo "$(( $(date +%s) - started_at )) $slot $pid $rss" >>"$work/rss.log"
    done
    sleep "$rss_every"
  done
}

log "soak: ${seconds}s, 3 processes on ports ${ports[*]:1}, receiver $receiver failing $fail_rate of requests"
api_loop &
helpers+=($!)
for n in $(seq 1 "$publishers"); do publish_loop "$n" & helpers+=($!); done
rss_loop &
helpers+=($!)

# The killer: SIGKILL one slot (rotating) every SOAK_KILL_EVERY seconds and
# start it again at once.
kills=0
deadline=$(( started_at + seconds ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  sleep "$kill_every"
  [ "$(date +%s)" -lt "$deadline" ] || break
  slot=${kill_slots[$(( kills % ${#kill_slots[@]} ))]}
  pid=$(cat "$work/slot$slot.pid")
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  kills=$((kills + 1))
  start_slot "$slot"
done

log "publishing stopped after $kills SIGKILLs; draining (at most ${drain_seconds}s)"
touch "$work/stop"
for pid in "${helpers[@]:1}"; do wait "$pid" 2>/dev/null || true; done
cat "$work"/acked*.log 2>/dev/null >"$work/acked.log" || true
sql -c "CREATE TABLE soak_acked (event_id text PRIMARY KEY, deliveries integer NOT NULL)" \
    -c "\\copy soak_acked FROM '$work/acked.log' WITH (DELIMITER ' ')"
pending() {
  sql -c "SELECT count(*) FROM webhook_deliveries d JOIN soak_acked a USING (event_id) WHERE d.status = 'pending'"
}
drain_deadline=$(( $(date +%s) + drain_seconds ))
while [ "$(pending)" != 0 ] && [ "$(date +%s)" -lt "$drain_deadline" ]; do sleep 1; done
drained_in=$(( $(date +%s) - deadline ))
# A last RSS sample of each slot, then the processes stop.
for slot in 1 2 3; do
  pid=$(cat "$work/slot$slot.pid")
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(( $(date +%s) - started_at )) $slot $pid $rss" >>"$work/rss.log"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done

# The receiver's log: one "<webhook-id> <status>" line per request.
sql -c "CREATE TABLE soak_received (webhook_id text NOT NULL, status text NOT NULL)" \
    -c "\\copy soak_received FROM '$work/received.log' WITH (DELIMITER ' ')"
read -r published expected rows succeeded still_pending exhausted other < <(sql -F ' ' -c "
  SELECT count(DISTINCT a.event_id), (SELECT coalesce(sum(deliveries), 0) FROM soak_acked),
         count(d.id), count(*) FILTER (WHERE d.status = 'succeeded'), count(*) FILTER (WHERE d.status = 'pending'),
         count(*) FILTER (WHERE d.status = 'failed' AND d.attempt_count >= $attempts_allowed),
         count(*) FILTER (WHERE d.status = 'failed' AND d.attempt_count < $attempts_allowed)
  FROM soak_acked a LEFT JOIN webhook_deliveries d USING (event_id)")
# Deliveries of acknowledged events that are missing, or failed without
# their attempts running out.
lost=$(( expected - succeeded - still_pending - exhausted ))
read -r received receiver_failed duplicates unrecorded attempts interrupted < <(sql -F ' ' -c "
  WITH per_id AS (
    SELECT webhook_id, count(*) AS seen, count(*) FILTER (WHERE status LIKE '2%') AS ok FROM soak_received GROUP BY webhook_id),
  recorded AS (
    SELECT p.webhook_id, p.seen, p.ok,
           (SELECT count(*) FROM webhook_attempts w WHERE w.delivery_id = p.webhook_id)
           + (SELECT count(*) FROM webhook_delivery_queue q WHERE q.delivery_id = p.webhook_id AND q.attempt_id IS NOT NULL)
             AS on_record
      FROM per_id p)
  SELECT (SELECT count(*) FROM soak_received), (SELECT count(*) FROM soak_received WHERE status NOT LIKE '2%'),
         count(*) FILTER (WHERE ok > 1), coalesce(sum(greatest(seen - on_record, 0)), 0),
         (SELECT count(*) FROM webhook_attempts), (SELECT count(*) FROM webhook_attempts WHERE outcome = 'interrupted')
    FROM recorded")
statuses=$(cut -d' ' -f1 "$work/status.log" | sort | uniq -c \
  | awk '{printf "%s%s×%s", sep, ($2 == "000" ? "no answer" : $2), $1; sep = ", "}')
# (No 5xx at all makes grep fail, which under pipefail would end the script.)
server_errors=$({ grep '^5' "$work/status.log" || true; } | sort | uniq -c \
  | awk '{printf "%s%s %s %s×%s", sep, $2, $3, $4, $1; sep = ", "}')
api_500=$(grep -c '^500 ' "$work/status.log" || true)

# RSS: per slot, one series in MiB per process (at most 24 values, so a long
# life is sampled more sparsely); growth is the last
# sample against the first taken after SOAK_RSS_WARMUP seconds of its life.
rss_report=$(for slot in 1 2 3; do
  awk -v slot="$slot" -v every="$rss_every" -v warmup="$rss_warmup" -v bound="$rss_growth" '
    NR == FNR { born[$1] = $2; next }
    $2 == slot {
      if (!($3 in count)) order[++lives] = $3
      samples[$3, ++count[$3]] = int($4 / 1024)
      if ($1 - born[$3] >= warmup) { if (!($3 in base)) base[$3] = $4; last[$3] = $4 }
    }
    END {
      for (i = 1; i <= lives; i++) {
        pid = order[i]; flag = ""
        if (pid in base && last[pid] > base[pid] * (1 + bound / 100)) {
          flag = sprintf("  GROWTH %+.0f%% after warm-up", (last[pid] / base[pid] - 1) * 100); grew++
        }
        # At most 24 values: every step-th sample, and the last.
        step = int((count[pid] + 23) / 24); series = ""
        for (k = 1; k <= count[pid]; k++)
          if ((k - 1) % step == 0 || k == count[pid]) series = series " " samples[pid, k]
        if (lives <= 3 || i <= 1 || i == lives || flag != "")
          printf "  slot %s pid %s (from %ss, every %ss) MiB:%s%s\n", slot, pid, born[pid], step * every, series, flag
        else if (i == 2) printf "  slot %s ... %d shorter lives ...\n", slot, lives - 2
      }
      if (grew) print "RSS_GROWTH"
    }' "$work/slot$slot.lives" "$work/rss.log"
done)

echo
echo "hookgate soak: ${seconds}s, $kills SIGKILLs (slots ${kill_slots[*]}, every ${kill_every}s), receiver failing $fail_rate,"
echo "retry schedule $retry_schedule, drained ${drained_in}s after publishing stopped (load average $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-48s %s\n' "events published (acknowledged):" "$published"
printf '%-48s %s\n' "deliveries expected (acknowledged fan-out):" "$expected ($rows on record)"
printf '%-48s %s\n' "deliveries delivered (succeeded):" "$succeeded"
printf '%-48s %s\n' "still pending after the drain:" "$still_pending"
printf '%-48s %s\n' "failed after all $attempts_allowed attempts (not lost):" "$exhausted"
printf '%-48s %s\n' "lost (must be 0):" "$lost"
printf '%-48s %s\n' "requests at the receiver (answered non-2xx):" "$received ($receiver_failed)"
printf '%-48s %s\n' "attempts on record (interrupted by a kill):" "$attempts ($interrupted)"
printf '%-48s %s\n' "duplicates (webhook-ids received 2xx twice+):" "$duplicates"
printf '%-48s %s\n' "received without an attempt record (must be 0):" "$unrecorded"
printf '%-48s %s\n' "API answers by status:" "$statuses"
if [ -n "$server_errors" ]; then
  printf '%-48s %s\n' "API 5xx answers by call:" "$server_errors"
  echo "first 5xx bodies:"; head -3 "$work/errors.log" | cut -c1-300 | sed 's/^/  /'
fi
echo "RSS per process slot, every ${rss_every}s (growth bound ${rss_growth}% after ${rss_warmup}s):"
grep -v '^RSS_GROWTH$' <<<"$rss_report" || true

status=0
[ "$lost" -eq 0 ] || { echo "FAIL: $lost deliveries lost ($other failed early)"; status=1; }
[ "$unrecorded" -eq 0 ] || { echo "FAIL: $unrecorded requests reached the receiver without an attempt record"; status=1; }
[ "$api_500" -eq 0 ] || { echo "FAIL: the API answered 500 $api_500 times"; status=1; }
! grep -q '^RSS_GROWTH$' <<<"$rss_report" || { echo "FAIL: RSS grew beyond ${rss_growth}% after warm-up"; status=1; }
[ "$status" -eq 0 ] && echo "soak passed"
exit "$status"
