-- Every change that can alter what a key may do is announced with NOTIFY, so
-- each hookgate process drops its cached copy within milliseconds. NOTIFY is
-- delivered at commit, so listeners never see uncommitted state.

CREATE FUNCTION notify_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hookgate_key_changes', COALESCE(NEW.key_id, OLD.key_id));
  RETURN NULL;
END $$;

CREATE FUNCTION notify_api_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hookgate_key_changes', COALESCE(NEW.id, OLD.id));
  RETURN NULL;
END $$;

CREATE FUNCTION notify_catalogue_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hookgate_catalogue_changes', TG_TABLE_NAME);
  RETURN NULL;
END $$;

-- last_used_at is deliberately not watched: it changes often and grants nothing.
CREATE TRIGGER api_keys_changed
  AFTER UPDATE OF revoked_at, kind, account_id OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION notify_api_key_change();
CREATE TRIGGER api_key_secrets_changed
  AFTER INSERT OR UPDATE OR DELETE ON api_key_secrets
  FOR EACH ROW EXECUTE FUNCTION notify_key_change();
CREATE TRIGGER api_key_scopes_changed
  AFTER INSERT OR UPDATE OR DELETE ON api_key_scopes
  FOR EACH ROW EXECUTE FUNCTION notify_key_change();

CREATE TRIGGER scopes_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scopes
  FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER scope_bundle_members_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scope_bundle_members
  FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
CREATE TRIGGER event_types_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON event_types
  FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
