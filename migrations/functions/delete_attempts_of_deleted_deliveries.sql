-- Removes the attempts of deleted deliveries, once per statement (attempts
-- carry no foreign key to their delivery: checking it cost a row lock per
-- attempt on the delivery hot path).
CREATE OR REPLACE FUNCTION delete_attempts_of_deleted_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM webhook_attempts a USING removed r WHERE a.delivery_id = r.id;
  RETURN NULL;
END $$;
