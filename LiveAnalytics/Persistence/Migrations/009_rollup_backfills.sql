-- A merchant's request to rebuild a site's rollups from all its raw events (after an import, a time
-- zone change, or to check them): the marking runs as a job, the rollup job rebuilds the hours, and
-- the settings page shows how far it is from the marks still left.
CREATE TABLE rollup_backfills (
    site_id      bigint      PRIMARY KEY REFERENCES sites (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL,
    hours_total  integer,       -- null until the hours are marked
    finished_at  timestamptz
);
