-- Queueing a ticket event without the ticket_rows view. 0008 built the payload as
-- to_jsonb(ticket_rows) less two columns, so every event turned the title's tsvector into text
-- and ran the serial's regular expression only to drop both, and it found the audience through
-- a three-branch query joined to that row: about 100 µs of PostgreSQL a status change or
-- public request, the largest part of what they cost beyond their UPDATE or INSERTs. Here the
-- ticket, its client and its assignee are each read once by key and the payload is built from
-- them; the events queued (rows, recipients, payloads) are the same as before.
-- depends: 0019.kept_searches

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
COMMENT ON FUNCTION queue_ticket_event(text, bigint, text, jsonb) IS 'Queue one ticket event in the caller''s transaction: an e-mail to its audience (customer, assignee, or assignee_or_admins; nobody otherwise) and a call to each active webhook subscribed to its type; p_extra joins the payload beside the ticket.';
