-- Deliveries are deleted with their endpoint (ON DELETE CASCADE) or their
-- account; expired ones go with their partition, and so do their dependents.
CREATE OR REPLACE TRIGGER webhook_deliveries_delete_dependents
  AFTER DELETE ON webhook_deliveries REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION delete_rows_of_deleted_deliveries();
