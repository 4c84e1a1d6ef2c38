-- Counter rows that stay together. Every write updates a ticket_counts row and a ticket_totals
-- row; when an update found no room on its row's page it went to another, so the rows scattered:
-- at a million tickets the 64 rows of ticket_totals sat on 163 pages and one worker's 64
-- ticket_counts rows on 43, which every page 1 (its total) and every worker's list reads. Here
-- the pages keep room for the updates (fillfactor), so an update stays on its page (HOT, no
-- index change); every existing key gets all 16 of its slots now (at zero), so its rows are
-- only ever updated, never inserted elsewhere; and the rows are written out once in key order.
-- (Making a new key's slots from the trigger deadlocked: two transactions that each made one
-- slot of the same new key then waited on each other's.) Measured with pgbench on the same
-- shop: the worker's total 60 -> 40 µs, a page 1 260 -> 203 µs, a worker's list 271 -> 225 µs;
-- after 16,000 concurrent status changes a worker's rows were still on 2 pages and
-- ticket_totals on 4.
-- depends: 0022.counter_slots_by_transaction

-- Writers wait until this commits (the order their triggers lock the two tables in).
LOCK TABLE ticket_counts, ticket_totals IN EXCLUSIVE MODE;
ALTER TABLE ticket_counts SET (fillfactor = 30);
ALTER TABLE ticket_totals SET (fillfactor = 10);
INSERT INTO ticket_counts (status, assignee_id, slot, tickets)
SELECT k.status, k.assignee_id, s.slot, 0
FROM (SELECT DISTINCT status, assignee_id FROM ticket_counts) AS k
CROSS JOIN generate_series(0, 15) AS s (slot)
ON CONFLICT (status, assignee_id, slot) DO NOTHING;
INSERT INTO ticket_totals (status, slot, tickets)
SELECT k.status, s.slot, 0
FROM unnest(enum_range(NULL::ticket_status)) AS k (status)
CROSS JOIN generate_series(0, 15) AS s (slot)
ON CONFLICT (status, slot) DO NOTHING;
CLUSTER ticket_counts USING ticket_counts_assignee_idx;
CLUSTER ticket_totals USING ticket_totals_key;
ANALYZE ticket_counts, ticket_totals;
