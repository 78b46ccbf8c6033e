-- The microsecond an id made by hookgate_random_id was minted: what a
-- delivery's created_at is, so that ordering by id is ordering by creation.
CREATE OR REPLACE FUNCTION hookgate_id_time(id text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_timestamp(('x' || lpad(substr(id, strpos(id, '_') + 1, 14), 16, '0'))::bit(64)::bigint / 1000000.0)
$$;
