-- Secrets at rest (DESIGN §9): every column that held secret material gets a
-- sealed twin (AES-256-GCM, see src/core/secret_sealing.h for the format).
-- SQL cannot know the operator's key, so existing plaintext stays where it is
-- and is sealed (then cleared) by `hookgate migrate` or `hookgate serve` when
-- HOOKGATE_SECRETS_KEYS is given; new rows are only ever written sealed.
-- Each row holds exactly one of the two, so "no plaintext left" is a plain
-- `IS NOT NULL` check.

-- Endpoint signing secrets, the current one and any in a roll's grace period.
-- The primary key held the secret itself; ciphertexts are random, so a row
-- number takes its place.
ALTER TABLE endpoint_secrets DROP CONSTRAINT endpoint_secrets_pkey;
ALTER TABLE endpoint_secrets ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE endpoint_secrets ADD PRIMARY KEY (endpoint_id, seq);
ALTER TABLE endpoint_secrets ALTER COLUMN secret DROP NOT NULL;
ALTER TABLE endpoint_secrets ADD COLUMN sealed_secret bytea;
ALTER TABLE endpoint_secrets ADD CONSTRAINT endpoint_secrets_one_form
  CHECK ((secret IS NULL) <> (sealed_secret IS NULL));

-- A replayed POST /v1/webhook_endpoints (or .../secret/roll) response holds
-- the new secret in full, so stored responses are sealed too.
ALTER TABLE idempotency_keys ADD COLUMN sealed_response_body bytea;
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_check;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_done_has_response
  CHECK ((state = 'done') = (response_status IS NOT NULL
                             AND (response_body IS NOT NULL OR sealed_response_body IS NOT NULL)));
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_one_form
  CHECK (response_body IS NULL OR sealed_response_body IS NULL);
