-- Undo 0024: 0019's search, each step planned with the call's words.
DROP FUNCTION newest_search(bigint, integer, user_role, boolean, text, ticket_status, bigint, timestamptz, bigint, integer, integer, double precision, real);
CREATE FUNCTION newest_search(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_search text, p_status ticket_status, p_assignee_id bigint,
    p_after_time timestamptz, p_after_id bigint, p_limit integer, p_offset integer
) RETURNS TABLE (
    caller_passed boolean, total bigint, id bigint, title text, description text,
    status ticket_status, client_id bigint, client_name text, assignee_id bigint,
    assignee_email text,
    scheduled_at timestamptz, created_at timestamptz, updated_at timestamptz,
    device_kind text, device_brand text, device_model text, device_serial text, address text,
    contact_name text, contact_phone text, contact_email text, contact_comment text
)
-- VOLATILE: PostgreSQL runs EXPLAIN only there (it reads nothing but the statistics).
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
SET random_page_cost = 1.1
AS $$
#variable_conflict use_column
DECLARE
    v_plan json;
    v_ids bigint[];
BEGIN
    caller_passed := caller_passes(p_caller_id, p_caller_version, p_caller_role,
                                   p_caller_confirmed);
    IF NOT caller_passed THEN
        RETURN NEXT;
        RETURN;
    END IF;
    -- The total as list_tickets gives it (migration 0014): "more than 10,000" without counting
    -- when the statistics expect three times that, else counted up to 10,001.
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM tickets AS t
             WHERE t.search @@ to_tsquery(''russian'', $1)
               AND ($2::ticket_status IS NULL OR t.status = $2)
               AND ($3::bigint IS NULL OR t.assignee_id = $3)'
    INTO v_plan
    USING p_search, p_status, p_assignee_id;
    IF (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint >= 30000 THEN
        total := 10001;
    ELSE
        EXECUTE 'SELECT count(*) FROM (
                     SELECT 1 FROM tickets AS t
                     WHERE t.search @@ to_tsquery(''russian'', $1)
                       AND ($2::ticket_status IS NULL OR t.status = $2)
                       AND ($3::bigint IS NULL OR t.assignee_id = $3)
                     LIMIT 10001) AS capped'
        INTO total
        USING p_search, p_status, p_assignee_id;
    END IF;
    -- The page's keys: the newest-first index walked for a common word, the title index read
    -- and sorted for a rare one, as the planner finds for these values.
    EXECUTE 'SELECT array_agg(k.id ORDER BY k.created_at DESC, k.id DESC) FROM (
                 SELECT t.id, t.created_at FROM tickets AS t
                 WHERE t.search @@ to_tsquery(''russian'', $1)
                   AND ($2::ticket_status IS NULL OR t.status = $2)
                   AND ($3::bigint IS NULL OR t.assignee_id = $3)
                   AND (t.created_at, t.id) < ($4, $5)
                 ORDER BY t.created_at DESC, t.id DESC
                 LIMIT $6 OFFSET $7) AS k'
    INTO v_ids
    USING p_search, p_status, p_assignee_id, p_after_time, p_after_id, p_limit, p_offset;
    RETURN QUERY
    SELECT true, total, a.*
    FROM unnest(v_ids) WITH ORDINALITY AS p (id, position)
    CROSS JOIN LATERAL (SELECT * FROM api_tickets AS v WHERE v.id = p.id LIMIT 1) AS a
    ORDER BY p.position;
    IF NOT FOUND THEN
        RETURN NEXT;
    END IF;
END;
$$;
COMMENT ON FUNCTION newest_search(bigint, integer, user_role, boolean, text, ticket_status, bigint, timestamptz, bigint, integer, integer) IS 'A page of the newest tickets whose titles match a search (and one status, one assignee, or both) with the total and the caller check: GET /tickets?q= with no other filter.';
