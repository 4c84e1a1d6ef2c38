-- Counter slots made with their key. Migration 0023 gave every key of ticket_counts and
-- ticket_totals its 16 slots and laid them out together, but a key made later (a new worker, a
-- shop installed after 0023, a demo shop) gained its slots one transaction at a time, each
-- wherever a page had room: in a fresh bench shop after one bench a worker's 34 rows sat on 19
-- of the table's 56 pages, and their total (every worker's list and counts) cost 34 µs of
-- PostgreSQL at one client where 64 rows laid together on 3 pages cost 17. Now a user's 16 slots
-- of every status are made when the user is, the unassigned key's and ticket_totals' once here
-- (and again when tickets is truncated), all in key order: later writes only update them, on
-- their pages (fillfactor, 0023). The triggers' own upsert still makes any slot that is missing.
-- (0023 found that making a new key's slots from the counter trigger deadlocks: two transactions
-- that each made one slot of the same new key then waited on each other's. A user is made by one
-- transaction, before anyone can be assigned a ticket.)
-- depends: 0027.shared_rows_last

-- Writers wait until this commits (the order their triggers lock the two tables in).
LOCK TABLE ticket_counts, ticket_totals IN EXCLUSIVE MODE;

CREATE FUNCTION make_counter_slots(p_assignee_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO ticket_counts (status, assignee_id, slot, tickets)
    SELECT k.status, a.id, s.slot, 0
    FROM unnest(p_assignee_ids) AS a (id)
    CROSS JOIN unnest(enum_range(NULL::ticket_status)) AS k (status)
    CROSS JOIN generate_series(0, 15) AS s (slot)
    ORDER BY a.id NULLS FIRST, k.status, s.slot
    ON CONFLICT (status, assignee_id, slot) DO NOTHING;
    INSERT INTO ticket_totals (status, slot, tickets)
    SELECT k.status, s.slot, 0
    FROM unnest(enum_range(NULL::ticket_status)) AS k (status)
    CROSS JOIN generate_series(0, 15) AS s (slot)
    ORDER BY k.status, s.slot
    ON CONFLICT (status, slot) DO NOTHING;
$$;
COMMENT ON FUNCTION make_counter_slots(bigint[]) IS 'Makes the missing counter slots (at zero, in key order) of these assignees (null: unassigned) in every status, and of ticket_totals.';

DO $$
BEGIN
    PERFORM make_counter_slots(ARRAY[NULL::bigint] || ARRAY(SELECT id FROM users ORDER BY id));
END
$$;
CLUSTER ticket_counts USING ticket_counts_assignee_idx;
CLUSTER ticket_totals USING ticket_totals_key;
ANALYZE ticket_counts, ticket_totals;

CREATE FUNCTION users_make_counter_slots() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM make_counter_slots(ARRAY(SELECT id FROM added_users ORDER BY id));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION users_make_counter_slots() IS 'Makes new users'' counter slots (make_counter_slots).';
CREATE TRIGGER users_make_counter_slots AFTER INSERT ON users
    REFERENCING NEW TABLE AS added_users FOR EACH STATEMENT
    EXECUTE FUNCTION users_make_counter_slots();

CREATE OR REPLACE FUNCTION ticket_counts_clear() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ticket_counts;
    DELETE FROM ticket_totals;
    PERFORM make_counter_slots(ARRAY[NULL::bigint] || ARRAY(SELECT id FROM users ORDER BY id));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION ticket_counts_clear() IS 'Sets every counter back to zero (every key''s slots made again) when tickets is truncated.';
