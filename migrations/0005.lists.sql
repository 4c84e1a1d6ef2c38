-- Lists: one caller check every read query runs, one definition of the ticket filters, indexes
-- for each sort order, and ticket counts kept by the statements that change tickets.
-- depends: 0004.input_rules
-- transactional: false

-- The caller a token names, if the token is still good: the user exists, is active and not
-- deleted, and has not had their tokens revoked since (password, role, deactivation, deletion).
-- get_user_for_auth and every read query's check use it, so "a valid caller" has one definition.
CREATE OR REPLACE FUNCTION staff_caller(p_id bigint, p_version integer)
RETURNS TABLE (id bigint, email text, role user_role, token_version integer)
LANGUAGE sql STABLE AS $$
    SELECT u.id, u.email, u.role, u.token_version
    FROM users AS u
    WHERE u.id = p_id AND u.token_version = p_version AND u.active AND u.deleted_at IS NULL
$$;
COMMENT ON FUNCTION staff_caller(bigint, integer) IS 'The user a token (id, version) names while that token is still valid; no row otherwise.';

-- Whether a read may run as this caller: their token is still good and their role is still the
-- one the application remembered, or the primary already confirmed them during this request
-- (p_confirmed: a read replica may lag behind a new token).
CREATE OR REPLACE FUNCTION caller_passes(
    p_id bigint, p_version integer, p_role user_role, p_confirmed boolean
) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT p_confirmed
        OR EXISTS (SELECT 1 FROM staff_caller(p_id, p_version) AS c WHERE c.role = p_role)
$$;
COMMENT ON FUNCTION caller_passes(bigint, integer, user_role, boolean) IS 'Whether a read query may run as this caller (token still valid, role unchanged).';

-- The tickets GET /tickets and GET /tickets/counts select, before any order or page: rows of
-- tickets itself (the lists then read the page's rows from ticket_rows by id). The planner
-- inlines it (one SQL statement, STABLE), so each call plans as if written out; with custom
-- plans the absent (null) filters fold away. Its body reads device_serial, which
-- 0006.repair_story adds, so it is parsed when first called, not here (this file runs first).
SET check_function_bodies = off;
CREATE OR REPLACE FUNCTION ticket_list(
    p_statuses ticket_status[],
    p_assignee_id bigint,
    p_client_id bigint,
    p_unassigned boolean,
    p_search text,
    p_serial_prefix text,
    p_created_from timestamptz,
    p_created_to timestamptz,
    p_scheduled_from timestamptz,
    p_scheduled_to timestamptz
) RETURNS SETOF tickets
LANGUAGE sql STABLE AS $$
    SELECT t.*
    FROM tickets AS t
    WHERE (p_statuses IS NULL OR t.status = ANY (p_statuses))
      AND (p_assignee_id IS NULL OR t.assignee_id = p_assignee_id)
      AND (p_client_id IS NULL OR t.client_id = p_client_id)
      AND (NOT p_unassigned OR t.assignee_id IS NULL)
      -- Title words, or the start of a serial/IMEI ('key%'; tickets_device_serial_idx's
      -- expression).
      AND ((p_search IS NULL AND p_serial_prefix IS NULL)
           OR t.search @@ to_tsquery('russian', p_search)
           OR regexp_replace(lower(t.device_serial), '[[:space:]-]+', '', 'g')
              LIKE p_serial_prefix)
      AND (p_created_from IS NULL OR t.created_at >= p_created_from)
      AND (p_created_to IS NULL OR t.created_at < p_created_to)
      -- Written with tickets_scheduled_idx's expression, so a range reads that index.
      AND (p_scheduled_from IS NULL
           OR (coalesce(t.scheduled_at, 'infinity') >= p_scheduled_from
               AND t.scheduled_at IS NOT NULL))
      AND (p_scheduled_to IS NULL OR coalesce(t.scheduled_at, 'infinity') < p_scheduled_to)
$$;
RESET check_function_bodies;
COMMENT ON FUNCTION ticket_list(ticket_status[], bigint, bigint, boolean, text, text, timestamptz, timestamptz, timestamptz, timestamptz) IS 'Tickets matching the list filters (null = no filter); every ticket list and count reads through it.';

-- Counts per status and assignee, so dashboards never count a million rows. Each statement
-- that changes tickets adds its net change (statement triggers below, in the same transaction).
-- Writers spread over 16 slots by backend, so concurrent requests seldom wait on one row.
CREATE TABLE IF NOT EXISTS ticket_counts (
    status ticket_status NOT NULL,
    assignee_id bigint,
    slot smallint NOT NULL,
    tickets bigint NOT NULL,
    CONSTRAINT ticket_counts_key UNIQUE NULLS NOT DISTINCT (status, assignee_id, slot)
);
COMMENT ON TABLE ticket_counts IS 'How many tickets have each status and assignee: sum tickets over slots. Kept by triggers on tickets.';
COMMENT ON COLUMN ticket_counts.status IS 'The tickets'' status.';
COMMENT ON COLUMN ticket_counts.assignee_id IS 'The tickets'' assignee; null counts unassigned tickets.';
COMMENT ON COLUMN ticket_counts.slot IS 'Which of 16 partial counters (by writing backend) this is; only the sum means anything.';
COMMENT ON COLUMN ticket_counts.tickets IS 'This slot''s share of the count (may be negative; the sum over slots never is).';

CREATE OR REPLACE FUNCTION ticket_counts_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Rows go in a fixed order so concurrent statements lock counters in the same order.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts AS c (status, assignee_id, slot, tickets)
        SELECT status, assignee_id, pg_backend_pid() % 16, count(*)
        FROM added GROUP BY status, assignee_id ORDER BY status, assignee_id
        ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO ticket_counts AS c (status, assignee_id, slot, tickets)
        SELECT status, assignee_id, pg_backend_pid() % 16, -count(*)
        FROM removed GROUP BY status, assignee_id ORDER BY status, assignee_id
        ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    ELSE
        -- An edit that keeps status and assignee nets to zero and writes nothing.
        INSERT INTO ticket_counts AS c (status, assignee_id, slot, tickets)
        SELECT status, assignee_id, pg_backend_pid() % 16, sum(change)
        FROM (
            SELECT status, assignee_id, 1 AS change FROM added
            UNION ALL
            SELECT status, assignee_id, -1 FROM removed
        ) AS changes
        GROUP BY status, assignee_id HAVING sum(change) <> 0 ORDER BY status, assignee_id
        ON CONFLICT (status, assignee_id, slot) DO UPDATE SET tickets = c.tickets + excluded.tickets;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_counts_apply() IS 'Adds a statement''s net change of tickets per status and assignee to ticket_counts.';

CREATE OR REPLACE FUNCTION ticket_counts_clear() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_counts;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_counts_clear() IS 'Empties ticket_counts when tickets is truncated.';

-- Triggers and the first count in one statement, with writers held off: nothing counted twice
-- or missed.
DO $$
BEGIN
    LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;
    DROP TRIGGER IF EXISTS ticket_counts_insert ON tickets;
    DROP TRIGGER IF EXISTS ticket_counts_update ON tickets;
    DROP TRIGGER IF EXISTS ticket_counts_delete ON tickets;
    DROP TRIGGER IF EXISTS ticket_counts_truncate ON tickets;
    CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets
        REFERENCING NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_apply();
    CREATE TRIGGER ticket_counts_update AFTER UPDATE ON tickets
        REFERENCING OLD TABLE AS removed NEW TABLE AS added
        FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_apply();
    CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets
        REFERENCING OLD TABLE AS removed
        FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_apply();
    CREATE TRIGGER ticket_counts_truncate AFTER TRUNCATE ON tickets
        FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_clear();
    DELETE FROM ticket_counts;
    INSERT INTO ticket_counts (status, assignee_id, slot, tickets)
    SELECT status, assignee_id, 0, count(*) FROM tickets GROUP BY status, assignee_id;
END
$$;

COMMENT ON COLUMN users.token_version IS 'Bumped on password change, role change, deactivation or deletion; older tokens stop working.';

-- One index per sort order, so every order walks an index from its cursor (created_at has
-- tickets_listing_idx, read backwards for oldest first).
CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_updated_idx ON tickets (updated_at DESC, id DESC);
COMMENT ON INDEX tickets_updated_idx IS 'Tickets most recently changed first (sort=-updated_at).';
-- Tickets without a visit sort last: their key is infinity.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_scheduled_idx
    ON tickets ((coalesce(scheduled_at, 'infinity'::timestamptz)), id);
COMMENT ON INDEX tickets_scheduled_idx IS 'Visits in order, unscheduled tickets last (sort=scheduled_at).';
CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_order_idx ON users (email, id)
    WHERE deleted_at IS NULL;
COMMENT ON INDEX users_email_order_idx IS 'Undeleted users by e-mail (sort=email).';
-- Clients without a name sort last.
CREATE INDEX CONCURRENTLY IF NOT EXISTS clients_name_idx
    ON clients ((name IS NULL), (coalesce(name, '')), id);
COMMENT ON INDEX clients_name_idx IS 'Clients by name, nameless ones last (sort=name).';
