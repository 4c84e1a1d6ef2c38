-- Undo 0012: the comments page on a kept plan.
DROP FUNCTION IF EXISTS ticket_comments_page(bigint, integer, user_role, boolean, bigint, bigint, bigint, integer, integer);
