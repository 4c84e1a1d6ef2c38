-- Notifications: webhook subscriptions, the transactional outbox of e-mails and webhook calls,
-- each delivery attempt, and the language a customer asked for.
-- depends: 0006.repair_story

ALTER TABLE tickets ADD COLUMN customer_language text NOT NULL DEFAULT 'ru'
    CHECK (customer_language IN ('ru', 'en'));
COMMENT ON COLUMN tickets.customer_language IS 'The language of the customer''s e-mails: ru, or en when the public request''s Accept-Language asked for English.';

CREATE TABLE webhooks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
    active boolean NOT NULL DEFAULT true,
    secret text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE webhooks IS 'Subscriptions of other systems to ticket events, delivered as signed JSON POSTs.';
COMMENT ON COLUMN webhooks.id IS 'Surrogate key.';
COMMENT ON COLUMN webhooks.url IS 'Where events are POSTed (http or https).';
COMMENT ON COLUMN webhooks.event_types IS 'The event types sent here, e.g. ticket.created, ticket.status_changed.';
COMMENT ON COLUMN webhooks.active IS 'False pauses the subscription: no new deliveries are queued for it.';
COMMENT ON COLUMN webhooks.secret IS 'HMAC-SHA256 key of the Webhook-Signature header; shown to the admin once, at creation.';
COMMENT ON COLUMN webhooks.created_at IS 'When the subscription was made (UTC).';
COMMENT ON COLUMN webhooks.updated_at IS 'When the subscription last changed (UTC).';

CREATE TYPE outbox_status AS ENUM ('pending', 'sent', 'dead');
COMMENT ON TYPE outbox_status IS 'Where a notification is: pending (to send or retry), sent, or dead (gave up).';

CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient text,
    -- No foreign keys. A ticket's notifications outlive it, and deleting a ticket never waits for
    -- a delivery that holds its rows. Deleting a webhook deletes its rows (delete_webhook); a
    -- key check here would share-lock the webhook's row from every request that queues a call
    -- to it, a hot spot under load.
    webhook_id bigint,
    ticket_id bigint,
    payload jsonb NOT NULL,
    status outbox_status NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    CHECK ((channel = 'email') = (recipient IS NOT NULL)),
    CHECK ((channel = 'webhook') = (webhook_id IS NOT NULL))
);
COMMENT ON TABLE outbox IS 'One row per notification to send (an e-mail or a webhook call), written in the same transaction as the change it reports.';
COMMENT ON COLUMN outbox.id IS 'Surrogate key.';
COMMENT ON COLUMN outbox.event_id IS 'The event this notification reports; the rows of one event share it (the webhook''s event id).';
COMMENT ON COLUMN outbox.event_type IS 'ticket.created, ticket.status_changed, ticket.assigned, ticket.public_comment or ticket.customer_comment.';
COMMENT ON COLUMN outbox.channel IS 'email or webhook.';
COMMENT ON COLUMN outbox.recipient IS 'The e-mail address (e-mails only).';
COMMENT ON COLUMN outbox.webhook_id IS 'The subscription, webhooks.id (webhooks only); deleting it deletes its deliveries.';
COMMENT ON COLUMN outbox.ticket_id IS 'The ticket the event is about (kept after the ticket is deleted).';
COMMENT ON COLUMN outbox.payload IS 'What to send, as it was when the change committed: the ticket as the API shows it, previous_status, comment, language.';
COMMENT ON COLUMN outbox.status IS 'pending, sent or dead.';
COMMENT ON COLUMN outbox.attempts IS 'Delivery attempts so far.';
COMMENT ON COLUMN outbox.next_attempt_at IS 'When a pending row is next due (UTC); pushed back exponentially after each failure.';
COMMENT ON COLUMN outbox.last_error IS 'Why the last attempt failed; null after success.';
COMMENT ON COLUMN outbox.created_at IS 'When the change committed (UTC).';
COMMENT ON COLUMN outbox.sent_at IS 'When delivery succeeded (UTC).';
-- The delivery loop's claim: due pending rows, oldest due first.
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at, id) WHERE status = 'pending';
COMMENT ON INDEX outbox_due_idx IS 'The delivery loop''s claim: pending rows by due time.';
-- GET /outbox?status=dead, newest first. Only dead rows: a new row costs no entry here, and the
-- other lists walk the primary key (sent rows are most rows) or the due index (pending ones).
CREATE INDEX outbox_dead_idx ON outbox (id) WHERE status = 'dead';
COMMENT ON INDEX outbox_dead_idx IS 'GET /outbox?status=dead: the rows that gave up.';
CREATE INDEX outbox_webhook_idx ON outbox (webhook_id, id DESC) WHERE webhook_id IS NOT NULL;
COMMENT ON INDEX outbox_webhook_idx IS 'GET /webhooks/{id}/deliveries, and deleting them with their webhook.';

CREATE TABLE outbox_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    ok boolean NOT NULL,
    response_status integer,
    error text
);
COMMENT ON TABLE outbox_attempts IS 'Each try to deliver an outbox row, with its outcome.';
COMMENT ON COLUMN outbox_attempts.id IS 'Surrogate key.';
COMMENT ON COLUMN outbox_attempts.outbox_id IS 'The notification tried.';
COMMENT ON COLUMN outbox_attempts.attempted_at IS 'When the try finished (UTC).';
COMMENT ON COLUMN outbox_attempts.ok IS 'Whether it was delivered.';
COMMENT ON COLUMN outbox_attempts.response_status IS 'The webhook receiver''s HTTP status; null for e-mail or when no answer came.';
COMMENT ON COLUMN outbox_attempts.error IS 'Why it failed; null on success.';
CREATE INDEX outbox_attempts_outbox_idx ON outbox_attempts (outbox_id, id);
COMMENT ON INDEX outbox_attempts_outbox_idx IS 'A row''s attempts in order.';

-- Queueing an event, as a function for one reason: its plan. The service plans every statement
-- for its parameters (plan_cache_mode = force_custom_plan, for the lists), and this statement's
-- planning cost four times its execution (1.2-1.6 ms against 0.25-0.37 ms a call, measured);
-- its best plan is the same for every ticket, so it keeps one generic plan per connection.
CREATE FUNCTION queue_ticket_event(p_event_type text, p_ticket_id bigint, p_audience text,
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
