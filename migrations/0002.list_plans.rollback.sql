-- Undo 0002: drop the open-queue index, back to the default search statistics.
-- transactional: false
DROP INDEX CONCURRENTLY IF EXISTS tickets_assignee_open_idx;
ALTER TABLE tickets ALTER COLUMN search SET STATISTICS -1;
ALTER INDEX tickets_search_idx RESET (gin_pending_list_limit);
