-- Removes what belonged to deleted deliveries, once per statement: their
-- attempts, retry records, queue rows and retry job items. None of these
-- carries a foreign key to its delivery: checking one cost a row lock per
-- row on the delivery hot path, and would stop a day's partition of
-- deliveries from being dropped (V018).
CREATE OR REPLACE FUNCTION delete_rows_of_deleted_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_attempts a USING removed r WHERE a.delivery_id = r.id;
  DELETE FROM webhook_delivery_retries x USING removed r WHERE x.delivery_id = r.id;
  DELETE FROM webhook_delivery_queue q USING removed r WHERE q.delivery_id = r.id;
  DELETE FROM webhook_retry_job_items i USING removed r WHERE i.delivery_id = r.id;
  RETURN NULL;
END $$;
