-- Undo 0017: newest_tickets as 0016 made it.
DROP FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer);

CREATE FUNCTION newest_tickets(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_status ticket_status, p_assignee_id bigint,
    p_after_time timestamptz, p_after_id bigint, p_limit integer, p_offset integer
) RETURNS TABLE (
    caller_passed boolean, total bigint, id bigint, title text, description text,
    status ticket_status, client_id bigint, client_name text, assignee_id bigint,
    assignee_email text,
    scheduled_at timestamptz, created_at timestamptz, updated_at timestamptz,
    device_kind text, device_brand text, device_model text, device_serial text, address text,
    contact_name text, contact_phone text, contact_email text, contact_comment text
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
