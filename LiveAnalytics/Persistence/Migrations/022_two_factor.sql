-- Two-factor authentication with an authenticator app: the shared key (encrypted with the Data Protection keys, which
-- live in Redis, not here), the last 30-second step whose code logged in (a code works once), and the unused recovery
-- codes, each stored as a SHA-256 hash.
ALTER TABLE users ADD COLUMN IF NOT EXISTS two_factor_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS authenticator_key text;
ALTER TABLE users ADD COLUMN IF NOT EXISTS authenticator_last_step bigint;
ALTER TABLE users ADD COLUMN IF NOT EXISTS recovery_codes text;
