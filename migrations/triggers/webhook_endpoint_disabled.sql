-- Disabling an endpoint ends its queued deliveries at once.
CREATE OR REPLACE TRIGGER webhook_endpoint_disabled
  AFTER UPDATE OF status ON webhook_endpoints
  FOR EACH ROW WHEN (OLD.status = 'enabled' AND NEW.status = 'disabled')
  EXECUTE FUNCTION end_deliveries_of_disabled_endpoint();
