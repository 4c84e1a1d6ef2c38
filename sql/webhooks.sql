-- Webhooks: other systems' subscriptions to ticket events, and their deliveries.

-- name: insert_webhook^
-- Subscribe a URL to event types with its signing secret.
INSERT INTO webhooks (url, event_types, active, secret)
VALUES (:url, :event_types, :active, :secret)
RETURNING id, url, event_types, active, created_at, updated_at, secret;

-- name: list_webhooks
-- A page of subscriptions, newest first.
SELECT id, url, event_types, active, created_at, updated_at
FROM webhooks
WHERE (created_at, id) < (:after_created_at, :after_id)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: get_webhook^
-- One subscription (never its secret).
SELECT id, url, event_types, active, created_at, updated_at FROM webhooks WHERE id = :id;

-- name: update_webhook^
-- Change the given fields of a subscription (null: keep) if its version is one `expected` (If-Match) lists; null when there is no such webhook or version.
UPDATE webhooks
SET url = coalesce(:url, url), event_types = coalesce(:event_types, event_types),
    active = coalesce(:active, active), updated_at = now()
WHERE id = :id
  AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
RETURNING id, url, event_types, active, created_at, updated_at;

-- name: delete_webhook$
-- Delete a subscription and its deliveries (with their attempts) if its version is one `expected` (If-Match) lists; returns its id, or nothing when there was none or another version.
WITH gone AS (
    DELETE FROM webhooks
    WHERE id = :id
      AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
    RETURNING id
), deliveries AS (
    DELETE FROM outbox WHERE webhook_id IN (SELECT id FROM gone)
)
SELECT id FROM gone;

-- name: list_webhook_deliveries
-- A page of one webhook's deliveries, newest first, each with its attempts oldest first.
SELECT o.id, o.event_id::text AS event_id, o.event_type, o.channel, o.recipient, o.webhook_id,
       o.ticket_id, o.status::text AS status, o.attempts, o.next_attempt_at, o.last_error,
       o.created_at, o.sent_at,
       coalesce((
           SELECT jsonb_agg(jsonb_build_object(
                      'attempted_at', a.attempted_at, 'ok', a.ok,
                      'response_status', a.response_status, 'error', a.error) ORDER BY a.id)
           FROM outbox_attempts AS a
           WHERE a.outbox_id = o.id
       ), '[]'::jsonb) AS attempt_log
FROM outbox AS o
WHERE o.webhook_id = :webhook_id AND o.id < :after_id
ORDER BY o.id DESC
LIMIT :limit;
