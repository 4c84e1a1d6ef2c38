-- First-response time per UTC month of creation in [from, to): how long customers waited from
-- their request to the first response (report_tickets.first_response_at: work started or
-- staff's first public comment, whichever came first).
-- Usage: psql -v from=2026-01-01 -v to=2027-01-01 -f sql/reports/first_response.sql
\if :{?from}
\else
    \set from '-infinity'
\endif
\if :{?to}
\else
    \set to 'infinity'
\endif
SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
       count(*) AS created,
       count(first_response_at) AS answered,
       round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (
           ORDER BY first_response_at - created_at)) / 3600)::numeric, 1) AS median_hours,
       round((extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (
           ORDER BY first_response_at - created_at)) / 3600)::numeric, 1) AS p90_hours
FROM report_tickets
WHERE created_at >= :'from'::timestamptz AND created_at < :'to'::timestamptz
GROUP BY 1
ORDER BY 1;
