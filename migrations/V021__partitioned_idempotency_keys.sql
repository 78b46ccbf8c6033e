-- Idempotency keys grow with traffic too: they are range-partitioned by
-- created_at per UTC day, like events, and maintenance drops a day once all
-- of it is past the keys' 24 hours (DESIGN §4, §10) instead of deleting
-- rows one by one.
--
-- The primary key has to hold the partition key, so it becomes (account_id,
-- key, created_at) and no longer keeps a second row of one (account, key)
-- out of another day. One row per (account, key) stays the rule all the
-- same: every claim goes through hookgate_claim_idempotency_key, which holds
-- a transaction advisory lock on the key, and which deletes the expired or
-- abandoned row it replaces.
--
-- Rows still within their 24 hours are copied into the new table; expired
-- ones are not, since they could only ever be replaced. The copy holds an
-- exclusive lock on the old table while it runs (few rows: one day's keys).

ALTER TABLE hookgate_partitioned_tables DROP CONSTRAINT hookgate_partitioned_tables_expires_with_check;
ALTER TABLE hookgate_partitioned_tables ADD CONSTRAINT hookgate_partitioned_tables_expires_with_check
  CHECK (expires_with IN ('deliveries', 'events', 'idempotency'));
INSERT INTO hookgate_partitioned_tables VALUES ('idempotency_keys', 'time', 'created_at', NULL, NULL, 'idempotency');

ALTER TABLE idempotency_keys RENAME TO v020_idempotency_keys;
ALTER TABLE v020_idempotency_keys RENAME CONSTRAINT idempotency_keys_pkey TO v020_idempotency_keys_pkey;
DROP INDEX idempotency_keys_created_at_idx;

-- The columns keep their order, so rows copy with SELECT *.
CREATE TABLE idempotency_keys (
  account_id            text NOT NULL REFERENCES accounts (id),
  key                   text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint           text NOT NULL,  -- sha256 hex of method, path and canonical body
  state                 text NOT NULL CHECK (state IN ('in_progress', 'done')),
  response_status       int,
  response_body         text,           -- plaintext, from before V015
  created_at            timestamptz NOT NULL DEFAULT now(),  -- keys expire 24 hours after this
  locked_at             timestamptz NOT NULL DEFAULT now(),  -- an in_progress claim older than 60 s is abandoned
  sealed_response_body  bytea,
  owner_token           text,
  PRIMARY KEY (account_id, key, created_at),
  CONSTRAINT idempotency_keys_done_has_response
    CHECK ((state = 'done') = (response_status IS NOT NULL
                               AND (response_body IS NOT NULL OR sealed_response_body IS NOT NULL))),
  CONSTRAINT idempotency_keys_one_form CHECK (response_body IS NULL OR sealed_response_body IS NULL)
) PARTITION BY RANGE (created_at);

-- The days the copied rows need, and yesterday through three days ahead
-- (workers and `hookgate maintain` keep creating them from here on).
DO $$
DECLARE
  v_day date;
BEGIN
  FOR v_day IN
    SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM v020_idempotency_keys
     WHERE created_at >= now() - interval '24 hours'
    UNION
    SELECT (generate_series(now() - interval '1 day', now() + interval '3 days', interval '1 day') AT TIME ZONE 'UTC')::date
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF idempotency_keys FOR VALUES FROM (%L) TO (%L)',
                   'idempotency_keys_p' || to_char(v_day, 'YYYYMMDD'),
                   (v_day::timestamp AT TIME ZONE 'UTC')::text, ((v_day + 1)::timestamp AT TIME ZONE 'UTC')::text);
  END LOOP;
END $$;

INSERT INTO idempotency_keys SELECT * FROM v020_idempotency_keys WHERE created_at >= now() - interval '24 hours';
DROP TABLE v020_idempotency_keys;
ANALYZE idempotency_keys;
