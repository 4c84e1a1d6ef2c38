-- Undo 0005: the sort indexes, ticket counts, the list filter and the caller check functions.
-- transactional: false
DROP INDEX CONCURRENTLY IF EXISTS clients_name_idx;
DROP INDEX CONCURRENTLY IF EXISTS users_email_order_idx;
DROP INDEX CONCURRENTLY IF EXISTS tickets_scheduled_idx;
DROP INDEX CONCURRENTLY IF EXISTS tickets_updated_idx;
COMMENT ON COLUMN users.token_version IS 'Bumped on password change, deactivation or deletion; older tokens stop working.';
DROP TRIGGER IF EXISTS ticket_counts_insert ON tickets;
DROP TRIGGER IF EXISTS ticket_counts_update ON tickets;
DROP TRIGGER IF EXISTS ticket_counts_delete ON tickets;
DROP TRIGGER IF EXISTS ticket_counts_truncate ON tickets;
DROP FUNCTION IF EXISTS ticket_counts_clear();
DROP FUNCTION IF EXISTS ticket_counts_apply();
DROP TABLE IF EXISTS ticket_counts;
DROP FUNCTION IF EXISTS ticket_list(ticket_status[], bigint, bigint, boolean, text, text, timestamptz, timestamptz, timestamptz, timestamptz);
DROP FUNCTION IF EXISTS caller_passes(bigint, integer, user_role, boolean);
DROP FUNCTION IF EXISTS staff_caller(bigint, integer);
