-- Delivery hot path: ids of events, deliveries and attempts start with the
-- time they were made.
--
-- A wholly random id lands each new row's key on a random leaf page of its
-- primary key (and of every index that leads with it, such as the queue's and
-- the attempts' delivery_id), so a busy worker dirtied pages all over those
-- indexes, and after every checkpoint wrote each of them to the WAL whole. A
-- time prefix makes new keys append at the right-hand edge, and the rows a
-- claim reads (the oldest queued) sit together. The id keeps its shape
-- (prefix and 32 lowercase hex digits); the microsecond time in the first 14
-- is public, as in Stripe's and Svix's ids, and 72 random bits follow it.
CREATE OR REPLACE FUNCTION hookgate_random_id(prefix text) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT prefix || lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000000)::bigint), 14, '0')
         || left(replace(gen_random_uuid()::text, '-', ''), 18)
$$;
