-- Nobody to tell, nothing made: queue_ticket_row made an event's payload (the ticket as JSON,
-- a dozen fields and two objects) before it knew whether anyone would receive it, and then ran
-- its INSERT ... SELECT, which inserted nothing when the customer gave no e-mail, nobody is
-- assigned to tell and no webhook takes the event: the commonest public request of a shop
-- whose customers leave a phone number. It now finds the recipients first and returns when
-- there are none. Who is told, and what they are sent, is unchanged.
-- depends: 0028.counter_slots_made_with_their_key

CREATE OR REPLACE FUNCTION queue_ticket_row(p_event_type text, p_ticket tickets,
                                            p_client clients, p_assignee users,
                                            p_audience text, p_extra jsonb)
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_event uuid;
    v_payload jsonb;
    v_email text;
    v_email_extra jsonb := '{"language": "ru"}';
BEGIN
    IF p_audience = 'customer' THEN
        -- In their language, with their tracking token for the link: at the address they typed
        -- into this request, else their client record's.
        v_email := coalesce(p_ticket.contact_email, p_client.email);
        IF v_email IS NOT NULL THEN
            v_email_extra := jsonb_build_object('language', p_ticket.customer_language,
                                                'tracking_token', p_ticket.tracking_token);
        END IF;
    ELSIF p_audience IN ('assignee', 'assignee_or_admins') AND p_ticket.assignee_id IS NOT NULL
          AND p_assignee.active AND p_assignee.deleted_at IS NULL THEN
        -- The assigned worker, while their account is active.
        v_email := p_assignee.email;
    END IF;
    IF v_email IS NULL
       AND NOT (p_audience = 'assignee_or_admins' AND p_ticket.assignee_id IS NULL)
       AND NOT EXISTS (SELECT 1 FROM webhooks AS w
                       WHERE w.active AND p_event_type = ANY (w.event_types)) THEN
        RETURN;  -- nobody to tell: no payload to make
    END IF;
    v_event := gen_random_uuid();
    v_payload := ticket_payload(p_ticket, p_client, p_assignee) || p_extra;
    INSERT INTO outbox (event_id, event_type, channel, recipient, webhook_id, ticket_id, payload)
    SELECT v_event, p_event_type, 'email', v_email, NULL::bigint, p_ticket.id,
           v_payload || v_email_extra
    WHERE v_email IS NOT NULL
    UNION ALL
    -- Every admin, when there is nobody assigned to tell.
    SELECT v_event, p_event_type, 'email', u.email::text, NULL::bigint, p_ticket.id,
           v_payload || v_email_extra
    FROM users AS u
    WHERE p_audience = 'assignee_or_admins' AND p_ticket.assignee_id IS NULL
      AND u.role = 'admin' AND u.active AND u.deleted_at IS NULL
    UNION ALL
    SELECT v_event, p_event_type, 'webhook', NULL::text, w.id, p_ticket.id, v_payload
    FROM webhooks AS w
    WHERE w.active AND p_event_type = ANY (w.event_types);
END;
$$;
