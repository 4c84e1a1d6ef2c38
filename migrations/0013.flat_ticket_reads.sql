-- Reads that return only what the API shows. The kept-plan functions of 0010 and 0011 returned
-- whole ticket_rows rows: each row carried the search tsvector and computed the serial search
-- key, and each page fetched its tickets twice (ids by index, then every row again by id).
-- Here they return flat columns from api_tickets, read in one pass. And the total of an
-- unfiltered or one-status page summed every row of ticket_counts (a row per status, assignee
-- and slot: 1,503 rows at a million tickets, 0.16 ms a page); ticket_totals keeps the same
-- counts per status only, at most 16 rows a status.
-- depends: 0012.kept_comment_plans

CREATE VIEW api_tickets AS
SELECT t.id, t.title, t.description, t.status, t.client_id,
       (SELECT c.name FROM clients AS c WHERE c.id = t.client_id) AS client_name,
       t.assignee_id,
       (SELECT u.email::text FROM users AS u WHERE u.id = t.assignee_id) AS assignee_email,
       t.scheduled_at, t.created_at, t.updated_at,
       jsonb_build_object('kind', t.device_kind, 'brand', t.device_brand, 'model', t.device_model,
                          'serial', t.device_serial) AS device,
       t.address,
       CASE WHEN t.contact_phone IS NOT NULL OR t.contact_email IS NOT NULL
            THEN jsonb_build_object('name', t.contact_name, 'phone', t.contact_phone,
                                    'email', t.contact_email, 'comment', t.contact_comment)
       END AS contact
FROM tickets AS t;
COMMENT ON VIEW api_tickets IS 'Tickets exactly as the API shows them: ticket_rows without its search columns.';

CREATE TABLE ticket_totals (
    status ticket_status NOT NULL,
    slot smallint NOT NULL,
    tickets bigint NOT NULL,
    CONSTRAINT ticket_totals_key PRIMARY KEY (status, slot)
);
COMMENT ON TABLE ticket_totals IS 'How many tickets have each status: sum tickets over slots. Kept with ticket_counts by the same triggers.';
COMMENT ON COLUMN ticket_totals.status IS 'The tickets'' status.';
COMMENT ON COLUMN ticket_totals.slot IS 'Which of 16 partial counters (by writing backend) this is; only the sum means anything.';
COMMENT ON COLUMN ticket_totals.tickets IS 'This slot''s share of the count (may be negative; the sum over slots never is).';

-- Each statement's net change per status and assignee, written to both tables in one statement.
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

CREATE OR REPLACE FUNCTION ticket_counts_clear() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_counts;
    DELETE FROM ticket_totals;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_counts_clear() IS 'Empties ticket_counts and ticket_totals when tickets is truncated.';

-- The first totals, with writers held off: nothing counted twice or missed.
DO $$
BEGIN
    LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;
    INSERT INTO ticket_totals (status, slot, tickets)
    SELECT status, 0, count(*) FROM tickets GROUP BY status;
END
$$;

DROP FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer);
DROP FUNCTION ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint);
DROP FUNCTION change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text);

-- One ticket as the API shows it (within an assignee's own when p_assignee_id is given), and
-- whether the caller passed: a refused caller gets a row with caller_passed false and nothing
-- else, a ticket not found a row with caller_passed true and nothing else.
CREATE FUNCTION ticket_for_caller(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_id bigint, p_assignee_id bigint
) RETURNS TABLE (
    caller_passed boolean, id bigint, title text, description text, status ticket_status,
    client_id bigint, client_name text, assignee_id bigint, assignee_email text,
    scheduled_at timestamptz, created_at timestamptz, updated_at timestamptz, device jsonb,
    address text, contact jsonb
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    caller_passed := caller_passes(p_caller_id, p_caller_version, p_caller_role,
                                   p_caller_confirmed);
    IF caller_passed THEN
        RETURN QUERY
        SELECT true, a.*
        FROM api_tickets AS a
        WHERE a.id = p_id AND (p_assignee_id IS NULL OR a.assignee_id = p_assignee_id);
        IF FOUND THEN
            RETURN;
        END IF;
    END IF;
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint) IS 'One ticket as the API shows it, for a caller checked as every read checks it (a kept plan).';

-- A page of the newest tickets after a keyset position (or p_offset rows in): all of them, those
-- of one status, one assignee's, or one assignee's of one status; with the total (capped at
-- 10,001 as list_tickets caps it) and whether the caller passed. An empty page is one row with
-- caller_passed and total only.
CREATE FUNCTION newest_tickets(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_status ticket_status, p_assignee_id bigint,
    p_after_time timestamptz, p_after_id bigint, p_limit integer, p_offset integer
) RETURNS TABLE (
    caller_passed boolean, total bigint, id bigint, title text, description text,
    status ticket_status, client_id bigint, client_name text, assignee_id bigint,
    assignee_email text, scheduled_at timestamptz, created_at timestamptz,
    updated_at timestamptz, device jsonb, address text, contact jsonb
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    caller_passed := caller_passes(p_caller_id, p_caller_version, p_caller_role,
                                   p_caller_confirmed);
    IF NOT caller_passed THEN
        RETURN NEXT;
        RETURN;
    END IF;
    IF p_assignee_id IS NULL THEN
        SELECT least(coalesce(sum(k.tickets), 0), 10001)::bigint INTO total
        FROM ticket_totals AS k
        WHERE p_status IS NULL OR k.status = p_status;
    ELSE
        SELECT least(coalesce(sum(k.tickets), 0), 10001)::bigint INTO total
        FROM ticket_counts AS k
        WHERE k.assignee_id = p_assignee_id AND (p_status IS NULL OR k.status = p_status);
    END IF;
    -- A statement for each index (newest first, by status, by assignee), not one with optional
    -- filters: a kept plan cannot choose its index by which filters a call gives. The view's
    -- lookups (client name, assignee e-mail) run for the page's rows only: the planner puts
    -- them above the LIMIT.
    IF p_assignee_id IS NOT NULL THEN
        RETURN QUERY
        SELECT true, total, a.*
        FROM api_tickets AS a
        WHERE a.assignee_id = p_assignee_id
          AND (p_status IS NULL OR a.status = p_status)
          AND (a.created_at, a.id) < (p_after_time, p_after_id)
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT p_limit OFFSET p_offset;
    ELSIF p_status IS NOT NULL THEN
        RETURN QUERY
        SELECT true, total, a.*
        FROM api_tickets AS a
        WHERE a.status = p_status AND (a.created_at, a.id) < (p_after_time, p_after_id)
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT p_limit OFFSET p_offset;
    ELSE
        RETURN QUERY
        SELECT true, total, a.*
        FROM api_tickets AS a
        WHERE (a.created_at, a.id) < (p_after_time, p_after_id)
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT p_limit OFFSET p_offset;
    END IF;
    IF NOT FOUND THEN
        RETURN NEXT;
    END IF;
END;
$$;
COMMENT ON FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer) IS 'A page of the newest tickets (all, of one status, one assignee''s, or both) with the total and the caller check: GET /tickets with no other filter, on kept plans.';

-- A status change: the caller checked as every read checks it, the ticket locked (within a
-- worker's own when p_assignee_id is given, and at a version p_expected lists), the move allowed
-- only from p_from, then the change, its history row and its notifications. The outcome says
-- which: refused (the caller), missing, stale (If-Match), not_allowed (with the status the
-- ticket is in) or changed (with the ticket as the API shows it).
CREATE FUNCTION change_ticket_status(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean,
    p_id bigint, p_assignee_id bigint, p_expected timestamptz[],
    p_status ticket_status, p_from ticket_status[], p_event_type text, p_audience text
) RETURNS TABLE (
    outcome text, previous_status ticket_status, id bigint, title text, description text,
    status ticket_status, client_id bigint, client_name text, assignee_id bigint,
    assignee_email text, scheduled_at timestamptz, created_at timestamptz,
    updated_at timestamptz, device jsonb, address text, contact jsonb
)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_updated_at timestamptz;
BEGIN
    IF NOT caller_passes(p_caller_id, p_caller_version, p_caller_role, p_caller_confirmed) THEN
        outcome := 'refused';
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT t.status, t.updated_at INTO previous_status, v_updated_at
    FROM tickets AS t
    WHERE t.id = p_id AND (p_assignee_id IS NULL OR t.assignee_id = p_assignee_id)
    FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'missing';
    ELSIF p_expected IS NOT NULL AND NOT v_updated_at = ANY (p_expected) THEN
        outcome := 'stale';
    ELSIF NOT previous_status = ANY (p_from) THEN
        outcome := 'not_allowed';
    ELSE
        UPDATE tickets AS t SET status = p_status, updated_at = now() WHERE t.id = p_id;
        INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status)
        VALUES (p_id, p_caller_id, 'status_changed', previous_status, p_status);
        PERFORM queue_ticket_event(p_event_type, p_id, p_audience,
                                   jsonb_build_object('previous_status', previous_status));
        RETURN QUERY SELECT 'changed'::text, previous_status, a.* FROM api_tickets AS a
                     WHERE a.id = p_id;
        RETURN;
    END IF;
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text) IS 'A ticket''s status change in one call: caller check, lock, version and move checks, the change, its history and notifications; the outcome (refused, missing, stale, not_allowed, changed) and the ticket as the API shows it.';
