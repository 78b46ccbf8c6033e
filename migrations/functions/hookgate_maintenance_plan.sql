-- What partition maintenance would do as of `p_as_of`: the day partitions
-- to create (today, UTC, through `p_days_ahead` days on), the ones to drop
-- (wholly older than the retention of their group: `p_delivery_days` for
-- deliveries and what is keyed by them, `p_event_days` for events) and the
-- expired ones kept, with why. Reads only; the caller acts on it, since
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
  expired AS (
    SELECT e.*,
           CASE WHEN e.expires_with = 'deliveries' THEN p_delivery_days ELSE p_event_days END AS days
    FROM existing e
    WHERE ((e.day + 1)::timestamp AT TIME ZONE 'UTC')
          <= p_as_of - make_interval(days => CASE WHEN e.expires_with = 'deliveries'
                                                  THEN p_delivery_days ELSE p_event_days END)
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
           CASE WHEN x.expires_with = 'deliveries' THEN
                  (SELECT count(*) FROM queued q
                   WHERE (q.delivery_time AT TIME ZONE 'UTC')::date = x.day)
                ELSE
                  (SELECT count(*) FROM queued q
                   WHERE (q.event_created_at AT TIME ZONE 'UTC')::date = x.day)
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
         CASE WHEN h.pending = 0 THEN 'older than ' || h.days || ' days'
              WHEN h.expires_with = 'deliveries' THEN 'older than ' || h.days || ' days, but holds '
                   || h.pending || ' delivery(ies) still to be sent'
              ELSE 'older than ' || h.days || ' days, but holds the events of ' || h.pending
                   || ' delivery(ies) still to be sent' END,
         h.expires_with
  FROM held h
  ORDER BY 1, 4, 2
$$;
