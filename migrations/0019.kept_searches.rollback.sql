-- Undo 0019: title searches go through list_tickets again.
DROP FUNCTION newest_search(bigint, integer, user_role, boolean, text, ticket_status, bigint, timestamptz, bigint, integer, integer);
