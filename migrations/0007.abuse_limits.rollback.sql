-- Undo 0007: the abuse counters go.
DROP TABLE rate_limits;
