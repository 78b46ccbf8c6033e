-- DESIGN §3 rule 3 (mirrors subscription_status() in C++): a subscription is
-- authorized while its key is not revoked and still effectively holds the
-- read scope of every type the pattern matches (a pk_ key never holds a
-- scope that requires sk_).
-- (PL/pgSQL rather than SQL functions throughout: their plans are cached
-- per connection, where a non-inlinable SQL function is planned per call.)
CREATE OR REPLACE FUNCTION hookgate_subscription_authorized(pattern text, key_id text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN (SELECT k.revoked_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM event_types t JOIN scopes sc ON sc.name = t.scope
    WHERE (pattern = '*' OR pattern = t.name
           OR (right(pattern, 2) = '.*' AND starts_with(t.name, left(pattern, -1))))
      AND NOT ((k.kind = 'sk' OR NOT sc.requires_sk)
               AND EXISTS (SELECT 1 FROM api_key_scopes ks WHERE ks.key_id = k.id AND ks.scope = t.scope)))
    FROM api_keys k WHERE k.id = hookgate_subscription_authorized.key_id);
END $$;
