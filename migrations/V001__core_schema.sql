-- Accounts, the scope catalogue, the event-type catalogue and API keys.
-- Catalogue rows are data (see V002, V003): no code lists scopes.

CREATE TABLE accounts (
  id          text PRIMARY KEY CHECK (id ~ '^acct_[A-Za-z0-9]{1,64}$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scopes (
  name         text PRIMARY KEY CHECK (name ~ '^[a-z]+\.[a-z_]+:[a-z]+$'),
  description  text NOT NULL,
  requires_sk  boolean NOT NULL
);

CREATE TABLE scope_bundles (
  name         text PRIMARY KEY CHECK (name ~ '^[a-z]+$'),
  description  text NOT NULL
);

CREATE TABLE scope_bundle_members (
  bundle  text NOT NULL REFERENCES scope_bundles (name) ON DELETE CASCADE,
  scope   text NOT NULL REFERENCES scopes (name) ON DELETE CASCADE,
  PRIMARY KEY (bundle, scope)
);

CREATE TABLE event_types (
  name         text PRIMARY KEY CHECK (name ~ '^[a-z_]+(\.[a-z_]+)+$'),
  scope        text NOT NULL REFERENCES scopes (name),
  description  text NOT NULL DEFAULT ''
);
CREATE INDEX event_types_scope_idx ON event_types (scope);

CREATE TABLE api_keys (
  id            text PRIMARY KEY CHECK (id ~ '^key_[A-Za-z0-9]{1,64}$'),
  account_id    text NOT NULL REFERENCES accounts (id),
  kind          text NOT NULL CHECK (kind IN ('pk', 'sk')),
  description   text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, created_at, id);

-- A key's secrets: the current one, plus the previous one while a roll's
-- grace period lasts. Only the SHA-256 of the full key text is stored.
CREATE TABLE api_key_secrets (
  secret_hash     bytea PRIMARY KEY CHECK (length(secret_hash) = 32),
  key_id          text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  display_prefix  text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz
);
CREATE INDEX api_key_secrets_key_idx ON api_key_secrets (key_id);

CREATE TABLE api_key_scopes (
  key_id  text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  scope   text NOT NULL REFERENCES scopes (name),
  PRIMARY KEY (key_id, scope)
);
