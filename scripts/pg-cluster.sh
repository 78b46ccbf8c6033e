#!/usr/bin/env bash
# Throwaway PostgreSQL for the test suite (a CTest fixture).
#   pg-cluster.sh start STATE_DIR   initdb in a fresh temporary directory, start
#                                   on a free port, write the URL to STATE_DIR/url
#   pg-cluster.sh stop STATE_DIR    stop it and remove its data
# For tests of a database outage, on a cluster of their own:
#   pg-cluster.sh crash STATE_DIR   stop it at once (pg_ctl stop -m immediate),
#                                   as a crash would, keeping its data
#   pg-cluster.sh resume STATE_DIR  start it again on the same port
# For tests of a failover, a streaming standby of a running cluster:
#   pg-cluster.sh standby STATE_DIR PRIMARY_STATE_DIR [sync|async]
#                                   pg_basebackup of the primary, started as a
#                                   hot standby on a free port; sync (the
#                                   default) makes it the primary's synchronous
#                                   standby (every commit the primary
#                                   acknowledges is on it too, and commits wait
#                                   while it is away)
#   pg-cluster.sh kill STATE_DIR    SIGKILL the postmaster, as a dying machine
#                                   would (its backends go when they notice)
#   pg-cluster.sh promote STATE_DIR turn a standby into a primary (pg_ctl promote)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command="${1:?start, stop, crash or resume}"
state="${2:?state directory}"
# Durability settings are relaxed: the cluster is deleted afterwards, and a
# crash test stops only Postgres, never the machine, so the page cache holds.
settings=(-c fsync=off -c full_page_writes=off -c max_connections=300)

# Prints the data directory for a new cluster in a fresh temporary directory,
# noted in $state (after stopping a cluster still noted there).
new_data_dir() {
  [ -f "$state/data_dir" ] && "$0" stop "$state"
  mkdir -p "$state"
  local tmp
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/hookgate-test-pg.XXXXXX")"
  [ "$(id -u)" = 0 ] && chown "$(pg_user)" "$tmp"
  echo "$tmp/data" > "$state/data_dir"
  echo "$tmp/data"
}

case "$command" in
  start)
    data="$(new_data_dir)"
    url=$(pg_start_cluster "$data" "${settings[@]}")
    echo "$url" > "$state/url"
    log "test PostgreSQL at $url"
    ;;
  stop)
    [ -f "$state/data_dir" ] || exit 0
    data="$(cat "$state/data_dir")"
    # A killed postmaster may linger as a zombie nobody reaps, which pg_ctl
    # would wait on; its backends exit by themselves.
    [ -f "$state/killed" ] || pg_stop_cluster "$data" || true
    rm -rf "$(dirname "$data")" "$state/data_dir" "$state/url" "$state/killed"
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
  standby)
    primary="${3:?state directory of the primary}"
    mode="${4:-sync}"
    primary_url="$(cat "$primary/url")"
    primary_port="${primary_url##*:}"
    primary_port="${primary_port%%/*}"
    data="$(new_data_dir)"
    # -R writes standby.signal and primary_conninfo; the name is what the
    # primary's synchronous_standby_names lists.
    # (Its warnings about the primary's socket file in the data directory are noise.)
    output="$(as_pg_user "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U hookgate -D "$data" \
      -X stream -R -d "application_name=hookgate_standby" 2>&1)" || die "pg_basebackup failed: $output"
    url=$(pg_run_cluster "$data" "${settings[@]}")
    echo "$url" > "$state/url"
    if [ "$mode" = async ]; then
      log "test standby at $url (asynchronous)"
      exit 0
    fi
    psql -X -q -v ON_ERROR_STOP=1 "$primary_url" \
      -c "ALTER SYSTEM SET synchronous_standby_names = 'hookgate_standby'" -c "SELECT pg_reload_conf()" >/dev/null
    # Synchronous only once the primary says so: until then commits would not wait.
    for _ in $(seq 1 100); do
      state_now=$(psql -X -At "$primary_url" -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'hookgate_standby'")
      [ "$state_now" = sync ] && { log "test standby at $url (synchronous)"; exit 0; }
      sleep 0.1
    done
    die "the standby did not become synchronous (state '${state_now:-}')"
    ;;
  kill)
    data="$(cat "$state/data_dir")"
    kill -KILL "$(head -n 1 "$data/postmaster.pid")"
    touch "$state/killed"
    ;;
  promote)
    as_pg_user "$PG_BIN/pg_ctl" -D "$(cat "$state/data_dir")" -w -t 60 promote >/dev/null
    ;;
  *) die "unknown command $command" ;;
esac
