-- Sites their owners deleted. Deleting the site cascades to everything that references it; stored events do not
-- (events has no foreign key, for the COPY's sake), so the retention job deletes them in slices, and keeps the
-- row a day after the deletion for events still on their way from the stream.
CREATE TABLE IF NOT EXISTS deleted_sites (
    site_id    bigint      PRIMARY KEY,
    domain     text        NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now()
);
