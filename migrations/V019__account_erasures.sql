-- Account erasure (DESIGN §10): DELETE /internal/v1/accounts/{id} writes a
-- job here, revokes the account's keys and takes its deliveries out of the
-- queue at once; workers then delete the account's rows in bounded batches
-- (hookgate_erase_account_batch) and the account row last. The job row
-- stays, so the erasure can be read afterwards and the account id keeps
-- answering 409 ACCOUNT_ERASED; it holds no foreign key to the account it
-- outlives.
CREATE TABLE account_erasures (
  id             text PRIMARY KEY CHECK (id ~ '^acer_[A-Za-z0-9]{1,64}$'),
  account_id     text NOT NULL UNIQUE,
  status         text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed')),
  -- Rows erased so far, by kind: {"deliveries": 1200, ...}.
  erased         jsonb NOT NULL DEFAULT '{}',
  -- No batch before this: the first waits out the claims in flight at the
  -- DELETE (a late result would write an attempt after its delivery went);
  -- later ones rest HOOKGATE_ERASURE_PAUSE_MS, across all processes.
  next_batch_at  timestamptz NOT NULL DEFAULT now(),
  created_at     timestamptz NOT NULL DEFAULT now(),
  completed_at   timestamptz,
  CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX account_erasures_running_idx ON account_erasures (next_batch_at) WHERE status = 'running';

-- Erasing goes by the account's rows through indexes. These were missing:
-- the queue by account (the DELETE empties it at once), retry jobs by
-- account and endpoint (deleting an endpoint looks its jobs up), and
-- retries by the job and the key they name (deleting either looks them up).
CREATE INDEX webhook_delivery_queue_account_idx ON webhook_delivery_queue (account_id);
CREATE INDEX webhook_retry_jobs_account_idx ON webhook_retry_jobs (account_id);
CREATE INDEX webhook_retry_jobs_endpoint_idx ON webhook_retry_jobs (endpoint_id);
CREATE INDEX webhook_delivery_retries_job_idx ON webhook_delivery_retries (retry_job_id) WHERE retry_job_id IS NOT NULL;
CREATE INDEX webhook_delivery_retries_key_idx ON webhook_delivery_retries (requested_by);
