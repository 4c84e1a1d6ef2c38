-- Tickets: repair requests, their listing and search, and their changes.

-- name: lock_contacts!
-- Serialise public requests that share a phone or e-mail, so a returning customer is found once.
SELECT pg_advisory_xact_lock(hashtextextended(contact, 0))
FROM unnest(ARRAY[:phone::text, :email::text]) AS contact
WHERE contact IS NOT NULL
ORDER BY contact;

-- name: create_public_ticket^
-- Attach a public request to the client with this phone or e-mail (or a new one); create the ticket and its 'created' event.
WITH found AS (
    SELECT id FROM clients
    WHERE phone = :phone::text OR email = :email::text
    ORDER BY id
    LIMIT 1
), added AS (
    INSERT INTO clients (name, phone, email, comment)
    SELECT :name, :phone, :email, :comment
    WHERE NOT EXISTS (SELECT 1 FROM found)
    RETURNING id
), ticket AS (
    -- The contact as typed is kept with the ticket: a returning customer's client row stays as it was.
    INSERT INTO tickets (title, description, scheduled_at, client_id, tracking_token, device_kind,
                         device_brand, device_model, device_serial, address, contact_name,
                         contact_phone, contact_email, contact_comment, customer_language)
    SELECT :title, :description, :scheduled_at, id, :tracking_token, :device_kind, :device_brand,
           :device_model, :device_serial, :address, :name, :phone, :email, :comment,
           :customer_language
    FROM (SELECT id FROM found UNION ALL SELECT id FROM added) AS client
    RETURNING id, title, status, scheduled_at, created_at, tracking_token
), event AS (
    INSERT INTO ticket_events (ticket_id, kind, to_status)
    SELECT id, 'created', status FROM ticket
)
SELECT id, title, status, scheduled_at, created_at, tracking_token FROM ticket;

-- name: get_public_ticket^
-- What a customer may see of their ticket by its tracking token: status, dates, device, public comments only.
SELECT t.id, t.title, t.status, t.created_at, t.updated_at, t.scheduled_at,
       jsonb_build_object('kind', t.device_kind, 'brand', t.device_brand, 'model', t.device_model,
                          'serial', t.device_serial) AS device,
       coalesce(c.comments, '[]'::jsonb) AS comments
FROM (
    SELECT id, title, status, created_at, updated_at, scheduled_at, device_kind, device_brand,
           device_model, device_serial
    FROM tickets
    WHERE tracking_token = :tracking_token
) AS t
LEFT JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object(
               'id', c.id, 'body', c.body,
               'author', CASE WHEN c.author_id IS NULL THEN 'customer' ELSE 'staff' END,
               'author_name', CASE WHEN c.author_id IS NULL THEN :customer_label
                                   ELSE coalesce((SELECT u.display_name FROM users AS u
                                                  WHERE u.id = c.author_id), :staff_label) END,
               -- ISO 8601 in UTC with a Z, as every timestamp of the API.
               'created_at', (to_json(c.created_at AT TIME ZONE 'UTC') #>> '{}') || 'Z'
           ) ORDER BY c.id) AS comments
    -- Internal comments never leave this subquery; a staff e-mail is never selected.
    FROM (SELECT id, body, author_id, created_at
          FROM ticket_comments
          WHERE ticket_id = t.id AND visibility = 'public'
          ORDER BY id DESC
          LIMIT :max_comments) AS c
) AS c ON true;

-- name: lock_public_ticket^
-- A ticket by tracking token, locked, with when it was last closed (done or canceled), for a customer's comment.
SELECT t.id, t.status,
       CASE WHEN t.status IN ('done', 'canceled') THEN coalesce((
           SELECT max(e.created_at) FROM ticket_events AS e
           WHERE e.ticket_id = t.id AND e.kind = 'status_changed'
       ), t.updated_at) END AS closed_at,
       now() AS now
FROM tickets AS t
WHERE t.tracking_token = :tracking_token
FOR UPDATE OF t;

-- name: create_ticket^
-- An admin's ticket for a known client, with its 'created' event (carrying the first assignee).
WITH ticket AS (
    INSERT INTO tickets (title, description, scheduled_at, client_id, assignee_id, tracking_token,
                         device_kind, device_brand, device_model, device_serial, address)
    VALUES (:title, :description, :scheduled_at, :client_id, :assignee_id, :tracking_token,
            :device_kind, :device_brand, :device_model, :device_serial, :address)
    RETURNING id, status, assignee_id
), event AS (
    INSERT INTO ticket_events (ticket_id, actor_id, kind, to_status, to_assignee_id)
    SELECT id, :actor_id, 'created', status, assignee_id FROM ticket
)
SELECT id FROM ticket;

-- name: list_tickets
-- A page of tickets, newest first, with optional filters; `assignee_id` also scopes a worker to their own.
SELECT id, title, description, status, client_id, client_name, assignee_id, assignee_email,
       scheduled_at, created_at, updated_at, device, address, contact
FROM ticket_rows
WHERE (created_at, id) < (:after_created_at, :after_id)
  AND (:statuses::ticket_status[] IS NULL OR status = ANY (:statuses::ticket_status[]))
  AND (:assignee_id::bigint IS NULL OR assignee_id = :assignee_id::bigint)
  AND (:client_id::bigint IS NULL OR client_id = :client_id::bigint)
  AND (NOT :unassigned::boolean OR assignee_id IS NULL)
  -- Title words, or the start of a serial/IMEI (a 'key%' pattern; tickets_device_serial_idx).
  AND ((:search::text IS NULL AND :serial_prefix::text IS NULL)
       OR search @@ to_tsquery('russian', :search::text)
       OR device_serial_key LIKE :serial_prefix::text)
  -- The caller's token check may ride along (one round trip, not two): no rows when it fails;
  -- null when the caller was already checked.
  AND (:caller_id::bigint IS NULL OR EXISTS (
      SELECT 1 FROM users AS me
      WHERE me.id = :caller_id::bigint AND me.token_version = :caller_version
        AND me.role = :caller_role::user_role AND me.active AND me.deleted_at IS NULL
  ))
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: get_ticket^
-- One ticket with its client's name and assignee's e-mail; `assignee_id` scopes a worker to their own.
SELECT id, title, description, status, client_id, client_name, assignee_id, assignee_email,
       scheduled_at, created_at, updated_at, device, address, contact
FROM ticket_rows
WHERE id = :id AND (:assignee_id::bigint IS NULL OR assignee_id = :assignee_id::bigint)
  -- As in list_tickets, the caller's token check may ride along (null: already checked).
  AND (:caller_id::bigint IS NULL OR EXISTS (
      SELECT 1 FROM users AS me
      WHERE me.id = :caller_id::bigint AND me.token_version = :caller_version
        AND me.role = :caller_role::user_role AND me.active AND me.deleted_at IS NULL
  ));

-- name: lock_ticket^
-- The editable fields of a ticket, locked until the transaction ends; `assignee_id` scopes a worker.
SELECT id, title, description, status, client_id, assignee_id, scheduled_at, device_kind,
       device_brand, device_model, device_serial, address
FROM tickets
WHERE id = :id AND (:assignee_id::bigint IS NULL OR assignee_id = :assignee_id::bigint)
FOR UPDATE;

-- name: update_ticket!
-- Store a ticket's new field values (already merged and checked) and touch updated_at.
UPDATE tickets
SET title = :title, description = :description, status = :status, client_id = :client_id,
    assignee_id = :assignee_id, scheduled_at = :scheduled_at, device_kind = :device_kind,
    device_brand = :device_brand, device_model = :device_model, device_serial = :device_serial,
    address = :address, updated_at = now()
WHERE id = :id;

-- name: delete_ticket$
-- Delete a ticket, leaving a tombstone and its history for reports; returns its id, or nothing when there was none.
WITH gone AS (
    DELETE FROM tickets WHERE id = :id
    RETURNING id, title, description, status, device_kind, device_brand, device_model,
              device_serial, address, client_id, assignee_id, scheduled_at, created_at, updated_at
), tombstone AS (
    INSERT INTO deleted_tickets (id, title, description, status, device_kind, device_brand,
                                 device_model, device_serial, address, client_id, assignee_id,
                                 scheduled_at, created_at, updated_at, deleted_by)
    SELECT id, title, description, status, device_kind, device_brand, device_model,
           device_serial, address, client_id, assignee_id, scheduled_at, created_at, updated_at,
           :actor_id
    FROM gone
)
SELECT id FROM gone;

-- name: client_exists$
-- Whether a client with this id exists.
SELECT EXISTS (SELECT 1 FROM clients WHERE id = :id);

-- name: is_active_worker$
-- Whether this user is an active, undeleted worker who can be assigned tickets.
SELECT EXISTS (
    SELECT 1 FROM users WHERE id = :id AND role = 'worker' AND active AND deleted_at IS NULL
);
