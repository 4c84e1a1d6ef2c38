-- Undo 0023: the tables' default fill; the rows stay where they are (the zero slots it made
-- count nothing).
ALTER TABLE ticket_counts RESET (fillfactor);
ALTER TABLE ticket_totals RESET (fillfactor);
