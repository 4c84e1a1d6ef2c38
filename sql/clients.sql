-- Clients: the customers who send repair requests.

-- name: list_clients
-- A page of clients in the `sort` order after a keyset position (or `offset` rows in), optionally searched, with the total (to 10,001) and whether the caller passed.
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed)
        AS passed
)
, matching AS NOT MATERIALIZED (
    SELECT id, name, phone, email, comment, created_at, updated_at
    FROM clients
    -- :pattern is '%term%' with wildcards escaped; the expression is clients_search_trgm_idx's.
    WHERE :pattern::text IS NULL
       OR lower(coalesce(name, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(email, ''))
          LIKE :pattern::text
)
SELECT c.id, c.name, c.phone, c.email, c.comment, c.created_at, c.updated_at,
       me.passed AS caller_passed, total.rows AS total
FROM me
LEFT JOIN LATERAL (
    SELECT count(*) AS rows FROM (SELECT 1 FROM matching LIMIT 10001) AS capped
) AS total ON me.passed
-- One branch per order, as in list_tickets (SELECT * of the CTE: its columns are listed above).
LEFT JOIN LATERAL (
    (SELECT * FROM matching
     WHERE :sort::text = '-created_at'
       AND (created_at, id) < (:after_time::timestamptz, :after_id::bigint)
     ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset)
    UNION ALL
    -- Nameless clients last (clients_name_idx's expressions).
    (SELECT * FROM matching
     WHERE :sort::text = 'name'
       AND (name IS NULL, coalesce(name, ''), id)
           > (:after_flag::boolean, :after_text::text, :after_id::bigint)
     ORDER BY name IS NULL, coalesce(name, ''), id LIMIT :limit OFFSET :offset)
) AS c ON me.passed;

-- name: get_client^
-- One client, and whether the caller passed (see list_tickets).
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed)
        AS passed
)
SELECT c.id, c.name, c.phone, c.email, c.comment, c.created_at, c.updated_at,
       me.passed AS caller_passed
FROM me
LEFT JOIN LATERAL (
    SELECT id, name, phone, email, comment, created_at, updated_at
    FROM clients
    WHERE id = :id
) AS c ON me.passed;

-- name: insert_client^
-- Create a client; a blank name or comment is stored as null.
INSERT INTO clients (name, phone, email, comment)
VALUES (nullif(:name, ''), :phone, :email, nullif(:comment, ''))
RETURNING id, name, phone, email, comment, created_at, updated_at;

-- name: update_client^
-- Change the fields whose set_ flag is true (null clears one; blank name or comment is null) if its version is one `expected` lists.
UPDATE clients SET
    name = CASE WHEN :set_name THEN nullif(:name, '') ELSE name END,
    phone = CASE WHEN :set_phone THEN :phone ELSE phone END,
    email = CASE WHEN :set_email THEN :email ELSE email END,
    comment = CASE WHEN :set_comment THEN nullif(:comment, '') ELSE comment END,
    updated_at = now()
WHERE id = :id AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
RETURNING id, name, phone, email, comment, created_at, updated_at;

-- name: delete_client$
-- Delete a client if its version is one `expected` lists; the tickets foreign key (ON DELETE RESTRICT) refuses while it has tickets.
DELETE FROM clients
WHERE id = :id AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
RETURNING id;
