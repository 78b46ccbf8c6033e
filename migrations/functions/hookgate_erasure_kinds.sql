-- The kinds of row an account erasure counts in account_erasures.erased,
-- in the order hookgate_erase_account_batch deletes them.
CREATE OR REPLACE FUNCTION hookgate_erasure_kinds() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT ARRAY['queued_deliveries', 'attempts', 'retries', 'retry_job_items', 'deliveries', 'events',
               'retry_jobs', 'subscriptions', 'endpoint_secrets', 'endpoints', 'idempotency_keys', 'api_keys',
               'accounts']
$$;
