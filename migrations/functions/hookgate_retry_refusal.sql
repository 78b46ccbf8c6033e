-- Why a delivery cannot be sent again now, or NULL when it can: its endpoint
-- is disabled, an attempt is in flight (a claim on its queue row whose lease
-- has not yet passed), or no authorized subscription of the endpoint covers
-- its type any more (DESIGN §3 rule 3).
CREATE OR REPLACE FUNCTION hookgate_retry_refusal(p_delivery_id text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  d webhook_deliveries%ROWTYPE;
  v_status text;
BEGIN
  SELECT * INTO d FROM webhook_deliveries WHERE id = p_delivery_id;
  SELECT status INTO v_status FROM webhook_endpoints WHERE id = d.endpoint_id;
  IF v_status <> 'enabled' THEN
    RETURN 'endpoint_disabled';
  ELSIF EXISTS (SELECT 1 FROM webhook_delivery_queue q
                 WHERE q.delivery_id = d.id AND q.account_id = d.account_id
                   AND q.claim_token IS NOT NULL AND q.due_at > now()) THEN
    RETURN 'attempt_in_progress';
  ELSIF NOT hookgate_endpoint_receives(d.endpoint_id, d.event_type) THEN
    RETURN 'subscription_unauthorized';
  END IF;
  RETURN NULL;
END $$;
