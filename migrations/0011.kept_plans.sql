-- Plans kept, not made per call, for the reads every screen runs: one ticket, and the newest
-- tickets (all of them, of one status, or one assignee's). The service plans each statement for
-- its parameters (plan_cache_mode = force_custom_plan, so a list's optional filters pick the
-- right index), and for these fixed shapes planning cost more than running: at a million
-- tickets page 1 planned in 1.07 ms and ran in 0.73 ms, one ticket 0.16 against 0.10. Inside
-- these functions each statement keeps one generic plan per connection (tickets_listing_idx,
-- tickets_status_idx, tickets_assignee_idx, the primary key). Any other filter or order goes
-- through list_tickets.
-- depends: 0010.one_trip_writes

-- One ticket as the API shows it (within an assignee's own when p_assignee_id is given), and
-- whether the caller passed: a refused caller gets (false, null), a ticket not found (true, null).
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

-- A page of the newest tickets after a keyset position (or p_offset rows in): all of them, those
-- of one status, one assignee's, or one assignee's of one status; with the total from
-- ticket_counts (capped at 10,001 as list_tickets caps it) and whether the caller passed. An
-- empty page is one row with a null ticket.
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
