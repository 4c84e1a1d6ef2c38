-- Undo 0011: the reads on kept plans.
DROP FUNCTION IF EXISTS newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer);
DROP FUNCTION IF EXISTS ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint);
