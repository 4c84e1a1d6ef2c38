-- A title search with few matches reads them once, not twice. 0024 counted the matches (up to
-- 10,001) and then read them all again from the title index for the page: on a million
-- tickets a rare word's matches lie one to a heap page, so each read costs about 90 buffers
-- (the title index's entries for the prefix, then a page per match), the largest part of what
-- such a search costs PostgreSQL. Now the one read gives both the count and the page (sorted,
-- from the keyset position, offset), unless the count reaches its cap: then the page is read
-- as before, from all the matches. Many matches are counted and walked as before.
-- depends: 0024.searches_planned_once

CREATE OR REPLACE FUNCTION newest_search(
    p_caller_id bigint, p_caller_version integer, p_caller_role user_role,
    p_caller_confirmed boolean, p_search text, p_status ticket_status, p_assignee_id bigint,
    p_after_time timestamptz, p_after_id bigint, p_limit integer, p_offset integer,
    p_matches double precision, p_tuples real
) RETURNS TABLE (
    matches double precision, tuples real, caller_passed boolean, total bigint, id bigint,
    title text, description text, status ticket_status, client_id bigint, client_name text, assignee_id bigint,
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
    v_matches double precision;
    v_tuples real;
    v_query tsquery;
    v_ids bigint[];
BEGIN
    caller_passed := caller_passes(p_caller_id, p_caller_version, p_caller_role,
                                   p_caller_confirmed);
    IF NOT caller_passed THEN
        RETURN NEXT;
        RETURN;
    END IF;
    v_query := to_tsquery('russian', p_search);
    -- The statistics' estimate of the matches: the one the service remembers, while the table's
    -- statistics (its row count, which every ANALYZE sets anew) are those it was made with.
    SELECT c.reltuples INTO v_tuples FROM pg_class AS c WHERE c.oid = 'tickets'::regclass;
    v_matches := CASE WHEN p_tuples = v_tuples THEN p_matches END;
    IF v_matches IS NULL THEN
        EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM tickets AS t
                 WHERE t.search @@ $1
                   AND ($2::ticket_status IS NULL OR t.status = $2)
                   AND ($3::bigint IS NULL OR t.assignee_id = $3)'
        INTO v_plan
        USING v_query, p_status, p_assignee_id;
        v_matches := (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::double precision;
    END IF;
    matches := v_matches;
    tuples := v_tuples;
    -- The total as list_tickets gives it (migration 0014): "more than 10,000" without counting
    -- when the statistics expect three times that, else counted up to 10,001.
    IF v_matches >= 30000 THEN
        total := 10001;
    END IF;
    IF v_matches * v_matches >= p_limit::double precision * v_tuples THEN
        IF total IS NULL THEN
            SELECT count(*) INTO total
            FROM (SELECT 1 FROM tickets AS t
                  WHERE t.search @@ v_query
                    AND (p_status IS NULL OR t.status = p_status)
                    AND (p_assignee_id IS NULL OR t.assignee_id = p_assignee_id)
                  LIMIT 10001) AS capped;
        END IF;
        -- Many matches: walk the newest first (a statement for each index), testing titles.
        IF p_assignee_id IS NOT NULL THEN
            SELECT array_agg(k.id ORDER BY k.created_at DESC, k.id DESC) INTO v_ids
            FROM (SELECT t.id, t.created_at FROM tickets AS t
                  WHERE t.assignee_id = p_assignee_id
                    AND (p_status IS NULL OR t.status = p_status)
                    AND (t.created_at, t.id) < (p_after_time, p_after_id)
                    AND ts_match_vq(t.search, v_query)
                  ORDER BY t.created_at DESC, t.id DESC
                  LIMIT p_limit OFFSET p_offset) AS k;
        ELSIF p_status IS NOT NULL THEN
            SELECT array_agg(k.id ORDER BY k.created_at DESC, k.id DESC) INTO v_ids
            FROM (SELECT t.id, t.created_at FROM tickets AS t
                  WHERE t.status = p_status
                    AND (t.created_at, t.id) < (p_after_time, p_after_id)
                    AND ts_match_vq(t.search, v_query)
                  ORDER BY t.created_at DESC, t.id DESC
                  LIMIT p_limit OFFSET p_offset) AS k;
        ELSE
            SELECT array_agg(k.id ORDER BY k.created_at DESC, k.id DESC) INTO v_ids
            FROM (SELECT t.id, t.created_at FROM tickets AS t
                  WHERE (t.created_at, t.id) < (p_after_time, p_after_id)
                    AND ts_match_vq(t.search, v_query)
                  ORDER BY t.created_at DESC, t.id DESC
                  LIMIT p_limit OFFSET p_offset) AS k;
        END IF;
    ELSE
        -- Few matches: one read of them all gives the total and the page, while there are no
        -- more than the total counts.
        IF total IS NULL THEN
            SELECT count(*),
                   (array_agg(m.id ORDER BY m.created_at DESC, m.id DESC)
                        FILTER (WHERE (m.created_at, m.id) < (p_after_time, p_after_id)))
                       [p_offset + 1 : p_offset + p_limit]
            INTO total, v_ids
            FROM (SELECT t.id, t.created_at FROM tickets AS t
                  WHERE t.search @@ v_query
                    AND (p_status IS NULL OR t.status = p_status)
                    AND (p_assignee_id IS NULL OR t.assignee_id = p_assignee_id)
                  LIMIT 10001) AS m;
        END IF;
        IF total > 10000 THEN
            -- More than that after all: the page from all of them, sorted.
            SELECT array_agg(k.id ORDER BY k.created_at DESC, k.id DESC) INTO v_ids
            FROM (SELECT m.id, m.created_at
                  FROM (SELECT t.id, t.created_at FROM tickets AS t
                        WHERE t.search @@ v_query
                          AND (p_status IS NULL OR t.status = p_status)
                          AND (p_assignee_id IS NULL OR t.assignee_id = p_assignee_id)
                          AND (t.created_at, t.id) < (p_after_time, p_after_id)
                        OFFSET 0) AS m
                  ORDER BY m.created_at DESC, m.id DESC
                  LIMIT p_limit OFFSET p_offset) AS k;
        END IF;
    END IF;
    RETURN QUERY
    SELECT v_matches, v_tuples, true, total, a.*
    FROM unnest(v_ids) WITH ORDINALITY AS p (id, position)
    CROSS JOIN LATERAL (SELECT * FROM api_tickets AS v WHERE v.id = p.id LIMIT 1) AS a
    ORDER BY p.position;
    IF NOT FOUND THEN
        RETURN NEXT;
    END IF;
END;
$$;
COMMENT ON FUNCTION newest_search(bigint, integer, user_role, boolean, text, ticket_status, bigint, timestamptz, bigint, integer, integer, double precision, real) IS 'A page of the newest tickets whose titles match a search (and one status, one assignee, or both) with the total, the caller check and the estimate of the matches used (p_matches while the table''s row count is p_tuples, else planned now): GET /tickets?q= with no other filter.';
