-- History that grows with traffic is range-partitioned by day (UTC), so
-- retention drops whole partitions instead of deleting rows (DESIGN §10).
--
-- * webhook_deliveries by its id: ids start with the microsecond they were
--   minted (V012), so `id = $1` prunes to one partition with no extra
--   predicate, the primary key stays the id alone, and lists ordered by id
--   walk the partitions newest first and stop.
-- * webhook_attempts and webhook_delivery_retries by their delivery's id:
--   a delivery's attempts and retries live (and expire) with it, however
--   late they were made.
-- * events by created_at: an event's id may be the publisher's own (any
--   evt_ text, DESIGN §4), so it says nothing about time. Its primary key is
--   (id, created_at); publishing keeps ids unique across partitions
--   (hookgate_publish_event), and each delivery carries its event's
--   created_at to reach the one partition that holds it.
--
-- Deliveries from before V012 had random ids, which spell no time: each
-- gets a new id minted at its created_at (the rest of it derived from the
-- old id), and its attempts and retries follow. Such a delivery is days old
-- and long finished (the retry schedule spans about 28 hours); its
-- `webhook-id` would change only if it were sent again.
--
-- Id-keyed tables also get two catch-all partitions, so that an id written
-- by hand still has a home: `_before` below 2000-01-01 and `_after` from
-- the prefix's "1" on (the year 2112). Neither is ever dropped.
--
-- Foreign keys between history tables go: a partition could not be dropped
-- while another table's rows pointed into it, and the hot path paid a row
-- lock per check. Rows that belonged to a deleted delivery are removed by
-- the webhook_deliveries_delete_dependents trigger instead.
--
-- Existing rows are copied into the new tables inside this migration, which
-- holds an exclusive lock on them while it runs (README: "Retention and
-- disk" gives the time per million rows).

CREATE TABLE hookgate_partitioned_tables (
  table_name  text PRIMARY KEY,
  -- 'id': ranges of an id with prefix id_prefix; 'time': ranges of a timestamptz.
  key_kind    text NOT NULL CHECK (key_kind IN ('id', 'time')),
  key_column  text NOT NULL,
  id_prefix   text CHECK ((key_kind = 'id') = (id_prefix IS NOT NULL)),
  -- Storage parameters of each partition (a partitioned parent has none).
  storage     text,
  -- Which retention clock drops its partitions: 'deliveries' (a delivery
  -- and everything keyed by it) or 'events'.
  expires_with text NOT NULL CHECK (expires_with IN ('deliveries', 'events'))
);
INSERT INTO hookgate_partitioned_tables VALUES
  ('events', 'time', 'created_at', NULL, NULL, 'events'),
  ('webhook_deliveries', 'id', 'id', 'whd_', 'fillfactor = 45', 'deliveries'),
  ('webhook_attempts', 'id', 'delivery_id', 'whd_', NULL, 'deliveries'),
  ('webhook_delivery_retries', 'id', 'delivery_id', 'whd_', NULL, 'deliveries');

-- The smallest id with `prefix` minted at `t` (as hookgate_random_id writes it).
CREATE FUNCTION pg_temp.id_at(prefix text, t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT prefix || lpad(to_hex((extract(epoch FROM t) * 1000000)::bigint), 14, '0')
$$;
-- The time an id's digits spell, when they are hex.
CREATE FUNCTION pg_temp.id_time(id text) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN substr(id, 5, 14) ~ '^[0-9a-f]{14}$'
              THEN to_timestamp(('x' || lpad(substr(id, 5, 14), 16, '0'))::bit(64)::bigint / 1000000.0) END
$$;
CREATE FUNCTION pg_temp.create_day(p_table text, p_day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t hookgate_partitioned_tables%ROWTYPE;
  v_from timestamptz := p_day::timestamp AT TIME ZONE 'UTC';
  v_to timestamptz := (p_day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  SELECT * INTO STRICT t FROM hookgate_partitioned_tables WHERE table_name = p_table;
  EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L) %s',
                 p_table || '_p' || to_char(p_day, 'YYYYMMDD'), p_table,
                 CASE WHEN t.key_kind = 'id' THEN pg_temp.id_at(t.id_prefix, v_from) ELSE v_from::text END,
                 CASE WHEN t.key_kind = 'id' THEN pg_temp.id_at(t.id_prefix, v_to) ELSE v_to::text END,
                 coalesce('WITH (' || t.storage || ')', ''));
END $$;

-- The old tables, their indexes and sequences step aside.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
             JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname IN ('events', 'webhook_deliveries', 'webhook_attempts', 'webhook_delivery_retries')
              AND t.relnamespace = 'public'::regnamespace LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', r.relname, 'v017_' || r.relname);
  END LOOP;
END $$;
ALTER SEQUENCE events_seq_seq RENAME TO v017_events_seq_seq;
ALTER SEQUENCE webhook_deliveries_seq_seq RENAME TO v017_webhook_deliveries_seq_seq;
ALTER TABLE events RENAME TO v017_events;
ALTER TABLE webhook_deliveries RENAME TO v017_webhook_deliveries;
ALTER TABLE webhook_attempts RENAME TO v017_webhook_attempts;
ALTER TABLE webhook_delivery_retries RENAME TO v017_webhook_delivery_retries;

CREATE TABLE events (
  seq          bigint GENERATED ALWAYS AS IDENTITY,
  id           text NOT NULL CHECK (id ~ '^evt_[A-Za-z0-9]+$' AND length(id) <= 68),
  account_id   text NOT NULL REFERENCES accounts (id),
  type         text NOT NULL REFERENCES event_types (name),
  payload      text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE INDEX events_account_seq_idx ON events (account_id, seq);

-- Ids compare byte by byte ("C"): the partition bounds and the index order
-- are the order ids are minted in, whatever the database's collation.
CREATE TABLE webhook_deliveries (
  seq               bigint GENERATED ALWAYS AS IDENTITY,
  id                text COLLATE "C" NOT NULL CHECK (id ~ '^whd_[A-Za-z0-9]+$' AND length(id) <= 68),
  account_id        text NOT NULL REFERENCES accounts (id),
  event_id          text NOT NULL,
  event_created_at  timestamptz NOT NULL,
  endpoint_id       text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_type        text NOT NULL,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count     integer NOT NULL DEFAULT 0,
  last_attempt_at   timestamptz,
  last_status_code  integer,
  last_error        text,
  -- The time in the id, for deliveries made since V018: lists are ordered
  -- by id, and a created range is then also a range of ids.
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  failed_at         timestamptz,
  CONSTRAINT webhook_deliveries_failed_check CHECK ((status = 'failed') = (failed_at IS NOT NULL)),
  PRIMARY KEY (id)
) PARTITION BY RANGE (id);
CREATE INDEX webhook_deliveries_account_idx ON webhook_deliveries (account_id, id);
CREATE INDEX webhook_deliveries_account_failed_idx ON webhook_deliveries (account_id, id) WHERE failed_at IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_endpoint_failed_idx ON webhook_deliveries (endpoint_id, id) WHERE failed_at IS NOT NULL;
CREATE INDEX webhook_deliveries_type_idx ON webhook_deliveries (account_id, event_type, id);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
  id                text NOT NULL CHECK (id ~ '^wha_[A-Za-z0-9]+$' AND length(id) <= 68),
  delivery_id       text COLLATE "C" NOT NULL,
  account_id        text NOT NULL,
  attempt_number    integer NOT NULL,
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz NOT NULL,
  duration_us       bigint,
  outcome           text NOT NULL CHECK (outcome IN ('succeeded', 'failed', 'interrupted')),
  status_code       integer,
  error             text,
  response_snippet  text,
  -- Leads with the delivery: a delivery's attempts are read together, and
  -- one index fewer on the hot path than the old (delivery_id, attempt_number).
  PRIMARY KEY (delivery_id, id)
) PARTITION BY RANGE (delivery_id);

CREATE TABLE webhook_delivery_retries (
  delivery_id   text COLLATE "C" NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  requested_by  text NOT NULL REFERENCES api_keys (id),
  retry_job_id  text REFERENCES webhook_retry_jobs (id) ON DELETE SET NULL
) PARTITION BY RANGE (delivery_id);
CREATE INDEX webhook_delivery_retries_delivery_idx ON webhook_delivery_retries (delivery_id, requested_at);

-- Each delivery's id from here on: its own when it spells a time within a
-- day of its created_at (minted since V012), else a new one (see above).
CREATE TEMPORARY TABLE v018_delivery_ids ON COMMIT DROP AS
SELECT id AS old_id,
       CASE WHEN pg_temp.id_time(id) BETWEEN created_at - interval '1 day' AND created_at + interval '1 day'
            THEN id ELSE pg_temp.id_at('whd_', created_at) || substr(md5(id), 1, 18) END AS new_id
  FROM v017_webhook_deliveries;
CREATE UNIQUE INDEX ON v018_delivery_ids (old_id);

-- Partitions: the catch-alls, every day an existing row needs, and today
-- through three days ahead (workers and `hookgate maintain` keep creating
-- them from here on).
DO $$
DECLARE
  t hookgate_partitioned_tables%ROWTYPE;
  v_day date;
BEGIN
  FOR t IN SELECT * FROM hookgate_partitioned_tables WHERE key_kind = 'id' LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (MINVALUE) TO (%L) %s',
                   t.table_name || '_before', t.table_name, pg_temp.id_at(t.id_prefix, '2000-01-01+00'),
                   coalesce('WITH (' || t.storage || ')', ''));
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (MAXVALUE) %s',
                   t.table_name || '_after', t.table_name, t.id_prefix || '1',
                   coalesce('WITH (' || t.storage || ')', ''));
  END LOOP;
  FOR v_day IN
    SELECT (pg_temp.id_time(new_id) AT TIME ZONE 'UTC')::date FROM v018_delivery_ids
     WHERE new_id COLLATE "C" >= pg_temp.id_at('whd_', '2000-01-01+00') AND new_id COLLATE "C" < 'whd_1'
    UNION
    SELECT (generate_series(now() - interval '1 day', now() + interval '3 days', interval '1 day') AT TIME ZONE 'UTC')::date
  LOOP
    PERFORM pg_temp.create_day('webhook_deliveries', v_day);
    PERFORM pg_temp.create_day('webhook_attempts', v_day);
    PERFORM pg_temp.create_day('webhook_delivery_retries', v_day);
  END LOOP;
  FOR v_day IN
    SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM v017_events
    UNION SELECT (generate_series(now() - interval '1 day', now() + interval '3 days', interval '1 day') AT TIME ZONE 'UTC')::date
  LOOP
    PERFORM pg_temp.create_day('events', v_day);
  END LOOP;
END $$;

INSERT INTO events (seq, id, account_id, type, payload, occurred_at, created_at) OVERRIDING SYSTEM VALUE
SELECT seq, id, account_id, type, payload, occurred_at, created_at FROM v017_events;
SELECT setval(pg_get_serial_sequence('events', 'seq'), coalesce((SELECT max(seq) FROM v017_events), 0) + 1, false);

INSERT INTO webhook_deliveries (seq, id, account_id, event_id, event_created_at, endpoint_id, event_type, status,
                                attempt_count, last_attempt_at, last_status_code, last_error, created_at,
                                updated_at, failed_at) OVERRIDING SYSTEM VALUE
SELECT d.seq, k.new_id, d.account_id, d.event_id, e.created_at, d.endpoint_id, d.event_type, d.status,
       d.attempt_count, d.last_attempt_at, d.last_status_code, d.last_error, d.created_at, d.updated_at, d.failed_at
  FROM v017_webhook_deliveries d JOIN v018_delivery_ids k ON k.old_id = d.id JOIN v017_events e ON e.id = d.event_id;
SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'seq'),
              coalesce((SELECT max(seq) FROM v017_webhook_deliveries), 0) + 1, false);

-- Rows of no delivery (none should exist) are not carried over.
INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, duration_us,
                              outcome, status_code, error, response_snippet)
SELECT a.id, k.new_id, a.account_id, a.attempt_number, a.started_at, a.finished_at, a.duration_us, a.outcome,
       a.status_code, a.error, a.response_snippet
  FROM v017_webhook_attempts a JOIN v018_delivery_ids k ON k.old_id = a.delivery_id;
INSERT INTO webhook_delivery_retries (delivery_id, requested_at, requested_by, retry_job_id)
SELECT k.new_id, r.requested_at, r.requested_by, r.retry_job_id
  FROM v017_webhook_delivery_retries r JOIN v018_delivery_ids k ON k.old_id = r.delivery_id;
-- Dropping the old deliveries drops the foreign keys that pointed at them
-- (queue, retry job items). Their delivery ids compare as the deliveries' do.
DROP TABLE v017_webhook_delivery_retries, v017_webhook_attempts, v017_webhook_deliveries, v017_events CASCADE;
ALTER TABLE webhook_delivery_queue ALTER COLUMN delivery_id TYPE text COLLATE "C";
ALTER TABLE webhook_retry_job_items ALTER COLUMN delivery_id TYPE text COLLATE "C";
UPDATE webhook_delivery_queue q SET delivery_id = k.new_id
  FROM v018_delivery_ids k WHERE k.old_id = q.delivery_id AND k.new_id <> k.old_id;
UPDATE webhook_retry_job_items i SET delivery_id = k.new_id
  FROM v018_delivery_ids k WHERE k.old_id = i.delivery_id AND k.new_id <> k.old_id;


-- The trigger went with the old table; it and its function are replaced by
-- webhook_deliveries_delete_dependents and delete_rows_of_deleted_deliveries,
-- which also remove the rows the dropped foreign keys used to.
DROP FUNCTION delete_attempts_of_deleted_deliveries();
DELETE FROM schema_repeatable_migrations
 WHERE name IN ('triggers/webhook_deliveries_delete_attempts.sql', 'functions/delete_attempts_of_deleted_deliveries.sql');

ANALYZE events, webhook_deliveries, webhook_attempts, webhook_delivery_retries, webhook_delivery_queue,
        webhook_retry_job_items;
