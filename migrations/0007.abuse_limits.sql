-- Abuse limits: counters every crm process shares (public requests and comments per address,
-- failed logins per address and per account), one row per bucket and subject.
-- depends: 0006.repair_story

-- UNLOGGED: counters are cheap to lose (a crash forgets them, which only forgives a few
-- requests) and need no write-ahead log on every public request.
CREATE UNLOGGED TABLE rate_limits (
    bucket text NOT NULL,
    subject text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (bucket, subject)
);

COMMENT ON TABLE rate_limits IS 'Fixed-window abuse counters shared by every crm process; rows older than a day are pruned.';
COMMENT ON COLUMN rate_limits.bucket IS 'What is limited: public_ticket, public_comment, login_address or login_account.';
COMMENT ON COLUMN rate_limits.subject IS 'Who is counted: a client address, or a login e-mail (lower case).';
COMMENT ON COLUMN rate_limits.window_start IS 'When the current window began; the count starts again once it is over.';
COMMENT ON COLUMN rate_limits.hits IS 'Hits counted in the current window.';
COMMENT ON INDEX rate_limits_pkey IS 'One counter per bucket and subject.';
