-- One batch of an account's erasure: up to p_batch rows of the first kind
-- the account still has, in an order that leaves nothing pointing at a row
-- already gone (deliveries with their attempts, retries, queue rows and
-- retry job items; events; retry jobs; endpoints with their subscriptions
-- and secrets; idempotency records; API keys), then the account row itself.
-- Every delete finds its rows through an index on the account or on the ids
-- of a batch; queue rows go with their deliveries (the erasure's start took
-- the account's off the queue, and nothing queues for it since). Returns the
-- rows deleted, by kind (every kind, zeros included), and whether the
-- account row went (the erasure is complete).
CREATE OR REPLACE FUNCTION hookgate_erase_account_batch(p_account text, p_batch integer,
                                                         OUT erased jsonb, OUT completed boolean)
LANGUAGE plpgsql AS $$
DECLARE
  v_ids text[];
  v_n integer;
BEGIN
  SELECT jsonb_object_agg(k, 0) INTO erased FROM unnest(hookgate_erasure_kinds()) k;
  completed := false;

  -- Deliveries, each with what belongs to it, in one statement; the delete
  -- trigger then finds nothing left to remove.
  SELECT array_agg(d.id) INTO v_ids
    FROM (SELECT id FROM webhook_deliveries WHERE account_id = p_account LIMIT p_batch) d;
  IF v_ids IS NOT NULL THEN
    WITH attempts AS (DELETE FROM webhook_attempts WHERE delivery_id = ANY (v_ids) RETURNING 1),
         retries AS (DELETE FROM webhook_delivery_retries WHERE delivery_id = ANY (v_ids) RETURNING 1),
         queued AS (DELETE FROM webhook_delivery_queue WHERE delivery_id = ANY (v_ids) RETURNING 1),
         items AS (DELETE FROM webhook_retry_job_items WHERE delivery_id = ANY (v_ids) RETURNING 1),
         deliveries AS (DELETE FROM webhook_deliveries WHERE id = ANY (v_ids) AND account_id = p_account RETURNING 1)
    SELECT erased || jsonb_build_object(
             'attempts', (SELECT count(*) FROM attempts), 'retries', (SELECT count(*) FROM retries),
             'queued_deliveries', (erased->>'queued_deliveries')::bigint + (SELECT count(*) FROM queued),
             'retry_job_items', (SELECT count(*) FROM items), 'deliveries', (SELECT count(*) FROM deliveries))
      INTO erased;
    RETURN;
  END IF;

  DELETE FROM events e
   USING (SELECT id, created_at FROM events WHERE account_id = p_account LIMIT p_batch) b
   WHERE e.id = b.id AND e.created_at = b.created_at AND e.account_id = p_account;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  IF v_n > 0 THEN
    erased := erased || jsonb_build_object('events', v_n);
    RETURN;
  END IF;

  -- Retry jobs: items left over (their deliveries expired), then the jobs.
  DELETE FROM webhook_retry_job_items i
   USING (SELECT i2.job_id, i2.delivery_seq FROM webhook_retry_jobs j
            JOIN webhook_retry_job_items i2 ON i2.job_id = j.id
           WHERE j.account_id = p_account LIMIT p_batch) b
   WHERE i.job_id = b.job_id AND i.delivery_seq = b.delivery_seq;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  IF v_n > 0 THEN
    erased := erased || jsonb_build_object('retry_job_items', v_n);
    RETURN;
  END IF;
  DELETE FROM webhook_retry_jobs
   WHERE id IN (SELECT id FROM webhook_retry_jobs WHERE account_id = p_account LIMIT p_batch);
  GET DIAGNOSTICS v_n = ROW_COUNT;
  IF v_n > 0 THEN
    erased := erased || jsonb_build_object('retry_jobs', v_n);
    RETURN;
  END IF;

  SELECT array_agg(e.id) INTO v_ids
    FROM (SELECT id FROM webhook_endpoints WHERE account_id = p_account LIMIT p_batch) e;
  IF v_ids IS NOT NULL THEN
    WITH subscriptions AS (DELETE FROM endpoint_subscriptions WHERE endpoint_id = ANY (v_ids) RETURNING 1),
         secrets AS (DELETE FROM endpoint_secrets WHERE endpoint_id = ANY (v_ids) RETURNING 1),
         endpoints AS (DELETE FROM webhook_endpoints WHERE id = ANY (v_ids) AND account_id = p_account RETURNING 1)
    SELECT erased || jsonb_build_object(
             'subscriptions', (SELECT count(*) FROM subscriptions), 'endpoint_secrets', (SELECT count(*) FROM secrets),
             'endpoints', (SELECT count(*) FROM endpoints))
      INTO erased;
    RETURN;
  END IF;

  DELETE FROM idempotency_keys
   WHERE account_id = p_account
     AND key IN (SELECT key FROM idempotency_keys WHERE account_id = p_account LIMIT p_batch);
  GET DIAGNOSTICS v_n = ROW_COUNT;
  IF v_n > 0 THEN
    erased := erased || jsonb_build_object('idempotency_keys', v_n);
    RETURN;
  END IF;

  -- Their secrets and scopes go with them; the key-change NOTIFY fires again.
  DELETE FROM api_keys WHERE id IN (SELECT id FROM api_keys WHERE account_id = p_account LIMIT p_batch);
  GET DIAGNOSTICS v_n = ROW_COUNT;
  IF v_n > 0 THEN
    erased := erased || jsonb_build_object('api_keys', v_n);
    RETURN;
  END IF;

  BEGIN
    DELETE FROM accounts WHERE id = p_account;
    GET DIAGNOSTICS v_n = ROW_COUNT;
  EXCEPTION WHEN foreign_key_violation THEN
    -- A row written since the passes above (by a request already in flight
    -- at the DELETE): the next batch removes it.
    RETURN;
  END;
  erased := erased || jsonb_build_object('accounts', v_n);
  completed := true;
END $$;
