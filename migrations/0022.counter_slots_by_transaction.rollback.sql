-- Undo 0022: counter slots by backend again, as 0009 and 0013 left them.
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
            SELECT status, assignee_id, pg_backend_pid() % 16, change
            FROM net ORDER BY status, assignee_id
            ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets
        )
        INSERT INTO ticket_totals AS c (status, slot, tickets)
        SELECT status, pg_backend_pid() % 16, sum(change) FROM net GROUP BY status ORDER BY status
        ON CONFLICT (status, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    ELSIF TG_OP = 'DELETE' THEN
        WITH net AS (
            SELECT status, assignee_id, -count(*) AS change FROM removed GROUP BY status, assignee_id
        ), counted AS (
            INSERT INTO ticket_counts AS c (status, assignee_id, slot, tickets)
            SELECT status, assignee_id, pg_backend_pid() % 16, change
            FROM net ORDER BY status, assignee_id
            ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets
        )
        INSERT INTO ticket_totals AS c (status, slot, tickets)
        SELECT status, pg_backend_pid() % 16, sum(change) FROM net GROUP BY status ORDER BY status
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
            SELECT status, assignee_id, pg_backend_pid() % 16, change
            FROM net ORDER BY status, assignee_id
            ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets
        )
        INSERT INTO ticket_totals AS c (status, slot, tickets)
        SELECT status, pg_backend_pid() % 16, sum(change)
        FROM net GROUP BY status HAVING sum(change) <> 0 ORDER BY status
        ON CONFLICT (status, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_counts_apply() IS 'Adds a statement''s net change of tickets per status and assignee to ticket_counts, and per status to ticket_totals.';

CREATE OR REPLACE FUNCTION report_daily_count_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_daily_counts AS r (day, shard, created, done, canceled, backlog_change)
    SELECT day, pg_backend_pid() % 8, sum(created), sum(done), sum(canceled), sum(backlog_change)
    FROM (
        SELECT (a.created_at AT TIME ZONE 'UTC')::date AS day,
               (a.kind = 'created')::int AS created,
               (a.kind = 'status_changed' AND a.to_status = 'done')::int AS done,
               (a.kind = 'status_changed' AND a.to_status = 'canceled')::int AS canceled,
               (a.to_status IN ('new', 'in_progress'))::int
               - coalesce((a.from_status IN ('new', 'in_progress'))::int, 0) AS backlog_change
        FROM added_events AS a
        WHERE a.kind IN ('created', 'status_changed')
        UNION ALL
        SELECT (before.created_at AT TIME ZONE 'UTC')::date, 0,
               -(before.to_status = 'done')::int, -(before.to_status = 'canceled')::int, 0
        FROM added_events AS a
        CROSS JOIN LATERAL (
            SELECT p.created_at, p.to_status
            FROM ticket_events AS p
            WHERE p.ticket_id = a.ticket_id AND p.kind = 'status_changed' AND p.id < a.id
            ORDER BY p.id DESC
            LIMIT 1
        ) AS before
        WHERE a.kind = 'status_changed' AND a.from_status IN ('done', 'canceled')
    ) AS moves
    GROUP BY day
    ORDER BY day
    ON CONFLICT (day, shard) DO UPDATE
    SET created = r.created + excluded.created, done = r.done + excluded.done,
        canceled = r.canceled + excluded.canceled,
        backlog_change = r.backlog_change + excluded.backlog_change;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION report_daily_count_deletions() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- An open ticket that is deleted leaves the backlog that day.
    INSERT INTO report_daily_counts AS r (day, shard, created, done, canceled, backlog_change)
    SELECT (deleted_at AT TIME ZONE 'UTC')::date, pg_backend_pid() % 8, 0, 0, 0, -count(*)
    FROM added_tombstones
    WHERE status IN ('new', 'in_progress')
    GROUP BY 1
    ORDER BY 1
    ON CONFLICT (day, shard) DO UPDATE SET backlog_change = r.backlog_change + excluded.backlog_change;
    RETURN NULL;
END
$$;
COMMENT ON COLUMN report_daily_counts.shard IS 'Writers spread over 8 rows per day (by backend pid) so concurrent changes do not queue on one row.';
DROP FUNCTION counter_slot(integer);
