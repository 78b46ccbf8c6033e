-- Delivery hot path: let the result of an attempt be written without touching
-- any index of webhook_attempts.
--
-- An attempt row is inserted at claim time and updated once with its result.
-- The partial index of open attempts made that update change an indexed
-- predicate (outcome), so every result re-inserted the row into all three
-- indexes. Claims now find a leftover open attempt through
-- webhook_attempts_delivery_idx instead (only for deliveries that have had an
-- attempt before), and free space on each page lets the result stay on the
-- row's page as a heap-only update.
DROP INDEX webhook_attempts_open_idx;
ALTER TABLE webhook_attempts SET (fillfactor = 60);

-- The same id checks without a bounded repetition: PostgreSQL's regex engine
-- runs '[A-Za-z0-9]{1,64}' as a 64-state automaton, about 30 µs a row, and a
-- CHECK is evaluated on every INSERT and UPDATE of the row (a delivery is
-- written three times and its attempt twice). The length bound keeps the
-- allowed ids exactly as before.
ALTER TABLE events DROP CONSTRAINT events_id_check,
  ADD CONSTRAINT events_id_check CHECK (id ~ '^evt_[A-Za-z0-9]+$' AND length(id) <= 68);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_id_check,
  ADD CONSTRAINT webhook_deliveries_id_check CHECK (id ~ '^whd_[A-Za-z0-9]+$' AND length(id) <= 68);
ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_id_check,
  ADD CONSTRAINT webhook_attempts_id_check CHECK (id ~ '^wha_[A-Za-z0-9]+$' AND length(id) <= 68);
