-- Announces a change to a key's secrets or scopes, so every process drops its
-- cached copy.
CREATE OR REPLACE FUNCTION notify_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hookgate_key_changes', COALESCE(NEW.key_id, OLD.key_id));
  RETURN NULL;
END $$;
