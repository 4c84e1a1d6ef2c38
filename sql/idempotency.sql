-- Idempotency keys: public requests already answered, so a retry gets the first answer.

-- name: lock_idempotency_key!
-- Serialise requests that carry the same Idempotency-Key until this transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('idempotency:' || :key, 0));

-- name: get_idempotent_response^
-- The answer stored for this key in the last 24 hours.
SELECT request_hash, response_status, response_body
FROM idempotency_keys
WHERE key = :key AND created_at > now() - interval '24 hours';

-- name: save_idempotent_response!
-- Remember the answer to a keyed request (replacing an expired one with the same key).
INSERT INTO idempotency_keys (key, request_hash, response_status, response_body, ticket_id)
VALUES (:key, :request_hash, :response_status, :response_body::jsonb, :ticket_id)
ON CONFLICT (key) DO UPDATE
SET request_hash = excluded.request_hash, response_status = excluded.response_status,
    response_body = excluded.response_body, ticket_id = excluded.ticket_id, created_at = now();
