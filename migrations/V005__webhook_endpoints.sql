-- Webhook endpoints, their signing secrets and their event subscriptions.

CREATE TABLE webhook_endpoints (
  seq              bigint GENERATED ALWAYS AS IDENTITY,  -- stable list order (keyset pagination)
  id               text PRIMARY KEY CHECK (id ~ '^we_[A-Za-z0-9]{1,64}$'),
  account_id       text NOT NULL REFERENCES accounts (id),
  url              text NOT NULL,
  description      text NOT NULL DEFAULT '',
  metadata         jsonb NOT NULL DEFAULT '{}',
  status           text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
  disabled_reason  text CHECK ((status = 'disabled') = (disabled_reason IS NOT NULL)),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX webhook_endpoints_account_seq_idx ON webhook_endpoints (account_id, seq);
CREATE INDEX webhook_endpoints_account_status_seq_idx ON webhook_endpoints (account_id, status, seq);

-- The current secret has expires_at NULL; a rolled-away one keeps signing
-- (a second signature) until its grace period ends.
CREATE TABLE endpoint_secrets (
  endpoint_id  text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  secret       text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/=]+$'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  PRIMARY KEY (endpoint_id, secret)
);

-- One row per subscribed pattern ("order.accepted", "order.*", "*"), with the
-- key that authorized it (DESIGN §3 rule 3: revoke the key, lose the feed).
CREATE TABLE endpoint_subscriptions (
  endpoint_id    text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  pattern        text NOT NULL CHECK (pattern ~ '^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$'),
  authorized_by  text NOT NULL REFERENCES api_keys (id),
  authorized_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (endpoint_id, pattern)
);
CREATE INDEX endpoint_subscriptions_key_idx ON endpoint_subscriptions (authorized_by);
