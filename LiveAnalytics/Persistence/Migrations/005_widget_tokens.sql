-- Tokens for embeddable widgets: public by nature (they sit in a storefront's HTML), so each is
-- scoped to one site, to the widgets chosen, and to the origins that may frame them. Only a
-- SHA-256 of the token is kept.
CREATE TABLE widget_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id         bigint NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    name            text   NOT NULL,
    prefix          text   NOT NULL,
    token_hash      bytea  NOT NULL UNIQUE,
    widgets         text[] NOT NULL,
    allowed_origins text[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);
CREATE INDEX widget_tokens_site ON widget_tokens (site_id) WHERE revoked_at IS NULL;
