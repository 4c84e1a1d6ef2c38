-- Report bench: what an analyst asks the report views, timed by tests/bench/reports.py.

-- name: bench_report_tickets_month
-- report_tickets: a month, every column.
SELECT * FROM report_tickets WHERE created_at >= :start AND created_at < :stop;

-- name: bench_report_tickets_year_by_status
-- report_tickets: a year of tickets counted by status.
SELECT status, count(*) FROM report_tickets
WHERE created_at >= :stop::timestamptz - interval '1 year' AND created_at < :stop::timestamptz
GROUP BY status;

-- name: bench_report_daily
-- report_daily: every day.
SELECT day, created, done, canceled, open_at_end FROM report_daily;

-- name: bench_report_closes_month
-- report_closes: a month's closes by worker, with the median time (the README's question).
SELECT worker_email, count(*) AS closed,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_time) AS median
FROM report_closes
WHERE closed_at >= :start AND closed_at < :stop
GROUP BY worker_email;

-- name: bench_report_worker_load
-- report_worker_load: every worker.
SELECT * FROM report_worker_load;

-- name: bench_count_history$
-- How many tickets (live or deleted) and closes the database holds, as an analyst sees them.
SELECT format('%s tickets, %s closes', (SELECT count(*) FROM report_tickets),
              (SELECT count(*) FROM report_closes));
