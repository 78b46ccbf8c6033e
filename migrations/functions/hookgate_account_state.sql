-- Whether an account takes new writes: 'active', 'erased' (an erasure job
-- exists, running or completed) or 'missing'. The account row is locked FOR
-- KEY SHARE first, as the foreign keys of the writes that follow would lock
-- it: an erasure starting meanwhile (it locks the row FOR UPDATE) waits for
-- this transaction and then removes what it wrote, and one that committed
-- first is seen, because its job is looked up after the lock, in a
-- statement (and so a snapshot) of its own.
CREATE OR REPLACE FUNCTION hookgate_account_state(p_account text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_found boolean;
BEGIN
  PERFORM 1 FROM accounts a WHERE a.id = p_account FOR KEY SHARE;
  v_found := FOUND;
  IF EXISTS (SELECT 1 FROM account_erasures x WHERE x.account_id = p_account) THEN
    RETURN 'erased';
  END IF;
  RETURN CASE WHEN v_found THEN 'active' ELSE 'missing' END;
END $$;
