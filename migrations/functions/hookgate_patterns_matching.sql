-- Every subscription pattern that matches an event type: the type, each
-- dotted family wildcard, and "*" (mirrors patterns_matching() in C++).
CREATE OR REPLACE FUNCTION hookgate_patterns_matching(event_type text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  parts text[] := string_to_array(event_type, '.');
  out text[] := ARRAY[event_type, '*'];
BEGIN
  FOR i IN 1 .. coalesce(array_length(parts, 1), 1) - 1 LOOP
    out := out || (array_to_string(parts[1:i], '.') || '.*');
  END LOOP;
  RETURN out;
END $$;
