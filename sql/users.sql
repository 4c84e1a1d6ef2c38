-- Users: the admins and workers who log in.

-- name: get_user_for_auth^
-- The user a token (id, version) names while the token is still valid (staff_caller, as every read query checks it).
-- plan: kept
SELECT id, email, role, token_version
FROM staff_caller(:id, :token_version);

-- name: get_login^
-- The active, undeleted user with this e-mail, with what a login needs to check.
SELECT id, password_hash, token_version
FROM users
WHERE lower(email) = lower(:email) AND active AND deleted_at IS NULL;

-- name: set_password_hash!
-- Store a rehashed password (same password, newer argon2 parameters); tokens stay valid.
UPDATE users SET password_hash = :password_hash WHERE id = :id;

-- name: get_user^
-- One undeleted user as the API shows it, and whether the caller passed (see list_tickets).
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed)
        AS passed
)
SELECT u.id, u.email, u.display_name, u.role, u.active, u.created_at, u.updated_at,
       me.passed AS caller_passed
FROM me
LEFT JOIN LATERAL (
    SELECT id, email, display_name, role, active, created_at, updated_at
    FROM users
    WHERE id = :id AND deleted_at IS NULL
) AS u ON me.passed;

-- name: insert_user^
-- Create a user; returns nothing when the e-mail is taken by an undeleted user.
INSERT INTO users (email, password_hash, role, display_name)
VALUES (:email, :password_hash, :role, :display_name)
ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO NOTHING
RETURNING id, email, display_name, role, active, created_at, updated_at;

-- name: list_users
-- A page of undeleted users in the `sort` order after a keyset position (or `offset` rows in), optionally filtered, with the total (to 10,001) and whether the caller passed.
WITH me AS MATERIALIZED (
    SELECT caller_passes(:caller_id, :caller_version, :caller_role::user_role, :caller_confirmed)
        AS passed
)
, matching AS NOT MATERIALIZED (
    SELECT id, email, display_name, role, active, created_at, updated_at
    FROM users
    WHERE deleted_at IS NULL
      AND (:role::user_role IS NULL OR role = :role::user_role)
      -- :pattern is '%term%' with wildcards escaped; users_email_trgm_idx serves it.
      AND (:pattern::text IS NULL OR email LIKE :pattern::text)
)
SELECT u.id, u.email, u.display_name, u.role, u.active, u.created_at, u.updated_at,
       me.passed AS caller_passed, total.rows AS total
FROM me
LEFT JOIN LATERAL (
    SELECT count(*) AS rows FROM (SELECT 1 FROM matching LIMIT 10001) AS capped
) AS total ON me.passed
-- One branch per order, as in list_tickets (SELECT * of the CTE: its columns are listed above).
LEFT JOIN LATERAL (
    (SELECT * FROM matching
     WHERE :sort::text = '-created_at'
       AND (created_at, id) < (:after_time::timestamptz, :after_id::bigint)
     ORDER BY created_at DESC, id DESC LIMIT :limit OFFSET :offset)
    UNION ALL
    (SELECT * FROM matching
     WHERE :sort::text = 'email' AND (email, id) > (:after_text::text, :after_id::bigint)
     ORDER BY email, id LIMIT :limit OFFSET :offset)
) AS u ON me.passed;

-- name: lock_active_admins
-- Lock every active admin (in id order), so two admins cannot remove the last two at once.
SELECT id
FROM users
WHERE role = 'admin' AND active AND deleted_at IS NULL
ORDER BY id
FOR UPDATE;

-- name: update_user^
-- Change the given fields (null keeps one; display_name changes when set_display_name) if the version is one `expected` lists; a new password, role or deactivation revokes tokens.
UPDATE users SET
    email = coalesce(:email, email),
    display_name = CASE WHEN :set_display_name THEN :display_name ELSE display_name END,
    password_hash = coalesce(:password_hash, password_hash),
    role = coalesce(:role::user_role, role),
    active = coalesce(:active, active),
    token_version = token_version
        + CASE WHEN :password_hash IS NOT NULL OR NOT coalesce(:active, true)
                    OR :role::user_role <> role
               THEN 1 ELSE 0 END,
    updated_at = now()
WHERE id = :id AND deleted_at IS NULL AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
RETURNING id, email, display_name, role, active, created_at, updated_at;

-- name: delete_user$
-- Soft-delete a user (if the version is one `expected` lists) and revoke their tokens; the row stays so history keeps its actors.
UPDATE users SET deleted_at = now(), token_version = token_version + 1, updated_at = now()
WHERE id = :id AND deleted_at IS NULL AND (:expected::timestamptz[] IS NULL OR updated_at = ANY(:expected::timestamptz[]))
RETURNING id;

-- name: user_exists$
-- Whether an undeleted user has this id.
SELECT EXISTS (SELECT 1 FROM users WHERE id = :id AND deleted_at IS NULL);

-- name: release_open_tickets!
-- Return a user's new and in-progress tickets to the unassigned queue, one history row each.
WITH released AS (
    UPDATE tickets SET assignee_id = NULL, updated_at = now()
    WHERE assignee_id = :user_id AND status IN ('new', 'in_progress')
    RETURNING id
)
INSERT INTO ticket_events (ticket_id, actor_id, kind, from_assignee_id, to_assignee_id)
SELECT id, :actor_id, 'assigned', :user_id, NULL
FROM released
ORDER BY id;
