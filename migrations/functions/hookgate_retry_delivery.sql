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
