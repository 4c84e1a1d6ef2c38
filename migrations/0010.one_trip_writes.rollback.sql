-- Undo 0010: the one-call writes.
DROP FUNCTION IF EXISTS change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text);
DROP FUNCTION IF EXISTS create_public_request(text, integer, integer, text, text, text, text, text, text, text, text, timestamptz, text, text, text, text, text, text, text);
DROP FUNCTION IF EXISTS hit_rate_limit(text, text, integer);
