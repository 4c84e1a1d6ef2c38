-- Undo 0015.
DROP INDEX IF EXISTS ticket_counts_assignee_idx;
