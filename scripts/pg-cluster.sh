#!/usr/bin/env bash
# Throwaway PostgreSQL for the test suite (a CTest fixture).
#   pg-cluster.sh start STATE_DIR   initdb in a fresh temporary directory, start
#                                   on a free port, write the URL to STATE_DIR/url
#   pg-cluster.sh stop STATE_DIR    stop it and remove its data
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command="${1:?start or stop}"
state="${2:?state directory}"

case "$command" in
  start)
    [ -f "$state/data_dir" ] && "$0" stop "$state"
    mkdir -p "$state"
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/hookgate-test-pg.XXXXXX")"
    [ "$(id -u)" = 0 ] && chown "$(pg_user)" "$tmp"
    data="$tmp/data"
    echo "$data" > "$state/data_dir"
    # Durability settings are relaxed: only hookgate processes are killed in
    # tests, never Postgres, and the cluster is deleted afterwards.
    url=$(pg_start_cluster "$data" -c fsync=off -c full_page_writes=off -c max_connections=300)
    echo "$url" > "$state/url"
    log "test PostgreSQL at $url"
    ;;
  stop)
    [ -f "$state/data_dir" ] || exit 0
    data="$(cat "$state/data_dir")"
    pg_stop_cluster "$data" || true
    rm -rf "$(dirname "$data")" "$state/data_dir" "$state/url"
    ;;
  *) die "unknown command $command" ;;
esac
