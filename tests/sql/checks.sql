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

-- name: set_ticket_times!
-- Put a ticket at chosen times (ties and nulls for the sort tests).
UPDATE tickets
SET created_at = :created_at, updated_at = :updated_at, scheduled_at = :scheduled_at
WHERE id = :id;

-- name: insert_tickets!
-- :n new tickets for a client in one statement.
INSERT INTO tickets (title, client_id, tracking_token)
SELECT 'Bulk ' || g, :client_id, gen_random_uuid()::text
FROM generate_series(1, :n) AS g;

-- name: real_ticket_counts
-- Tickets per status and assignee, counted from the table.
SELECT status, assignee_id, count(*) AS tickets
FROM tickets
GROUP BY status, assignee_id
ORDER BY status, assignee_id;

-- name: kept_ticket_counts
-- Tickets per status and assignee as ticket_counts keeps them (zeros left out).
SELECT status, assignee_id, sum(tickets)::bigint AS tickets
FROM ticket_counts
GROUP BY status, assignee_id
HAVING sum(tickets) <> 0
ORDER BY status, assignee_id;

-- name: counter_slots_per_key
-- How many slot rows the keys of ticket_counts and of ticket_totals have (each count once).
SELECT DISTINCT 'ticket_counts' AS counter, count(*) AS slots
FROM ticket_counts GROUP BY status, assignee_id
UNION
SELECT DISTINCT 'ticket_totals', count(*) FROM ticket_totals GROUP BY status
ORDER BY 1, 2;

-- name: counter_fillfactors
-- The fillfactor set on the counter tables (null: the default).
SELECT c.relname AS name, o.option_value AS fillfactor
FROM pg_class AS c
LEFT JOIN LATERAL pg_options_to_table(c.reloptions) AS o ON o.option_name = 'fillfactor'
WHERE c.relname IN ('ticket_counts', 'ticket_totals')
ORDER BY c.relname;

-- name: kept_ticket_totals
-- Tickets per status as ticket_totals keeps them (zeros left out).
SELECT status, sum(tickets)::bigint AS tickets
FROM ticket_totals
GROUP BY status
HAVING sum(tickets) <> 0
ORDER BY status;

-- name: all_tickets
-- Every ticket's status and assignee, by id.
SELECT id, status::text AS status, assignee_id FROM tickets ORDER BY id;

-- name: all_events
-- Every history row, oldest first within each ticket.
SELECT id, ticket_id, kind::text AS kind, from_status::text AS from_status,
       to_status::text AS to_status, to_assignee_id, created_at
FROM ticket_events
ORDER BY ticket_id, id;

-- name: done_tickets_credited_to_nobody$
-- How many done tickets report_tickets credits to no worker.
SELECT count(*) FROM report_tickets WHERE status = 'done' AND closed_by_id IS NULL;

-- name: deleted_ticket^
-- A deleted ticket's tombstone.
SELECT id, title, status::text AS status, assignee_id, deleted_by FROM deleted_tickets WHERE id = :id;

-- name: report_ticket_deletion^
-- What report_tickets says of a ticket's deletion.
SELECT deleted, deleted_at, first_in_progress_at, client_name, device_kind, device_serial, address
FROM report_tickets WHERE ticket_id = :id;

-- name: insert_ticket_at$
-- A ticket as it stands now, created at a given time; returns its id.
INSERT INTO tickets (title, client_id, assignee_id, status, tracking_token, created_at, updated_at)
VALUES (:title, :client_id, :assignee_id, :status::ticket_status, gen_random_uuid()::text,
        :created_at, :created_at)
RETURNING id;

-- name: insert_event_at!
-- One history row at a given time.
INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status, to_assignee_id,
                           changes, created_at)
VALUES (:ticket_id, :actor_id, :kind::ticket_event_kind, :from_status::ticket_status,
        :to_status::ticket_status, :to_assignee_id, :changes::jsonb, :created_at);

-- name: delete_ticket_at!
-- Delete a ticket as the API does, at a given time.
WITH gone AS (
    DELETE FROM tickets WHERE id = :id
    RETURNING id, title, description, status, device_kind, client_id, assignee_id, scheduled_at,
              created_at, updated_at
)
INSERT INTO deleted_tickets (id, title, description, status, device_kind, client_id, assignee_id,
                             scheduled_at, created_at, updated_at, deleted_at)
SELECT id, title, description, status, device_kind, client_id, assignee_id, scheduled_at,
       created_at, updated_at, :deleted_at
FROM gone;

-- name: view_columns
-- The report_* views' columns and types, in order.
SELECT c.table_name, c.column_name, c.data_type
FROM information_schema.columns AS c
WHERE c.table_schema = 'public' AND c.table_name LIKE 'report\_%'
  AND c.table_name IN (SELECT table_name FROM information_schema.views)
ORDER BY c.table_name, c.ordinal_position;

-- name: uncommented_view_columns
-- report_* views or their columns without a COMMENT ON.
SELECT c.relname AS view_name, a.attname AS column_name
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace AND n.nspname = 'public'
JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0
WHERE c.relkind = 'v' AND c.relname LIKE 'report\_%'
  AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL);

-- name: report_tickets_rows
-- Every report_tickets row, by ticket id.
SELECT ticket_id, title, status::text AS status, client_name, assignee_id, first_in_progress_at,
       done_at, canceled_at, closed_by_id, resolution_time, reopenings, deleted, deleted_at
FROM report_tickets
ORDER BY ticket_id;

-- name: report_daily_rows
-- Every report_daily row, oldest first.
SELECT day, created, done, canceled, open_at_end FROM report_daily ORDER BY day;

-- name: report_worker_load_rows
-- Every report_worker_load row, by worker id.
SELECT worker_id, worker_email, active, open_new, open_in_progress, done_7d, done_30d,
       median_resolution_30d, p90_resolution_30d
FROM report_worker_load
ORDER BY worker_id;

-- name: report_closes_rows
-- Every report_closes row, oldest close first.
SELECT ticket_id, closed_at, worker_email, resolution_time FROM report_closes ORDER BY closed_at;

-- name: bulk_tickets!
-- `tickets` tickets of one client with Russian, quoted titles and their created events.
WITH client AS (
    INSERT INTO clients (name, phone) VALUES ('Иван "Быстрый", мастер', '+380670000000') RETURNING id
), added AS (
    INSERT INTO tickets (title, client_id, tracking_token, created_at)
    SELECT 'Не включается стиралка, "Bosch" №' || n, client.id, md5(n::text),
           timestamptz '2026-01-01' + n * interval '1 minute'
    FROM client, generate_series(1, :tickets::int) AS n
    RETURNING id, created_at
)
INSERT INTO ticket_events (ticket_id, kind, to_status, created_at)
SELECT id, 'created', 'new', created_at FROM added;

-- name: analyze_history!
-- Fresh planner statistics after a bulk load, as autovacuum would give a real shop.
ANALYZE clients, tickets, deleted_tickets, ticket_events;

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

-- name: rate_limit_hits
-- The abuse counters of one bucket: who was counted and how many times in the current window.
SELECT subject, hits FROM rate_limits WHERE bucket = :bucket ORDER BY subject;

-- name: analyze_tickets!
-- Fresh planner statistics for tickets, as autovacuum would gather them.
ANALYZE tickets;

-- name: hold_ticket_statistics!
-- Keep autovacuum from analysing tickets, so a test decides when its statistics change.
ALTER TABLE tickets SET (autovacuum_enabled = false);

-- name: release_ticket_statistics!
-- Let autovacuum look after tickets again.
ALTER TABLE tickets RESET (autovacuum_enabled);

-- name: delete_tickets_but!
-- Delete every ticket but the :kept newest.
DELETE FROM tickets WHERE id NOT IN (SELECT id FROM tickets ORDER BY id DESC LIMIT :kept);

-- name: outbox_errors
-- Every outbox row's state and why its last try failed, oldest first.
SELECT id, status::text AS status, attempts, last_error FROM outbox ORDER BY id;

-- name: counter_slots^
-- How many slots of each counter table count something (every key has all its slots, most at zero).
SELECT (SELECT count(DISTINCT slot) FROM ticket_counts WHERE tickets <> 0) AS ticket_counts,
       (SELECT count(DISTINCT slot) FROM ticket_totals WHERE tickets <> 0) AS ticket_totals,
       (SELECT count(DISTINCT shard) FROM report_daily_counts) AS report_daily;

-- name: hold_new_clients!
-- Until the transaction ends, nobody adds a client (reading them goes on).
LOCK TABLE clients IN SHARE MODE;

-- name: tickets_row_estimate$
-- The planner's row count of tickets (what a search's estimate is made with).
SELECT reltuples FROM pg_class WHERE oid = 'tickets'::regclass;

-- name: newest_ticket_ids
-- The ids of the newest `limit` tickets, newest first.
SELECT id FROM tickets ORDER BY created_at DESC, id DESC LIMIT :limit;

-- name: hold_new_notifications!
-- Until the transaction ends, nobody queues a notification (reading them goes on).
LOCK TABLE outbox IN SHARE MODE;

-- name: shared_tables_written_by_waiters$
-- How many of the tables whose rows every writer shares (the ticket counters, the day's report
-- counts) sessions now waiting on a lock have written to in their transaction.
SELECT count(*)
FROM pg_locks AS held
WHERE held.granted
  AND held.mode = 'RowExclusiveLock'
  AND held.relation IN ('ticket_counts'::regclass, 'ticket_totals'::regclass,
                        'report_daily_counts'::regclass)
  AND held.pid IN (SELECT waiting.pid FROM pg_locks AS waiting WHERE NOT waiting.granted);

-- name: counter_rows_of^
-- How many ticket_counts rows one assignee has, and on how many pages of the table.
SELECT count(*) AS rows, count(DISTINCT (ctid::text::point)[0]) AS pages
FROM ticket_counts
WHERE assignee_id = :assignee_id;
