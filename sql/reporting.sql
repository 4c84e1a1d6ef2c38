-- Reporting: logins for analysts, who read the report_* views through the crm_reporting role.

-- name: create_reporting_login!
-- Create a login in crm_reporting with a SCRAM verifier as its password (needs CREATEROLE).
SELECT create_reporting_login(:login, :password_verifier);

-- name: export_report_tickets
-- report_tickets rows created in [created_from, created_to) with any of the statuses, oldest first, for the CSV export.
SELECT ticket_id, title, status, device_kind, device_brand, device_model, device_serial, address,
       client_id, client_name, client_phone, client_email, assignee_id,
       assignee_email, created_at, updated_at, scheduled_at, first_in_progress_at,
       first_response_at, done_at, canceled_at, closed_by_id, closed_by_email,
       extract(epoch FROM resolution_time)::bigint AS resolution_seconds, reopenings, deleted,
       deleted_at
FROM report_tickets
WHERE (:created_from::timestamptz IS NULL OR created_at >= :created_from::timestamptz)
  AND (:created_to::timestamptz IS NULL OR created_at < :created_to::timestamptz)
  AND (:statuses::ticket_status[] IS NULL OR status = ANY (:statuses::ticket_status[]))
ORDER BY created_at, ticket_id;
