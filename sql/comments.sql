-- Ticket comments: staff notes (internal) and the conversation with the customer (public).

-- name: list_comments
-- A page of a ticket's comments as the API shows them, oldest first, with the total (to 10,001), whether the ticket is there for this caller, and whether the caller passed (ticket_comments_page, migration 0012: a kept plan).
-- plan: kept
SELECT id, ticket_id, body, visibility, author, author_id, author_name, created_at, edited_at,
       caller_passed, ticket_found, total
FROM ticket_comments_page(:caller_id, :caller_version, :caller_role::user_role,
                          :caller_confirmed, :ticket_id, :assignee_id, :after_id, :limit,
                          :offset);

-- name: get_comment^
-- One comment of a ticket as the API shows it to staff.
SELECT c.id, c.ticket_id, c.body, c.visibility,
       CASE WHEN c.author_id IS NULL THEN 'customer' ELSE 'staff' END AS author, c.author_id,
       CASE WHEN c.author_id IS NULL
            THEN (SELECT cl.name FROM tickets AS t JOIN clients AS cl ON cl.id = t.client_id
                  WHERE t.id = c.ticket_id)
            ELSE (SELECT coalesce(u.display_name, u.email::text) FROM users AS u
                  WHERE u.id = c.author_id)
       END AS author_name,
       c.created_at, c.edited_at
FROM ticket_comments AS c
WHERE c.id = :id AND c.ticket_id = :ticket_id;

-- name: insert_comment$
-- Add a comment (author null: the customer) and its 'commented' history row; returns its id.
WITH comment AS (
    INSERT INTO ticket_comments (ticket_id, author_id, visibility, body)
    VALUES (:ticket_id, :author_id, :visibility::comment_visibility, :body)
    RETURNING id, ticket_id, author_id, visibility
), event AS (
    INSERT INTO ticket_events (ticket_id, actor_id, kind, comment_id, changes)
    SELECT ticket_id, author_id, 'commented', id, jsonb_build_object('visibility', visibility)
    FROM comment
)
SELECT id FROM comment;

-- name: lock_comment^
-- A comment of a ticket, locked until the transaction ends, with whether it is still editable (15 minutes).
SELECT id, author_id, body, visibility, created_at > now() - interval '15 minutes' AS editable
FROM ticket_comments
WHERE id = :id AND ticket_id = :ticket_id
FOR UPDATE;

-- name: edit_comment!
-- Store a comment's new text and a 'comment_edited' history row keeping the old text.
WITH edited AS (
    UPDATE ticket_comments AS c SET body = :body, edited_at = now()
    FROM (SELECT id, body FROM ticket_comments WHERE id = :id) AS old
    WHERE c.id = old.id
    RETURNING c.id, c.ticket_id, old.body AS old_body, c.body AS new_body
)
INSERT INTO ticket_events (ticket_id, actor_id, kind, comment_id, changes)
SELECT ticket_id, :actor_id, 'comment_edited', id,
       jsonb_build_object('body', jsonb_build_object('from', old_body, 'to', new_body))
FROM edited;

-- name: delete_comment$
-- Delete a comment of a ticket and record a 'comment_deleted' history row (without its text); returns its id.
WITH deleted AS (
    DELETE FROM ticket_comments
    WHERE id = :id AND ticket_id = :ticket_id
    RETURNING id, ticket_id, visibility
), event AS (
    INSERT INTO ticket_events (ticket_id, actor_id, kind, comment_id, changes)
    SELECT ticket_id, :actor_id, 'comment_deleted', id, jsonb_build_object('visibility', visibility)
    FROM deleted
)
SELECT id FROM deleted;

-- name: ticket_visible$
-- Whether the ticket exists and, for a worker (`assignee_id` given), is theirs.
SELECT EXISTS (
    SELECT 1 FROM tickets
    WHERE id = :id AND (:assignee_id::bigint IS NULL OR assignee_id = :assignee_id::bigint)
);
