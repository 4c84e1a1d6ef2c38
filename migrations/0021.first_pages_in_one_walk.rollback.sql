-- Undo 0021: every page of the newest tickets looks its rows up by id again, as 0017 and 0018 left it.
CREATE OR REPLACE FUNCTION newest_tickets(
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
SET random_page_cost = 1.1
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
    -- filters: a kept plan cannot choose its index by which filters a call gives. Each walks its
    -- index for the page's keys only (an offset's skipped rows never leave the index), then
    -- reads the page's rows a lateral lookup at a time: for an unknown LIMIT a generic plan
    -- guesses a tenth of the table and would hash-join a full scan of tickets.
    IF p_assignee_id IS NOT NULL THEN
        RETURN QUERY
        SELECT true, total, a.*
        FROM (SELECT t.id, t.created_at
              FROM tickets AS t
              WHERE t.assignee_id = p_assignee_id
                AND (p_status IS NULL OR t.status = p_status)
                AND (t.created_at, t.id) < (p_after_time, p_after_id)
              ORDER BY t.created_at DESC, t.id DESC
              LIMIT p_limit OFFSET p_offset) AS p
        CROSS JOIN LATERAL (SELECT * FROM api_tickets AS v WHERE v.id = p.id LIMIT 1) AS a
        ORDER BY p.created_at DESC, p.id DESC;
    ELSIF p_status IS NOT NULL THEN
        RETURN QUERY
        SELECT true, total, a.*
        FROM (SELECT t.id, t.created_at
              FROM tickets AS t
              WHERE t.status = p_status AND (t.created_at, t.id) < (p_after_time, p_after_id)
              ORDER BY t.created_at DESC, t.id DESC
              LIMIT p_limit OFFSET p_offset) AS p
        CROSS JOIN LATERAL (SELECT * FROM api_tickets AS v WHERE v.id = p.id LIMIT 1) AS a
        ORDER BY p.created_at DESC, p.id DESC;
    ELSE
        RETURN QUERY
        SELECT true, total, a.*
        FROM (SELECT t.id, t.created_at
              FROM tickets AS t
              WHERE (t.created_at, t.id) < (p_after_time, p_after_id)
              ORDER BY t.created_at DESC, t.id DESC
              LIMIT p_limit OFFSET p_offset) AS p
        CROSS JOIN LATERAL (SELECT * FROM api_tickets AS v WHERE v.id = p.id LIMIT 1) AS a
        ORDER BY p.created_at DESC, p.id DESC;
    END IF;
    IF NOT FOUND THEN
        RETURN NEXT;
    END IF;
END;
$$;
