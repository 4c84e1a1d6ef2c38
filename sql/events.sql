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
-- A page of a ticket's history, oldest first, with each actor's e-mail, the total (to 10,001), whether the ticket is there for this caller, and whether the caller passed.
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed)
        AS passed
)
SELECT e.id, e.ticket_id, e.kind, e.actor_id, e.actor_email, e.from_status, e.to_status,
       e.from_assignee_id, e.to_assignee_id, e.comment_id, e.changes, e.created_at,
       me.passed AS caller_passed, ticket.id IS NOT NULL AS ticket_found, total.rows AS total
FROM me
-- The ticket, if this caller may see it (`assignee_id` scopes a worker to their own).
LEFT JOIN LATERAL (
    SELECT id FROM tickets
    WHERE id = :ticket_id AND (:assignee_id::bigint IS NULL OR assignee_id = :assignee_id::bigint)
) AS ticket ON me.passed
LEFT JOIN LATERAL (
    SELECT count(*) AS rows
    FROM (SELECT 1 FROM ticket_events WHERE ticket_id = ticket.id LIMIT 10001) AS capped
) AS total ON true
LEFT JOIN LATERAL (
    SELECT ev.id, ev.ticket_id, ev.kind, ev.actor_id, a.email AS actor_email, ev.from_status,
           ev.to_status, ev.from_assignee_id, ev.to_assignee_id, ev.comment_id, ev.changes,
           ev.created_at
    FROM ticket_events AS ev
    LEFT JOIN users AS a ON a.id = ev.actor_id
    WHERE ev.ticket_id = ticket.id AND ev.id > :after_id
    ORDER BY ev.id
    LIMIT :limit OFFSET :offset
) AS e ON true;
