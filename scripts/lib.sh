# Shared helpers for the project's scripts. Source it; do not run it.

HOOKGATE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as the unprivileged user that owns Postgres data when we are
# root (Postgres refuses to run as root), or as ourselves otherwise.
pg_user() { if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi; }
as_pg_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Prints a TCP port on 127.0.0.1 that nothing is listening on.
# Ports come from below Linux's ephemeral range (32768 and up), so an
# outbound connection's local port cannot take one while its server is down
# (a cluster resumed after a crash test starts again on the same port).
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free TCP port found"
}

# Runs initdb for a new cluster in $1 (which must not exist, or be empty).
pg_init_cluster() {
  local data="$1" log
  mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then
    chown "$(pg_user)" "$data"
    as_pg_user test -w "$data" || die "user $(pg_user) cannot reach $data; place the project where that user can read it"
  fi
  chmod 700 "$data"
  log="$(mktemp)"
  as_pg_user "$PG_BIN/initdb" -D "$data" -U hookgate --auth=trust -E UTF8 --no-locale >"$log" 2>&1 \
    || { cat "$log" >&2; rm -f "$log"; die "initdb failed"; }
  rm -f "$log"
}

# Starts the existing cluster in $1 on a free port; prints the connection URL.
# Extra arguments are passed to postgres.
pg_run_cluster() {
  local data="$1"; shift
  local port
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if pg_run_cluster_on_port "$data" "$port" "$@"; then
      echo "postgresql://hookgate@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  cat "$data/server.log" >&2
  die "could not start PostgreSQL in $data"
}

# Starts the existing cluster in $1 on port $2 (fails when the port is
# taken). Extra arguments are passed to postgres.
pg_run_cluster_on_port() {
  local data="$1" port="$2"; shift 2
  as_pg_user "$PG_BIN/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 $*" start >/dev/null
}

# Creates a cluster in $1 (which must not exist) and starts it on a free
# port; prints the connection URL. Extra arguments are passed to postgres.
pg_start_cluster() {
  pg_init_cluster "$1" && pg_run_cluster "$@"
}

# Prints the connection URL of the cluster in $1 when it is already running
# (started earlier and not stopped); fails otherwise.
pg_running_url() {
  local data="$1"
  [ -f "$data/postmaster.pid" ] && as_pg_user "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1 || return 1
  echo "postgresql://hookgate@127.0.0.1:$(sed -n 4p "$data/postmaster.pid")/postgres"
}

pg_stop_cluster() {
  local data="$1"
  [ -f "$data/postmaster.pid" ] || return 0
  as_pg_user "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
}

# Installs the npm packages of a test tool folder ($1, relative to the
# project) exactly as its package-lock.json pins them; $2 names the tool in
# messages and $3 is the lowest Node.js version it runs on (major.minor).
# Does nothing when node_modules came from the same package.json and lockfile.
npm_ci_pinned() {
  local dir="$HOOKGATE_ROOT/$1" what="$2" min="$3"
  for tool in node npm; do
    command -v "$tool" >/dev/null \
      || die "$tool is missing; $what needs Node.js $min or later with npm (Debian: apt-get install nodejs npm)"
  done
  node -e '
    const want = process.argv[1].split(".").map(Number), have = process.versions.node.split(".").map(Number);
    process.exit(have[0] > want[0] || (have[0] === want[0] && have[1] >= (want[1] || 0)) ? 0 : 1)' "$min" \
    || die "$what needs Node.js $min or later; found $(node --version)"

  local stamp="$dir/node_modules/.hookgate-installed" wanted
  wanted="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    return 0
  fi
  log "installing the npm packages of $what ($1)"
  npm ci --no-audit --no-fund --prefix "$dir"
  # npm ci starts from an empty node_modules, so the stamp is written afresh.
  echo "$wanted" >"$stamp"
}
