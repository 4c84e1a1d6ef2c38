-- Undo 0013: the kept-plan reads and the status change as 0010 and 0011 made them, and
-- the counters without ticket_totals.
DROP FUNCTION IF EXISTS newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer);
DROP FUNCTION IF EXISTS ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint);
DROP FUNCTION IF EXISTS change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text);

CREATE FUNCTION ticket_for_caller(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_id bigint, p_assignee_id bigint
) RETURNS TABLE (caller_passed boolean, ticket ticket_rows)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    IF NOT caller_passes(p_caller_id, p_caller_version, p_caller_role, p_caller_confirmed) THEN
        RETURN QUERY SELECT false, NULL::ticket_rows;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT true, r
    FROM ticket_rows AS r
    WHERE r.id = p_id AND (p_assignee_id IS NULL OR r.assignee_id = p_assignee_id);
    IF NOT FOUND THEN
        RETURN QUERY SELECT true, NULL::ticket_rows;
    END IF;
END;
$$;
COMMENT ON FUNCTION ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint) IS 'One ticket as the API shows it, for a caller checked as every read checks it (a kept plan).';

CREATE FUNCTION newest_tickets(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_status ticket_status, p_assignee_id bigint,
    p_after_time timestamptz, p_after_id bigint, p_limit integer, p_offset integer
) RETURNS TABLE (caller_passed boolean, total bigint, ticket ticket_rows)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_total bigint;
BEGIN
    IF NOT caller_passes(p_caller_id, p_caller_version, p_caller_role, p_caller_confirmed) THEN
        RETURN QUERY SELECT false, NULL::bigint, NULL::ticket_rows;
        RETURN;
    END IF;
    SELECT least(coalesce(sum(k.tickets), 0), 10001)::bigint INTO v_total
    FROM ticket_counts AS k
    WHERE (p_status IS NULL OR k.status = p_status)
      AND (p_assignee_id IS NULL OR k.assignee_id = p_assignee_id);
    -- A statement for each index (newest first, by status, by assignee), not one with optional
    -- filters: a kept plan cannot choose its index by which filters a call gives. Each reads
    -- the page's rows a lateral lookup at a time: for an unknown LIMIT a generic plan guesses a
    -- tenth of the table and would hash-join a full scan of tickets.
    IF p_assignee_id IS NOT NULL THEN
        RETURN QUERY
        SELECT true, v_total, one.r
        FROM (SELECT t.id, t.created_at
              FROM tickets AS t
              WHERE t.assignee_id = p_assignee_id
                AND (p_status IS NULL OR t.status = p_status)
                AND (t.created_at, t.id) < (p_after_time, p_after_id)
              ORDER BY t.created_at DESC, t.id DESC
              LIMIT p_limit OFFSET p_offset) AS p
        CROSS JOIN LATERAL (SELECT r FROM ticket_rows AS r WHERE r.id = p.id LIMIT 1) AS one
        ORDER BY p.created_at DESC, p.id DESC;
    ELSIF p_status IS NOT NULL THEN
        RETURN QUERY
        SELECT true, v_total, one.r
        FROM (SELECT t.id, t.created_at
              FROM tickets AS t
              WHERE t.status = p_status AND (t.created_at, t.id) < (p_after_time, p_after_id)
              ORDER BY t.created_at DESC, t.id DESC
              LIMIT p_limit OFFSET p_offset) AS p
        CROSS JOIN LATERAL (SELECT r FROM ticket_rows AS r WHERE r.id = p.id LIMIT 1) AS one
        ORDER BY p.created_at DESC, p.id DESC;
    ELSE
        RETURN QUERY
        SELECT true, v_total, one.r
        FROM (SELECT t.id, t.created_at
              FROM tickets AS t
              WHERE (t.created_at, t.id) < (p_after_time, p_after_id)
              ORDER BY t.created_at DESC, t.id DESC
              LIMIT p_limit OFFSET p_offset) AS p
        CROSS JOIN LATERAL (SELECT r FROM ticket_rows AS r WHERE r.id = p.id LIMIT 1) AS one
        ORDER BY p.created_at DESC, p.id DESC;
    END IF;
    IF NOT FOUND THEN
        RETURN QUERY SELECT true, v_total, NULL::ticket_rows;
    END IF;
END;
$$;
COMMENT ON FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer) IS 'A page of the newest tickets (all, of one status, one assignee''s, or both) with the total and the caller check: GET /tickets with no other filter, on kept plans.';

CREATE FUNCTION change_ticket_status(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean,
    p_id bigint, p_assignee_id bigint, p_expected timestamptz[],
    p_status ticket_status, p_from ticket_status[], p_event_type text, p_audience text
) RETURNS TABLE (outcome text, previous_status ticket_status, ticket ticket_rows)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_status ticket_status;
    v_updated_at timestamptz;
BEGIN
    IF NOT caller_passes(p_caller_id, p_caller_version, p_caller_role, p_caller_confirmed) THEN
        RETURN QUERY SELECT 'refused'::text, NULL::ticket_status, NULL::ticket_rows;
        RETURN;
    END IF;
    SELECT t.status, t.updated_at INTO v_status, v_updated_at
    FROM tickets AS t
    WHERE t.id = p_id AND (p_assignee_id IS NULL OR t.assignee_id = p_assignee_id)
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'missing'::text, NULL::ticket_status, NULL::ticket_rows;
    ELSIF p_expected IS NOT NULL AND NOT v_updated_at = ANY (p_expected) THEN
        RETURN QUERY SELECT 'stale'::text, v_status, NULL::ticket_rows;
    ELSIF NOT v_status = ANY (p_from) THEN
        RETURN QUERY SELECT 'not_allowed'::text, v_status, NULL::ticket_rows;
    ELSE
        UPDATE tickets SET status = p_status, updated_at = now() WHERE tickets.id = p_id;
        INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status)
        VALUES (p_id, p_caller_id, 'status_changed', v_status, p_status);
        PERFORM queue_ticket_event(p_event_type, p_id, p_audience,
                                   jsonb_build_object('previous_status', v_status));
        RETURN QUERY SELECT 'changed'::text, v_status, r FROM ticket_rows AS r WHERE r.id = p_id;
    END IF;
END;
$$;
COMMENT ON FUNCTION change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text) IS 'A ticket''s status change in one call: caller check, lock, version and move checks, the change, its history and notifications; the outcome (refused, missing, stale, not_allowed, changed) and the ticket as the API shows it.';

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

DROP TABLE IF EXISTS ticket_totals;
DROP VIEW IF EXISTS api_tickets;
