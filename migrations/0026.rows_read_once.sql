-- Rows read once, and a step less for a public request:
-- - A status change and a public request queued their notifications by ticket id, so
--   queue_ticket_event read the ticket and its client again, and a status change then read all
--   three (ticket, client, assignee) once more for its answer through api_tickets. Now
--   queue_ticket_row takes the ticket, client and assignee rows the write holds (the ticket
--   from UPDATE or INSERT ... RETURNING *), with the same audience and payload rules, and the
--   answer is made from them; queue_ticket_event stays for callers that hold only an id.
-- - A worker's list read the assignee's e-mail once a row (api_tickets' subquery), though every
--   row of it has the same assignee: now once a page.
-- - A public request locked its contact (phone, e-mail) with a query over an array of both;
--   now with the same locks in the same order, as expressions.
-- - Every read and write checks its caller by id (staff_caller: live users only). The users
--   table is small, and users_listing_idx (created_at, id, live users only) holds id too: the
--   planner took it over the primary key, as it spares the live-user filter, and read every
--   entry (11 buffers a check where the key takes 2). A live-users index on id gives the
--   check its key.
-- depends: 0025.few_matches_read_once

CREATE INDEX users_live_idx ON users (id) WHERE deleted_at IS NULL;
COMMENT ON INDEX users_live_idx IS 'The caller check (staff_caller): a live user by id.';

CREATE FUNCTION queue_ticket_row(p_event_type text, p_ticket tickets, p_client clients,
                                 p_assignee users, p_audience text, p_extra jsonb)
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_event uuid := gen_random_uuid();
    v_payload jsonb;
    v_recipient text;
BEGIN
    -- The ticket as ticket_rows shows it (without its search vector and serial key).
    v_payload := jsonb_build_object('ticket', jsonb_build_object(
        'id', p_ticket.id,
        'title', p_ticket.title,
        'description', p_ticket.description,
        'status', p_ticket.status,
        'client_id', p_ticket.client_id,
        'client_name', p_client.name,
        'assignee_id', p_ticket.assignee_id,
        'assignee_email', p_assignee.email::text,
        'scheduled_at', p_ticket.scheduled_at,
        'created_at', p_ticket.created_at,
        'updated_at', p_ticket.updated_at,
        'device', jsonb_build_object('kind', p_ticket.device_kind, 'brand', p_ticket.device_brand,
                                     'model', p_ticket.device_model,
                                     'serial', p_ticket.device_serial),
        'address', p_ticket.address,
        'contact', CASE
            WHEN p_ticket.contact_phone IS NOT NULL OR p_ticket.contact_email IS NOT NULL
            THEN jsonb_build_object('name', p_ticket.contact_name,
                                    'phone', p_ticket.contact_phone,
                                    'email', p_ticket.contact_email,
                                    'comment', p_ticket.contact_comment)
        END)) || p_extra;
    IF p_audience = 'customer' THEN
        -- In their language, with their tracking token for the link: at the address they typed
        -- into this request, else their client record's.
        v_recipient := coalesce(p_ticket.contact_email, p_client.email);
        IF v_recipient IS NOT NULL THEN
            INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
            VALUES (v_event, p_event_type, 'email', v_recipient, p_ticket.id,
                    v_payload || jsonb_build_object('language', p_ticket.customer_language,
                                                    'tracking_token', p_ticket.tracking_token));
        END IF;
    ELSIF p_audience IN ('assignee', 'assignee_or_admins') THEN
        IF p_ticket.assignee_id IS NOT NULL THEN
            -- The assigned worker, while their account is active.
            IF p_assignee.active AND p_assignee.deleted_at IS NULL THEN
                INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
                VALUES (v_event, p_event_type, 'email', p_assignee.email, p_ticket.id,
                        v_payload || jsonb_build_object('language', 'ru'));
            END IF;
        ELSIF p_audience = 'assignee_or_admins' THEN
            -- Every admin, when there is nobody assigned to tell.
            INSERT INTO outbox (event_id, event_type, channel, recipient, ticket_id, payload)
            SELECT v_event, p_event_type, 'email', u.email, p_ticket.id,
                   v_payload || jsonb_build_object('language', 'ru')
            FROM users AS u
            WHERE u.role = 'admin' AND u.active AND u.deleted_at IS NULL;
        END IF;
    END IF;
    INSERT INTO outbox (event_id, event_type, channel, webhook_id, ticket_id, payload)
    SELECT v_event, p_event_type, 'webhook', w.id, p_ticket.id, v_payload
    FROM webhooks AS w
    WHERE w.active AND p_event_type = ANY (w.event_types);
END;
$$;

COMMENT ON FUNCTION queue_ticket_row(text, tickets, clients, users, text, jsonb) IS 'queue_ticket_event for a writer that holds the ticket, its client and its assignee (null when none): the same e-mails, calls and payload.';

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
BEGIN
    SELECT * INTO v_ticket FROM tickets AS t WHERE t.id = p_ticket_id;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO v_client FROM clients AS c WHERE c.id = v_ticket.client_id;
    SELECT * INTO v_assignee FROM users AS u WHERE u.id = v_ticket.assignee_id;
    PERFORM queue_ticket_row(p_event_type, v_ticket, v_client, v_assignee, p_audience, p_extra);
END;
$$;

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
    v_client clients;
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
    -- The contact's locks, in order (least first), as expressions rather than a query.
    IF p_phone IS NOT NULL AND p_email IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(hashtextextended(least(p_phone, p_email), 0));
        PERFORM pg_advisory_xact_lock(hashtextextended(greatest(p_phone, p_email), 0));
    ELSE
        PERFORM pg_advisory_xact_lock(hashtextextended(coalesce(p_phone, p_email), 0));
    END IF;
    SELECT * INTO v_client
    FROM clients AS c
    WHERE c.phone = p_phone OR c.email = p_email
    ORDER BY c.id
    LIMIT 1;
    IF NOT FOUND THEN
        INSERT INTO clients (name, phone, email, comment)
        VALUES (p_name, p_phone, p_email, p_comment)
        RETURNING * INTO v_client;
    END IF;
    -- The contact as typed is kept with the ticket: a returning customer's client row stays.
    INSERT INTO tickets (title, description, scheduled_at, client_id, tracking_token, device_kind,
                         device_brand, device_model, device_serial, address, contact_name,
                         contact_phone, contact_email, contact_comment, customer_language)
    VALUES (p_title, p_description, p_scheduled_at, v_client.id, p_tracking_token, p_device_kind,
            p_device_brand, p_device_model, p_device_serial, p_address, p_name, p_phone, p_email,
            p_comment, p_customer_language)
    RETURNING * INTO v_ticket;
    INSERT INTO ticket_events (ticket_id, kind, to_status)
    VALUES (v_ticket.id, 'created', v_ticket.status);
    -- Nobody is assigned to a customer's new request.
    PERFORM queue_ticket_row(p_event_type, v_ticket, v_client, NULL, p_audience, '{}'::jsonb);
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
    v_ticket tickets;
    v_client clients;
    v_assignee users;
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
        UPDATE tickets AS t SET status = p_status, updated_at = now() WHERE t.id = p_id
        RETURNING * INTO v_ticket;
        SELECT * INTO v_client FROM clients AS c WHERE c.id = v_ticket.client_id;
        SELECT * INTO v_assignee FROM users AS u WHERE u.id = v_ticket.assignee_id;
        INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status)
        VALUES (p_id, p_caller_id, 'status_changed', previous_status, p_status);
        PERFORM queue_ticket_row(p_event_type, v_ticket, v_client, v_assignee, p_audience,
                                 jsonb_build_object('previous_status', previous_status));
        -- The ticket as api_tickets shows it, from the rows in hand.
        RETURN QUERY
        SELECT 'changed'::text, previous_status, v_ticket.id, v_ticket.title,
               v_ticket.description, v_ticket.status, v_ticket.client_id, v_client.name,
               v_ticket.assignee_id, v_assignee.email::text,
               v_ticket.scheduled_at, v_ticket.created_at, v_ticket.updated_at,
               v_ticket.device_kind, v_ticket.device_brand, v_ticket.device_model,
               v_ticket.device_serial, v_ticket.address, v_ticket.contact_name,
               v_ticket.contact_phone, v_ticket.contact_email::text, v_ticket.contact_comment;
        RETURN;
    END IF;
    RETURN NEXT;
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
DECLARE
    v_assignee_email text;
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
            -- Every row has this assignee: their e-mail is read once, not once a row.
            SELECT u.email::text INTO v_assignee_email FROM users AS u WHERE u.id = p_assignee_id;
            RETURN QUERY
            SELECT true, total, a.id, a.title, a.description, a.status, a.client_id,
                   a.client_name, a.assignee_id, v_assignee_email, a.scheduled_at, a.created_at,
                   a.updated_at, a.device_kind, a.device_brand, a.device_model, a.device_serial,
                   a.address, a.contact_name, a.contact_phone, a.contact_email, a.contact_comment
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
