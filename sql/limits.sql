-- Abuse limits: fixed-window counters in rate_limits, shared by every process.

-- name: hit_limit^
-- Count one hit for a subject (hit_rate_limit, migration 0010): the hits so far, and the seconds until the window ends.
SELECT hits, retry_after FROM hit_rate_limit(:bucket, :subject, :window_seconds);

-- name: peek_limit^
-- A subject's hits in its current window (no row when none), without counting one.
SELECT hits, greatest(1, ceil(extract(epoch FROM window_start + make_interval(secs => :window_seconds) - now())))::integer AS retry_after
FROM rate_limits
WHERE bucket = :bucket AND subject = :subject AND window_start > now() - make_interval(secs => :window_seconds);

-- name: clear_limit!
-- Forget a subject's count (a successful login clears its account's failures).
DELETE FROM rate_limits WHERE bucket = :bucket AND subject = :subject;

-- name: prune_limits!
-- Drop counters whose window ended more than a day ago.
DELETE FROM rate_limits WHERE window_start < now() - interval '1 day';
