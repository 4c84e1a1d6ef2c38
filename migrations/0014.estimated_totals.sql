-- A list's total without counting, when the planner expects far more matches than a total
-- reports. A title search for a common word matched 178,000 of a million tickets, and counting
-- the 10,001 a total needs read them all through the title index first: 16-27 ms a search, 25
-- times the page itself. The planner's estimate (from the column statistics ANALYZE keeps) is
-- within a few per cent for one word; list_tickets trusts it only at three times the cap.
-- depends: 0013.flat_ticket_reads

-- VOLATILE because PostgreSQL runs EXPLAIN only there; it reads nothing but the statistics.
CREATE FUNCTION ticket_list_estimate(
    p_statuses ticket_status[], p_assignee_id bigint, p_client_id bigint, p_unassigned boolean,
    p_search text, p_serial_prefix text, p_created_from timestamptz, p_created_to timestamptz,
    p_scheduled_from timestamptz, p_scheduled_to timestamptz
) RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_plan json;
BEGIN
    -- A fixed statement: the filters are parameters, planned with their values.
    EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM ticket_list($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)'
    INTO v_plan
    USING p_statuses, p_assignee_id, p_client_id, p_unassigned, p_search, p_serial_prefix,
          p_created_from, p_created_to, p_scheduled_from, p_scheduled_to;
    RETURN (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$;
COMMENT ON FUNCTION ticket_list_estimate(ticket_status[], bigint, bigint, boolean, text, text, timestamptz, timestamptz, timestamptz, timestamptz) IS 'How many tickets the planner expects ticket_list to return for these filters (an estimate from statistics; nothing is counted).';
