-- Bench: what the benchmark reads and resets in its demo database between runs.

-- name: bench_reset!
-- Forget what earlier runs added (public requests), so every run starts from the same shop.
DELETE FROM tickets WHERE id > :demo_tickets;

-- name: bench_reset_clients!
-- Forget the clients that earlier runs' public requests added.
DELETE FROM clients WHERE id > :demo_clients;

-- name: bench_toggle_set
-- Tickets the PATCH scenario moves to done, all set to in_progress first.
UPDATE tickets SET status = 'in_progress'
WHERE id IN (SELECT id FROM tickets WHERE status IN ('done', 'in_progress') ORDER BY id LIMIT :count)
RETURNING id;

-- name: bench_vacuum!
-- A settled table, as autovacuum keeps it: fresh statistics, an empty search pending list.
VACUUM (ANALYZE) tickets;

-- name: bench_tracking_tokens
-- The tracking tokens of the given tickets, in id order (the tracking-page scenario's links).
SELECT tracking_token FROM tickets WHERE id = ANY (:ids::bigint[]) ORDER BY id;
