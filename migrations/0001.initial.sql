-- The whole schema of the repair CRM: users, clients, tickets, their history, idempotent requests.
-- depends:

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE user_role AS ENUM ('admin', 'worker');
COMMENT ON TYPE user_role IS 'What a user may do: admin (everything) or worker (own tickets).';

CREATE TYPE ticket_status AS ENUM ('new', 'in_progress', 'done', 'canceled');
COMMENT ON TYPE ticket_status IS 'Where a ticket is: new -> in_progress -> done, or canceled.';

CREATE TYPE ticket_event_kind AS ENUM ('created', 'status_changed', 'assigned', 'edited');
COMMENT ON TYPE ticket_event_kind IS 'What a ticket history row records.';

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%' AND length(email) <= 254),
    password_hash text NOT NULL,
    role user_role NOT NULL,
    active boolean NOT NULL DEFAULT true,
    token_version integer NOT NULL DEFAULT 1,
    deleted_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE users IS 'Staff accounts: admins and workers. Deleted users stay as rows for history.';
COMMENT ON COLUMN users.id IS 'Surrogate key.';
COMMENT ON COLUMN users.email IS 'Login name, stored lower-case; unique among users not deleted.';
COMMENT ON COLUMN users.password_hash IS 'argon2id hash in PHC string form; never returned by the API.';
COMMENT ON COLUMN users.role IS 'admin or worker.';
COMMENT ON COLUMN users.active IS 'False locks the user out without deleting them.';
COMMENT ON COLUMN users.token_version IS 'Bumped on password change, deactivation or deletion; older tokens stop working.';
COMMENT ON COLUMN users.deleted_at IS 'When the user was deleted; null while the account exists.';
COMMENT ON COLUMN users.created_at IS 'When the account was created (UTC).';
COMMENT ON COLUMN users.updated_at IS 'When the account last changed (UTC).';
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX users_listing_idx ON users (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX users_email_trgm_idx ON users USING gin (email gin_trgm_ops) WHERE deleted_at IS NULL;

CREATE TABLE clients (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text CHECK (length(name) <= 200),
    phone text CHECK (phone ~ '^\+?[0-9]{3,20}$'),
    email text CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%' AND length(email) <= 254),
    comment text CHECK (length(comment) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE clients IS 'Customers who send repair requests.';
COMMENT ON COLUMN clients.id IS 'Surrogate key.';
COMMENT ON COLUMN clients.name IS 'How the customer introduced themselves (up to 200 characters).';
COMMENT ON COLUMN clients.phone IS 'Phone normalised to digits with an optional leading +.';
COMMENT ON COLUMN clients.email IS 'E-mail, stored lower-case.';
COMMENT ON COLUMN clients.comment IS 'Free-form note about the customer (up to 2000 characters).';
COMMENT ON COLUMN clients.created_at IS 'When the client was first recorded (UTC).';
COMMENT ON COLUMN clients.updated_at IS 'When the client last changed (UTC).';
CREATE INDEX clients_listing_idx ON clients (created_at DESC, id DESC);
CREATE INDEX clients_phone_idx ON clients (phone);
CREATE INDEX clients_email_idx ON clients (email);
CREATE INDEX clients_search_trgm_idx ON clients USING gin (
    (lower(coalesce(name, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(email, ''))) gin_trgm_ops
);

CREATE TABLE tickets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
    description text CHECK (length(description) <= 5000),
    status ticket_status NOT NULL DEFAULT 'new',
    client_id bigint NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    assignee_id bigint REFERENCES users (id) ON DELETE RESTRICT,
    scheduled_at timestamptz,
    tracking_token text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    search tsvector GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, title)) STORED
);
COMMENT ON TABLE tickets IS 'Repair requests and their progress.';
COMMENT ON COLUMN tickets.id IS 'Surrogate key.';
COMMENT ON COLUMN tickets.title IS 'What is broken, in the customer''s words (1 to 200 characters).';
COMMENT ON COLUMN tickets.description IS 'Details of the problem.';
COMMENT ON COLUMN tickets.status IS 'new, in_progress, done or canceled.';
COMMENT ON COLUMN tickets.client_id IS 'The customer; a client with tickets cannot be deleted.';
COMMENT ON COLUMN tickets.assignee_id IS 'The worker doing the repair; null while unassigned.';
COMMENT ON COLUMN tickets.scheduled_at IS 'When the visit or repair is planned (UTC).';
COMMENT ON COLUMN tickets.tracking_token IS 'Unguessable token the customer uses to follow the ticket.';
COMMENT ON COLUMN tickets.created_at IS 'When the request arrived (UTC).';
COMMENT ON COLUMN tickets.updated_at IS 'When the ticket last changed (UTC).';
COMMENT ON COLUMN tickets.search IS 'Title words for full-text search (russian config: Russian and English stems).';
CREATE INDEX tickets_listing_idx ON tickets (created_at DESC, id DESC);
CREATE INDEX tickets_status_idx ON tickets (status, created_at DESC, id DESC);
CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, created_at DESC, id DESC);
CREATE INDEX tickets_client_idx ON tickets (client_id, created_at DESC, id DESC);
CREATE INDEX tickets_search_idx ON tickets USING gin (search);

CREATE TABLE ticket_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id bigint REFERENCES users (id) ON DELETE RESTRICT,
    kind ticket_event_kind NOT NULL,
    from_status ticket_status,
    to_status ticket_status,
    from_assignee_id bigint REFERENCES users (id) ON DELETE RESTRICT,
    to_assignee_id bigint REFERENCES users (id) ON DELETE RESTRICT,
    changes jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ticket_events IS 'Append-only history of every change to a ticket; the source for reports.';
COMMENT ON COLUMN ticket_events.id IS 'Surrogate key; increases with time.';
COMMENT ON COLUMN ticket_events.ticket_id IS 'The ticket that changed.';
COMMENT ON COLUMN ticket_events.actor_id IS 'Who changed it; null for the public (a customer''s request).';
COMMENT ON COLUMN ticket_events.kind IS 'created, status_changed, assigned or edited.';
COMMENT ON COLUMN ticket_events.from_status IS 'Status before a status change.';
COMMENT ON COLUMN ticket_events.to_status IS 'Status after a status change (or at creation).';
COMMENT ON COLUMN ticket_events.from_assignee_id IS 'Assignee before an assignment (null: unassigned).';
COMMENT ON COLUMN ticket_events.to_assignee_id IS 'Assignee after an assignment (null: unassigned).';
COMMENT ON COLUMN ticket_events.changes IS 'For edits: the changed fields with their old and new values.';
COMMENT ON COLUMN ticket_events.created_at IS 'When the change happened (UTC).';
CREATE INDEX ticket_events_ticket_idx ON ticket_events (ticket_id, id);
CREATE INDEX ticket_events_actor_idx ON ticket_events (actor_id) WHERE actor_id IS NOT NULL;
CREATE INDEX ticket_events_from_assignee_idx ON ticket_events (from_assignee_id) WHERE from_assignee_id IS NOT NULL;
CREATE INDEX ticket_events_to_assignee_idx ON ticket_events (to_assignee_id) WHERE to_assignee_id IS NOT NULL;

CREATE TABLE idempotency_keys (
    key text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    request_hash text NOT NULL,
    response_status integer NOT NULL,
    response_body jsonb NOT NULL,
    ticket_id bigint REFERENCES tickets (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE idempotency_keys IS 'Public requests already answered, by Idempotency-Key, kept 24 hours.';
COMMENT ON COLUMN idempotency_keys.key IS 'The client-chosen Idempotency-Key header.';
COMMENT ON COLUMN idempotency_keys.request_hash IS 'SHA-256 of the request body, to refuse a reused key with another body.';
COMMENT ON COLUMN idempotency_keys.response_status IS 'HTTP status of the original answer.';
COMMENT ON COLUMN idempotency_keys.response_body IS 'JSON body of the original answer.';
COMMENT ON COLUMN idempotency_keys.ticket_id IS 'The ticket the request created.';
COMMENT ON COLUMN idempotency_keys.created_at IS 'When the key was first used (UTC).';
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
