-- Advances up to p_max_jobs due account erasures by one batch each
-- (hookgate_erase_account_batch), adds what each batch deleted to its job's
-- counts and rests the job for p_pause. A job is locked while its batch
-- runs (SKIP LOCKED: processes never work one job at once) and commits with
-- its counts, so a process that dies mid-batch leaves the job as it was.
-- Returns how many jobs it advanced.
CREATE OR REPLACE FUNCTION hookgate_run_account_erasures(p_batch integer, p_pause interval, p_max_jobs integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  job account_erasures%ROWTYPE;
  step record;
  v_jobs integer := 0;
BEGIN
  FOR job IN
    SELECT * FROM account_erasures
     WHERE status = 'running' AND next_batch_at <= now()
     ORDER BY next_batch_at LIMIT p_max_jobs FOR UPDATE SKIP LOCKED
  LOOP
    v_jobs := v_jobs + 1;
    SELECT * INTO step FROM hookgate_erase_account_batch(job.account_id, p_batch);
    UPDATE account_erasures x
       SET erased = (SELECT jsonb_object_agg(k.key, coalesce((x.erased->>k.key)::bigint, 0) + k.value::bigint)
                       FROM jsonb_each_text(step.erased) k),
           next_batch_at = now() + p_pause,
           status = CASE WHEN step.completed THEN 'completed' ELSE 'running' END,
           completed_at = CASE WHEN step.completed THEN now() END
     WHERE x.id = job.id;
  END LOOP;
  RETURN v_jobs;
END $$;
