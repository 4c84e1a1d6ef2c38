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
-- MATERIALIZED: each ticket's first response is looked up once, not once per aggregate.
WITH waits AS MATERIALIZED (
    SELECT created_at, first_response_at - created_at AS waited
    FROM report_tickets
    WHERE created_at >= :'from'::timestamptz AND created_at < :'to'::timestamptz
)
SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'UTC'), 'YYYY-MM') AS month,
       count(*) AS created,
       count(waited) AS answered,
       round((extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY waited))
              / 3600)::numeric, 1) AS median_hours,
       round((extract(epoch FROM percentile_cont(0.9) WITHIN GROUP (ORDER BY waited))
              / 3600)::numeric, 1) AS p90_hours
FROM waits
GROUP BY 1
ORDER BY 1;
