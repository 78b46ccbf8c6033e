#!/usr/bin/env bash
# Benchmarks the cost of the API gate (authentication + scope check) against
# a bare route, with wrk, in one run against one Release server:
#   1. GET /healthz              no auth (the baseline)
#   2. GET /v1/event_types       valid sk_ key (key cache hit)
#   3. GET /v1/webhook_endpoints pk_ key without the scope (403 path), or,
#      while that route does not exist, GET /v1/event_types with a well-formed
#      unknown key (401 path: a database lookup on every request).
# Prints requests/s, p50 and p99 per target and (2) as a percentage of (1).
# Tunables: BENCH_DURATION (10s), BENCH_WARMUP (2s), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_ROUNDS (1): with more rounds the three targets
# are measured in turn that many times and the median ratio is reported, which
# steadies the figure on a machine whose load changes during the run.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$HOOKGATE_ROOT"

duration="${BENCH_DURATION:-10s}" warmup="${BENCH_WARMUP:-2s}"
threads="${BENCH_THREADS:-2}" connections="${BENCH_CONNECTIONS:-32}"
rounds="${BENCH_ROUNDS:-1}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive whole number"

if ! command -v wrk >/dev/null; then
  log "installing wrk"
  sudo_cmd=(); [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq wrk >/dev/null
fi

log "building build-bench/hookgate (Release)"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DHOOKGATE_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target hookgate >/dev/null
hookgate="$HOOKGATE_ROOT/build-bench/hookgate"

work="$(mktemp -d "${TMPDIR:-/tmp}/hookgate-bench.XXXXXX")"
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
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
sk_key=$("$hookgate" keys create --account "$account" --kind sk --bundle store | json_field secret)
pk_key=$("$hookgate" keys create --account "$account" --kind pk --scope pay.intents:read | json_field secret)
unknown_key="sk_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
[ -n "$account" ] && [ -n "$sk_key" ] && [ -n "$pk_key" ] || die "could not create the account and keys"

port=$(free_port)
base="http://127.0.0.1:$port"
HOOKGATE_LISTEN="127.0.0.1:$port" HOOKGATE_RATE_LIMIT_PER_SECOND=1000000 HOOKGATE_RATE_LIMIT_BURST=10000000 \
  "$hookgate" serve --no-migrate 2>"$work/server.log" &
server=$!
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; die "hookgate serve exited"; }
  sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/readyz")" = 200 ] || die "hookgate never became ready"

status() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" "$base$1"; }
[ "$(status /v1/event_types "$sk_key")" = 200 ] || die "the sk_ key is not accepted on /v1/event_types"
if [ "$(status /v1/webhook_endpoints "$pk_key")" = 403 ]; then
  deny_label="3. 403: GET /v1/webhook_endpoints, pk_ lacking scope"
  deny_path=/v1/webhook_endpoints deny_key="$pk_key"
else
  deny_label="3. 401: GET /v1/event_types, unknown key"
  deny_path=/v1/event_types deny_key="$unknown_key"
  [ "$(status "$deny_path" "$deny_key")" = 401 ] || die "the unknown key did not get 401"
fi

# bench ROUND LABEL PATH [KEY]: warm up, measure, append "round|label|req/s|p50|p99" to the results.
bench() {
  local round="$1" label="$2" url="$base$3" out; shift 3
  local auth=(); [ $# -gt 0 ] && auth=(-H "Authorization: Bearer $1")
  local suffix=""; [ "$rounds" -gt 1 ] && suffix=" (round $round of $rounds)"
  log "wrk: $label$suffix"
  wrk -t"$threads" -c"$connections" -d"$warmup" "${auth[@]}" "$url" >/dev/null
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "${auth[@]}" "$url")
  if grep -q 'Non-2xx or 3xx responses' <<<"$out" && [[ "$label" != *40[13]* ]]; then
    die "$label: unexpected non-2xx responses"$'\n'"$out"
  fi
  printf '%s|%s|%s|%s|%s\n' "$round" "$label" \
    "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
    "$(awk '$1 == "99%" {print $2}' <<<"$out")" >>"$work/results"
}
for round in $(seq 1 "$rounds"); do
  bench "$round" "1. GET /healthz, no auth" /healthz
  bench "$round" "2. GET /v1/event_types, valid sk_" /v1/event_types "$sk_key"
  bench "$round" "$deny_label" "$deny_path" "$deny_key"
done

echo
echo "wrk -t$threads -c$connections -d$duration --latency (after a $warmup warm-up), $rounds round(s), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %12s %10s %10s\n' target requests/s p50 p99
awk -F'|' -v rounds="$rounds" '
  {
    label = (rounds > 1 ? "r" $1 " " : "") $2
    printf "%-58s %12s %10s %10s\n", label, $3, $4, $5
    if ($2 ~ /^1\./) base[$1] = $3
    if ($2 ~ /^2\./) gated[$1] = $3
  }
  END {
    n = 0
    for (r = 1; r <= rounds; r++) ratio[++n] = 100 * gated[r] / base[r]
    if (rounds == 1) { printf "\n(2) / (1): %.1f%% of the unauthenticated rate (target: >= 80%%)\n", ratio[1]; exit }
    line = ""
    for (r = 1; r <= n; r++) line = line sprintf("%s%.1f%%", (r > 1 ? ", " : ""), ratio[r])
    for (i = 2; i <= n; i++) for (j = i; j > 1 && ratio[j - 1] > ratio[j]; j--) { t = ratio[j]; ratio[j] = ratio[j - 1]; ratio[j - 1] = t }
    median = (n % 2) ? ratio[(n + 1) / 2] : (ratio[n / 2] + ratio[n / 2 + 1]) / 2
    printf "\n(2) / (1) per round: %s\nmedian: %.1f%% of the unauthenticated rate (target: >= 80%%)\n", line, median
  }
' "$work/results"
