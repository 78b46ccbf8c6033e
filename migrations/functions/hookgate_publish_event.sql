-- Publishes an event and fans it out in one statement; call it inside your
-- own transaction (a transactional outbox without a relay). Idempotent on
-- the id: the same id again returns outcome 'existing' and fans out nothing;
-- an id already used for another account or type returns 'conflict'
-- (as long as the event is kept: HOOKGATE_RETENTION_DAYS); an account
-- being (or already) erased returns 'account_erased' and stores nothing. Each
-- new delivery is queued by the same statement. p_notify => false leaves the
-- wake-up NOTIFY to the caller, to send after its commit (README: publishing
-- at a high rate).
CREATE OR REPLACE FUNCTION hookgate_publish_event(
  p_account text, p_type text, p_data jsonb,
  p_id text DEFAULT NULL, p_occurred_at timestamptz DEFAULT NULL, p_notify boolean DEFAULT true)
RETURNS TABLE (event_id text, outcome text, deliveries integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_id text := coalesce(p_id, hookgate_random_id('evt_'));
  v_occurred timestamptz := coalesce(p_occurred_at, now());
  v_existing events%ROWTYPE;
  v_count integer;
BEGIN
  IF hookgate_account_state(p_account) = 'erased' THEN
    RETURN QUERY SELECT v_id, 'account_erased'::text, 0;
    RETURN;
  END IF;
  -- An event id is unique across partitions, while the primary key, which
  -- holds the partition's created_at, can only guard one: a publisher's own
  -- id is looked for in all of them, under a lock on the id so that two
  -- publishes of it cannot both miss. A minted id is new by construction.
  IF p_id IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('hookgate_event:' || p_id, 0));
    SELECT * INTO v_existing FROM events e WHERE e.id = p_id;
    IF FOUND THEN
      IF v_existing.account_id = p_account AND v_existing.type = p_type THEN
        -- Its deliveries were minted after it: only partitions from then on.
        RETURN QUERY SELECT v_id, 'existing'::text,
          (SELECT count(*)::integer FROM webhook_deliveries d
            WHERE d.event_id = v_id AND d.id >= hookgate_id_at('whd_', v_existing.created_at));
      ELSE
        RETURN QUERY SELECT v_id, 'conflict'::text, 0;
      END IF;
      RETURN;
    END IF;
  END IF;
  INSERT INTO events (id, account_id, type, payload, occurred_at, created_at)
  VALUES (v_id, p_account, p_type,
          jsonb_build_object('id', v_id, 'type', p_type, 'account', p_account,
                             'created', to_char(v_occurred AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                             'data', p_data)::text,
          v_occurred, now());

  -- Fan-out: every enabled endpoint of the account with a subscription whose
  -- key still authorizes it (rule 3), decided once per distinct (pattern, key).
  WITH candidates AS MATERIALIZED (
    SELECT s.endpoint_id, s.pattern, s.authorized_by
    FROM webhook_endpoints e JOIN endpoint_subscriptions s ON s.endpoint_id = e.id
    WHERE e.account_id = p_account AND e.status = 'enabled'
      AND s.pattern = ANY (hookgate_patterns_matching(p_type))
  ), grants AS MATERIALIZED (
    SELECT g.pattern, g.authorized_by
    FROM (SELECT DISTINCT pattern, authorized_by FROM candidates OFFSET 0) g  -- OFFSET 0: no pushdown
    WHERE hookgate_subscription_authorized(g.pattern, g.authorized_by)
  ), fanned AS (
    -- A delivery's created_at is the time in its id (lists are ordered by id).
    INSERT INTO webhook_deliveries (id, account_id, event_id, event_created_at, endpoint_id, event_type, created_at)
    SELECT m.id, p_account, v_id, now(), m.endpoint_id, p_type, hookgate_id_time(m.id)
    FROM (SELECT hookgate_random_id('whd_') AS id, r.endpoint_id
          FROM (SELECT DISTINCT c.endpoint_id FROM candidates c JOIN grants USING (pattern, authorized_by)) r) m
    RETURNING id
  )
  INSERT INTO webhook_delivery_queue (delivery_id, account_id, due_at)
  SELECT f.id, p_account, now() FROM fanned f;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  IF v_count > 0 AND p_notify THEN
    PERFORM pg_notify('hookgate_deliveries', '');
  END IF;
  RETURN QUERY SELECT v_id, 'created'::text, v_count;
END $$;
