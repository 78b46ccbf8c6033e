-- Claims the Idempotency-Key `p_key` of `p_account` for the request that
-- holds `p_owner_token`, or reports the row that holds it.
--
-- The key is free when no row has it, when its row is past its 24 hours, or
-- when its row is an in_progress claim not refreshed for 60 seconds (its
-- request died). Claims of one key wait on a transaction advisory lock, so
-- the read and the write below are one step: idempotency_keys is
-- partitioned by day (V021) and its primary key cannot keep a second row of
-- a key out of another day, so this function does, by deleting the row it
-- replaces.
--
-- Returns one row: claimed, and when not claimed the existing row's
-- fingerprint, state and stored response.
CREATE OR REPLACE FUNCTION hookgate_claim_idempotency_key(
  p_account text, p_key text, p_fingerprint text, p_owner_token text)
RETURNS TABLE (claimed boolean, fingerprint text, state text, response_status integer, response_body text,
               sealed_response_body bytea)
LANGUAGE plpgsql AS $$
DECLARE
  v idempotency_keys%ROWTYPE;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('hookgate_idempotency:' || p_account || '/' || p_key, 0));
  -- A new statement, so a fresh snapshot: it sees what the lock's last
  -- holder committed. Rows are written at their transaction's now(), so
  -- the days made ahead hold none and are pruned away.
  SELECT * INTO v FROM idempotency_keys k
   WHERE k.account_id = p_account AND k.key = p_key AND k.created_at < now() + interval '1 day';
  IF FOUND THEN
    IF v.created_at >= now() - interval '24 hours'
       AND NOT (v.state = 'in_progress' AND v.locked_at < now() - interval '60 seconds') THEN
      RETURN QUERY SELECT false, v.fingerprint, v.state, v.response_status, v.response_body, v.sealed_response_body;
      RETURN;
    END IF;
    DELETE FROM idempotency_keys k
     WHERE k.account_id = p_account AND k.key = p_key AND k.created_at = v.created_at;
  END IF;
  INSERT INTO idempotency_keys (account_id, key, fingerprint, state, owner_token)
  VALUES (p_account, p_key, p_fingerprint, 'in_progress', p_owner_token);
  RETURN QUERY SELECT true, NULL::text, NULL::text, NULL::integer, NULL::text, NULL::bytea;
END $$;
