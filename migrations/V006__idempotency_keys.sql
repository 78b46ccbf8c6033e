-- Idempotency-Key on POST (DESIGN §4): one row per (account, key) remembers
-- which request claimed the key and, once it finished, the response to replay.

CREATE TABLE idempotency_keys (
  account_id       text NOT NULL REFERENCES accounts (id),
  key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  fingerprint      text NOT NULL,  -- sha256 hex of method, path and canonical body
  state            text NOT NULL CHECK (state IN ('in_progress', 'done')),
  response_status  int,
  response_body    text,
  created_at       timestamptz NOT NULL DEFAULT now(),  -- keys expire 24 hours after this
  locked_at        timestamptz NOT NULL DEFAULT now(),  -- an in_progress claim older than 60 s is abandoned
  PRIMARY KEY (account_id, key),
  CHECK ((state = 'done') = (response_status IS NOT NULL AND response_body IS NOT NULL))
);
-- For the sweep that deletes expired keys.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
