-- Delivery hot path: an attempt's row is written once, with its result.
--
-- Until now a claim inserted an open attempt row and its result updated it:
-- two row versions, two WAL records, and a page kept 60% empty (fillfactor)
-- for the update. The attempt in flight now lives on the delivery's queue
-- row, which the claim writes anyway: its id and start time, next to the
-- attempt number (attempt_count) and the claim token. The result inserts the
-- attempt whole. A claim that finds the previous claim's attempt still on
-- the queue row (its worker died; or a retry replaced an expired claim)
-- records that attempt as interrupted; a result that arrives after all the
-- same replaces the interrupted row with what really happened.

ALTER TABLE webhook_delivery_queue
  ADD COLUMN attempt_id text,
  ADD COLUMN attempt_started_at timestamptz,
  ADD CONSTRAINT webhook_delivery_queue_attempt_check CHECK ((attempt_id IS NULL) = (attempt_started_at IS NULL));

-- Open attempts move to their queue rows; any other (a delivery no longer
-- queued) can no longer get a result through its claim and is interrupted.
UPDATE webhook_delivery_queue q SET attempt_id = a.id, attempt_started_at = a.started_at
  FROM webhook_attempts a
 WHERE a.delivery_id = q.delivery_id AND a.attempt_number = q.attempt_count AND a.outcome IS NULL;
DELETE FROM webhook_attempts a USING webhook_delivery_queue q WHERE a.id = q.attempt_id;
UPDATE webhook_attempts SET outcome = 'interrupted', finished_at = started_at,
  error = 'no result recorded: the worker stopped and its lease expired'
 WHERE outcome IS NULL;

ALTER TABLE webhook_attempts ALTER COLUMN outcome SET NOT NULL, ALTER COLUMN finished_at SET NOT NULL;
-- Rows are no longer updated in place: pages fill up (new pages only).
ALTER TABLE webhook_attempts RESET (fillfactor);

-- Disabling an endpoint takes its deliveries out of the queue; an attempt in
-- flight there is recorded as interrupted (its worker's result, if it still
-- comes, replaces that).
CREATE OR REPLACE FUNCTION end_deliveries_of_disabled_endpoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH ended AS (
    DELETE FROM webhook_delivery_queue q USING webhook_deliveries d
     WHERE d.id = q.delivery_id AND d.account_id = q.account_id
       AND d.endpoint_id = NEW.id AND d.account_id = NEW.account_id
    RETURNING q.delivery_id, q.attempt_count, q.attempt_id, q.attempt_started_at
  ), interrupted AS (
    INSERT INTO webhook_attempts (id, delivery_id, account_id, attempt_number, started_at, finished_at, outcome, error)
    SELECT e.attempt_id, e.delivery_id, NEW.account_id, e.attempt_count, e.attempt_started_at, now(), 'interrupted',
           'no result recorded before the endpoint was disabled'
      FROM ended e WHERE e.attempt_id IS NOT NULL
    ON CONFLICT (id) DO NOTHING
  )
  UPDATE webhook_deliveries d
     SET status = 'failed', failed_at = now(), attempt_count = e.attempt_count,
         last_error = 'endpoint disabled (' || NEW.disabled_reason || ')', updated_at = now()
    FROM ended e
   WHERE d.id = e.delivery_id AND d.account_id = NEW.account_id;
  RETURN NULL;
END $$;
