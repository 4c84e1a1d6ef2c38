-- The soak's books: what `make soak` checks in the database after its run.

-- name: soak_tickets
-- Every ticket with its title and status.
SELECT id, title, status::text AS status FROM tickets;

-- name: soak_broken_histories
-- Tickets whose history does not lead to their status: the created row, then each status change from the previous status.
WITH steps AS (
    SELECT e.ticket_id, e.kind, e.from_status::text AS from_status, e.to_status::text AS to_status,
           lag(e.to_status::text) OVER (PARTITION BY e.ticket_id ORDER BY e.id) AS previous
    FROM ticket_events AS e
    WHERE e.kind IN ('created', 'status_changed')
)
SELECT t.id
FROM tickets AS t
WHERE NOT EXISTS (SELECT 1 FROM steps s WHERE s.ticket_id = t.id AND s.kind = 'created')
   OR EXISTS (
        SELECT 1 FROM steps s
        WHERE s.ticket_id = t.id AND s.kind = 'status_changed' AND s.from_status IS DISTINCT FROM s.previous
   )
   OR t.status::text IS DISTINCT FROM (
        SELECT s.to_status FROM ticket_events AS s
        WHERE s.ticket_id = t.id AND s.kind IN ('created', 'status_changed')
        ORDER BY s.id DESC LIMIT 1
   )::text;
