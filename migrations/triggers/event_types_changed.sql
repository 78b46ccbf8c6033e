-- An event type's required scope is part of rule 3.
CREATE OR REPLACE TRIGGER event_types_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON event_types
  FOR EACH STATEMENT EXECUTE FUNCTION notify_catalogue_change();
