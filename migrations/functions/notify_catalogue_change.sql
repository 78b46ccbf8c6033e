-- Announces a change to the scope or event-type catalogue, so every process
-- reloads it.
CREATE OR REPLACE FUNCTION notify_catalogue_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hookgate_catalogue_changes', TG_TABLE_NAME);
  RETURN NULL;
END $$;
