-- Undo 0026: the writes queue their notifications by ticket id again (0020's queue_ticket_event,
-- 0010's create_public_request, 0016's change_ticket_status with 0018's settings), and a
-- worker's list reads the assignee's e-mail once a row (0021's newest_tickets); the caller
-- check has no live-users index on id.
CREATE OR REPLACE FUNCTION create_public_request(
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

CREATE OR REPLACE FUNCTION change_ticket_status(
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
SET random_page_cost = 1.1
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

CREATE OR REPLACE FUNCTION queue_ticket_event(p_event_type text, p_ticket_id bigint,
                                              p_audience text, p_extra jsonb)
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_ticket tickets;
    v_client clients;
    v_assignee users;
    v_event uuid := gen_random_uuid();
    v_payload jsonb;
    v_recipient text;
BEGIN
    SELECT * INTO v_ticket FROM tickets AS t WHERE t.id = p_ticket_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO v_client FROM clients AS c WHERE c.id = v_ticket.client_id;
    IF v_ticket.assignee_id IS NOT NULL THEN
        SELECT * INTO v_assignee FROM users AS u WHERE u.id = v_ticket.assignee_id;
    END IF;
    -- The ticket as ticket_rows shows it (without its search vector and serial key).
    v_payload := jsonb_build_object('ticket', jsonb_build_object(
        'id', v_ticket.id,
        'title', v_ticket.title,
        'description', v_ticket.description,
        'status', v_ticket.status,
        'client_id', v_ticket.client_id,
        'client_name', v_client.name,
        'assignee_id', v_ticket.assignee_id,
        'assignee_email', v_assignee.email::text,
        'scheduled_at', v_ticket.scheduled_at,
        'created_at', v_ticket.created_at,
        'updated_at', v_ticket.updated_at,
        'device', jsonb_build_object('kind', v_ticket.device_kind, 'brand', v_ticket.device_brand,
                                     'model', v_ticket.device_model,
                                     'serial', v_ticket.device_serial),
        'address', v_ticket.address,
        'contact', CASE
            WHEN v_ticket.contact_phone IS NOT NULL OR v_ticket.contact_email IS NOT NULL
            THEN jsonb_build_object('name', v_ticket.contact_name,
                                    'phone', v_ticket.contact_phone,
                                    'email', v_ticket.contact_email,
                                    'comment', v_ticket.contact_comment)
        END)) || p_extra;
    IF p_audience = 'customer' THEN
        -- In their language, with their tracking token for the link: at the address they typed
        -- into this request, else their client record's.
        v_recipient := coalesce(v_ticket.contact_email, v_client.email);
        IF v_recipient IS NOT NULL THEN
            INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
            VALUES (v_event, p_event_type, 'email', v_recipient, p_ticket_id,
                    v_payload || jsonb_build_object('language', v_ticket.customer_language,
                                                    'tracking_token', v_ticket.tracking_token));
        END IF;
    ELSIF p_audience IN ('assignee', 'assignee_or_admins') THEN
        IF v_ticket.assignee_id IS NOT NULL THEN
            -- The assigned worker, while their account is active.
            IF v_assignee.active AND v_assignee.deleted_at IS NULL THEN
                INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
                VALUES (v_event, p_event_type, 'email', v_assignee.email, p_ticket_id,
                        v_payload || jsonb_build_object('language', 'ru'));
            END IF;
        ELSIF p_audience = 'assignee_or_admins' THEN
            -- Every admin, when there is nobody assigned to tell.
            INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
            SELECT v_event, p_event_type, 'email', u.email, p_ticket_id,
                   v_payload || jsonb_build_object('language', 'ru')
            FROM users AS u
            WHERE u.role = 'admin' AND u.active AND u.deleted_at IS NULL;
        END IF;
    END IF;
    INSERT INTO outbox (event_id, event_type, channel, webhook_id, ticket_id, payload)
    SELECT v_event, p_event_type, 'webhook', w.id, p_ticket_id, v_payload
    FROM webhooks AS w
    WHERE w.active AND p_event_type = ANY (w.event_types);
END;
$$;

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
    IF p_offset = 0 THEN
        -- A first page (or a cursor's): the rows straight from the index walk.
        IF p_assignee_id IS NOT NULL THEN
            RETURN QUERY
            SELECT true, total, a.*
            FROM api_tickets AS a
            WHERE a.assignee_id = p_assignee_id
              AND (p_status IS NULL OR a.status = p_status)
              AND (a.created_at, a.id) < (p_after_time, p_after_id)
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT p_limit;
        ELSIF p_status IS NOT NULL THEN
            RETURN QUERY
            SELECT true, total, a.*
            FROM api_tickets AS a
            WHERE a.status = p_status AND (a.created_at, a.id) < (p_after_time, p_after_id)
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT p_limit;
        ELSE
            RETURN QUERY
            SELECT true, total, a.*
            FROM api_tickets AS a
            WHERE (a.created_at, a.id) < (p_after_time, p_after_id)
            ORDER BY a.created_at DESC, a.id DESC
            LIMIT p_limit;
        END IF;
    -- Page numbers walk the index for the page's keys only (an offset's skipped rows never
    -- leave the index), then read the page's rows a lateral lookup at a time: for an unknown
    -- LIMIT a generic plan guesses a tenth of the table and would hash-join a full scan of
    -- tickets. Everywhere a statement for each index (newest first, by status, by assignee),
    -- not one with optional filters: a kept plan cannot choose its index by the filters given.
    ELSIF p_assignee_id IS NOT NULL THEN
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

DROP FUNCTION queue_ticket_row(text, tickets, clients, users, text, jsonb);
DROP INDEX users_live_idx;
