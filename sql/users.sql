-- Users: the admins and workers who log in.

-- name: get_user_for_auth^
-- The active, undeleted user a token names, with the token version it must carry.
SELECT id, email, role, token_version
FROM users
WHERE id = :id AND active AND deleted_at IS NULL;

-- name: get_login^
-- The active, undeleted user with this e-mail, with what a login needs to check.
SELECT id, password_hash, token_version
FROM users
WHERE lower(email) = lower(:email) AND active AND deleted_at IS NULL;

-- name: set_password_hash!
-- Store a rehashed password (same password, newer argon2 parameters); tokens stay valid.
UPDATE users SET password_hash = :password_hash WHERE id = :id;

-- name: get_user^
-- One undeleted user as the API shows it.
SELECT id, email, display_name, role, active, created_at, updated_at
FROM users
WHERE id = :id AND deleted_at IS NULL;

-- name: insert_user^
-- Create a user; returns nothing when the e-mail is taken by an undeleted user.
INSERT INTO users (email, password_hash, role, display_name)
VALUES (:email, :password_hash, :role, :display_name)
ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO NOTHING
RETURNING id, email, display_name, role, active, created_at, updated_at;

-- name: list_users
-- A page of undeleted users, newest first, after a keyset position, optionally filtered.
SELECT id, email, display_name, role, active, created_at, updated_at
FROM users
WHERE deleted_at IS NULL
  AND (created_at, id) < (:after_created_at, :after_id)
  AND (:role::user_role IS NULL OR role = :role)
  -- :pattern is '%term%' with wildcards escaped; users_email_trgm_idx serves it.
  AND (:pattern::text IS NULL OR email LIKE :pattern)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: lock_active_admins
-- Lock every active admin (in id order), so two admins cannot remove the last two at once.
SELECT id
FROM users
WHERE role = 'admin' AND active AND deleted_at IS NULL
ORDER BY id
FOR UPDATE;

-- name: update_user^
-- Change the given fields (null keeps one; display_name changes when set_display_name); a new password or deactivation revokes tokens.
UPDATE users SET
    email = coalesce(:email, email),
    display_name = CASE WHEN :set_display_name THEN :display_name ELSE display_name END,
    password_hash = coalesce(:password_hash, password_hash),
    role = coalesce(:role::user_role, role),
    active = coalesce(:active, active),
    token_version = token_version
        + CASE WHEN :password_hash IS NOT NULL OR NOT coalesce(:active, true) THEN 1 ELSE 0 END,
    updated_at = now()
WHERE id = :id AND deleted_at IS NULL
RETURNING id, email, display_name, role, active, created_at, updated_at;

-- name: delete_user$
-- Soft-delete a user and revoke their tokens; the row stays so history keeps its actors.
UPDATE users SET deleted_at = now(), token_version = token_version + 1, updated_at = now()
WHERE id = :id AND deleted_at IS NULL
RETURNING id;

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
