-- Undo 0020: queue ticket events through ticket_rows again, as 0008 did.
CREATE OR REPLACE FUNCTION queue_ticket_event(p_event_type text, p_ticket_id bigint, p_audience text,
                                   p_extra jsonb)
RETURNS void
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    WITH event AS MATERIALIZED (
        SELECT gen_random_uuid() AS id, r.client_id, r.assignee_id, t.tracking_token,
               t.customer_language, t.contact_email,
               jsonb_build_object('ticket', to_jsonb(r) - 'search' - 'device_serial_key')
                   || p_extra AS payload
        FROM ticket_rows AS r
        JOIN tickets AS t ON t.id = r.id
        WHERE r.id = p_ticket_id
    ), mail AS (
        -- The customer, in their language, with their tracking token for the link: at the address
        -- they typed into this request, else their client record's.
        SELECT coalesce(e.contact_email, c.email)::text AS recipient,
               jsonb_build_object('language', e.customer_language, 'tracking_token', e.tracking_token)
                   AS extra
        FROM event AS e
        JOIN clients AS c ON c.id = e.client_id
        WHERE p_audience = 'customer' AND coalesce(e.contact_email, c.email) IS NOT NULL
        UNION ALL
        -- The assigned worker.
        SELECT u.email, jsonb_build_object('language', 'ru')
        FROM event AS e
        JOIN users AS u ON u.id = e.assignee_id
        WHERE p_audience IN ('assignee', 'assignee_or_admins') AND u.active AND u.deleted_at IS NULL
        UNION ALL
        -- Every admin, when there is nobody assigned to tell.
        SELECT u.email, jsonb_build_object('language', 'ru')
        FROM event AS e
        JOIN users AS u ON u.role = 'admin' AND u.active AND u.deleted_at IS NULL
        WHERE p_audience = 'assignee_or_admins' AND e.assignee_id IS NULL
    )
    INSERT INTO outbox (event_id, event_type, channel, recipient, webhook_id, ticket_id, payload)
    SELECT e.id, p_event_type, 'email', m.recipient, NULL, p_ticket_id, e.payload || m.extra
    FROM event AS e, mail AS m
    UNION ALL
    SELECT e.id, p_event_type, 'webhook', NULL, w.id, p_ticket_id, e.payload
    FROM event AS e
    JOIN webhooks AS w ON w.active AND p_event_type = ANY (w.event_types);
END;
$$;
COMMENT ON FUNCTION queue_ticket_event(text, bigint, text, jsonb) IS 'Queue one ticket event in the caller''s transaction: an e-mail to its audience (customer, assignee, or assignee_or_admins; nobody otherwise) and a call to each active webhook subscribed to its type; p_extra joins the payload beside the ticket.';
