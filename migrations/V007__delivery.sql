-- Events, their fan-out into deliveries, and every delivery attempt.
--
-- Publishing is one SQL function, hookgate_publish_event(), used by the REST
-- route, the CLI and any producer sharing the database (call it inside your
-- own transaction: the event and its deliveries commit with your data or not
-- at all — a transactional outbox without a relay).

CREATE TABLE events (
  seq          bigint GENERATED ALWAYS AS IDENTITY,
  id           text PRIMARY KEY CHECK (id ~ '^evt_[A-Za-z0-9]{1,64}$'),
  account_id   text NOT NULL REFERENCES accounts (id),
  type         text NOT NULL REFERENCES event_types (name),
  -- The exact bytes every delivery of this event sends (and signs).
  payload      text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_account_seq_idx ON events (account_id, seq);

-- When an endpoint started failing without a success since (endpoint health).
ALTER TABLE webhook_endpoints ADD COLUMN failing_since timestamptz;

-- A claim stamps the row with a fresh token from this sequence; results are
-- written only while the token still matches (fencing: a worker whose lease
-- passed to another cannot overwrite the newer claim).
CREATE SEQUENCE webhook_claim_tokens;

CREATE TABLE webhook_deliveries (
  seq              bigint GENERATED ALWAYS AS IDENTITY,
  id               text PRIMARY KEY CHECK (id ~ '^whd_[A-Za-z0-9]{1,64}$'),
  account_id       text NOT NULL REFERENCES accounts (id),
  event_id         text NOT NULL REFERENCES events (id),
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_type       text NOT NULL,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempt_count    integer NOT NULL DEFAULT 0,
  -- While pending: when the next attempt is due. A claim moves it to the end
  -- of the lease, so a claimed row becomes due again only if its worker dies.
  next_attempt_at  timestamptz,
  claim_token      bigint,
  last_attempt_at  timestamptz,
  last_status_code integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, endpoint_id),
  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
-- The queue: only pending rows, in due order.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, seq);
CREATE INDEX webhook_deliveries_account_seq_idx ON webhook_deliveries (account_id, seq);

-- One row per attempt, written when the attempt is claimed (outcome NULL) and
-- completed with its result, so a request that reached a receiver is on record
-- even when the worker died before it could write the result.
CREATE TABLE webhook_attempts (
  id                text PRIMARY KEY CHECK (id ~ '^wha_[A-Za-z0-9]{1,64}$'),
  delivery_id       text NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  account_id        text NOT NULL,
  attempt_number    integer NOT NULL,
  started_at        timestamptz NOT NULL,
  finished_at       timestamptz,
  duration_us       bigint,
  outcome           text CHECK (outcome IN ('succeeded', 'failed', 'interrupted')),
  status_code       integer,
  error             text,
  response_snippet  text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt_number);
-- Attempts still in flight: each claim closes its delivery's leftover one.
CREATE INDEX webhook_attempts_open_idx ON webhook_attempts (delivery_id) WHERE outcome IS NULL;

CREATE FUNCTION hookgate_random_id(prefix text) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT prefix || replace(gen_random_uuid()::text, '-', '')
$$;

-- Every subscription pattern that matches an event type: the type, each
-- dotted family wildcard, and "*" (mirrors patterns_matching() in C++).
CREATE FUNCTION hookgate_patterns_matching(event_type text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  parts text[] := string_to_array(event_type, '.');
  out text[] := ARRAY[event_type, '*'];
BEGIN
  FOR i IN 1 .. coalesce(array_length(parts, 1), 1) - 1 LOOP
    out := out || (array_to_string(parts[1:i], '.') || '.*');
  END LOOP;
  RETURN out;
END $$;

-- DESIGN §3 rule 3 (mirrors subscription_status() in C++): a subscription is
-- authorized while its key is not revoked and still effectively holds the
-- read scope of every type the pattern matches (a pk_ key never holds a
-- scope that requires sk_).
-- (PL/pgSQL rather than SQL functions throughout: their plans are cached
-- per connection, where a non-inlinable SQL function is planned per call.)
CREATE FUNCTION hookgate_subscription_authorized(pattern text, key_id text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT k.revoked_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM event_types t JOIN scopes sc ON sc.name = t.scope
    WHERE (pattern = '*' OR pattern = t.name
           OR (right(pattern, 2) = '.*' AND starts_with(t.name, left(pattern, -1))))
      AND NOT ((k.kind = 'sk' OR NOT sc.requires_sk)
               AND EXISTS (SELECT 1 FROM api_key_scopes ks WHERE ks.key_id = k.id AND ks.scope = t.scope)))
    FROM api_keys k WHERE k.id = hookgate_subscription_authorized.key_id);
END $$;

-- True when an enabled endpoint has an authorized subscription for the type.
CREATE FUNCTION hookgate_endpoint_receives(endpoint_id text, event_type text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM endpoint_subscriptions s
    WHERE s.endpoint_id = hookgate_endpoint_receives.endpoint_id
      AND s.pattern = ANY (hookgate_patterns_matching(hookgate_endpoint_receives.event_type))
      AND hookgate_subscription_authorized(s.pattern, s.authorized_by));
END $$;

-- Publishes an event and fans it out in one statement. Idempotent on the id:
-- the same id again returns outcome 'existing' and fans out nothing; an id
-- already used for another account or type returns 'conflict'.
CREATE FUNCTION hookgate_publish_event(
  p_account text, p_type text, p_data jsonb,
  p_id text DEFAULT NULL, p_occurred_at timestamptz DEFAULT NULL)
RETURNS TABLE (event_id text, outcome text, deliveries integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_id text := coalesce(p_id, hookgate_random_id('evt_'));
  v_occurred timestamptz := coalesce(p_occurred_at, now());
  v_existing events%ROWTYPE;
  v_count integer;
BEGIN
  INSERT INTO events (id, account_id, type, payload, occurred_at)
  VALUES (v_id, p_account, p_type,
          jsonb_build_object('id', v_id, 'type', p_type, 'account', p_account,
                             'created', to_char(v_occurred AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                             'data', p_data)::text,
          v_occurred)
  ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    SELECT * INTO v_existing FROM events e WHERE e.id = v_id;
    IF v_existing.account_id = p_account AND v_existing.type = p_type THEN
      RETURN QUERY SELECT v_id, 'existing'::text,
        (SELECT count(*)::integer FROM webhook_deliveries d WHERE d.event_id = v_id);
    ELSE
      RETURN QUERY SELECT v_id, 'conflict'::text, 0;
    END IF;
    RETURN;
  END IF;

  -- Set-based: the account's matching subscriptions, with each distinct
  -- (pattern, key) authorization decided once, not once per endpoint.
  WITH candidates AS MATERIALIZED (
    SELECT s.endpoint_id, s.pattern, s.authorized_by
    FROM webhook_endpoints e JOIN endpoint_subscriptions s ON s.endpoint_id = e.id
    WHERE e.account_id = p_account AND e.status = 'enabled'
      AND s.pattern = ANY (hookgate_patterns_matching(p_type))
  ), grants AS MATERIALIZED (
    SELECT g.pattern, g.authorized_by
    FROM (SELECT DISTINCT pattern, authorized_by FROM candidates OFFSET 0) g  -- OFFSET 0: no pushdown
    WHERE hookgate_subscription_authorized(g.pattern, g.authorized_by)
  )
  INSERT INTO webhook_deliveries (id, account_id, event_id, endpoint_id, event_type, next_attempt_at)
  SELECT hookgate_random_id('whd_'), p_account, v_id, r.endpoint_id, p_type, now()
  FROM (SELECT DISTINCT c.endpoint_id FROM candidates c JOIN grants USING (pattern, authorized_by)) r;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  IF v_count > 0 THEN
    PERFORM pg_notify('hookgate_deliveries', '');
  END IF;
  RETURN QUERY SELECT v_id, 'created'::text, v_count;
END $$;

-- Disabling an endpoint ends its pending deliveries (and fences out any
-- in-flight claim), so a disabled endpoint receives nothing more.
CREATE FUNCTION end_deliveries_of_disabled_endpoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE webhook_deliveries
     SET status = 'failed', next_attempt_at = NULL, claim_token = NULL,
         last_error = 'endpoint disabled (' || NEW.disabled_reason || ')', updated_at = now()
   WHERE endpoint_id = NEW.id AND status = 'pending';
  RETURN NULL;
END $$;

CREATE TRIGGER webhook_endpoint_disabled
  AFTER UPDATE OF status ON webhook_endpoints
  FOR EACH ROW WHEN (OLD.status = 'enabled' AND NEW.status = 'disabled')
  EXECUTE FUNCTION end_deliveries_of_disabled_endpoint();
