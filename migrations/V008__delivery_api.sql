-- The deliveries API: list indexes that match its filters, the audit of every
-- retry, and retry jobs ("recover") whose state lives here so any worker can
-- finish a job another one started.

-- Lists are newest first by (created_at, seq), so a created[gte]/[lte] range
-- is a range of each index rather than a filter applied while walking it.
DROP INDEX webhook_deliveries_endpoint_idx;
DROP INDEX webhook_deliveries_account_seq_idx;
CREATE INDEX webhook_deliveries_account_created_idx ON webhook_deliveries (account_id, created_at, seq);
CREATE INDEX webhook_deliveries_endpoint_created_idx ON webhook_deliveries (endpoint_id, created_at, seq);
CREATE INDEX webhook_deliveries_type_created_idx ON webhook_deliveries (account_id, event_type, created_at, seq);
-- Failed deliveries are the few that dashboards and recover jobs look for;
-- partial indexes keep them one probe away without taxing the hot path.
CREATE INDEX webhook_deliveries_account_failed_idx ON webhook_deliveries (account_id, created_at, seq)
  WHERE status = 'failed';
CREATE INDEX webhook_deliveries_endpoint_failed_idx ON webhook_deliveries (endpoint_id, created_at, seq)
  WHERE status = 'failed';

CREATE TABLE webhook_retry_jobs (
  id            text PRIMARY KEY CHECK (id ~ '^whr_[A-Za-z0-9]{1,64}$'),
  account_id    text NOT NULL REFERENCES accounts (id),
  endpoint_id   text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  requested_by  text NOT NULL REFERENCES api_keys (id),
  since         timestamptz NOT NULL,
  until         timestamptz NOT NULL,
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed')),
  total         integer NOT NULL,
  done          integer NOT NULL DEFAULT 0,   -- deliveries sent again
  failed        integer NOT NULL DEFAULT 0,   -- deliveries that could not be sent again (see error on the item)
  skipped       integer NOT NULL DEFAULT 0,   -- no longer failed when the job reached them (retried meanwhile)
  -- Slices of a job run at most once per tick, in whichever process: this is
  -- what bounds the job's send rate across any number of workers.
  next_slice_at timestamptz NOT NULL DEFAULT '-infinity',
  created_at    timestamptz NOT NULL DEFAULT now(),
  completed_at  timestamptz
);
CREATE INDEX webhook_retry_jobs_running_idx ON webhook_retry_jobs (next_slice_at) WHERE status = 'running';
-- One running job per endpoint: the job's send rate is then the endpoint's.
CREATE UNIQUE INDEX webhook_retry_jobs_one_running_idx ON webhook_retry_jobs (endpoint_id) WHERE status = 'running';

-- The exact set a job re-sends, fixed when it is created.
CREATE TABLE webhook_retry_job_items (
  job_id       text NOT NULL REFERENCES webhook_retry_jobs (id) ON DELETE CASCADE,
  delivery_seq bigint NOT NULL,
  delivery_id  text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  state        text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed', 'skipped')),
  error        text,
  PRIMARY KEY (job_id, delivery_seq)
);
CREATE INDEX webhook_retry_job_items_delivery_idx ON webhook_retry_job_items (delivery_id);

-- Who asked for each retry, one row per request (a key, possibly via a job).
CREATE TABLE webhook_delivery_retries (
  delivery_id   text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  requested_by  text NOT NULL REFERENCES api_keys (id),
  retry_job_id  text REFERENCES webhook_retry_jobs (id) ON DELETE SET NULL
);
CREATE INDEX webhook_delivery_retries_delivery_idx ON webhook_delivery_retries (delivery_id, requested_at);

-- Why a delivery cannot be sent again now, or NULL when it can: its endpoint
-- is disabled, an attempt is in flight, or no authorized subscription of the
-- endpoint covers its type any more (DESIGN §3 rule 3).
CREATE FUNCTION hookgate_retry_refusal(p_delivery_id text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  d webhook_deliveries%ROWTYPE;
  v_status text;
BEGIN
  SELECT * INTO d FROM webhook_deliveries WHERE id = p_delivery_id;
  SELECT status INTO v_status FROM webhook_endpoints WHERE id = d.endpoint_id;
  IF v_status <> 'enabled' THEN
    RETURN 'endpoint_disabled';
  ELSIF d.status = 'pending' AND d.claim_token IS NOT NULL AND d.next_attempt_at > now() THEN
    RETURN 'attempt_in_progress';
  ELSIF NOT hookgate_endpoint_receives(d.endpoint_id, d.event_type) THEN
    RETURN 'subscription_unauthorized';
  END IF;
  RETURN NULL;
END $$;

-- Schedules an immediate attempt of a delivery (same id, so the same
-- webhook-id) and records who asked. The caller has locked the row and
-- checked hookgate_retry_refusal(). The attempt count carries on, so a
-- failed retry continues the retry schedule from where the delivery was.
CREATE FUNCTION hookgate_retry_delivery(p_delivery_id text, p_key_id text, p_job_id text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE webhook_deliveries
     SET status = 'pending', next_attempt_at = now(), claim_token = NULL, updated_at = now()
   WHERE id = p_delivery_id;
  INSERT INTO webhook_delivery_retries (delivery_id, requested_by, retry_job_id)
  VALUES (p_delivery_id, p_key_id, p_job_id);
  PERFORM pg_notify('hookgate_deliveries', '');
END $$;

-- Runs one slice of up to p_max_jobs due retry jobs: each sends again at most
-- p_items of its queued deliveries and is not due again before p_tick has
-- passed. Everything a slice does commits together, so a process that dies
-- mid-slice leaves the job exactly as it was for another worker to continue.
CREATE FUNCTION hookgate_run_retry_jobs(p_items integer, p_tick interval, p_max_jobs integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  job webhook_retry_jobs%ROWTYPE;
  item record;
  v_jobs integer := 0;
  v_state text;
  v_refusal text;
  v_sent integer;
  v_failed integer;
  v_skipped integer;
BEGIN
  FOR job IN
    SELECT * FROM webhook_retry_jobs
     WHERE status = 'running' AND next_slice_at <= now()
     ORDER BY next_slice_at LIMIT p_max_jobs FOR UPDATE SKIP LOCKED
  LOOP
    v_jobs := v_jobs + 1;
    v_sent := 0; v_failed := 0; v_skipped := 0;
    FOR item IN
      SELECT i.delivery_seq, i.delivery_id, d.status
        FROM webhook_retry_job_items i JOIN webhook_deliveries d ON d.id = i.delivery_id
       WHERE i.job_id = job.id AND i.state = 'queued'
       ORDER BY i.delivery_seq LIMIT p_items
         FOR UPDATE OF d
    LOOP
      v_refusal := NULL;
      IF item.status <> 'failed' THEN
        v_state := 'skipped';
        v_skipped := v_skipped + 1;
      ELSE
        v_refusal := hookgate_retry_refusal(item.delivery_id);
        IF v_refusal IS NULL THEN
          PERFORM hookgate_retry_delivery(item.delivery_id, job.requested_by, job.id);
          v_state := 'sent';
          v_sent := v_sent + 1;
        ELSE
          v_state := 'failed';
          v_failed := v_failed + 1;
        END IF;
      END IF;
      UPDATE webhook_retry_job_items SET state = v_state, error = v_refusal
       WHERE job_id = job.id AND delivery_seq = item.delivery_seq;
    END LOOP;
    UPDATE webhook_retry_jobs j
       SET done = j.done + v_sent, failed = j.failed + v_failed, skipped = j.skipped + v_skipped,
           next_slice_at = now() + p_tick,
           status = CASE WHEN EXISTS (SELECT 1 FROM webhook_retry_job_items i
                                       WHERE i.job_id = job.id AND i.state = 'queued')
                         THEN 'running' ELSE 'completed' END,
           completed_at = CASE WHEN EXISTS (SELECT 1 FROM webhook_retry_job_items i
                                             WHERE i.job_id = job.id AND i.state = 'queued')
                               THEN NULL ELSE now() END
     WHERE j.id = job.id;
  END LOOP;
  RETURN v_jobs;
END $$;
