-- A secret added, rolled or expired changes which key texts authenticate.
CREATE OR REPLACE TRIGGER api_key_secrets_changed
  AFTER INSERT OR UPDATE OR DELETE ON api_key_secrets
  FOR EACH ROW EXECUTE FUNCTION notify_key_change();
