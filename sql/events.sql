-- Ticket events: the append-only history of every change to a ticket.

-- name: add_event!
-- Append one history row for a ticket.
INSERT INTO ticket_events (
    ticket_id, actor_id, kind, from_status, to_status, from_assignee_id, to_assignee_id, changes
)
VALUES (
    :ticket_id, :actor_id, :kind, :from_status, :to_status, :from_assignee_id, :to_assignee_id,
    :changes::jsonb
);

-- name: list_events
-- A page of a ticket's history, oldest first, with each actor's e-mail.
SELECT e.id, e.ticket_id, e.kind, e.actor_id, a.email AS actor_email, e.from_status, e.to_status,
       e.from_assignee_id, e.to_assignee_id, e.comment_id, e.changes, e.created_at
FROM ticket_events AS e
LEFT JOIN users AS a ON a.id = e.actor_id
WHERE e.ticket_id = :ticket_id AND e.id > :after_id
ORDER BY e.id
LIMIT :limit;
