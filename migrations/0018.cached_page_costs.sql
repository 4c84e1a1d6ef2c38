-- The kept plans cost a random read as what it is here: a page already in memory. At the default
-- random_page_cost (4.0) the planner reads the 51-row users table whole, once for each row of a
-- page, rather than look the assignee (or comment author) up by key: a worker's page did 21 such
-- scans. At 1.1, the value PostgreSQL's documentation suggests when the data is cached, the
-- lookups go through users_pkey, and pgbench ran a worker's page 3,800 -> 5,000 times a second.
-- Only these functions' plans change; every other statement keeps the server's setting.
-- depends: 0017.offset_pages_by_index

ALTER FUNCTION newest_tickets(bigint, integer, user_role, boolean, ticket_status, bigint, timestamptz, bigint, integer, integer)
    SET random_page_cost = 1.1;
ALTER FUNCTION ticket_for_caller(bigint, integer, user_role, boolean, bigint, bigint)
    SET random_page_cost = 1.1;
ALTER FUNCTION change_ticket_status(bigint, integer, user_role, boolean, bigint, bigint, timestamptz[], ticket_status, ticket_status[], text, text)
    SET random_page_cost = 1.1;
ALTER FUNCTION ticket_comments_page(bigint, integer, user_role, boolean, bigint, bigint, bigint, integer, integer)
    SET random_page_cost = 1.1;
