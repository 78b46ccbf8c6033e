-- Announces a change to a key row, so every process drops its cached copy.
CREATE OR REPLACE FUNCTION notify_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hookgate_key_changes', COALESCE(NEW.id, OLD.id));
  RETURN NULL;
END $$;
