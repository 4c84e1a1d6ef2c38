-- Clients: the customers who send repair requests.

-- name: list_clients
-- A page of clients, newest first, after a keyset position, optionally filtered by a search.
SELECT id, name, phone, email, comment, created_at, updated_at
FROM clients
WHERE (created_at, id) < (:after_created_at, :after_id)
  -- :pattern is '%term%' with wildcards escaped; the expression is clients_search_trgm_idx's.
  AND (:pattern::text IS NULL
       OR lower(coalesce(name, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(email, ''))
          LIKE :pattern)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: get_client^
-- One client.
SELECT id, name, phone, email, comment, created_at, updated_at
FROM clients
WHERE id = :id;

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
