#!/usr/bin/env bash
# Runs hookgate locally for development: installs what is missing, builds
# build/hookgate, starts a project-local PostgreSQL in .pgdata/ (unless
# HOOKGATE_DATABASE_URL is set), migrates, creates the demo account, and serves
# on HOOKGATE_LISTEN until Ctrl-C or SIGTERM. Safe to run again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HOOKGATE_ROOT"

"$HOOKGATE_ROOT/scripts/install-deps.sh"
log "building build/hookgate"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target hookgate

pgdata="$HOOKGATE_ROOT/.pgdata"
if [ -z "${HOOKGATE_DATABASE_URL:-}" ]; then
  if url=$(pg_running_url "$pgdata"); then
    log "using the PostgreSQL already running in .pgdata/ (it is left running)"
  else
    [ -f "$pgdata/PG_VERSION" ] || { log "creating a PostgreSQL cluster in .pgdata/"; pg_init_cluster "$pgdata"; }
    log "starting PostgreSQL in .pgdata/"
    url=$(pg_run_cluster "$pgdata")
    trap 'log "stopping PostgreSQL"; pg_stop_cluster "$pgdata"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
  export HOOKGATE_DATABASE_URL="$url"
  echo "database: $url (data in .pgdata/)"
fi

export HOOKGATE_LISTEN="${HOOKGATE_LISTEN:-127.0.0.1:8080}"
if [ -z "${HOOKGATE_ALLOW_PRIVATE_TARGETS:-}" ]; then
  export HOOKGATE_ALLOW_PRIVATE_TARGETS=1
  echo "HOOKGATE_ALLOW_PRIVATE_TARGETS=1: http:// and private endpoint addresses are allowed (local development only)"
fi
if [ -z "${HOOKGATE_SECRETS_KEYS:-}" ]; then
  # Made once and kept: the database's signing secrets are sealed under it.
  keys_file="$HOOKGATE_ROOT/.local/secrets-keys"
  if [ ! -s "$keys_file" ]; then
    mkdir -p "$(dirname "$keys_file")"
    (umask 077; head -c 32 /dev/urandom | base64 >"$keys_file")
    echo "generated a development HOOKGATE_SECRETS_KEYS in .local/secrets-keys (kept for later runs)"
  fi
  HOOKGATE_SECRETS_KEYS="$(cat "$keys_file")"
  export HOOKGATE_SECRETS_KEYS
fi
if [ -z "${HOOKGATE_OPERATOR_TOKEN:-}" ]; then
  HOOKGATE_OPERATOR_TOKEN="$(od -An -vtx1 -N32 /dev/urandom | tr -d ' \n')"
  export HOOKGATE_OPERATOR_TOKEN
  echo "operator token for this run: $HOOKGATE_OPERATOR_TOKEN"
fi

build/hookgate migrate
build/hookgate demo

echo "serving on http://$HOOKGATE_LISTEN (Ctrl-C stops it)"
build/hookgate serve &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true' INT TERM
# A trapped signal interrupts `wait`; keep waiting until hookgate has exited,
# then exit with its status (the EXIT trap still stops PostgreSQL).
while kill -0 "$server" 2>/dev/null; do wait "$server" || true; done
wait "$server"
