-- Undo 0030: the lists read datetimes again.
DROP FUNCTION api_time(timestamptz);
