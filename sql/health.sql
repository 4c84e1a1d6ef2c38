-- Health: what the readiness probe asks the database.

-- name: ping$
-- One round trip that proves the database answers.
SELECT 1;
