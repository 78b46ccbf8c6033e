-- Creates the partition of `p_table` (one of hookgate_partitioned_tables)
-- for the UTC day `p_day`, unless it exists; returns whether it made one.
-- The table is made apart and then attached: ATTACH PARTITION takes only a
-- SHARE UPDATE EXCLUSIVE lock on the parent, so reads and writes of the
-- parent go on while it runs (CREATE TABLE ... PARTITION OF would take an
-- ACCESS EXCLUSIVE one).
CREATE OR REPLACE FUNCTION hookgate_create_partition(p_table text, p_day date) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  t hookgate_partitioned_tables%ROWTYPE;
  v_name text := p_table || '_p' || to_char(p_day, 'YYYYMMDD');
  v_from timestamptz := p_day::timestamp AT TIME ZONE 'UTC';
  v_to timestamptz := (p_day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  SELECT * INTO STRICT t FROM hookgate_partitioned_tables WHERE table_name = p_table;
  IF to_regclass(quote_ident(v_name)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) %s',
                 v_name, p_table, coalesce('WITH (' || t.storage || ')', ''));
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', p_table, v_name,
                 CASE WHEN t.key_kind = 'id' THEN hookgate_id_at(t.id_prefix, v_from) ELSE v_from::text END,
                 CASE WHEN t.key_kind = 'id' THEN hookgate_id_at(t.id_prefix, v_to) ELSE v_to::text END);
  RETURN true;
END $$;
