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

-- name: bench_reset_outbox!
-- Forget earlier runs' notifications and subscriptions.
TRUNCATE outbox, outbox_attempts, webhooks;

-- name: bench_subscribe!
-- One active webhook subscribed to every event, so each change queues an e-mail and a call.
INSERT INTO webhooks (url, event_types, secret)
VALUES ('http://127.0.0.1:9/bench',
        ARRAY['ticket.created', 'ticket.status_changed', 'ticket.assigned',
              'ticket.public_comment', 'ticket.customer_comment'],
        'bench-secret');

-- name: bench_queue_emails!
-- :count customer e-mails about one ticket, queued in one transaction (the drain measurement).
INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
SELECT gen_random_uuid(), 'ticket.status_changed', 'email', 'customer' || n || '@example.com', r.id,
       jsonb_build_object('ticket', to_jsonb(r) - 'search', 'language', 'ru',
                          'tracking_token', t.tracking_token, 'previous_status', 'new')
FROM (SELECT * FROM ticket_rows ORDER BY id LIMIT 1) AS r
JOIN tickets AS t ON t.id = r.id, generate_series(1, :count) AS n;

-- name: bench_outbox_pending$
-- How many notifications are still to send.
SELECT count(*) FROM outbox WHERE status = 'pending';

-- name: bench_outbox_rows$
-- How many notifications exist.
SELECT count(*) FROM outbox;
-- name: bench_tracking_tokens
-- The tracking tokens of the given tickets, in id order (the tracking-page scenario's links).
SELECT tracking_token FROM tickets WHERE id = ANY (:ids::bigint[]) ORDER BY id;
