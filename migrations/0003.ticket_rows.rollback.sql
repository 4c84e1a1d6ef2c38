-- Undo 0003: the ticket view.
DROP VIEW IF EXISTS ticket_rows;
