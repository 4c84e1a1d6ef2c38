-- Direct SQL reporting: deleted tickets keep their history, report_* views, a read-only role.
-- depends: 0006.repair_story

-- History survives deletion. A deleted ticket leaves `tickets` (so every API route answers 404
-- and no list shows it, whoever wrote the route) and leaves a tombstone here; its events stay.
CREATE TABLE deleted_tickets (
    id bigint PRIMARY KEY,
    title text NOT NULL,
    description text,
    status ticket_status NOT NULL,
    device_kind text,
    device_brand text,
    device_model text,
    device_serial text,
    address text,
    -- No foreign key: a client whose tickets were all deleted may itself be deleted; reports
    -- then show the ticket without the client's details.
    client_id bigint NOT NULL,
    assignee_id bigint REFERENCES users (id) ON DELETE RESTRICT,
    scheduled_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    deleted_by bigint REFERENCES users (id) ON DELETE RESTRICT
);
COMMENT ON TABLE deleted_tickets IS 'Tombstones of deleted tickets (the API no longer shows them); reports keep counting their history.';
COMMENT ON COLUMN deleted_tickets.id IS 'The deleted ticket''s id (ids are never reused).';
COMMENT ON COLUMN deleted_tickets.title IS 'Its title when deleted.';
COMMENT ON COLUMN deleted_tickets.description IS 'Its description when deleted.';
COMMENT ON COLUMN deleted_tickets.status IS 'Its status when deleted.';
COMMENT ON COLUMN deleted_tickets.device_kind IS 'Its device''s kind when deleted.';
COMMENT ON COLUMN deleted_tickets.device_brand IS 'Its device''s brand when deleted.';
COMMENT ON COLUMN deleted_tickets.device_model IS 'Its device''s model when deleted.';
COMMENT ON COLUMN deleted_tickets.device_serial IS 'Its device''s serial number or IMEI when deleted.';
COMMENT ON COLUMN deleted_tickets.address IS 'Its visit address when deleted.';
COMMENT ON COLUMN deleted_tickets.client_id IS 'Its client (no foreign key: the client may be deleted later).';
COMMENT ON COLUMN deleted_tickets.assignee_id IS 'Its assignee when deleted.';
COMMENT ON COLUMN deleted_tickets.scheduled_at IS 'Its planned visit when deleted (UTC).';
COMMENT ON COLUMN deleted_tickets.created_at IS 'When the request arrived (UTC).';
COMMENT ON COLUMN deleted_tickets.updated_at IS 'When the ticket last changed before deletion (UTC).';
COMMENT ON COLUMN deleted_tickets.deleted_at IS 'When an admin deleted it (UTC).';
COMMENT ON COLUMN deleted_tickets.deleted_by IS 'The admin who deleted it.';
CREATE INDEX deleted_tickets_created_idx ON deleted_tickets (created_at);
CREATE INDEX deleted_tickets_client_idx ON deleted_tickets (client_id);

-- Events outlive their ticket: no cascade (and no foreign key, as the ticket row goes away).
ALTER TABLE ticket_events DROP CONSTRAINT ticket_events_ticket_id_fkey;
COMMENT ON COLUMN ticket_events.ticket_id IS 'The ticket that changed (in tickets, or in deleted_tickets once deleted).';

-- Reports that filter by time read status changes and creations by time, not the whole history.
CREATE INDEX ticket_events_status_time_idx ON ticket_events (created_at)
    INCLUDE (ticket_id, kind, from_status, to_status)
    WHERE kind IN ('created', 'status_changed');
COMMENT ON INDEX ticket_events_status_time_idx IS 'Creations and status changes by time, for report_worker_load and sql/reports.';

-- Each ticket's milestones, kept up to date by a statement trigger on ticket_events: reading
-- them from the history for every row took seconds for a month of tickets at a million.
CREATE TABLE ticket_milestones (
    ticket_id bigint PRIMARY KEY,
    created_at timestamptz,
    last_status ticket_status,
    first_in_progress_at timestamptz,
    done_at timestamptz,
    done_event_id bigint,
    closed_by_id bigint REFERENCES users (id) ON DELETE RESTRICT,
    canceled_at timestamptz,
    reopenings integer NOT NULL DEFAULT 0,
    first_public_reply_at timestamptz
);
COMMENT ON TABLE ticket_milestones IS 'Per ticket (live or deleted), what report_tickets and report_closes read from its history; kept by a trigger on ticket_events.';
COMMENT ON COLUMN ticket_milestones.ticket_id IS 'The ticket (in tickets or deleted_tickets).';
COMMENT ON COLUMN ticket_milestones.created_at IS 'When the ticket was created (its created event, UTC).';
COMMENT ON COLUMN ticket_milestones.last_status IS 'Where its last status change led (null: never changed); done means closed.';
COMMENT ON COLUMN ticket_milestones.first_in_progress_at IS 'Its first move to in_progress (UTC).';
COMMENT ON COLUMN ticket_milestones.done_at IS 'Its last move to done (UTC); a close only while the ticket is done.';
COMMENT ON COLUMN ticket_milestones.done_event_id IS 'The ticket_events row of that move.';
COMMENT ON COLUMN ticket_milestones.closed_by_id IS 'The last assignment before that move: the worker credited with the close.';
COMMENT ON COLUMN ticket_milestones.canceled_at IS 'Its last move to canceled (UTC).';
COMMENT ON COLUMN ticket_milestones.reopenings IS 'Moves from done or canceled back to new or in_progress.';
COMMENT ON COLUMN ticket_milestones.first_public_reply_at IS 'Staff''s first public comment (one the customer sees), UTC; kept if the comment is deleted later.';
CREATE INDEX ticket_milestones_closes_idx ON ticket_milestones (done_at) WHERE last_status = 'done';
COMMENT ON INDEX ticket_milestones_closes_idx IS 'Closes by time, for report_closes.';

CREATE FUNCTION ticket_milestones_add_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Events arrive in time order, so a batch's last move to done or canceled is the newest.
    INSERT INTO ticket_milestones AS m (ticket_id, created_at, last_status,
                                        first_in_progress_at, done_at, done_event_id,
                                        closed_by_id, canceled_at, reopenings,
                                        first_public_reply_at)
    SELECT a.ticket_id,
           min(a.created_at) FILTER (WHERE a.kind = 'created'),
           (array_agg(a.to_status ORDER BY a.id DESC) FILTER (WHERE a.kind = 'status_changed'))[1],
           min(a.created_at) FILTER (WHERE a.kind = 'status_changed' AND a.to_status = 'in_progress'),
           max(a.created_at) FILTER (WHERE a.to_status = 'done'),
           max(a.id) FILTER (WHERE a.to_status = 'done'),
           (SELECT e.to_assignee_id FROM ticket_events AS e
            WHERE e.ticket_id = a.ticket_id AND e.kind IN ('created', 'assigned')
              AND e.id < max(a.id) FILTER (WHERE a.to_status = 'done')
            ORDER BY e.id DESC
            LIMIT 1),
           max(a.created_at) FILTER (WHERE a.to_status = 'canceled'),
           count(*) FILTER (WHERE a.from_status IN ('done', 'canceled')
                              AND a.to_status IN ('new', 'in_progress')),
           min(a.created_at) FILTER (WHERE a.kind = 'commented' AND a.actor_id IS NOT NULL
                                       AND a.changes ->> 'visibility' = 'public')
    FROM added_events AS a
    WHERE a.kind IN ('created', 'status_changed')
       OR (a.kind = 'commented' AND a.actor_id IS NOT NULL AND a.changes ->> 'visibility' = 'public')
    GROUP BY a.ticket_id
    ORDER BY a.ticket_id
    ON CONFLICT (ticket_id) DO UPDATE SET
        created_at = coalesce(m.created_at, excluded.created_at),
        last_status = coalesce(excluded.last_status, m.last_status),
        first_in_progress_at = least(m.first_in_progress_at, excluded.first_in_progress_at),
        done_at = coalesce(excluded.done_at, m.done_at),
        done_event_id = coalesce(excluded.done_event_id, m.done_event_id),
        closed_by_id = CASE WHEN excluded.done_event_id IS NULL THEN m.closed_by_id
                            ELSE excluded.closed_by_id END,
        canceled_at = coalesce(excluded.canceled_at, m.canceled_at),
        reopenings = m.reopenings + excluded.reopenings,
        first_public_reply_at = least(m.first_public_reply_at, excluded.first_public_reply_at);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_milestones_add_events() IS 'Folds new ticket_events rows into ticket_milestones.';
CREATE TRIGGER ticket_milestones_add_events AFTER INSERT ON ticket_events
    REFERENCING NEW TABLE AS added_events FOR EACH STATEMENT
    EXECUTE FUNCTION ticket_milestones_add_events();

-- The history written before this migration (the same sums over every row).
INSERT INTO ticket_milestones (ticket_id, created_at, last_status, first_in_progress_at, done_at,
                               done_event_id,
                               closed_by_id, canceled_at, reopenings, first_public_reply_at)
SELECT a.ticket_id,
       min(a.created_at) FILTER (WHERE a.kind = 'created'),
       (array_agg(a.to_status ORDER BY a.id DESC) FILTER (WHERE a.kind = 'status_changed'))[1],
       min(a.created_at) FILTER (WHERE a.kind = 'status_changed' AND a.to_status = 'in_progress'),
       max(a.created_at) FILTER (WHERE a.to_status = 'done'),
       max(a.id) FILTER (WHERE a.to_status = 'done'),
       (SELECT e.to_assignee_id FROM ticket_events AS e
        WHERE e.ticket_id = a.ticket_id AND e.kind IN ('created', 'assigned')
          AND e.id < max(a.id) FILTER (WHERE a.to_status = 'done')
        ORDER BY e.id DESC
        LIMIT 1),
       max(a.created_at) FILTER (WHERE a.to_status = 'canceled'),
       count(*) FILTER (WHERE a.from_status IN ('done', 'canceled')
                          AND a.to_status IN ('new', 'in_progress')),
       min(a.created_at) FILTER (WHERE a.kind = 'commented' AND a.actor_id IS NOT NULL
                                   AND a.changes ->> 'visibility' = 'public')
FROM ticket_events AS a
WHERE a.kind IN ('created', 'status_changed')
   OR (a.kind = 'commented' AND a.actor_id IS NOT NULL AND a.changes ->> 'visibility' = 'public')
GROUP BY a.ticket_id;

-- Statistics now, not at autovacuum's leisure: report plans join this table by the million.
ANALYZE ticket_milestones;

-- Every ticket, live or deleted, with its milestones. The joins are on primary keys, so the
-- planner drops each one a query reads no column of: counting tickets by status reads tickets only.
CREATE VIEW report_tickets AS
SELECT t.id AS ticket_id, t.title, t.status,
       t.device_kind, t.device_brand, t.device_model, t.device_serial, t.address,
       t.client_id, c.name AS client_name, c.phone AS client_phone, c.email AS client_email,
       t.assignee_id, a.email AS assignee_email,
       t.created_at, t.updated_at, t.scheduled_at,
       m.first_in_progress_at,
       -- The customer's first sign of life from the shop: work started or a public reply.
       least(m.first_in_progress_at, m.first_public_reply_at) AS first_response_at,
       -- A ticket is closed now when its status says so (every status change writes an event):
       -- its close is then the last move to that status.
       CASE WHEN t.status = 'done' THEN m.done_at END AS done_at,
       CASE WHEN t.status = 'canceled' THEN m.canceled_at END AS canceled_at,
       CASE WHEN t.status = 'done' THEN m.closed_by_id END AS closed_by_id,
       CASE WHEN t.status = 'done' THEN closer.email END AS closed_by_email,
       CASE WHEN t.status = 'done' THEN m.done_at - t.created_at END AS resolution_time,
       coalesce(m.reopenings, 0)::bigint AS reopenings,
       t.deleted, t.deleted_at
FROM (
    SELECT id, title, status, device_kind, device_brand, device_model, device_serial, address,
           client_id, assignee_id, scheduled_at, created_at, updated_at,
           false AS deleted, NULL::timestamptz AS deleted_at
    FROM tickets
    UNION ALL
    SELECT id, title, status, device_kind, device_brand, device_model, device_serial, address,
           client_id, assignee_id, scheduled_at, created_at, updated_at,
           true, deleted_at
    FROM deleted_tickets
) AS t
LEFT JOIN clients AS c ON c.id = t.client_id
LEFT JOIN users AS a ON a.id = t.assignee_id
LEFT JOIN ticket_milestones AS m ON m.ticket_id = t.id
LEFT JOIN users AS closer ON closer.id = m.closed_by_id;
COMMENT ON VIEW report_tickets IS 'One row per ticket ever created, deleted ones included (deleted = true): its people, times and milestones. A close is the last status change when it goes to done; the worker credited is the last assignment before it.';
COMMENT ON COLUMN report_tickets.ticket_id IS 'The ticket''s id.';
COMMENT ON COLUMN report_tickets.title IS 'What is broken, in the customer''s words.';
COMMENT ON COLUMN report_tickets.status IS 'new, in_progress, done or canceled (for a deleted ticket: its status when deleted).';
COMMENT ON COLUMN report_tickets.device_kind IS 'What the device is (washing machine, phone, ...).';
COMMENT ON COLUMN report_tickets.device_brand IS 'The device''s brand.';
COMMENT ON COLUMN report_tickets.device_model IS 'The device''s model.';
COMMENT ON COLUMN report_tickets.device_serial IS 'The device''s serial number or IMEI.';
COMMENT ON COLUMN report_tickets.address IS 'Where the visit is.';
COMMENT ON COLUMN report_tickets.client_id IS 'The customer.';
COMMENT ON COLUMN report_tickets.client_name IS 'The customer''s name (null if the client was deleted).';
COMMENT ON COLUMN report_tickets.client_phone IS 'The customer''s phone.';
COMMENT ON COLUMN report_tickets.client_email IS 'The customer''s e-mail.';
COMMENT ON COLUMN report_tickets.assignee_id IS 'The worker assigned now; null while unassigned.';
COMMENT ON COLUMN report_tickets.assignee_email IS 'The assigned worker''s e-mail.';
COMMENT ON COLUMN report_tickets.created_at IS 'When the request arrived (UTC).';
COMMENT ON COLUMN report_tickets.updated_at IS 'When the ticket last changed (UTC).';
COMMENT ON COLUMN report_tickets.scheduled_at IS 'When the visit is planned (UTC).';
COMMENT ON COLUMN report_tickets.first_in_progress_at IS 'When work first started (first move to in_progress, UTC).';
COMMENT ON COLUMN report_tickets.first_response_at IS 'The first response to the customer (UTC): work started or staff''s first public comment, whichever came first.';
COMMENT ON COLUMN report_tickets.done_at IS 'The close: the last move to done, when the ticket is done now (UTC).';
COMMENT ON COLUMN report_tickets.canceled_at IS 'The last move to canceled, when the ticket is canceled now (UTC).';
COMMENT ON COLUMN report_tickets.closed_by_id IS 'The worker credited with the close: the last assignment before it.';
COMMENT ON COLUMN report_tickets.closed_by_email IS 'That worker''s e-mail.';
COMMENT ON COLUMN report_tickets.resolution_time IS 'done_at - created_at; null unless done.';
COMMENT ON COLUMN report_tickets.reopenings IS 'How many times the ticket went from done or canceled back to new or in_progress.';
COMMENT ON COLUMN report_tickets.deleted IS 'Whether an admin deleted the ticket (the API no longer shows it).';
COMMENT ON COLUMN report_tickets.deleted_at IS 'When it was deleted (UTC); null while it exists.';

-- Per UTC day: what arrived, what closed, and what was still open at midnight. Summing two
-- years of history on every read takes over a second at a million tickets, so each write adds
-- its day's figures here (statement triggers below); the view sums a few thousand rows.
CREATE TABLE report_daily_counts (
    day date NOT NULL,
    shard smallint NOT NULL,
    created bigint NOT NULL,
    done bigint NOT NULL,
    canceled bigint NOT NULL,
    backlog_change bigint NOT NULL,
    PRIMARY KEY (day, shard)
);
COMMENT ON TABLE report_daily_counts IS 'Running per-day figures behind report_daily, kept by triggers on ticket_events and deleted_tickets; read report_daily instead.';
COMMENT ON COLUMN report_daily_counts.day IS 'The UTC day the figures belong to.';
COMMENT ON COLUMN report_daily_counts.shard IS 'Writers spread over 8 rows per day (by backend pid) so concurrent changes do not queue on one row.';
COMMENT ON COLUMN report_daily_counts.created IS 'Tickets created that day.';
COMMENT ON COLUMN report_daily_counts.done IS 'Moves to done that day, minus those a later reopening took back.';
COMMENT ON COLUMN report_daily_counts.canceled IS 'Moves to canceled that day, minus those a later reopening took back.';
COMMENT ON COLUMN report_daily_counts.backlog_change IS 'Tickets that became open minus tickets that stopped being open (closed, canceled, deleted) that day.';

-- The figures a batch of new history rows adds, by day. A reopening takes back the close
-- before it, so a close counts once, on the day of the ticket's last status change.
CREATE FUNCTION report_daily_count_events() RETURNS trigger
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
COMMENT ON FUNCTION report_daily_count_events() IS 'Adds new ticket_events rows to report_daily_counts.';
CREATE TRIGGER report_daily_count_events AFTER INSERT ON ticket_events
    REFERENCING NEW TABLE AS added_events FOR EACH STATEMENT
    EXECUTE FUNCTION report_daily_count_events();

CREATE FUNCTION report_daily_count_deletions() RETURNS trigger
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
COMMENT ON FUNCTION report_daily_count_deletions() IS 'Takes deleted open tickets out of report_daily_counts'' backlog.';
CREATE TRIGGER report_daily_count_deletions AFTER INSERT ON deleted_tickets
    REFERENCING NEW TABLE AS added_tombstones FOR EACH STATEMENT
    EXECUTE FUNCTION report_daily_count_deletions();

CREATE FUNCTION report_daily_count_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM report_daily_counts;
    DELETE FROM ticket_milestones;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION report_daily_count_truncate() IS 'Empties report_daily_counts and ticket_milestones when the history is truncated.';
CREATE TRIGGER report_daily_count_truncate AFTER TRUNCATE ON ticket_events
    FOR EACH STATEMENT EXECUTE FUNCTION report_daily_count_truncate();

-- The history written before this migration, counted once (the same sums, over every row).
INSERT INTO report_daily_counts (day, shard, created, done, canceled, backlog_change)
SELECT day, 0, sum(created), sum(done), sum(canceled), sum(backlog_change)
FROM (
    SELECT (a.created_at AT TIME ZONE 'UTC')::date AS day,
           (a.kind = 'created')::int AS created,
           (a.kind = 'status_changed' AND a.to_status = 'done')::int AS done,
           (a.kind = 'status_changed' AND a.to_status = 'canceled')::int AS canceled,
           (a.to_status IN ('new', 'in_progress'))::int
           - coalesce((a.from_status IN ('new', 'in_progress'))::int, 0) AS backlog_change
    FROM ticket_events AS a
    WHERE a.kind IN ('created', 'status_changed')
    UNION ALL
    SELECT (before.created_at AT TIME ZONE 'UTC')::date, 0,
           -(before.to_status = 'done')::int, -(before.to_status = 'canceled')::int, 0
    FROM ticket_events AS a
    CROSS JOIN LATERAL (
        SELECT p.created_at, p.to_status
        FROM ticket_events AS p
        WHERE p.ticket_id = a.ticket_id AND p.kind = 'status_changed' AND p.id < a.id
        ORDER BY p.id DESC
        LIMIT 1
    ) AS before
    WHERE a.kind = 'status_changed' AND a.from_status IN ('done', 'canceled')
) AS moves
GROUP BY day;

CREATE VIEW report_daily AS
WITH per_day AS (
    SELECT day, sum(created) AS created, sum(done) AS done, sum(canceled) AS canceled,
           sum(backlog_change) AS backlog_change
    FROM report_daily_counts
    GROUP BY day
)
SELECT days.day::date AS day,
       coalesce(p.created, 0)::bigint AS created,
       coalesce(p.done, 0)::bigint AS done,
       coalesce(p.canceled, 0)::bigint AS canceled,
       sum(coalesce(p.backlog_change, 0)) OVER (ORDER BY days.day)::bigint AS open_at_end
FROM generate_series(
    (SELECT min(day) FROM per_day),
    greatest((SELECT max(day) FROM per_day), (now() AT TIME ZONE 'UTC')::date),
    interval '1 day'
) AS days (day)
LEFT JOIN per_day AS p ON p.day = days.day::date;
COMMENT ON VIEW report_daily IS 'One row per UTC day from the first ticket to today, days without events included: tickets created, closed as done, canceled, and open at the end of the day. A close counts once, on the day of the ticket''s last status change. Deleted tickets count in the days they lived.';
COMMENT ON COLUMN report_daily.day IS 'The UTC calendar day.';
COMMENT ON COLUMN report_daily.created IS 'Tickets created that day.';
COMMENT ON COLUMN report_daily.done IS 'Tickets closed that day: their last status change, to done, happened then.';
COMMENT ON COLUMN report_daily.canceled IS 'Tickets canceled that day (their last status change, to canceled).';
COMMENT ON COLUMN report_daily.open_at_end IS 'Tickets new or in_progress at the end of the day (UTC midnight); a deleted ticket stops counting the day it is deleted.';

-- One row per close, indexed by time: "who closed what last month, and how fast" reads only
-- that month's closes.
CREATE VIEW report_closes AS
SELECT m.ticket_id, m.done_at AS closed_at, m.closed_by_id AS worker_id,
       u.email AS worker_email, m.created_at, m.done_at - m.created_at AS resolution_time,
       EXISTS (SELECT 1 FROM deleted_tickets AS d WHERE d.id = m.ticket_id) AS deleted
FROM ticket_milestones AS m
LEFT JOIN users AS u ON u.id = m.closed_by_id
-- Done now: its last status change went to done, and that move is the close.
WHERE m.last_status = 'done';
COMMENT ON VIEW report_closes IS 'One row per closed ticket: its close (the last status change, to done), the worker credited (the last assignment before it) and how long it took. Deleted tickets included. Filter on closed_at: it reads an index.';
COMMENT ON COLUMN report_closes.ticket_id IS 'The closed ticket (see report_tickets).';
COMMENT ON COLUMN report_closes.closed_at IS 'When it moved to done for the last time (UTC).';
COMMENT ON COLUMN report_closes.worker_id IS 'The worker credited: the last assignment before the close (null: it was unassigned).';
COMMENT ON COLUMN report_closes.worker_email IS 'That worker''s e-mail.';
COMMENT ON COLUMN report_closes.created_at IS 'When the ticket was created (UTC).';
COMMENT ON COLUMN report_closes.resolution_time IS 'closed_at - created_at.';
COMMENT ON COLUMN report_closes.deleted IS 'Whether the ticket was deleted since.';

-- Per worker: what they hold now, and what they closed lately and how fast.
CREATE VIEW report_worker_load AS
WITH closes AS (
    SELECT worker_id, closed_at AS done_at, resolution_time
    FROM report_closes
    WHERE closed_at >= now() - interval '30 days'
), closed AS (
    SELECT worker_id,
           count(*) FILTER (WHERE done_at >= now() - interval '7 days') AS done_7d,
           count(*) AS done_30d,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_time) AS median_resolution_30d,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_time) AS p90_resolution_30d
    FROM closes
    GROUP BY worker_id
), holding AS (
    SELECT assignee_id AS worker_id,
           count(*) FILTER (WHERE status = 'new') AS open_new,
           count(*) FILTER (WHERE status = 'in_progress') AS open_in_progress
    FROM tickets
    WHERE status IN ('new', 'in_progress') AND assignee_id IS NOT NULL
    GROUP BY assignee_id
)
SELECT u.id AS worker_id, u.email AS worker_email,
       u.active AND u.deleted_at IS NULL AS active,
       coalesce(h.open_new, 0) AS open_new,
       coalesce(h.open_in_progress, 0) AS open_in_progress,
       coalesce(c.done_7d, 0) AS done_7d,
       coalesce(c.done_30d, 0) AS done_30d,
       c.median_resolution_30d,
       c.p90_resolution_30d
FROM users AS u
LEFT JOIN holding AS h ON h.worker_id = u.id
LEFT JOIN closed AS c ON c.worker_id = u.id
WHERE u.role = 'worker' OR h.worker_id IS NOT NULL OR c.worker_id IS NOT NULL;
COMMENT ON VIEW report_worker_load IS 'One row per worker (and anyone else holding or closing tickets): open tickets now, closes in the last 7 and 30 days, and how long the last 30 days'' closes took from creation.';
COMMENT ON COLUMN report_worker_load.worker_id IS 'The user''s id.';
COMMENT ON COLUMN report_worker_load.worker_email IS 'The user''s e-mail.';
COMMENT ON COLUMN report_worker_load.active IS 'Whether the account can log in (active and not deleted).';
COMMENT ON COLUMN report_worker_load.open_new IS 'Tickets assigned to them now, still new.';
COMMENT ON COLUMN report_worker_load.open_in_progress IS 'Tickets assigned to them now, in progress.';
COMMENT ON COLUMN report_worker_load.done_7d IS 'Closes credited to them in the last 7 days (deleted tickets included).';
COMMENT ON COLUMN report_worker_load.done_30d IS 'Closes credited to them in the last 30 days (deleted tickets included).';
COMMENT ON COLUMN report_worker_load.median_resolution_30d IS 'Median of created -> close over the last 30 days'' closes.';
COMMENT ON COLUMN report_worker_load.p90_resolution_30d IS '90th percentile of created -> close over the last 30 days'' closes.';

-- The analysts' role: the views and nothing else (views read the tables with their owner's
-- rights, so no hashes, tracking tokens or idempotency rows are reachable).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_reporting') THEN
        BEGIN
            CREATE ROLE crm_reporting NOLOGIN;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'crm_reporting not created: % (ask a superuser to run CREATE ROLE crm_reporting NOLOGIN, then migrate again or GRANT SELECT on the report_* views to it)', SQLERRM;
            RETURN;
        END;
        COMMENT ON ROLE crm_reporting IS 'Analysts: SELECT on the report_* views only. Logins join it with crm create-reporting-login.';
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO crm_reporting', current_database());
    GRANT USAGE ON SCHEMA public TO crm_reporting;
    GRANT SELECT ON report_tickets, report_daily, report_closes, report_worker_load TO crm_reporting;
END
$$;

-- Creating a login takes a role name and a password, which CREATE ROLE cannot take as
-- parameters: this function quotes both. It runs with the caller's rights (CREATEROLE needed).
-- Analysts' sessions plan for solid-state storage (random_page_cost 1.1, the usual advice for
-- SSDs): at the default 4 a month of report_tickets hashes all million ticket_milestones rows
-- (0.9 s) instead of looking up its 41,000 by key (0.24 s).
CREATE FUNCTION create_reporting_login(login text, password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY INVOKER AS $$
BEGIN
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE crm_reporting', login, password_verifier);
    EXECUTE format('ALTER ROLE %I SET random_page_cost = 1.1', login);
END
$$;
REVOKE EXECUTE ON FUNCTION create_reporting_login(text, text) FROM PUBLIC;
COMMENT ON FUNCTION create_reporting_login(text, text) IS 'Create a login in crm_reporting; the password arrives as a SCRAM verifier, never in clear.';
