-- A ticket's device and contact leave the database as plain columns; the service makes the API's
-- objects. Building two jsonb objects a row cost PostgreSQL about a third of a page (pgbench of a
-- worker's page on kept plans: 3,600 a second with them, 4,700 without), and the service then
-- parsed that JSON back, a call a value. The view and the functions of 0013 change shape, so
-- they are made anew.
-- depends: 0015.counts_by_assignee

DROP FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer);
DROP FUNCTION ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint);
DROP FUNCTION change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text);
DROP VIEW api_tickets;

CREATE VIEW api_tickets AS
SELECT t.id, t.title, t.description, t.status, t.client_id,
       (SELECT c.name FROM clients AS c WHERE c.id = t.client_id) AS client_name,
       t.assignee_id,
       (SELECT u.email::text FROM users AS u WHERE u.id = t.assignee_id) AS assignee_email,
       t.scheduled_at, t.created_at, t.updated_at, t.device_kind, t.device_brand, t.device_model,
       t.device_serial, t.address, t.contact_name, t.contact_phone,
       t.contact_email::text AS contact_email, t.contact_comment
FROM tickets AS t;
COMMENT ON VIEW api_tickets IS 'Tickets with what the API shows of them, flat: the service makes device and contact objects (contact only when a phone or e-mail was typed).';

CREATE FUNCTION ticket_for_caller(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_id bigint, p_assignee_id bigint
) RETURNS TABLE (
    caller_passed boolean, id bigint, title text, description text, status ticket_status,
    client_id bigint, client_name text, assignee_id bigint, assignee_email text,
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
COMMENT ON FUNCTION ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint) IS 'One ticket as the API shows it, for a caller checked as every read checks it (a kept plan).';

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
COMMENT ON FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer) IS 'A page of the newest tickets (all, of one status, one assignee''s, or both) with the total and the caller check: GET /tickets with no other filter, on kept plans.';

CREATE FUNCTION change_ticket_status(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean,
    p_id bigint, p_assignee_id bigint, p_expected timestamptz[],
    p_status ticket_status, p_from ticket_status[], p_event_type text, p_audience text
) RETURNS TABLE (
    outcome text, previous_status ticket_status, id bigint, title text, description text,
    status ticket_status, client_id bigint, client_name text, assignee_id bigint,
    assignee_email text,
    scheduled_at timestamptz, created_at timestamptz, updated_at timestamptz,
    device_kind text, device_brand text, device_model text, device_serial text, address text,
    contact_name text, contact_phone text, contact_email text, contact_comment text
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
COMMENT ON FUNCTION change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text) IS 'A ticket''s status change in one call: caller check, lock, version and move checks, the change, its history and notifications; the outcome (refused, missing, stale, not_allowed, changed) and the ticket as the API shows it.';
