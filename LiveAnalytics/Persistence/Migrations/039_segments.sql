-- Segments: a set of the history dashboard's filters saved under a name ("Google visitors from Germany"), for the
-- site's team to pick again. Filters as the page's address carries them (dimension:value, prop:NAME:value).
CREATE TABLE IF NOT EXISTS segments (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    bigint      NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    filters    text[]      NOT NULL,
    created_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    UNIQUE (site_id, name)
);
