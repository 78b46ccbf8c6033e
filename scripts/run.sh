#!/usr/bin/env bash
# Runs hookgate locally for development.
#   run.sh          installs what is missing, builds build/hookgate, starts a
#                   project-local PostgreSQL in .pgdata/ (unless
#                   HOOKGATE_DATABASE_URL is set), migrates, creates the demo
#                   account, and serves on HOOKGATE_LISTEN until Ctrl-C or
#                   SIGTERM. Safe to run again: the database port, operator
#                   token and secrets key are kept in .local/ and the same on
#                   every run; .local/env holds them for a second terminal
#                   (`source .local/env`) and for scripts/hookgate.
#   run.sh status   says whether the local PostgreSQL and hookgate run.
#   run.sh stop     stops a hookgate and the local PostgreSQL left running.
#   run.sh reset    stops both, then deletes .pgdata/ and .local/ (a new
#                   database, token and key on the next run).
# HOOKGATE_LOCAL_DIR moves .pgdata/ and .local/ elsewhere (the suite's own
# test of this script uses it); HOOKGATE_BIN runs that binary instead of
# building build/hookgate.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HOOKGATE_ROOT"

command="${1:-run}"
local_dir="${HOOKGATE_LOCAL_DIR:-$HOOKGATE_ROOT}"
pgdata="$local_dir/.pgdata"
state="$local_dir/.local"
pid_file="$state/hookgate.pid"

hookgate_pid() {
  [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null && cat "$pid_file"
}

case "$command" in
  run) ;;
  status)
    if url=$(pg_running_url "$pgdata"); then echo "PostgreSQL: running at $url (data in $pgdata)"
    else echo "PostgreSQL: stopped (data in $pgdata)"; fi
    if pid=$(hookgate_pid); then echo "hookgate: running (pid $pid)"; else echo "hookgate: stopped"; fi
    [ -f "$state/env" ] && echo "settings: $state/env (source it in another terminal)"
    exit 0
    ;;
  stop|reset)
    if pid=$(hookgate_pid); then
      log "stopping hookgate (pid $pid)"
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if pg_running_url "$pgdata" >/dev/null; then
      log "stopping PostgreSQL in $pgdata"
      pg_stop_cluster "$pgdata" || true  # the run.sh just stopped may be stopping it too
    fi
    if [ "$command" = reset ]; then
      log "deleting $pgdata and $state"
      rm -rf "$pgdata" "$state"
    fi
    exit 0
    ;;
  *) die "unknown command '$command': run (the default), status, stop or reset" ;;
esac

# The script stops what it started on every way out: Ctrl-C, SIGTERM, and a
# closed output pipe (`run.sh | tee log` and Ctrl-C), which would otherwise
# end it with SIGPIPE before its clean-up could run.
trap '' PIPE

mkdir -p "$state"
if [ -n "${HOOKGATE_BIN:-}" ]; then
  hookgate="$HOOKGATE_BIN"
else
  "$HOOKGATE_ROOT/scripts/install-deps.sh"
  log "building build/hookgate"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j "$(nproc)" --target hookgate
  hookgate="$HOOKGATE_ROOT/build/hookgate"
fi

# A value made once and kept in .local/NAME (mode 600).
kept() {
  local file="$state/$1" make="$2"
  if [ ! -s "$file" ]; then
    (umask 077; eval "$make" >"$file")
    echo "generated $3 in $file (kept for later runs)" >&2
  fi
  cat "$file"
}

started_pg=""
stop_started() {
  if [ -n "$started_pg" ]; then
    log "stopping PostgreSQL" 2>/dev/null || true
    pg_stop_cluster "$pgdata" >/dev/null 2>&1 || true
  fi
  rm -f "$pid_file"
}
trap stop_started EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${HOOKGATE_DATABASE_URL:-}" ]; then
  if url=$(pg_running_url "$pgdata"); then
    log "using the PostgreSQL already running in $pgdata (it is left running)"
  else
    [ -f "$pgdata/PG_VERSION" ] || { log "creating a PostgreSQL cluster in $pgdata"; pg_init_cluster "$pgdata"; }
    # The same port every run, so a saved psql URL and .local/env stay right.
    port="$(kept pg-port free_port "the local PostgreSQL's port")"
    log "starting PostgreSQL in $pgdata on port $port"
    started_pg=1
    if ! pg_run_cluster_on_port "$pgdata" "$port" 2>/dev/null; then
      port="$(free_port)"
      echo "$port" >"$state/pg-port"
      log "port taken by another program; PostgreSQL uses port $port from now on"
      pg_run_cluster_on_port "$pgdata" "$port"
    fi
    url="postgresql://hookgate@127.0.0.1:$port/postgres"
  fi
  export HOOKGATE_DATABASE_URL="$url"
  echo "database: $url (data in $pgdata)"
fi

export HOOKGATE_LISTEN="${HOOKGATE_LISTEN:-127.0.0.1:8080}"
if [ -z "${HOOKGATE_ALLOW_PRIVATE_TARGETS:-}" ]; then
  export HOOKGATE_ALLOW_PRIVATE_TARGETS=1
  echo "HOOKGATE_ALLOW_PRIVATE_TARGETS=1: http:// and private endpoint addresses are allowed (local development only)"
fi
if [ -z "${HOOKGATE_SECRETS_KEYS:-}" ]; then
  # The database's signing secrets are sealed under it: it must outlive runs.
  HOOKGATE_SECRETS_KEYS="$(kept secrets-keys 'head -c 32 /dev/urandom | base64' "a development HOOKGATE_SECRETS_KEYS")"
  export HOOKGATE_SECRETS_KEYS
fi
if [ -z "${HOOKGATE_OPERATOR_TOKEN:-}" ]; then
  HOOKGATE_OPERATOR_TOKEN="$(kept operator-token "od -An -vtx1 -N32 /dev/urandom | tr -d ' \\n'" "an operator token")"
  export HOOKGATE_OPERATOR_TOKEN
fi
echo "operator token: $HOOKGATE_OPERATOR_TOKEN"

# For a second terminal and scripts/hookgate: the settings of this run.
(
  umask 077
  for name in HOOKGATE_DATABASE_URL HOOKGATE_OPERATOR_TOKEN HOOKGATE_SECRETS_KEYS HOOKGATE_LISTEN \
              HOOKGATE_ALLOW_PRIVATE_TARGETS; do
    printf 'export %s=%q\n' "$name" "${!name}"
  done
  printf 'export H=%q\n' "http://$HOOKGATE_LISTEN"
  printf 'export OP=%q\n' "Authorization: Bearer $HOOKGATE_OPERATOR_TOKEN"
) >"$state/env"
echo "settings for another terminal: source $state/env (sets HOOKGATE_*, H and OP)"

"$hookgate" migrate
"$hookgate" demo

echo "serving on http://$HOOKGATE_LISTEN (Ctrl-C stops it; so does scripts/run.sh stop)"
"$hookgate" serve &
server=$!
echo "$server" >"$pid_file"
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
# A trapped signal interrupts `wait`; keep waiting until hookgate has exited,
# then exit with its status (the EXIT trap still stops PostgreSQL).
while kill -0 "$server" 2>/dev/null; do wait "$server" || true; done
wait "$server"
