-- When an API key or widget token was last used (to the minute), so that the settings pages show which ones are still
-- in use and which may be revoked. NULL: never used since this column exists.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS last_used_at timestamptz;
ALTER TABLE widget_tokens ADD COLUMN IF NOT EXISTS last_used_at timestamptz;
