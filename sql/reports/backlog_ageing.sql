-- Backlog ageing: open tickets (new or in progress) now, by how long ago they arrived, among
-- tickets created in [from, to). Every bucket is listed, empty ones too.
-- Usage: psql -v from=2026-01-01 -v to=2027-01-01 -f sql/reports/backlog_ageing.sql
-- (either may be left out: all open tickets).
\if :{?from}
\else
    \set from '-infinity'
\endif
\if :{?to}
\else
    \set to 'infinity'
\endif
WITH buckets (position, age, lower_bound, upper_bound) AS (
    VALUES (1, 'under 1 day', interval '0', interval '1 day'),
           (2, '1 to 3 days', interval '1 day', interval '3 days'),
           (3, '3 to 7 days', interval '3 days', interval '7 days'),
           (4, '7 to 30 days', interval '7 days', interval '30 days'),
           (5, '30 days or more', interval '30 days', NULL)
), open AS (
    SELECT status, now() - created_at AS waiting
    FROM report_tickets
    WHERE status IN ('new', 'in_progress') AND NOT deleted
      AND created_at >= :'from'::timestamptz AND created_at < :'to'::timestamptz
)
SELECT b.age,
       count(o.status) AS open,
       count(o.status) FILTER (WHERE o.status = 'new') AS new,
       count(o.status) FILTER (WHERE o.status = 'in_progress') AS in_progress
FROM buckets AS b
LEFT JOIN open AS o
    ON o.waiting >= b.lower_bound AND (b.upper_bound IS NULL OR o.waiting < b.upper_bound)
GROUP BY b.position, b.age
ORDER BY b.position;
