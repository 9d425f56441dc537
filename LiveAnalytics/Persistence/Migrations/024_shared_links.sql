-- Read-only links to a site's history dashboard, for people without an account (a partner, an agency, a board).
-- Only the token's SHA-256 is kept; a link may expire, and a revoked one stays in the table for the record.
CREATE TABLE IF NOT EXISTS shared_links (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    bigint      NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    token_hash bytea       NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS shared_links_site ON shared_links (site_id) WHERE revoked_at IS NULL;
