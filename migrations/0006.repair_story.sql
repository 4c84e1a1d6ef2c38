-- A repair job's whole story: the device and address on a ticket, what the customer typed, staff
-- display names, and comments (internal notes and the conversation with the customer).
-- depends: 0004.input_rules

ALTER TABLE tickets
    ADD COLUMN device_kind text CHECK (btrim(device_kind) <> '' AND length(device_kind) <= 100),
    ADD COLUMN device_brand text CHECK (btrim(device_brand) <> '' AND length(device_brand) <= 100),
    ADD COLUMN device_model text CHECK (btrim(device_model) <> '' AND length(device_model) <= 100),
    ADD COLUMN device_serial text CHECK (btrim(device_serial) <> '' AND length(device_serial) <= 64),
    ADD COLUMN address text CHECK (btrim(address) <> '' AND length(address) <= 500),
    ADD COLUMN contact_name text CHECK (length(contact_name) <= 200),
    ADD COLUMN contact_phone text CHECK (length(contact_phone) <= 40),
    ADD COLUMN contact_email email_address,
    ADD COLUMN contact_comment text CHECK (length(contact_comment) <= 2000);
COMMENT ON COLUMN tickets.device_kind IS 'What the device is, e.g. "стиральная машина" (up to 100 characters).';
COMMENT ON COLUMN tickets.device_brand IS 'The device''s brand, e.g. Bosch.';
COMMENT ON COLUMN tickets.device_model IS 'The device''s model as written on it.';
COMMENT ON COLUMN tickets.device_serial IS 'Serial number or IMEI as typed; search ignores case, spaces and dashes.';
COMMENT ON COLUMN tickets.address IS 'Where an on-site visit goes (up to 500 characters).';
COMMENT ON COLUMN tickets.contact_name IS 'The name the customer typed into the public request (their client row is never changed by the public).';
COMMENT ON COLUMN tickets.contact_phone IS 'The phone the customer typed into the public request, normalised.';
COMMENT ON COLUMN tickets.contact_email IS 'The e-mail the customer typed into the public request.';
COMMENT ON COLUMN tickets.contact_comment IS 'The comment the customer typed into the public request.';

-- Search by serial/IMEI: lower case without whitespace or dashes, matched as a prefix. Not a
-- partial index: the planner reads an expression's statistics only from a whole-table index, and
-- without them guesses a rare word's OR serial match common and walks the newest-first index
-- (seconds at a million tickets, against a millisecond for a bitmap OR of the two indexes).
CREATE INDEX tickets_device_serial_idx
    ON tickets ((regexp_replace(lower(device_serial), '[[:space:]-]+', '', 'g')) text_pattern_ops);
COMMENT ON INDEX tickets_device_serial_idx IS 'Serial/IMEI without case, spaces or dashes, for prefix search.';

ALTER TABLE users
    ADD COLUMN display_name text CHECK (btrim(display_name) <> '' AND length(display_name) <= 100);
COMMENT ON COLUMN users.display_name IS 'The name customers see on public comments; null shows a neutral label.';

CREATE TYPE comment_visibility AS ENUM ('internal', 'public');
COMMENT ON TYPE comment_visibility IS 'Who sees a comment: internal (staff only) or public (also the customer).';

CREATE TABLE ticket_comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id bigint REFERENCES users (id) ON DELETE RESTRICT,
    visibility comment_visibility NOT NULL,
    body text NOT NULL CHECK (btrim(body) <> '' AND length(body) <= 5000),
    created_at timestamptz NOT NULL DEFAULT now(),
    edited_at timestamptz,
    -- The customer writes only public comments.
    CHECK (author_id IS NOT NULL OR visibility = 'public')
);
COMMENT ON TABLE ticket_comments IS 'Notes and messages on a ticket: internal (staff only) or public (the customer sees them).';
COMMENT ON COLUMN ticket_comments.id IS 'Surrogate key; increases with time.';
COMMENT ON COLUMN ticket_comments.ticket_id IS 'The ticket the comment is about.';
COMMENT ON COLUMN ticket_comments.author_id IS 'The staff member who wrote it; null when the customer wrote it through the tracking link.';
COMMENT ON COLUMN ticket_comments.visibility IS 'internal (staff only) or public (shown on the tracking page).';
COMMENT ON COLUMN ticket_comments.body IS 'The text (1 to 5000 characters); the history keeps earlier versions.';
COMMENT ON COLUMN ticket_comments.created_at IS 'When it was written (UTC).';
COMMENT ON COLUMN ticket_comments.edited_at IS 'When its author last edited it (UTC); null if never.';
CREATE INDEX ticket_comments_ticket_idx ON ticket_comments (ticket_id, id);
COMMENT ON INDEX ticket_comments_ticket_idx IS 'A ticket''s comments, oldest first.';
CREATE INDEX ticket_comments_author_idx ON ticket_comments (author_id) WHERE author_id IS NOT NULL;
COMMENT ON INDEX ticket_comments_author_idx IS 'Comments by a staff member (keeps deleting a user''s row cheap to check).';

ALTER TYPE ticket_event_kind ADD VALUE 'commented';
ALTER TYPE ticket_event_kind ADD VALUE 'comment_edited';
ALTER TYPE ticket_event_kind ADD VALUE 'comment_deleted';
ALTER TABLE ticket_events ADD COLUMN comment_id bigint;
COMMENT ON COLUMN ticket_events.comment_id IS 'For comment events: the comment (no foreign key: a deleted comment''s events stay).';
COMMENT ON COLUMN ticket_events.kind IS 'created, status_changed, assigned, edited, commented, comment_edited or comment_deleted.';
COMMENT ON COLUMN ticket_events.changes IS 'For edits: the changed fields with their old and new values (a comment edit keeps the old text); for comments: their visibility.';

-- The view gains the new fields at its end (CREATE OR REPLACE VIEW may only append columns).
CREATE OR REPLACE VIEW ticket_rows AS
SELECT t.id, t.title, t.description, t.status, t.client_id,
       (SELECT c.name FROM clients AS c WHERE c.id = t.client_id) AS client_name,
       t.assignee_id,
       (SELECT u.email::text FROM users AS u WHERE u.id = t.assignee_id) AS assignee_email,
       t.scheduled_at, t.created_at, t.updated_at, t.search,
       jsonb_build_object('kind', t.device_kind, 'brand', t.device_brand, 'model', t.device_model,
                          'serial', t.device_serial) AS device,
       t.address,
       CASE WHEN t.contact_phone IS NOT NULL OR t.contact_email IS NOT NULL
            THEN jsonb_build_object('name', t.contact_name, 'phone', t.contact_phone,
                                    'email', t.contact_email, 'comment', t.contact_comment)
       END AS contact,
       -- tickets_device_serial_idx's expression: the planner matches it through the view.
       regexp_replace(lower(t.device_serial), '[[:space:]-]+', '', 'g') AS device_serial_key
FROM tickets AS t;
COMMENT ON COLUMN ticket_rows.device IS 'The device as an object: kind, brand, model, serial (each may be null).';
COMMENT ON COLUMN ticket_rows.address IS 'Where an on-site visit goes.';
COMMENT ON COLUMN ticket_rows.contact IS 'What the customer typed into the public request (name, phone, e-mail, comment); null for staff-made tickets.';
COMMENT ON COLUMN ticket_rows.device_serial_key IS 'The serial/IMEI lower-cased without spaces or dashes (what search matches).';
