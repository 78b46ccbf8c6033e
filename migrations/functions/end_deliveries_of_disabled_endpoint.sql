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
    ON CONFLICT (delivery_id, id) DO NOTHING
  )
  UPDATE webhook_deliveries d
     SET status = 'failed', failed_at = now(), attempt_count = e.attempt_count,
         last_error = 'endpoint disabled (' || NEW.disabled_reason || ')', updated_at = now()
    FROM ended e
   WHERE d.id = e.delivery_id AND d.account_id = NEW.account_id;
  RETURN NULL;
END $$;
