-- Notifications: webhook subscriptions, the transactional outbox of e-mails and webhook calls,
-- each delivery attempt, and the language a customer asked for.
-- depends: 0003.ticket_rows

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
