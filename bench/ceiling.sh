#!/usr/bin/env bash
# PostgreSQL's own ceiling for the delivery kind of work, on the cluster at
# HOOKGATE_DATABASE_URL (bench/delivery.sh runs it on its own cluster, right
# after its throughput run, so both see the same settings and machine):
# pgbench clients each run one statement, over and over, that claims
# CEILING_BATCH (50) due jobs with FOR UPDATE SKIP LOCKED, marks them done
# and inserts an attempt row for each. No HTTP, no signing, no fan-out: the
# least a durable queue must do per delivery. Prints "<jobs/s>" alone on its
# last line, after a line that says what was run.
#   HOOKGATE_DATABASE_URL=postgresql://… bash bench/ceiling.sh
# CEILING_JOBS (1,000,000) rows queued, CEILING_SECONDS (10), CEILING_CLIENTS (2).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
db="${HOOKGATE_DATABASE_URL:?the cluster to measure}"
jobs="${CEILING_JOBS:-1000000}"
seconds="${CEILING_SECONDS:-10}"
clients="${CEILING_CLIENTS:-2}"
batch="${CEILING_BATCH:-50}"
sql() { PGOPTIONS="-c client_min_messages=warning" psql -qtAX -v ON_ERROR_STOP=1 "$db" "$@"; }

# Rows shaped like hookgate's: text ids, an account and endpoint per job, an
# attempt row with its outcome and timing. In a schema of its own.
sql <<SQL
DROP SCHEMA IF EXISTS ceiling CASCADE;
CREATE SCHEMA ceiling;
CREATE TABLE ceiling.jobs (
  id              text PRIMARY KEY,
  account_id      text NOT NULL,
  endpoint_id     text NOT NULL,
  status          text NOT NULL DEFAULT 'pending',
  attempt_count   integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 45);
CREATE INDEX jobs_due_idx ON ceiling.jobs (next_attempt_at) WHERE status = 'pending';
CREATE TABLE ceiling.attempts (
  id             text NOT NULL,
  job_id         text NOT NULL,
  attempt_number integer NOT NULL,
  started_at     timestamptz NOT NULL,
  finished_at    timestamptz NOT NULL,
  outcome        text NOT NULL,
  status_code    integer,
  duration_us    bigint,
  PRIMARY KEY (job_id, id)
);
INSERT INTO ceiling.jobs (id, account_id, endpoint_id, next_attempt_at)
  SELECT 'whd_' || lpad(to_hex(g), 14, '0') || md5(g::text), 'acct_ceiling', 'we_ceiling' || g % 10,
         now() - interval '1 hour' + g * interval '1 microsecond'
  FROM generate_series(1, $jobs) g;
VACUUM ANALYZE ceiling.jobs;
CHECKPOINT;
SQL

script="$(mktemp)"
trap 'rm -f "$script"' EXIT
cat > "$script" <<SQL
WITH claimed AS (
  SELECT id FROM ceiling.jobs WHERE status = 'pending' AND next_attempt_at <= now()
  ORDER BY next_attempt_at LIMIT $batch FOR UPDATE SKIP LOCKED
), done AS (
  UPDATE ceiling.jobs j SET status = 'succeeded', attempt_count = j.attempt_count + 1
  FROM claimed c WHERE j.id = c.id RETURNING j.id
)
INSERT INTO ceiling.attempts (id, job_id, attempt_number, started_at, finished_at, outcome, status_code, duration_us)
  SELECT 'wha_' || substr(id, 5), id, 1, now(), now(), 'succeeded', 200, 1000 FROM done;
SQL
before=$(sql -c "SELECT count(*) FROM ceiling.attempts")
started=$(date +%s.%N)
"$PG_BIN/pgbench" -n -M prepared -c "$clients" -j "$clients" -T "$seconds" -f "$script" "$db" >/dev/null
ended=$(date +%s.%N)
after=$(sql -c "SELECT count(*) FROM ceiling.attempts")
[ "$after" -lt "$jobs" ] || die "the ceiling run ran out of jobs: raise CEILING_JOBS"
sql -c "DROP SCHEMA ceiling CASCADE"
echo "ceiling: $clients pgbench clients, $batch jobs claimed, marked done and recorded per statement, ${seconds}s"
awk -v n="$((after - before))" -v a="$started" -v b="$ended" 'BEGIN {printf "%.0f\n", n / (b - a)}'
