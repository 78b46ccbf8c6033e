-- last_used_at is deliberately not watched: it changes often and grants nothing.
CREATE OR REPLACE TRIGGER api_keys_changed
  AFTER UPDATE OF revoked_at, kind, account_id OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION notify_api_key_change();
