-- Reporting: logins for analysts, who read the report_* views through the crm_reporting role.

-- name: create_reporting_login!
-- Create a login in crm_reporting with a SCRAM verifier as its password (needs CREATEROLE).
SELECT create_reporting_login(:login, :password_verifier);
