-- What partition maintenance would do as of `p_as_of`: the day partitions
-- to create (today, UTC, through `p_days_ahead` days on), the ones to drop
-- (wholly older than the retention of their group: `p_delivery_days` for
-- deliveries and what is keyed by them, `p_event_days` for events, one day
-- for idempotency keys, which live 24 hours) and the expired ones kept,
-- with why. Reads only; the caller acts on it, since
-- DETACH PARTITION CONCURRENTLY cannot run inside a function.
--
-- A deliveries day is kept while any of its deliveries is still queued (to
-- be sent, or sent again): its attempts and retries are kept with it, and
-- so is the events day that holds those deliveries' events.
CREATE OR REPLACE FUNCTION hookgate_maintenance_plan(
  p_as_of timestamptz, p_days_ahead integer, p_delivery_days integer, p_event_days integer)
RETURNS TABLE (action text, table_name text, partition_name text, day date, reason text, expires_with text)
LANGUAGE sql STABLE AS $$
  WITH existing AS (
    SELECT t.table_name, t.expires_with, c.relname::text AS partition_name,
           to_date(substring(c.relname FROM '_p([0-9]{8})$'), 'YYYYMMDD') AS day
    FROM hookgate_partitioned_tables t
    JOIN pg_inherits i ON i.inhparent = to_regclass(quote_ident(t.table_name))
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE c.relname::text = t.table_name || '_p' || substring(c.relname FROM '_p([0-9]{8})$')
  ),
  retained AS (
    SELECT e.*,
           CASE e.expires_with WHEN 'deliveries' THEN p_delivery_days WHEN 'events' THEN p_event_days
                               ELSE 1 END AS days
    FROM existing e
  ),
  expired AS (
    SELECT r.* FROM retained r
    WHERE ((r.day + 1)::timestamp AT TIME ZONE 'UTC') <= p_as_of - make_interval(days => r.days)
  ),
  -- Queued deliveries old enough to sit in an expired day (few: a delivery
  -- normally ends within its retry span), with their events' times; a
  -- delivery is never made before its event, so their events are older still.
  queued AS (
    SELECT hookgate_id_time(q.delivery_id) AS delivery_time, d.event_created_at
    FROM webhook_delivery_queue q
    LEFT JOIN webhook_deliveries d
      ON d.id = q.delivery_id
     AND d.id < hookgate_id_at('whd_', p_as_of - make_interval(days => p_delivery_days))
    WHERE q.delivery_id < hookgate_id_at('whd_', p_as_of - make_interval(days => p_delivery_days))
  ),
  held AS (
    SELECT x.*,
           CASE x.expires_with
                WHEN 'deliveries' THEN
                  (SELECT count(*) FROM queued q
                   WHERE (q.delivery_time AT TIME ZONE 'UTC')::date = x.day)
                WHEN 'events' THEN
                  (SELECT count(*) FROM queued q
                   WHERE (q.event_created_at AT TIME ZONE 'UTC')::date = x.day)
                ELSE 0
           END AS pending
    FROM expired x
  )
  SELECT 'create', t.table_name, t.table_name || '_p' || to_char(d.day, 'YYYYMMDD'), d.day,
         'made ahead', t.expires_with
  FROM hookgate_partitioned_tables t
  CROSS JOIN LATERAL (
    SELECT (p_as_of AT TIME ZONE 'UTC')::date + g AS day FROM generate_series(0, p_days_ahead) g) d
  WHERE to_regclass(quote_ident(t.table_name || '_p' || to_char(d.day, 'YYYYMMDD'))) IS NULL
  UNION ALL
  SELECT CASE WHEN h.pending = 0 THEN 'drop' ELSE 'keep' END, h.table_name, h.partition_name, h.day,
         CASE WHEN h.pending = 0 THEN 'older than ' || h.days || CASE WHEN h.days = 1 THEN ' day' ELSE ' days' END
              WHEN h.expires_with = 'deliveries' THEN 'older than ' || h.days || ' days, but holds '
                   || h.pending || ' delivery(ies) still to be sent'
              ELSE 'older than ' || h.days || ' days, but holds the events of ' || h.pending
                   || ' delivery(ies) still to be sent' END,
         h.expires_with
  FROM held h
  ORDER BY 1, 4, 2
$$;
