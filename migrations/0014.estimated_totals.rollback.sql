-- Undo 0014: totals counted again whatever the estimate.
DROP FUNCTION IF EXISTS ticket_list_estimate(ticket_status[], bigint, bigint, boolean, text, text, timestamptz, timestamptz, timestamptz, timestamptz);
