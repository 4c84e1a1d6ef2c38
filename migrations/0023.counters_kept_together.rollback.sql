-- Undo 0023: 0022's counter trigger, the tables' default fill; the rows stay where they are
-- (the zero slots it made count nothing).
CREATE OR REPLACE FUNCTION ticket_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Rows go in a fixed order (ticket_counts, then ticket_totals, each sorted), so concurrent
    -- statements lock counters in the same order.
    IF TG_OP = 'INSERT' THEN
        WITH net AS (
            SELECT status, assignee_id, count(*) AS change FROM added GROUP BY status, assignee_id
        ), counted AS (
            INSERT INTO ticket_counts AS c (status, assignee_id, slot, tickets)
            SELECT status, assignee_id, counter_slot(16), change
            FROM net ORDER BY status, assignee_id
            ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets
        )
        INSERT INTO ticket_totals AS c (status, slot, tickets)
        SELECT status, counter_slot(16), sum(change) FROM net GROUP BY status ORDER BY status
        ON CONFLICT (status, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    ELSIF TG_OP = 'DELETE' THEN
        WITH net AS (
            SELECT status, assignee_id, -count(*) AS change FROM removed GROUP BY status, assignee_id
        ), counted AS (
            INSERT INTO ticket_counts AS c (status, assignee_id, slot, tickets)
            SELECT status, assignee_id, counter_slot(16), change
            FROM net ORDER BY status, assignee_id
            ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets
        )
        INSERT INTO ticket_totals AS c (status, slot, tickets)
        SELECT status, counter_slot(16), sum(change) FROM net GROUP BY status ORDER BY status
        ON CONFLICT (status, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    ELSE
        -- An edit that keeps status and assignee nets to zero and writes nothing.
        WITH net AS (
            SELECT status, assignee_id, sum(change) AS change
            FROM (
                SELECT status, assignee_id, 1 AS change FROM added
                UNION ALL
                SELECT status, assignee_id, -1 FROM removed
            ) AS changes
            GROUP BY status, assignee_id HAVING sum(change) <> 0
        ), counted AS (
            INSERT INTO ticket_counts AS c (status, assignee_id, slot, tickets)
            SELECT status, assignee_id, counter_slot(16), change
            FROM net ORDER BY status, assignee_id
            ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets
        )
        INSERT INTO ticket_totals AS c (status, slot, tickets)
        SELECT status, counter_slot(16), sum(change)
        FROM net GROUP BY status HAVING sum(change) <> 0 ORDER BY status
        ON CONFLICT (status, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_counts_apply() IS 'Adds a statement''s net change of tickets per status and assignee to ticket_counts, and per status to ticket_totals (in the transaction''s slot).';

DROP FUNCTION ticket_counts_fill(ticket_status[], bigint[]);
ALTER TABLE ticket_counts RESET (fillfactor);
ALTER TABLE ticket_totals RESET (fillfactor);
