-- Writes in one round trip: a public request and a status change each run as one function call.
-- Each was a handful of statements with a round trip apiece (and BEGIN and COMMIT besides); the
-- server spent more time waiting and parsing replies than PostgreSQL spent writing. The rules
-- stay in the application: it passes the allowed moves in, and reads the outcome back.
-- depends: 0008.outbox 0009.reporting

-- One hit of a fixed-window abuse counter: hit_limit (sql/limits.sql) and create_public_request.
CREATE FUNCTION hit_rate_limit(p_bucket text, p_subject text, p_window_seconds integer)
RETURNS TABLE (hits integer, retry_after integer)
LANGUAGE sql VOLATILE AS $$
    INSERT INTO rate_limits AS r (bucket, subject, window_start, hits)
    VALUES (p_bucket, p_subject, now(), 1)
    ON CONFLICT (bucket, subject) DO UPDATE
    SET hits = CASE WHEN r.window_start <= now() - make_interval(secs => p_window_seconds)
                    THEN 1 ELSE r.hits + 1 END,
        window_start = CASE WHEN r.window_start <= now() - make_interval(secs => p_window_seconds)
                            THEN now() ELSE r.window_start END
    RETURNING r.hits,
              greatest(1, ceil(extract(epoch FROM r.window_start
                                   + make_interval(secs => p_window_seconds) - now())))::integer
$$;
COMMENT ON FUNCTION hit_rate_limit(text, text, integer) IS 'Count one hit of a subject in a bucket (a window that is over starts again); the hits so far and the seconds until the window ends.';

-- A customer's repair request: the abuse counter of their address, then (unless it is spent)
-- the client found by phone or e-mail or created, the ticket, its 'created' event and its
-- notifications. Requests sharing a contact are serialised, so a returning customer is found
-- once. Generic plans: every statement here plans the same for every request.
CREATE FUNCTION create_public_request(
    p_limit_subject text, p_limit_count integer, p_limit_seconds integer,
    p_event_type text, p_audience text,
    p_name text, p_phone text, p_email text, p_comment text,
    p_title text, p_description text, p_scheduled_at timestamptz, p_tracking_token text,
    p_device_kind text, p_device_brand text, p_device_model text, p_device_serial text,
    p_address text, p_customer_language text
) RETURNS TABLE (retry_after integer, id bigint, title text, status ticket_status,
                 scheduled_at timestamptz, created_at timestamptz, tracking_token text)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    v_hits integer;
    v_retry integer;
    v_client bigint;
    v_ticket tickets;
BEGIN
    IF p_limit_count > 0 THEN
        SELECT l.hits, l.retry_after INTO v_hits, v_retry
        FROM hit_rate_limit('public_ticket', p_limit_subject, p_limit_seconds) AS l;
        IF v_hits > p_limit_count THEN
            RETURN QUERY SELECT v_retry, NULL::bigint, NULL::text, NULL::ticket_status,
                                NULL::timestamptz, NULL::timestamptz, NULL::text;
            RETURN;
        END IF;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(contact, 0))
    FROM unnest(ARRAY[p_phone, p_email]) AS contact
    WHERE contact IS NOT NULL
    ORDER BY contact;
    SELECT c.id INTO v_client
    FROM clients AS c
    WHERE c.phone = p_phone OR c.email = p_email
    ORDER BY c.id
    LIMIT 1;
    IF v_client IS NULL THEN
        INSERT INTO clients (name, phone, email, comment)
        VALUES (p_name, p_phone, p_email, p_comment)
        RETURNING clients.id INTO v_client;
    END IF;
    -- The contact as typed is kept with the ticket: a returning customer's client row stays.
    INSERT INTO tickets (title, description, scheduled_at, client_id, tracking_token, device_kind,
                         device_brand, device_model, device_serial, address, contact_name,
                         contact_phone, contact_email, contact_comment, customer_language)
    VALUES (p_title, p_description, p_scheduled_at, v_client, p_tracking_token, p_device_kind,
            p_device_brand, p_device_model, p_device_serial, p_address, p_name, p_phone, p_email,
            p_comment, p_customer_language)
    RETURNING * INTO v_ticket;
    INSERT INTO ticket_events (ticket_id, kind, to_status)
    VALUES (v_ticket.id, 'created', v_ticket.status);
    PERFORM queue_ticket_event(p_event_type, v_ticket.id, p_audience, '{}'::jsonb);
    RETURN QUERY SELECT NULL::integer, v_ticket.id, v_ticket.title, v_ticket.status,
                        v_ticket.scheduled_at, v_ticket.created_at, v_ticket.tracking_token;
END;
$$;
COMMENT ON FUNCTION create_public_request(text, integer, integer, text, text, text, text, text, text, text, text, timestamptz, text, text, text, text, text, text, text) IS 'A public repair request in one call: counts the address (a row with only retry_after when its limit is spent), finds or creates the client, creates the ticket, its created event and its notifications.';

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
