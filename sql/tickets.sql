-- Tickets: repair requests, their listing and search, and their changes.

-- name: create_public_request^
-- A public request in one round trip (create_public_request, migration 0010): retry_after alone when the address's limit is spent, else the new ticket.
-- plan: kept
SELECT retry_after, id, title, status, scheduled_at, created_at, tracking_token
FROM create_public_request(
    :limit_subject, :limit_count, :limit_seconds, :event_type, :audience, :name, :phone, :email,
    :comment, :title, :description, :scheduled_at, :tracking_token, :device_kind, :device_brand,
    :device_model, :device_serial, :address, :customer_language
);

-- name: get_public_ticket^
-- What a customer may see of their ticket by its tracking token: status, dates, device, public comments only.
-- plan: kept
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
-- A page of tickets in the `sort` order after a keyset position (or `offset` rows in), with the total (counted to 10,001) and whether the caller passed.
-- Every read query answers "caller refused" (caller_passed false), "nothing found" (one row of
-- nulls beside caller_passed true) or the rows: one round trip, and the caller checked again.
-- `me` is materialised so the check runs once, not once per row.
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed)
        AS passed
), matching AS NOT MATERIALIZED (
    -- The sort keys only: a page (and an offset's skipped rows) never reads more than the index.
    SELECT id, created_at, updated_at, scheduled_at
    FROM ticket_list(:statuses::ticket_status[], :assignee_id::bigint, :client_id::bigint,
                     :unassigned::boolean, :search::text, :serial_prefix::text,
                     :created_from::timestamptz,
                     :created_to::timestamptz, :scheduled_from::timestamptz,
                     :scheduled_to::timestamptz)
)
SELECT me.passed AS caller_passed, total.rows AS total, t.id, t.title, t.description,
       t.status, t.client_id, t.client_name, t.assignee_id, t.assignee_email, t.scheduled_at,
       t.created_at, t.updated_at, t.device_kind, t.device_brand, t.device_model,
       t.device_serial, t.address, t.contact_name, t.contact_phone, t.contact_email,
       t.contact_comment
FROM me
-- Never a full count: filters that ticket_counts keys (status, assignee) sum its counters (kept
-- by the same transactions as the rows); any other filter counts at most 10,001 rows, enough to
-- say "exactly n" or "more than 10,000", unless the planner expects at least 30,000 matches
-- (migration 0014): then "more than 10,000" without counting. One client's tickets are always
-- counted (never that many). The CASE folds to its branches for each custom plan's filters.
LEFT JOIN LATERAL (
    SELECT CASE
        WHEN :search::text IS NULL AND :serial_prefix::text IS NULL AND :client_id::bigint IS NULL
             AND :created_from::timestamptz IS NULL AND :created_to::timestamptz IS NULL
             AND :scheduled_from::timestamptz IS NULL AND :scheduled_to::timestamptz IS NULL
        THEN (SELECT least(coalesce(sum(k.tickets), 0), 10001)::bigint
              FROM ticket_counts AS k
              WHERE (:statuses::ticket_status[] IS NULL
                     OR k.status = ANY (:statuses::ticket_status[]))
                AND (:assignee_id::bigint IS NULL OR k.assignee_id = :assignee_id::bigint)
                AND (NOT :unassigned::boolean OR k.assignee_id IS NULL))
        WHEN :client_id::bigint IS NULL
             AND ticket_list_estimate(:statuses::ticket_status[], :assignee_id::bigint,
                                      :client_id::bigint, :unassigned::boolean, :search::text,
                                      :serial_prefix::text, :created_from::timestamptz,
                                      :created_to::timestamptz, :scheduled_from::timestamptz,
                                      :scheduled_to::timestamptz) >= 30000
        THEN 10001
        ELSE (SELECT count(*) FROM (SELECT 1 FROM matching LIMIT 10001) AS capped)
    END AS rows
) AS total ON me.passed
-- The page's ids in order: one branch per order (the others fold away, as the sort is a
-- constant in each custom plan); each is total (ties by id) and walks its own index.
LEFT JOIN LATERAL (
    (SELECT id, row_number() OVER (ORDER BY created_at DESC, id DESC) AS position
     FROM matching
     WHERE :sort::text = '-created_at'
       AND (created_at, id) < (:after_time::timestamptz, :after_id::bigint)
     ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset)
    UNION ALL
    (SELECT id, row_number() OVER (ORDER BY created_at, id)
     FROM matching
     WHERE :sort::text = 'created_at'
       AND (created_at, id) > (:after_time::timestamptz, :after_id::bigint)
     ORDER BY created_at, id LIMIT :limit OFFSET :offset)
    UNION ALL
    (SELECT id, row_number() OVER (ORDER BY updated_at DESC, id DESC)
     FROM matching
     WHERE :sort::text = '-updated_at'
       AND (updated_at, id) < (:after_time::timestamptz, :after_id::bigint)
     ORDER BY updated_at DESC, id DESC LIMIT :limit OFFSET :offset)
    UNION ALL
    -- Unscheduled tickets last: their key is infinity (tickets_scheduled_idx's expression).
    (SELECT id, row_number() OVER (ORDER BY coalesce(scheduled_at, 'infinity'), id)
     FROM matching
     WHERE :sort::text = 'scheduled_at'
       AND (coalesce(scheduled_at, 'infinity'), id)
           > (coalesce(:after_time::timestamptz, 'infinity'::timestamptz), :after_id::bigint)
     ORDER BY coalesce(scheduled_at, 'infinity'), id LIMIT :limit OFFSET :offset)
) AS page ON me.passed
-- Then the page's rows as the API shows them (names and e-mails for these rows only).
LEFT JOIN api_tickets AS t ON t.id = page.id
ORDER BY page.position;

-- name: list_newest_tickets
-- list_tickets for its commonest shapes, newest first with no filter but one status and the assignee (newest_tickets, migrations 0013 and 0016: kept plans); the same columns, but times as the API writes them (api_time, migration 0030), as the other list_newest_ statements.
-- plan: kept
SELECT s.caller_passed, s.total, s.id, s.title, s.description, s.status, s.client_id,
       s.client_name, s.assignee_id, s.assignee_email, api_time(s.scheduled_at) AS scheduled_at,
       api_time(s.created_at) AS created_at, api_time(s.updated_at) AS updated_at,
       s.device_kind, s.device_brand, s.device_model, s.device_serial, s.address,
       s.contact_name, s.contact_phone, s.contact_email, s.contact_comment
FROM newest_tickets(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed,
                    :status::ticket_status, :assignee_id, :after_time, :after_id, :limit,
                    :offset) AS s;

-- name: list_newest_assigned
-- list_newest_tickets for one assignee's first page or a cursor's (a worker's own list), in one statement that keeps its plan: the same rows and columns. A call of newest_tickets cost PostgreSQL 7-85 µs more a request than these steps as one statement, at one client on a million tickets (7-13 on a freshly vacuumed table, 60-85 after 90,000 updates), though inside one transaction the function ran them as fast. The caller is checked once (materialised: written in the select list it ran once a row), the e-mail read once a page.
-- plan: kept
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role,
                         :caller_confirmed) AS passed
)
SELECT me.passed AS caller_passed,
       CASE WHEN me.passed THEN (
           SELECT least(coalesce(sum(k.tickets), 0), 10001)::bigint
           FROM ticket_counts AS k
           WHERE k.assignee_id = :assignee_id::bigint
             AND (:status::ticket_status IS NULL OR k.status = :status::ticket_status)
       ) END AS total,
       a.id, a.title, a.description, a.status, a.client_id, a.client_name, a.assignee_id,
       a.assignee_email, api_time(a.scheduled_at) AS scheduled_at,
       api_time(a.created_at) AS created_at, api_time(a.updated_at) AS updated_at, a.device_kind,
       a.device_brand, a.device_model, a.device_serial, a.address, a.contact_name,
       a.contact_phone, a.contact_email, a.contact_comment
FROM me
LEFT JOIN LATERAL (
    -- Every row's assignee is this one: their e-mail once, not api_tickets' read a row.
    SELECT v.id, v.title, v.description, v.status, v.client_id, v.client_name, v.assignee_id,
           (SELECT u.email::text FROM users AS u WHERE u.id = :assignee_id::bigint)
               AS assignee_email,
           v.scheduled_at, v.created_at, v.updated_at, v.device_kind, v.device_brand,
           v.device_model, v.device_serial, v.address, v.contact_name, v.contact_phone,
           v.contact_email, v.contact_comment
    FROM api_tickets AS v
    WHERE me.passed AND v.assignee_id = :assignee_id::bigint
      AND (:status::ticket_status IS NULL OR v.status = :status::ticket_status)
      AND (v.created_at, v.id) < (:after_time::timestamptz, :after_id::bigint)
    ORDER BY v.created_at DESC, v.id DESC
    LIMIT :limit::integer
) AS a ON true
ORDER BY a.created_at DESC, a.id DESC;

-- name: list_newest_search
-- list_tickets for a title search newest first, with no filter but one status and the assignee (newest_search, migrations 0019 and 0024); the same columns (times as the API writes them, api_time) after the estimate of the matches it used and the table's row count it was made with (`matches`, `tuples`: pass them back for the same words and filters, or nulls to estimate now).
-- plan: kept
SELECT s.matches, s.tuples, s.caller_passed, s.total, s.id, s.title, s.description, s.status,
       s.client_id, s.client_name, s.assignee_id, s.assignee_email,
       api_time(s.scheduled_at) AS scheduled_at, api_time(s.created_at) AS created_at,
       api_time(s.updated_at) AS updated_at, s.device_kind, s.device_brand, s.device_model,
       s.device_serial, s.address,
       s.contact_name, s.contact_phone, s.contact_email, s.contact_comment
FROM newest_search(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed,
                   :search, :status::ticket_status, :assignee_id, :after_time, :after_id,
                   :limit, :offset, :matches, :tuples) AS s;

-- name: count_tickets
-- Tickets per status and assignee among those the filters select, and whether the caller passed.
-- Filters that ticket_counts keys (status, assignee) read its counters: a few hundred rows at
-- any size. Any other filter counts the matching tickets through their indexes. The test is
-- spelled out in both branches so each call's plan keeps only the branch that runs.
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed)
        AS passed
)
SELECT c.status, c.assignee_id, c.tickets, me.passed AS caller_passed
FROM me
LEFT JOIN LATERAL (
    SELECT k.status, k.assignee_id, sum(k.tickets)::bigint AS tickets
    FROM ticket_counts AS k
    WHERE (:search::text IS NULL AND :serial_prefix::text IS NULL AND :client_id::bigint IS NULL
           AND :created_from::timestamptz IS NULL AND :created_to::timestamptz IS NULL
           AND :scheduled_from::timestamptz IS NULL AND :scheduled_to::timestamptz IS NULL)
      AND (:statuses::ticket_status[] IS NULL OR k.status = ANY (:statuses::ticket_status[]))
      AND (:assignee_id::bigint IS NULL OR k.assignee_id = :assignee_id::bigint)
      AND (NOT :unassigned::boolean OR k.assignee_id IS NULL)
    GROUP BY k.status, k.assignee_id
    HAVING sum(k.tickets) <> 0
    UNION ALL
    SELECT t.status, t.assignee_id, count(*)
    FROM ticket_list(:statuses::ticket_status[], :assignee_id::bigint, :client_id::bigint,
                     :unassigned::boolean, :search::text, :serial_prefix::text,
                     :created_from::timestamptz,
                     :created_to::timestamptz, :scheduled_from::timestamptz,
                     :scheduled_to::timestamptz) AS t
    WHERE NOT (:search::text IS NULL AND :serial_prefix::text IS NULL
               AND :client_id::bigint IS NULL
               AND :created_from::timestamptz IS NULL AND :created_to::timestamptz IS NULL
               AND :scheduled_from::timestamptz IS NULL AND :scheduled_to::timestamptz IS NULL)
    GROUP BY t.status, t.assignee_id
) AS c ON me.passed
ORDER BY c.status, c.assignee_id NULLS FIRST;

-- name: get_ticket^
-- One ticket with its client's name and assignee's e-mail (`assignee_id` scopes a worker), and whether the caller passed (ticket_for_caller, migrations 0013 and 0016: a kept plan).
-- plan: kept
SELECT s.caller_passed, s.id, s.title, s.description, s.status, s.client_id, s.client_name,
       s.assignee_id, s.assignee_email, s.scheduled_at, s.created_at, s.updated_at,
       s.device_kind, s.device_brand, s.device_model, s.device_serial, s.address,
       s.contact_name, s.contact_phone, s.contact_email, s.contact_comment
FROM ticket_for_caller(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed,
                       :id, :assignee_id) AS s;

-- name: lock_ticket^
-- The editable fields of a ticket, locked until the transaction ends; `assignee_id` scopes a worker, `expected` (If-Match) lists the versions accepted.
SELECT id, title, description, status, client_id, assignee_id, scheduled_at, device_kind,
       device_brand, device_model, device_serial, address
FROM tickets
WHERE id = :id AND (:assignee_id::bigint IS NULL OR assignee_id = :assignee_id::bigint)
  AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
FOR UPDATE;

-- name: change_ticket_status^
-- A status change in one round trip (change_ticket_status, migrations 0013 and 0016): the outcome, whether the caller passed, the status it was in, and the ticket as the API shows it once changed.
-- plan: kept
SELECT s.outcome, s.outcome <> 'refused' AS caller_passed, s.previous_status, s.id, s.title,
       s.description, s.status, s.client_id, s.client_name, s.assignee_id, s.assignee_email,
       s.scheduled_at, s.created_at, s.updated_at, s.device_kind, s.device_brand,
       s.device_model, s.device_serial, s.address, s.contact_name, s.contact_phone,
       s.contact_email, s.contact_comment
FROM change_ticket_status(
    :caller_id, :caller_version, :caller_role::user_role, :caller_confirmed, :id, :assignee_id,
    :expected::timestamptz[], :status::ticket_status, :allowed_from::ticket_status[],
    :event_type, :audience
) AS s;

-- name: ticket_exists$
-- Whether a ticket exists (within a worker's scope when `assignee_id` is given).
SELECT EXISTS (
    SELECT 1 FROM tickets
    WHERE id = :id AND (:assignee_id::bigint IS NULL OR assignee_id = :assignee_id::bigint)
);

-- name: update_ticket!
-- Store a ticket's new field values (already merged and checked) and touch updated_at.
UPDATE tickets
SET title = :title, description = :description, status = :status, client_id = :client_id,
    assignee_id = :assignee_id, scheduled_at = :scheduled_at, device_kind = :device_kind,
    device_brand = :device_brand, device_model = :device_model, device_serial = :device_serial,
    address = :address, updated_at = now()
WHERE id = :id;

-- name: delete_ticket$
-- Delete a ticket if its version is one `expected` lists, leaving a tombstone and its history for reports; returns its id, or nothing.
WITH gone AS (
    DELETE FROM tickets
    WHERE id = :id
      AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
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
