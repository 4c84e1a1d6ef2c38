-- Shared rows last, notifications in one statement:
-- - A status change updated its ticket and then added its history row before it queued its
--   notifications. The ticket's update locks a ticket_counts and a ticket_totals row (the
--   counter trigger's slot, shared by every writer of that slot) and the history row locks the
--   day's report_daily_counts shard (shared the same way); both stay locked until commit, so
--   another writer of the same slot also waited while this one built and wrote its
--   notifications. Now it locks the ticket, makes the changed row in hand, queues the
--   notifications from it, and only then updates the ticket and adds the history row, just
--   before commit. The answer and the notifications are the same.
-- - queue_ticket_row wrote the e-mail and the webhook calls of an event in two INSERTs (two
--   executor runs on a table with four indexes and three checks); now in one, in the same
--   order (the e-mails first). Its payload is ticket_payload's, made in one place from now on.
-- depends: 0026.rows_read_once

-- The payload made once, for every writer that queues notifications (its body was written out
-- in each version of queue_ticket_row): simple enough to be inlined where it is called.
CREATE FUNCTION ticket_payload(p_ticket tickets, p_client clients, p_assignee users)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$
    SELECT jsonb_build_object('ticket', jsonb_build_object(
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
        END))
$$;
COMMENT ON FUNCTION ticket_payload(tickets, clients, users) IS 'A notification''s payload: the ticket as ticket_rows shows it (without its search vector and serial key), with its client''s name and assignee''s e-mail.';

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
    v_email text;
    v_email_extra jsonb := '{"language": "ru"}';
BEGIN
    v_payload := ticket_payload(p_ticket, p_client, p_assignee) || p_extra;
    IF p_audience = 'customer' THEN
        -- In their language, with their tracking token for the link: at the address they typed
        -- into this request, else their client record's.
        v_email := coalesce(p_ticket.contact_email, p_client.email);
        v_email_extra := jsonb_build_object('language', p_ticket.customer_language,
                                            'tracking_token', p_ticket.tracking_token);
    ELSIF p_audience IN ('assignee', 'assignee_or_admins') AND p_ticket.assignee_id IS NOT NULL
          AND p_assignee.active AND p_assignee.deleted_at IS NULL THEN
        -- The assigned worker, while their account is active.
        v_email := p_assignee.email;
    END IF;
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
    v_ticket tickets;
    v_client clients;
    v_assignee users;
BEGIN
    IF NOT caller_passes(p_caller_id, p_caller_version, p_caller_role, p_caller_confirmed) THEN
        outcome := 'refused';
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT * INTO v_ticket
    FROM tickets AS t
    WHERE t.id = p_id AND (p_assignee_id IS NULL OR t.assignee_id = p_assignee_id)
    FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'missing';
        RETURN NEXT;
        RETURN;
    END IF;
    previous_status := v_ticket.status;
    IF p_expected IS NOT NULL AND NOT v_ticket.updated_at = ANY (p_expected) THEN
        outcome := 'stale';
    ELSIF NOT previous_status = ANY (p_from) THEN
        outcome := 'not_allowed';
    ELSE
        -- The ticket as the UPDATE below stores it (no trigger changes a ticket's own row).
        v_ticket.status := p_status;
        v_ticket.updated_at := now();
        SELECT * INTO v_client FROM clients AS c WHERE c.id = v_ticket.client_id;
        SELECT * INTO v_assignee FROM users AS u WHERE u.id = v_ticket.assignee_id;
        PERFORM queue_ticket_row(p_event_type, v_ticket, v_client, v_assignee, p_audience,
                                 jsonb_build_object('previous_status', previous_status));
        -- Last, as they lock rows every writer shares until commit (see above).
        UPDATE tickets AS t SET status = p_status, updated_at = v_ticket.updated_at
        WHERE t.id = p_id;
        INSERT INTO ticket_events (ticket_id, actor_id, kind, from_status, to_status)
        VALUES (p_id, p_caller_id, 'status_changed', previous_status, p_status);
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
