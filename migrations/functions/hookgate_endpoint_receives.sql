-- True when an enabled endpoint has an authorized subscription for the type.
CREATE OR REPLACE FUNCTION hookgate_endpoint_receives(endpoint_id text, event_type text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM endpoint_subscriptions s
    WHERE s.endpoint_id = hookgate_endpoint_receives.endpoint_id
      AND s.pattern = ANY (hookgate_patterns_matching(hookgate_endpoint_receives.event_type))
      AND hookgate_subscription_authorized(s.pattern, s.authorized_by));
END $$;
