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

-- name: bench_checkpoint!
-- The reset's writes flushed before anything is measured: its WAL would otherwise start a
-- checkpoint that writes in the background through the first scenarios and the writes.
CHECKPOINT;

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

-- name: bench_wal_position$
-- Bytes of WAL written so far: the difference over a run is what the run wrote.
SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint;

-- name: bench_outbox_pending$
-- How many notifications are still to send.
SELECT count(*) FROM outbox WHERE status = 'pending';

-- name: bench_outbox_rows$
-- How many notifications exist.
SELECT count(*) FROM outbox;
-- name: bench_tracking_tokens
-- The tracking tokens of the given tickets, in id order (the tracking-page scenario's links).
SELECT tracking_token FROM tickets WHERE id = ANY (:ids::bigint[]) ORDER BY id;

-- The plainest-stack ceiling: the same rows as our reads and writes, in the plainest SQL there is
-- (joins, flat columns, one fixed filter, no optional filters, no caller check, no keyset position).

-- name: plain_page
-- The newest tickets with their client's name and assignee's e-mail.
SELECT t.id, t.title, t.description, t.status, t.client_id, c.name AS client_name,
       t.assignee_id, u.email::text AS assignee_email, t.scheduled_at, t.created_at, t.updated_at,
       t.device_kind, t.device_brand, t.device_model, t.device_serial, t.address,
       t.contact_name, t.contact_phone, t.contact_email, t.contact_comment
FROM tickets AS t
JOIN clients AS c ON c.id = t.client_id
LEFT JOIN users AS u ON u.id = t.assignee_id
ORDER BY t.id DESC
LIMIT 21;

-- name: plain_page_status
-- The newest tickets in one status.
SELECT t.id, t.title, t.description, t.status, t.client_id, c.name AS client_name,
       t.assignee_id, u.email::text AS assignee_email, t.scheduled_at, t.created_at, t.updated_at,
       t.device_kind, t.device_brand, t.device_model, t.device_serial, t.address,
       t.contact_name, t.contact_phone, t.contact_email, t.contact_comment
FROM tickets AS t
JOIN clients AS c ON c.id = t.client_id
LEFT JOIN users AS u ON u.id = t.assignee_id
WHERE t.status = :status::ticket_status
ORDER BY t.created_at DESC, t.id DESC
LIMIT 21;

-- name: plain_page_assignee
-- The newest tickets of one worker.
SELECT t.id, t.title, t.description, t.status, t.client_id, c.name AS client_name,
       t.assignee_id, u.email::text AS assignee_email, t.scheduled_at, t.created_at, t.updated_at,
       t.device_kind, t.device_brand, t.device_model, t.device_serial, t.address,
       t.contact_name, t.contact_phone, t.contact_email, t.contact_comment
FROM tickets AS t
JOIN clients AS c ON c.id = t.client_id
LEFT JOIN users AS u ON u.id = t.assignee_id
WHERE t.assignee_id = :assignee_id
ORDER BY t.created_at DESC, t.id DESC
LIMIT 21;

-- name: plain_page_search
-- The newest tickets whose title matches a search.
SELECT t.id, t.title, t.description, t.status, t.client_id, c.name AS client_name,
       t.assignee_id, u.email::text AS assignee_email, t.scheduled_at, t.created_at, t.updated_at,
       t.device_kind, t.device_brand, t.device_model, t.device_serial, t.address,
       t.contact_name, t.contact_phone, t.contact_email, t.contact_comment
FROM tickets AS t
JOIN clients AS c ON c.id = t.client_id
LEFT JOIN users AS u ON u.id = t.assignee_id
WHERE t.search @@ to_tsquery('russian', :search)
ORDER BY t.created_at DESC, t.id DESC
LIMIT 21;

-- name: plain_ticket^
-- One ticket with its client's name and assignee's e-mail.
SELECT t.id, t.title, t.description, t.status, t.client_id, c.name AS client_name,
       t.assignee_id, u.email::text AS assignee_email, t.scheduled_at, t.created_at, t.updated_at,
       t.device_kind, t.device_brand, t.device_model, t.device_serial, t.address,
       t.contact_name, t.contact_phone, t.contact_email, t.contact_comment
FROM tickets AS t
JOIN clients AS c ON c.id = t.client_id
LEFT JOIN users AS u ON u.id = t.assignee_id
WHERE t.id = :id;

-- name: plain_public_request^
-- A public request's INSERTs in one statement: the client found by phone or e-mail (or added),
-- the ticket and its 'created' event.
WITH found AS (
    SELECT id FROM clients WHERE phone = :phone::text OR email = :email::text ORDER BY id LIMIT 1
), added AS (
    INSERT INTO clients (name, phone, email)
    SELECT :name, :phone, :email
    WHERE NOT EXISTS (SELECT 1 FROM found)
    RETURNING id
), ticket AS (
    INSERT INTO tickets (title, client_id, tracking_token, device_kind, device_brand, device_model,
                         device_serial, address, contact_name, contact_phone, contact_email)
    SELECT :title, id, :tracking_token, :device_kind, :device_brand, :device_model, :device_serial,
           :address, :name, :phone, :email
    FROM (SELECT id FROM found UNION ALL SELECT id FROM added) AS client
    RETURNING id, title, status, scheduled_at, created_at, tracking_token
), event AS (
    INSERT INTO ticket_events (ticket_id, kind, to_status)
    SELECT id, 'created', status FROM ticket
)
SELECT id, title, status, scheduled_at, created_at, tracking_token FROM ticket;

-- name: plain_status_change^
-- A status change's UPDATE and history INSERT in one statement; the changed ticket.
WITH old AS (
    SELECT id, status FROM tickets WHERE id = :id FOR UPDATE
), changed AS (
    UPDATE tickets AS t SET status = :status::ticket_status, updated_at = now()
    FROM old WHERE t.id = old.id
    RETURNING t.id, t.title, t.description, t.status, t.client_id, t.assignee_id,
              t.scheduled_at, t.created_at, t.updated_at, old.status AS from_status
), event AS (
    INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status)
    SELECT id, :actor_id, 'status_changed', from_status, status FROM changed
)
SELECT id, title, description, status, client_id, assignee_id, scheduled_at, created_at,
       updated_at
FROM changed;
