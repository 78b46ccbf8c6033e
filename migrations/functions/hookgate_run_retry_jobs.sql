-- Runs one slice of up to p_max_jobs due retry jobs: each sends again at most
-- p_items of its queued deliveries and is not due again before p_tick has
-- passed. Everything a slice does commits together, so a process that dies
-- mid-slice leaves the job exactly as it was for another worker to continue.
CREATE OR REPLACE FUNCTION hookgate_run_retry_jobs(p_items integer, p_tick interval, p_max_jobs integer)
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
  v_status text;
BEGIN
  FOR job IN
    SELECT * FROM webhook_retry_jobs
     WHERE status = 'running' AND next_slice_at <= now()
     ORDER BY next_slice_at LIMIT p_max_jobs FOR UPDATE SKIP LOCKED
  LOOP
    v_jobs := v_jobs + 1;
    v_sent := 0; v_failed := 0; v_skipped := 0;
    FOR item IN
      SELECT i.delivery_seq, i.delivery_id FROM webhook_retry_job_items i
       WHERE i.job_id = job.id AND i.state = 'queued'
       ORDER BY i.delivery_seq LIMIT p_items
    LOOP
      v_refusal := NULL;
      SELECT d.status INTO v_status FROM webhook_deliveries d WHERE d.id = item.delivery_id FOR UPDATE;
      IF NOT FOUND THEN
        -- Its partition expired (retention) after the job was made.
        v_state := 'skipped';
        v_refusal := 'expired';
        v_skipped := v_skipped + 1;
      ELSIF v_status <> 'failed' THEN
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
