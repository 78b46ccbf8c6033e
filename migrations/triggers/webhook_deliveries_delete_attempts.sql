-- Deliveries are deleted only with their endpoint (ON DELETE CASCADE).
CREATE OR REPLACE TRIGGER webhook_deliveries_delete_attempts
  AFTER DELETE ON webhook_deliveries REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION delete_attempts_of_deleted_deliveries();
