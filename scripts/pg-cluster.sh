#!/usr/bin/env bash
# Throwaway PostgreSQL for the test suite (a CTest fixture).
#   pg-cluster.sh start STATE_DIR   initdb in a fresh temporary directory, start
#                                   on a free port, write the URL to STATE_DIR/url
#   pg-cluster.sh stop STATE_DIR    stop it and remove its data
# For tests of a database outage, on a cluster of their own:
#   pg-cluster.sh crash STATE_DIR   stop it at once (pg_ctl stop -m immediate),
#                                   as a crash would, keeping its data
#   pg-cluster.sh resume STATE_DIR  start it again on the same port
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command="${1:?start, stop, crash or resume}"
state="${2:?state directory}"
# Durability settings are relaxed: the cluster is deleted afterwards, and a
# crash test stops only Postgres, never the machine, so the page cache holds.
settings=(-c fsync=off -c full_page_writes=off -c max_connections=300)

case "$command" in
  start)
    [ -f "$state/data_dir" ] && "$0" stop "$state"
    mkdir -p "$state"
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/hookgate-test-pg.XXXXXX")"
    [ "$(id -u)" = 0 ] && chown "$(pg_user)" "$tmp"
    data="$tmp/data"
    echo "$data" > "$state/data_dir"
    url=$(pg_start_cluster "$data" "${settings[@]}")
    echo "$url" > "$state/url"
    log "test PostgreSQL at $url"
    ;;
  stop)
    [ -f "$state/data_dir" ] || exit 0
    data="$(cat "$state/data_dir")"
    pg_stop_cluster "$data" || true
    rm -rf "$(dirname "$data")" "$state/data_dir" "$state/url"
    ;;
  crash)
    as_pg_user "$PG_BIN/pg_ctl" -D "$(cat "$state/data_dir")" -m immediate -w -t 60 stop >/dev/null
    ;;
  resume)
    url="$(cat "$state/url")"
    port="${url##*:}"
    port="${port%%/*}"
    data="$(cat "$state/data_dir")"
    # Another process may hold the port for a moment; try for a while.
    for _ in $(seq 1 20); do
      pg_run_cluster_on_port "$data" "$port" "${settings[@]}" 2>/dev/null && exit 0
      sleep 0.5
    done
    tail -n 20 "$data/server.log" >&2
    die "could not start PostgreSQL again on port $port"
    ;;
  *) die "unknown command $command" ;;
esac
