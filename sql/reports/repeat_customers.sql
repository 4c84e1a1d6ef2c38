-- Repeat customers: clients with two or more tickets created in [from, to), most tickets
-- first; deleted tickets count (the customer did come back).
-- Usage: psql -v from=2026-01-01 -v to=2027-01-01 -f sql/reports/repeat_customers.sql
\if :{?from}
\else
    \set from '-infinity'
\endif
\if :{?to}
\else
    \set to 'infinity'
\endif
SELECT client_id, client_name, client_phone,
       count(*) AS tickets,
       count(*) FILTER (WHERE status = 'done') AS done,
       min(created_at) AS first_ticket_at,
       max(created_at) AS last_ticket_at
FROM report_tickets
WHERE created_at >= :'from'::timestamptz AND created_at < :'to'::timestamptz
GROUP BY client_id, client_name, client_phone
HAVING count(*) >= 2
ORDER BY tickets DESC, client_id;
