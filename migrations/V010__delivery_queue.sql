-- Delivery hot path: the queue of deliveries still to attempt moves to a
-- small table of its own.
--
-- Claims changed next_attempt_at and results changed status, both indexed
-- (or in an index predicate) on webhook_deliveries, so every delivery was
-- re-inserted into all of that table's indexes twice. Now a claim writes only
-- webhook_delivery_queue (two indexes), and a result deletes or reschedules
-- the queue row and updates webhook_deliveries in columns no index reads, so
-- that update stays on the row's page (heap-only).
--
-- Invariant: a delivery has a queue row exactly while its status is
-- 'pending' (kept by every function here and by the worker's statements).

CREATE TABLE webhook_delivery_queue (
  delivery_id   text PRIMARY KEY REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  account_id    text NOT NULL,
  -- When the next attempt is due. A claim moves it to the end of the lease,
  -- so a claimed row becomes due again only if its worker dies.
  due_at        timestamptz NOT NULL,
  -- Fencing: results are written only while the claim's token still matches.
  claim_token   bigint,
  -- Attempts started so far, the one in flight included; copied to the
  -- delivery with each result.
  attempt_count integer NOT NULL DEFAULT 0
) WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
CREATE INDEX webhook_delivery_queue_due_idx ON webhook_delivery_queue (due_at);

INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at, claim_token, attempt_count)
SELECT id, account_id, next_attempt_at, claim_token, attempt_count FROM webhook_deliveries WHERE status = 'pending';

-- Failed deliveries are found by failed_at, set only when a delivery ends
-- failed and cleared when it is sent again: a success never changes it.
ALTER TABLE webhook_deliveries ADD COLUMN failed_at timestamptz;
UPDATE webhook_deliveries SET failed_at = coalesce(last_attempt_at, updated_at) WHERE status = 'failed';
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_failed_check
  CHECK ((status = 'failed') = (failed_at IS NOT NULL));
DROP INDEX webhook_deliveries_account_failed_idx;
DROP INDEX webhook_deliveries_endpoint_failed_idx;
CREATE INDEX webhook_deliveries_account_failed_idx ON webhook_deliveries (account_id, created_at, seq)
  WHERE failed_at IS NOT NULL;
CREATE INDEX webhook_deliveries_endpoint_failed_idx ON webhook_deliveries (endpoint_id, created_at, seq)
  WHERE failed_at IS NOT NULL;

-- The queue's columns leave the delivery; dropping next_attempt_at drops
-- webhook_deliveries_due_idx and the pending/next_attempt_at CHECK with it.
ALTER TABLE webhook_deliveries DROP COLUMN next_attempt_at, DROP COLUMN claim_token;
-- Room on each page for every row on it to get its result there: the rows
-- of a page are claimed together and their results written in one statement,
-- so the old versions are not yet dead (prunable) while the new ones go in.
-- At V009's 60 about a third of the attempts' results, and at 70 about half
-- of the deliveries' results, found no room and were not heap-only updates.
ALTER TABLE webhook_deliveries SET (fillfactor = 45);
ALTER TABLE webhook_attempts SET (fillfactor = 40);

CREATE OR REPLACE FUNCTION hookgate_publish_event(
  p_account text, p_type text, p_data jsonb,
  p_id text DEFAULT NULL, p_occurred_at timestamptz DEFAULT NULL)
RETURNS TABLE (event_id text, outcome text, deliveries integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_id text := coalesce(p_id, hookgate_random_id('evt_'));
  v_occurred timestamptz := coalesce(p_occurred_at, now());
  v_existing events%ROWTYPE;
  v_count integer;
BEGIN
  INSERT INTO events (id, account_id, type, payload, occurred_at)
  VALUES (v_id, p_account, p_type,
          jsonb_build_object('id', v_id, 'type', p_type, 'account', p_account,
                             'created', to_char(v_occurred AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                             'data', p_data)::text,
          v_occurred)
  ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    SELECT * INTO v_existing FROM events e WHERE e.id = v_id;
    IF v_existing.account_id = p_account AND v_existing.type = p_type THEN
      RETURN QUERY SELECT v_id, 'existing'::text,
        (SELECT count(*)::integer FROM webhook_deliveries d WHERE d.event_id = v_id);
    ELSE
      RETURN QUERY SELECT v_id, 'conflict'::text, 0;
    END IF;
    RETURN;
  END IF;

  -- As in V007, and each new delivery is queued by the same statement.
  WITH candidates AS MATERIALIZED (
    SELECT s.endpoint_id, s.pattern, s.authorized_by
    FROM webhook_endpoints e JOIN endpoint_subscriptions s ON s.endpoint_id = e.id
    WHERE e.account_id = p_account AND e.status = 'enabled'
      AND s.pattern = ANY (hookgate_patterns_matching(p_type))
  ), grants AS MATERIALIZED (
    SELECT g.pattern, g.authorized_by
    FROM (SELECT DISTINCT pattern, authorized_by FROM candidates OFFSET 0) g  -- OFFSET 0: no pushdown
    WHERE hookgate_subscription_authorized(g.pattern, g.authorized_by)
  ), fanned AS (
    INSERT INTO webhook_deliveries (id, account_id, event_id, endpoint_id, event_type)
    SELECT hookgate_random_id('whd_'), p_account, v_id, r.endpoint_id, p_type
    FROM (SELECT DISTINCT c.endpoint_id FROM candidates c JOIN grants USING (pattern, authorized_by)) r
    RETURNING id
  )
  INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at)
  SELECT f.id, p_account, now() FROM fanned f;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  IF v_count > 0 THEN
    PERFORM pg_notify('hookgate_deliveries', '');
  END IF;
  RETURN QUERY SELECT v_id, 'created'::text, v_count;
END $$;

-- Disabling an endpoint ends its pending deliveries (and fences out any
-- in-flight claim by removing its queue row).
CREATE OR REPLACE FUNCTION end_deliveries_of_disabled_endpoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH ended AS (
    DELETE FROM webhook_delivery_queue q USING webhook_deliveries d
     WHERE d.id = q.delivery_id AND d.account_id = q.account_id
       AND d.endpoint_id = NEW.id AND d.account_id = NEW.account_id
    RETURNING q.delivery_id, q.attempt_count
  )
  UPDATE webhook_deliveries d
     SET status = 'failed', failed_at = now(), attempt_count = e.attempt_count,
         last_error = 'endpoint disabled (' || NEW.disabled_reason || ')', updated_at = now()
    FROM ended e
   WHERE d.id = e.delivery_id AND d.account_id = NEW.account_id;
  RETURN NULL;
END $$;

-- As in V008, with "in flight" read from the queue: a claim whose lease has
-- not yet passed.
CREATE OR REPLACE FUNCTION hookgate_retry_refusal(p_delivery_id text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  d webhook_deliveries%ROWTYPE;
  v_status text;
BEGIN
  SELECT * INTO d FROM webhook_deliveries WHERE id = p_delivery_id;
  SELECT status INTO v_status FROM webhook_endpoints WHERE id = d.endpoint_id;
  IF v_status <> 'enabled' THEN
    RETURN 'endpoint_disabled';
  ELSIF EXISTS (SELECT 1 FROM webhook_delivery_queue q
                 WHERE q.delivery_id = d.id AND q.account_id = d.account_id
                   AND q.claim_token IS NOT NULL AND q.due_at > now()) THEN
    RETURN 'attempt_in_progress';
  ELSIF NOT hookgate_endpoint_receives(d.endpoint_id, d.event_type) THEN
    RETURN 'subscription_unauthorized';
  END IF;
  RETURN NULL;
END $$;

-- Schedules an immediate attempt: queues the delivery (or makes its queue
-- row due now, fencing out an expired claim) and records who asked. The
-- attempt count carries on from where the delivery was.
CREATE OR REPLACE FUNCTION hookgate_retry_delivery(p_delivery_id text, p_key_id text, p_job_id text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at, attempt_count)
  SELECT d.id, d.account_id, now(), d.attempt_count FROM webhook_deliveries d WHERE d.id = p_delivery_id
  ON CONFLICT (delivery_id) DO UPDATE SET due_at = now(), claim_token = NULL;
  UPDATE webhook_deliveries
     SET status = 'pending', failed_at = NULL, updated_at = now()
   WHERE id = p_delivery_id;
  INSERT INTO webhook_delivery_retries (delivery_id, requested_by, retry_job_id)
  VALUES (p_delivery_id, p_key_id, p_job_id);
  PERFORM pg_notify('hookgate_deliveries', '');
END $$;
