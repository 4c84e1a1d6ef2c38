-- Monthly intake by status: tickets created in each UTC month of [from, to), by where they are
-- now; deleted tickets are counted apart, so the columns add up to `created`.
-- Usage: psql -v from=2026-01-01 -v to=2027-01-01 -f sql/reports/monthly_intake.sql
-- (from and to are timestamps, to excluded; either may be left out).
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
       count(*) FILTER (WHERE NOT deleted AND status = 'new') AS new,
       count(*) FILTER (WHERE NOT deleted AND status = 'in_progress') AS in_progress,
       count(*) FILTER (WHERE NOT deleted AND status = 'done') AS done,
       count(*) FILTER (WHERE NOT deleted AND status = 'canceled') AS canceled,
       count(*) FILTER (WHERE deleted) AS deleted
FROM report_tickets
WHERE created_at >= :'from'::timestamptz AND created_at < :'to'::timestamptz
GROUP BY 1
ORDER BY 1;
