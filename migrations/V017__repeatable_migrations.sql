-- Bookkeeping for the repeatable migrations (migrations/functions/ and
-- migrations/triggers/): the checksum of the file last applied under each
-- name. The migrator re-runs a file only when its checksum differs.
CREATE TABLE schema_repeatable_migrations (
  name        text PRIMARY KEY,  -- e.g. functions/hookgate_publish_event.sql
  checksum    text NOT NULL,     -- SHA-256 hex of the file's bytes
  applied_at  timestamptz NOT NULL DEFAULT now()
);
