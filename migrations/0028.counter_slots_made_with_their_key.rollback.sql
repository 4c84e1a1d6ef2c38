-- Undo 0028: users get no counter slots of their own, and truncating tickets empties the
-- counters (as 0013 left it). Slots at zero count nothing: they go, and the triggers make each
-- again when a write needs it.
DROP TRIGGER users_make_counter_slots ON users;
DROP FUNCTION users_make_counter_slots();
CREATE OR REPLACE FUNCTION ticket_counts_clear() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_counts;
    DELETE FROM ticket_totals;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_counts_clear() IS 'Empties ticket_counts and ticket_totals when tickets is truncated.';
DROP FUNCTION make_counter_slots(bigint[]);
DELETE FROM ticket_counts WHERE tickets = 0;
DELETE FROM ticket_totals WHERE tickets = 0;
