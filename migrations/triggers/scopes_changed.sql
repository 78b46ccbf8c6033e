-- A scope's requires_sk decides what a pk_ key may hold.
CREATE OR REPLACE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scopes
  FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
