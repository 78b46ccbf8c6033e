-- The smallest id with `prefix` minted at `t` (hookgate_random_id's time
-- digits): the bounds of an id-partitioned table's day, and the id range of
-- a created-at range. IMMUTABLE, so a comparison with it prunes partitions.
CREATE OR REPLACE FUNCTION hookgate_id_at(prefix text, t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT prefix || lpad(to_hex((extract(epoch FROM t) * 1000000)::bigint), 14, '0')
$$;
