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
SELECT id, email, role, active, created_at, updated_at
FROM users
WHERE id = :id AND deleted_at IS NULL;

-- name: insert_user^
-- Create a user; returns nothing when the e-mail is taken by an undeleted user.
INSERT INTO users (email, password_hash, role)
VALUES (:email, :password_hash, :role)
ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO NOTHING
RETURNING id, email, role, active, created_at, updated_at;
