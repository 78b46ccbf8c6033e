-- An Idempotency-Key claim carries a token known only to the request that
-- holds it. A retry that takes over a claim abandoned for 60 seconds gets a
-- new token, so the late first request can neither store its response over
-- the retry's nor release the retry's claim. Rows from before this have no
-- token: finished ones replay as before, and an unfinished one can only be
-- taken over.
ALTER TABLE idempotency_keys ADD COLUMN owner_token text;
