-- Test-only queries: what the tests read and poke in the database to check the API's effects.

-- name: mark_user_deleted!
-- Delete a user behind the API's back, as another admin's request would.
UPDATE users SET deleted_at = now(), token_version = token_version + 1 WHERE id = :id;

-- name: user_password_hash$
-- The stored hash of a user's password.
SELECT password_hash FROM users WHERE id = :id;

-- name: count_users$
-- How many user rows exist, deleted or not.
SELECT count(*) FROM users;

-- name: uncommented_columns
-- Tables and columns of the public schema that lack a COMMENT ON.
SELECT c.relname AS table_name, a.attname AS column_name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind = 'r' AND c.relname NOT LIKE '\_yoyo%' AND c.relname NOT LIKE 'yoyo%'
  AND (obj_description(c.oid, 'pg_class') IS NULL OR (a.attnum IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL));

-- name: public_tables
-- The application's tables (not yoyo's bookkeeping).
SELECT tablename FROM pg_tables
WHERE schemaname = 'public' AND tablename NOT LIKE '\_yoyo%' AND tablename NOT LIKE 'yoyo%'
ORDER BY tablename;

-- name: insert_client^
-- A client row for tests that need one.
INSERT INTO clients (name, phone, email) VALUES (:name, :phone, :email) RETURNING id;

-- name: ticket_row^
-- A ticket's stored fields.
SELECT id, title, description, status, client_id, assignee_id, scheduled_at, tracking_token, updated_at
FROM tickets WHERE id = :id;

-- name: ticket_events
-- A ticket's history rows, oldest first.
SELECT kind, actor_id, from_status, to_status, from_assignee_id, to_assignee_id, changes
FROM ticket_events WHERE ticket_id = :ticket_id ORDER BY id;

-- name: count_rows^
-- How many clients, tickets, events and stored idempotent answers exist.
SELECT (SELECT count(*) FROM clients) AS clients, (SELECT count(*) FROM tickets) AS tickets,
       (SELECT count(*) FROM ticket_events) AS events, (SELECT count(*) FROM idempotency_keys) AS keys;

-- name: deactivate_user!
-- Lock a user out by clearing their active flag.
UPDATE users SET active = false, token_version = token_version + 1 WHERE id = :id;

-- name: insert_ticket$
-- A ticket for a client, assigned or not, in any status; returns its id.
INSERT INTO tickets (title, client_id, assignee_id, status, tracking_token)
VALUES (:title, :client_id, :assignee_id, :status::ticket_status, gen_random_uuid()::text)
RETURNING id;

-- name: ticket_assignees
-- Each ticket's assignee and status, in id order.
SELECT id, assignee_id, status::text AS status FROM tickets ORDER BY id;

-- name: ticket_history
-- Every history row's who and what, in order.
SELECT ticket_id, actor_id, kind::text AS kind, from_assignee_id, to_assignee_id
FROM ticket_events ORDER BY id;

-- name: user_state^
-- What the API hides about a user: deletion mark and token version.
SELECT deleted_at IS NOT NULL AS deleted, token_version FROM users WHERE id = :id;

-- name: insert_workers!
-- :n workers in one statement, with created_at ties and an order unlike id order.
INSERT INTO users (email, password_hash, role, created_at)
SELECT 'bulk' || g || '@example.com', 'not-a-hash', 'worker',
       now() - interval '1 hour' - (g % 37) * interval '1 millisecond'
FROM generate_series(1, :n) AS g;

-- name: client_count$
-- How many clients exist.
SELECT count(*) FROM clients;

-- name: active_admin_count$
-- How many active, undeleted admins exist.
SELECT count(*) FROM users WHERE role = 'admin' AND active AND deleted_at IS NULL;

-- name: waiting_lock_count$
-- How many lock requests are waiting to be granted.
SELECT count(*) FROM pg_locks WHERE NOT granted;

-- name: user_ids_newest_first
-- Every undeleted user's id in list order.
SELECT id FROM users WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC;

-- name: insert_clients!
-- :n clients in one statement, each with its own name and phone.
INSERT INTO clients (name, phone)
SELECT 'Client ' || g, '+38067' || lpad(g::text, 7, '0')
FROM generate_series(1, :n) AS g;

-- name: analyze!
-- Refresh planner statistics and flush GIN pending lists, as a settled big table would be.
VACUUM ANALYZE users, clients;

-- name: set_user_role!
-- Change a user's role behind the API's back, keeping their tokens valid.
UPDATE users SET role = :role::user_role WHERE id = :id;

-- name: schema_objects
-- Every index and constraint of the public schema with its definition and comment.
SELECT c.relname AS name, pg_get_indexdef(c.oid) AS definition,
       obj_description(c.oid, 'pg_class') AS comment
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = 'public'
WHERE c.relkind = 'i'
UNION ALL
SELECT con.conname, pg_get_constraintdef(con.oid), obj_description(con.oid, 'pg_constraint')
FROM pg_constraint AS con
JOIN pg_namespace AS n ON n.oid = con.connamespace AND n.nspname = 'public'
ORDER BY name, definition;

-- name: outbox_rows
-- Every outbox row, oldest first: what was queued for whom, and where it is.
SELECT id, event_type, channel, recipient, webhook_id, ticket_id, status::text AS status, attempts,
       payload
FROM outbox ORDER BY id;

-- name: outbox_counts^
-- How many outbox rows are in each status.
SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'sent') AS sent,
       count(*) FILTER (WHERE status = 'dead') AS dead
FROM outbox;

-- name: queue_emails!
-- :count ticket.created e-mails about ticket :ticket_id, to customer<n>@example.com.
INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
SELECT gen_random_uuid(), 'ticket.created', 'email', 'customer' || n || '@example.com', :ticket_id,
       jsonb_build_object('ticket', to_jsonb(r) - 'search', 'language', 'ru',
                          'tracking_token', t.tracking_token)
FROM ticket_rows AS r JOIN tickets AS t ON t.id = r.id, generate_series(1, :count) AS n
WHERE r.id = :ticket_id;
-- name: age_comment!
-- Move a comment's writing time back by `minutes`, as if written that long ago.
UPDATE ticket_comments SET created_at = created_at - make_interval(mins => :minutes::int) WHERE id = :id;

-- name: close_ticket_days_ago!
-- Put a ticket in `status` (done or canceled) with its closing event `days` ago.
WITH closed AS (
    UPDATE tickets SET status = :status::ticket_status,
                       updated_at = now() - make_interval(days => :days::int)
    WHERE id = :id RETURNING id
)
INSERT INTO ticket_events (ticket_id, kind, to_status, created_at)
SELECT id, 'status_changed', :status::ticket_status, now() - make_interval(days => :days::int)
FROM closed;

-- name: comment_rows
-- Every stored comment of a ticket, oldest first.
SELECT id, author_id, visibility::text, body, edited_at IS NOT NULL AS edited
FROM ticket_comments WHERE ticket_id = :ticket_id ORDER BY id;

-- name: comment_events
-- A ticket's comment history rows, oldest first.
SELECT kind::text, actor_id, comment_id, changes
FROM ticket_events
WHERE ticket_id = :ticket_id AND kind IN ('commented', 'comment_edited', 'comment_deleted')
ORDER BY id;

-- name: client_row^
-- A client's stored fields.
SELECT name, phone, email, comment FROM clients WHERE id = :id;

-- name: ticket_contact^
-- The contact a public request carried, as stored on its ticket.
SELECT contact_name, contact_phone, contact_email, contact_comment, client_id
FROM tickets WHERE id = :id;

-- name: set_assignee!
-- Assign a ticket behind the API's back.
UPDATE tickets SET assignee_id = :assignee_id WHERE id = :id;

-- name: age_idempotency_key!
-- Make a stored answer look as old as :age (an interval such as '24 hours').
UPDATE idempotency_keys SET created_at = now() - :age::interval WHERE key = :key;

-- name: prepared_plans^
-- How often this connection's prepared statement `name` was planned generically and per call.
SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = :name;
