-- When partition maintenance (hookgate maintain, or a serve process's own
-- round) last finished, whichever process ran it: the metric
-- hookgate_maintenance_last_run_timestamp_seconds reads it, so an operator
-- can alert when no process has kept the partitions for too long.
CREATE TABLE hookgate_maintenance_runs (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  finished_at   timestamptz NOT NULL,
  as_of         timestamptz NOT NULL,
  created       integer NOT NULL,
  dropped       integer NOT NULL,
  kept          integer NOT NULL
);
