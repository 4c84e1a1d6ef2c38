-- Undo 0008: notifications.
DROP FUNCTION IF EXISTS queue_ticket_event(text, bigint, text, jsonb);
DROP TABLE IF EXISTS outbox_attempts;
DROP TABLE IF EXISTS outbox;
DROP TYPE IF EXISTS outbox_status;
DROP TABLE IF EXISTS webhooks;
ALTER TABLE tickets DROP COLUMN IF EXISTS customer_language;
