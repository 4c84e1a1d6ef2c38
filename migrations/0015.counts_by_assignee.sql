-- One worker's total without reading every counter: ticket_counts has a row per status, assignee
-- and slot (1,506 at a million tickets), and a worker's own list summed its 28 by reading all.
-- depends: 0014.estimated_totals

CREATE INDEX ticket_counts_assignee_idx ON ticket_counts (assignee_id, status);
COMMENT ON INDEX ticket_counts_assignee_idx IS 'One assignee''s counters (a worker''s own list and counts).';
