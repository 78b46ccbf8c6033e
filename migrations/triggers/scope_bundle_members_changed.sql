-- A bundle's members decide what a key created from it holds.
CREATE OR REPLACE TRIGGER scope_bundle_members_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON scope_bundle_members
  FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
