-- Undo 0018: the kept plans at the server's random_page_cost.
ALTER FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer)
    RESET random_page_cost;
ALTER FUNCTION ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint)
    RESET random_page_cost;
ALTER FUNCTION change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text)
    RESET random_page_cost;
ALTER FUNCTION ticket_comments_page(bigint, integer, user_role, boolean, bigint, bigint, bigint, integer, integer)
    RESET random_page_cost;
