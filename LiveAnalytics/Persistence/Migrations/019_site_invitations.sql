-- Invitations to a site's team, mailed to an address that has no account yet. The mail's link holds a random token;
-- only its SHA-256 is kept, so the table gives nobody a way in. One invitation an address a site: inviting again
-- replaces the token (and the role).
CREATE TABLE IF NOT EXISTS site_invitations (
    id               bigserial   PRIMARY KEY,
    site_id          bigint      NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email            text        NOT NULL,
    normalized_email text        NOT NULL,
    role             text        NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
    token_hash       bytea       NOT NULL UNIQUE,
    invited_by       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    UNIQUE (site_id, normalized_email)
);
