-- Undo 0027: queue_ticket_row writes its e-mails and its webhook calls in two statements again,
-- and a status change updates the ticket and adds its history before it queues its
-- notifications (both as 0026 left them); the payload is made inside queue_ticket_row again.
CREATE OR REPLACE FUNCTION queue_ticket_row(p_event_type text, p_ticket tickets,
                                            p_client clients, p_assignee users,
                                            p_audience text, p_extra jsonb)
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

DROP FUNCTION ticket_payload(tickets, clients, users);
