-- Undo 0009. The crm_reporting role is shared by every database of the server, so it stays
-- (it loses this database's grants); tombstoned tickets are gone for good, and their events
-- are deleted so the foreign key can return.
DROP FUNCTION IF EXISTS create_reporting_login(text, text);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_reporting') THEN
        REVOKE USAGE ON SCHEMA public FROM crm_reporting;
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM crm_reporting', current_database());
    END IF;
END
$$;
DROP VIEW IF EXISTS report_worker_load;
DROP VIEW IF EXISTS report_closes;
DROP VIEW IF EXISTS report_daily;
DROP TRIGGER IF EXISTS report_daily_count_truncate ON ticket_events;
DROP TRIGGER IF EXISTS report_daily_count_events ON ticket_events;
DROP TRIGGER IF EXISTS report_daily_count_deletions ON deleted_tickets;
DROP FUNCTION IF EXISTS report_daily_count_truncate();
DROP FUNCTION IF EXISTS report_daily_count_events();
DROP FUNCTION IF EXISTS report_daily_count_deletions();
DROP TABLE IF EXISTS report_daily_counts;
DROP VIEW IF EXISTS report_tickets;
DROP TRIGGER IF EXISTS ticket_milestones_add_events ON ticket_events;
DROP FUNCTION IF EXISTS ticket_milestones_add_events();
DROP TABLE IF EXISTS ticket_milestones;
DROP INDEX IF EXISTS ticket_events_status_time_idx;
DELETE FROM ticket_events AS e WHERE NOT EXISTS (SELECT 1 FROM tickets AS t WHERE t.id = e.ticket_id);
ALTER TABLE ticket_events ADD CONSTRAINT ticket_events_ticket_id_fkey
    FOREIGN KEY (ticket_id) REFERENCES tickets (id) ON DELETE CASCADE;
COMMENT ON COLUMN ticket_events.ticket_id IS 'The ticket that changed.';
DROP TABLE IF EXISTS deleted_tickets;
