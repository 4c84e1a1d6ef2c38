-- The outbox: notifications queued with the change they report, claimed and delivered by the loop.

-- name: queue_event!
-- Queue one ticket event: an e-mail to each of its audience and a call to each active webhook subscribed to its type (queue_ticket_event, migration 0008).
SELECT queue_ticket_event(:event_type, :ticket_id, :audience, :extra::jsonb);

-- name: claim_due
-- Lock up to :limit due rows that no other loop holds, oldest due first, with their webhook's address and key.
SELECT o.id, o.event_id::text AS event_id, o.event_type, o.channel, o.recipient, o.webhook_id,
       o.ticket_id, o.payload, o.attempts, o.created_at, w.url AS webhook_url,
       w.secret AS webhook_secret
FROM outbox AS o
LEFT JOIN webhooks AS w ON w.id = o.webhook_id
WHERE o.status = 'pending' AND o.next_attempt_at <= clock_timestamp()
ORDER BY o.next_attempt_at, o.id
LIMIT :limit
FOR UPDATE OF o SKIP LOCKED;

-- name: record_attempts!
-- Store the outcome of each claimed row's attempt: sent, due again after :delays seconds, or dead (null delay).
WITH result AS (
    SELECT *
    FROM unnest(:ids::bigint[], :oks::boolean[], :response_statuses::integer[],
                :errors::text[], :delays::float8[])
        AS r (id, ok, response_status, error, delay)
), attempt AS (
    INSERT INTO outbox_attempts (outbox_id, attempted_at, ok, response_status, error)
    SELECT id, clock_timestamp(), ok, response_status, error FROM result
)
UPDATE outbox AS o
SET attempts = o.attempts + 1,
    status = CASE WHEN r.ok THEN 'sent' WHEN r.delay IS NULL THEN 'dead' ELSE 'pending' END::outbox_status,
    sent_at = CASE WHEN r.ok THEN clock_timestamp() END,
    last_error = r.error,
    next_attempt_at = CASE
        WHEN r.ok OR r.delay IS NULL THEN o.next_attempt_at
        ELSE clock_timestamp() + make_interval(secs => r.delay)
    END
FROM result AS r
WHERE o.id = r.id;

-- name: next_due_in$
-- Seconds until the next pending row that no loop holds is due (negative: overdue); null when none.
SELECT extract(epoch FROM next_attempt_at - clock_timestamp())::float8
FROM outbox
WHERE status = 'pending'
ORDER BY next_attempt_at, id
LIMIT 1
FOR UPDATE SKIP LOCKED;

-- name: list_outbox
-- A page of notifications, newest first, optionally only those with one status.
SELECT id, event_id::text AS event_id, event_type, channel, recipient, webhook_id, ticket_id,
       status::text AS status, attempts, next_attempt_at, last_error, created_at, sent_at
FROM outbox
WHERE (:status::outbox_status IS NULL OR status = :status::outbox_status) AND id < :after_id
ORDER BY id DESC
LIMIT :limit;

-- name: retry_outbox^
-- Make a pending or dead row due now with a fresh count of tries, and wake the loops; null when it is missing or sent.
WITH retried AS (
    UPDATE outbox
    SET status = 'pending', attempts = 0, next_attempt_at = now(), last_error = NULL
    WHERE id = :id AND status IN ('pending', 'dead')
    RETURNING id, event_id::text AS event_id, event_type, channel, recipient, webhook_id,
              ticket_id, status::text AS status, attempts, next_attempt_at, last_error,
              created_at, sent_at
), wake AS (
    SELECT pg_notify('outbox', '') FROM retried
)
SELECT retried.* FROM retried LEFT JOIN wake ON true;

-- name: outbox_status$
-- A row's status (pending, sent or dead), or null when there is no such row.
SELECT status::text FROM outbox WHERE id = :id;

-- name: wake_deliverers!
-- Wake every delivery loop (they LISTEN on channel outbox): rows were committed for them.
SELECT pg_notify('outbox', '');
