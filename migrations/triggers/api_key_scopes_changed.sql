-- A key's scopes decide what it may do: cached keys must see the change.
CREATE OR REPLACE TRIGGER api_key_scopes_changed
  AFTER INSERT OR UPDATE OR DELETE ON api_key_scopes
  FOR EACH ROW EXECUTE FUNCTION notify_key_change();
