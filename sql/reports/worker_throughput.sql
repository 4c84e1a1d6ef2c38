-- Worker throughput per week: closes (the last move to done) in each ISO week (Monday, UTC) of
-- [from, to), per worker credited (the last assignment before the close), with the median and
-- 90th percentile hours from creation to close.
-- Usage: psql -v from=2026-01-01 -v to=2026-04-01 -f sql/reports/worker_throughput.sql
\if :{?from}
\else
    \set from '-infinity'
\endif
\if :{?to}
\else
    \set to 'infinity'
\endif
SELECT to_char(date_trunc('week', closed_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
       coalesce(worker_email, '(unassigned)') AS worker,
       count(*) AS closed,
       round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_time))
              / 3600)::numeric, 1) AS median_hours,
       round((extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_time))
              / 3600)::numeric, 1) AS p90_hours
FROM report_closes
WHERE closed_at >= :'from'::timestamptz AND closed_at < :'to'::timestamptz
GROUP BY 1, 2
ORDER BY 1, 2;
