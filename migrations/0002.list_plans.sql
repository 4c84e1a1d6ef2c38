-- Plans that stay fast at a million tickets: finer search statistics, and each worker's open queue.
-- depends: 0001.initial
-- transactional: false

-- At the default target (100) the planner keeps the 1,000 commonest title words and guesses any
-- other at half the rarest of them: at a million tickets a word in 50 titles looks like one in
-- 600, so it walks the newest-first index and filters a quarter of the table (0.4 s) instead
-- of reading the 50 matches from the GIN index (1 ms). 1,000 keeps 10,000 words.
ALTER TABLE tickets ALTER COLUMN search SET STATISTICS 1000;
ANALYZE tickets;

-- Titles written since the last vacuum wait in the search index's pending list, which every
-- search reads in full: the default 4 MB holds ~35,000 entries (several ms on each search after
-- a busy hour); 512 kB keeps that under a millisecond and still batches the writes.
ALTER INDEX tickets_search_idx SET (gin_pending_list_limit = 512);

-- A worker's new and in-progress tickets, newest first: without it "my new tickets" walks all of
-- the worker's history (tens of thousands of rows) to find the few still open.
CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_assignee_open_idx
    ON tickets (assignee_id, created_at DESC, id DESC)
    WHERE status IN ('new', 'in_progress');
COMMENT ON INDEX tickets_assignee_open_idx IS 'A worker''s open tickets (new, in_progress), newest first.';
